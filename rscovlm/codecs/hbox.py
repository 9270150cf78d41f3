"""Axis-aligned box codec: ``x1,y1,x2,y2 label``."""
from typing import List, Sequence

import numpy as np

from rscovlm.registry import CODECS
from .base import BaseBoxCodec
from .geometry import hbox_to_poly, poly_to_hbox


@CODECS.register_module()
class HBoxCodec(BaseBoxCodec):
    """The int axis-aligned box enclosing each polygon (Qwen2.5-VL's native
    ``bbox_2d``). Decoded boxes become ``x1,y1, x2,y1, x2,y2, x1,y2``.

    Args:
        fmt: ``'plain'`` or ``'json'``. Upstream has no system prompt for the
            JSON format (the chat template default is used): ``None``.
    """
    box_type = 'hbox'
    json_key = 'bbox_2d'
    num_coords = 4
    plain_system_prompt = (
        'As an AI assistant, you specialize in accurate image object detection, '
        "delivering coordinates in plain text format 'x1,y1,x2,y2 object'.")
    json_system_prompt = None

    def poly_to_coords(self, int_poly: np.ndarray) -> List[int]:
        return [int(c) for c in poly_to_hbox(int_poly)]

    def coords_to_poly(self, coords: Sequence[int]) -> np.ndarray:
        return np.asarray(hbox_to_poly(*coords), dtype=np.float64)
