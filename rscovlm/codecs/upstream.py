"""Answer parsers of the upstream evaluation scripts that read boxes differently from the
codecs, kept for parity with the published numbers.

* :func:`refgeo_first_box` (parser ``'first_line'``): refGeo / GeoGround / VLM-R1's
  ``extract_qwen25vl_bbox_answer``: only the FIRST box of the answer counts, read by a
  regex on the first line (plain) or the first ``[a, b, c, d]`` anywhere (JSON); an hbox
  whose values are all <= 1 is a normalised box on a 0-1000 frame of the original image.
* :func:`geochat_referring_boxes` (parsers ``'geochat'`` / ``'geochat_signed'``):
  GeoChat's ``compute_geochat_referring_acc``: every 8-int match of the answer, else every
  4-int match, as quadrilaterals (GeoChat's ``rescale_box``).

Both return the codecs' :class:`ParsedBoxes` (``labels`` -1: the rules read no class),
with ``qboxes`` as float64 (N, 8) corners in the original frame: the IoUs of these
protocols are computed from them unrounded. ``rscovlm.structures.parse_prediction``
picks the rule of a sample (``PARSERS``).
"""
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .base import ParsedBoxes, is_empty_answer

# upstream ``extract_qwen25vl_bbox_answer`` (plain / json)
_PLAIN_HBOX = re.compile(r'(\d+),(\d+),(\d+),(\d+)\s+(.+?)\s*$')
_NUM = r'(\s*-?\d*\.?\d+\s*)'
_JSON_HBOX = re.compile(r'\[' + r',\s*'.join([_NUM] * 4) + r'\]')
# the same first-line rule generalised to the other box types (not upstream)
_PLAIN_BY_TYPE = {
    'hbox': _PLAIN_HBOX,
    'qbox': re.compile(','.join([r'(-?\d+)'] * 8) + r'\s+(.+?)\s*$'),
    'rbox': re.compile(','.join([r'(-?\d+)'] * 5) + r'\s+(.+?)\s*$'),
}
# upstream ``compute_geochat_referring_acc`` (plain): unsigned integers
_GEOCHAT_8 = re.compile(','.join([r'(\d+)'] * 8))
_GEOCHAT_4 = re.compile(','.join([r'(\d+)'] * 4))
# the same with an optional minus sign (``signed_coords=True``, not upstream)
_GEOCHAT_8_SIGNED = re.compile(','.join([r'(-?\d+)'] * 8))
_GEOCHAT_4_SIGNED = re.compile(','.join([r'(-?\d+)'] * 4))

#: the frame of a normalised hbox answer (values <= 1, read x1000)
NORMALIZED_RANGE = 1000.0


def parse_first_box(text: Optional[str], box_type: str = 'hbox',
                    fmt: str = 'plain') -> Tuple[Optional[List[float]], bool]:
    """The box of an answer by upstream's first-line rule.

    ``plain``: ``re.match`` of ``x1,y1,x2,y2 label`` on the first line of the stripped
    text (for ``qbox`` / ``rbox`` the same rule with 8 / 5 integers, sign allowed).
    ``json`` (hbox only): the first ``[a, b, c, d]`` anywhere. An hbox whose four values
    are all <= 1 is normalised: it is returned x1000 with ``normalized=True``.

    Returns:
        ``(coords or None, normalized)``; None where upstream falls back to [0, 0, 0, 0].
    """
    if text is None:
        return None, False
    if fmt == 'json':
        if box_type != 'hbox':
            raise ValueError('the JSON first-box rule is defined for hbox only')
        m = _JSON_HBOX.search(text)
        coords = [float(v) for v in m.groups()] if m else None
    elif fmt == 'plain':
        lines = text.strip().split('\n')
        m = _PLAIN_BY_TYPE[box_type].match(lines[0].strip())
        coords = [float(v) for v in m.groups()[:-1]] if m else None
    else:
        raise ValueError(f"fmt must be 'plain' or 'json', got {fmt!r}")
    if coords is None:
        return None, False
    if box_type == 'hbox' and all(v <= 1 for v in coords):
        return [v * NORMALIZED_RANGE for v in coords], True
    return coords, False


def parse_all_boxes(text: Optional[str], signed: bool = False) -> List[List[int]]:
    """GeoChat referring: every ``8``-int match of the answer, else every ``4``-int one.

    ``signed=False`` is upstream's parser (``(\\d+)``): a minus sign is not part of a
    number, so a polygon past the image border (``20,-4,13,62,...``) is misread: its
    8-int match fails and 4-int runs of the digits around the minus are taken instead
    (``'30,-6,130,4,120,100,20,90'`` -> ``[[6, 130, 4, 120]]``). ``signed=True`` reads
    ``-?\\d+`` and gets the polygon back (``[[30, -6, 130, 4, 120, 100, 20, 90]]``).
    """
    text = text or ''
    pat8, pat4 = ((_GEOCHAT_8_SIGNED, _GEOCHAT_4_SIGNED) if signed else
                  (_GEOCHAT_8, _GEOCHAT_4))
    found = pat8.findall(text) or pat4.findall(text)
    return [[int(c) for c in coords] for coords in found]


def box_to_quad(coords: Sequence[float], sx: float = 1.0, sy: float = 1.0) -> np.ndarray:
    """GeoChat's ``rescale_box``: 4 values -> the axis-aligned quad, 8 values -> the 4
    points sorted by descending ``atan2`` around their mean; x scaled by ``sx``, y by
    ``sy``. Returns (4, 2) float64."""
    c = np.asarray(coords, np.float64).reshape(-1)
    if c.size == 4:
        x1, y1, x2, y2 = c * [sx, sy, sx, sy]
        return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
    if c.size == 8:
        pts = c.reshape(4, 2) * [sx, sy]
        ctr = pts.mean(axis=0)
        angles = np.arctan2(pts[:, 1] - ctr[1], pts[:, 0] - ctr[0])
        return pts[np.argsort(-angles)]
    raise ValueError(f'a box needs 4 or 8 values, got {c.size}')


def _parsed(text: Optional[str], quads: list, num_lines: int) -> ParsedBoxes:
    n = len(quads)
    return ParsedBoxes(
        qboxes=np.asarray(quads, np.float64).reshape(-1, 8),
        labels=np.full(n, -1, np.int64), names=[''] * n, scores=np.ones(n, np.float32),
        num_lines=num_lines, num_skipped=num_lines - n,
        empty_answer=is_empty_answer(text or ''), has_content=bool((text or '').strip()))


def refgeo_first_box(text: Optional[str], codec, scale: Tuple[float, float] = (1.0, 1.0),
                     ori_shape: Optional[Sequence[int]] = None) -> ParsedBoxes:
    """The first box of the answer by :func:`parse_first_box`, as one quadrilateral in the
    original frame (or none).

    ``codec`` gives the box type (``hbox`` answers read the JSON rule when its ``fmt`` is
    ``'json'``) and turns ``qbox`` / ``rbox`` coordinates into corners; ``scale`` is
    ``(ori_w / img_w, ori_h / img_h)``; a normalised hbox is scaled by
    ``ori_shape`` (h, w) / 1000 instead. An hbox keeps its order: ``x1,y1,x2,y2`` as
    written become the corners ``x1,y1, x2,y1, x2,y2, x1,y2`` (an inverted box stays
    inverted)."""
    box_type = codec.box_type
    fmt = getattr(codec, 'fmt', 'plain') if box_type == 'hbox' else 'plain'
    coords, normalized = parse_first_box(text, box_type, fmt)
    num_lines = int(bool((text or '').strip()))
    if coords is None:
        return _parsed(text, [], num_lines)
    sx, sy = scale
    if normalized:
        ori_h, ori_w = (tuple(ori_shape)[:2] if ori_shape is not None
                        else (NORMALIZED_RANGE, NORMALIZED_RANGE))
        sx, sy = float(ori_w) / NORMALIZED_RANGE, float(ori_h) / NORMALIZED_RANGE
    if box_type == 'hbox':
        x1, y1, x2, y2 = coords
        poly = np.array([x1, y1, x2, y1, x2, y2, x1, y2], np.float64)
    else:
        poly = np.asarray(codec.coords_to_poly([int(c) for c in coords]), np.float64)
    return _parsed(text, [poly.reshape(8) * np.array([sx, sy] * 4)], max(num_lines, 1))


def geochat_referring_boxes(text: Optional[str], scale: Tuple[float, float] = (1.0, 1.0),
                            signed: bool = False) -> ParsedBoxes:
    """Every box of the answer by :func:`parse_all_boxes`, as :func:`box_to_quad`
    quadrilaterals scaled by ``scale`` (``(ori_w / img_w, ori_h / img_h)``)."""
    boxes = parse_all_boxes(text, signed)
    quads = [box_to_quad(b, *scale).reshape(8) for b in boxes]
    return _parsed(text, quads, len(quads))


__all__ = ['NORMALIZED_RANGE', 'parse_first_box', 'parse_all_boxes', 'box_to_quad',
           'refgeo_first_box', 'geochat_referring_boxes']
