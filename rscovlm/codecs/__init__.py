"""Box <-> text codecs of the upstream RSCoVLM answer formats, and the parser."""
from .base import EMPTY_ANSWER, BaseBoxCodec, ParsedBoxes, is_empty_answer
from .builder import REGION_CODECS, build_codec
from .geometry import (format_categories, hbox_to_poly, normalize_class_name,
                       normalize_polygon, poly_to_hbox, poly_to_rbox_deg,
                       rbox_deg_to_poly)
from .hbox import HBoxCodec
from .qbox import QBoxCodec
from .rbox import RBoxCodec
from .upstream import (box_to_quad, geochat_referring_boxes, parse_all_boxes,
                       parse_first_box, refgeo_first_box)

__all__ = [
    'EMPTY_ANSWER', 'BaseBoxCodec', 'REGION_CODECS', 'build_codec', 'ParsedBoxes', 'is_empty_answer', 'QBoxCodec',
    'RBoxCodec', 'HBoxCodec', 'normalize_class_name', 'format_categories',
    'normalize_polygon', 'poly_to_rbox_deg', 'rbox_deg_to_poly', 'poly_to_hbox',
    'hbox_to_poly', 'parse_first_box', 'parse_all_boxes', 'box_to_quad', 'refgeo_first_box',
    'geochat_referring_boxes'
]
