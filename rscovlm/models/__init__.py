from . import hf  # noqa: F401  (registers the Hugging Face model builders)
from .processors import AutoProcessor, TinyQwen2VLProcessor, VLProcessor, build_processor
from .vlms import BaseVLM, QwenVL

__all__ = [
    'AutoProcessor', 'TinyQwen2VLProcessor', 'VLProcessor', 'build_processor', 'BaseVLM',
    'QwenVL'
]
