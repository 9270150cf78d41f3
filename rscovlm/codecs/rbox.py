"""Oriented box codec: ``cx,cy,w,h,a label`` with the angle in degrees."""
from typing import List, Sequence

import numpy as np

from rscovlm.registry import CODECS
from .base import BaseBoxCodec
from .geometry import poly_to_rbox_deg, rbox_deg_to_poly


@CODECS.register_module()
class RBoxCodec(BaseBoxCodec):
    """``cv2.minAreaRect`` of each polygon, with ``w >= h`` and the angle in
    ``[-90, 90)`` degrees, every value ``int()``-truncated (upstream
    ``convert_segmentation_to_obb``). Decoded boxes become their 4 corners.

    Args:
        fmt: ``'plain'`` or ``'json'``.
    """
    box_type = 'rbox'
    json_key = 'oriented bbox'
    num_coords = 5
    plain_system_prompt = (
        'As an AI assistant, you specialize in accurate oriented object detection, '
        "delivering coordinates in plain text format 'x,y,w,h,a object'.")
    json_system_prompt = (
        'You are an AI assistant specializing in oriented object detection. '
        'Represent objects with: center (x,y), width (w), height (h), and rotation angle.')

    def poly_to_coords(self, int_poly: np.ndarray) -> List[int]:
        return list(poly_to_rbox_deg(int_poly))

    def coords_to_poly(self, coords: Sequence[int]) -> np.ndarray:
        return rbox_deg_to_poly(*coords)
