"""Inference on your own images: :class:`VLMInferencer` (used by ``tools/infer.py`` and
``tools/misc/web_demo.py``)."""
from .inferencer import (ImageReadError, VLMInferencer, list_images, read_image_header,
                         to_bgr, use_saved_processor)
from .task_inputs import TASKS, TaskInput, find_task_inputs

__all__ = [
    'VLMInferencer', 'ImageReadError', 'list_images', 'read_image_header', 'to_bgr',
    'use_saved_processor', 'TASKS', 'TaskInput', 'find_task_inputs'
]
