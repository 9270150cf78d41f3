"""Quadrilateral (polygon) codec: ``x1,y1,x2,y2,x3,y3,x4,y4 label``."""
from typing import List, Sequence

import numpy as np

from rscovlm.registry import CODECS
from .base import BaseBoxCodec
from .geometry import normalize_polygon


@CODECS.register_module()
class QBoxCodec(BaseBoxCodec):
    """The 4 vertices of each object, from the top-most one.

    Args:
        fmt: ``'plain'`` or ``'json'``.
        clockwise: vertex order on screen. Detection data is clockwise;
            upstream grounding (refGeo) data is counter-clockwise
            (``clockwise=False``). Decoding accepts any order.
    """
    box_type = 'qbox'
    json_key = 'quadrant bbox'
    num_coords = 8
    plain_system_prompt = (
        'As an AI assistant, you specialize in accurate oriented object detection, '
        'delivering coordinates of the polygon vertices in plain text format '
        "'x1,y1,x2,y2,x3,y3,x4,y4 object'.")
    # "corrdinates" and "clock-wise" are spelled as in the upstream prompt.
    json_system_prompt = (
        'You are an AI assistant specializing in oriented object detection. '
        'Represent objects with quadrant bbox: the corrdinates of each vertices of '
        'the oriented bounding boxes in clock-wise order.')

    def __init__(self, fmt: str = 'plain', clockwise: bool = True):
        super().__init__(fmt)
        self.clockwise = clockwise

    def __repr__(self) -> str:
        return f'{type(self).__name__}(fmt={self.fmt!r}, clockwise={self.clockwise})'

    def poly_to_coords(self, int_poly: np.ndarray) -> List[int]:
        return [int(c) for c in normalize_polygon(int_poly, self.clockwise)]

    def coords_to_poly(self, coords: Sequence[int]) -> np.ndarray:
        return np.asarray(coords, dtype=np.float64)
