"""Pure numpy / OpenCV helpers shared by the box codecs.

All of them reproduce the conventions of the public RSCoVLM training data
(see the re-implementation notes, section 4.1): class names are lowercased
with dashes turned into spaces, polygons are listed from the top-most vertex,
and oriented boxes are ``(cx, cy, w, h, angle_deg)`` with ``w >= h`` and the
angle in ``[-90, 90)``, every value truncated with ``int()``.
"""
import math
from typing import Iterable, List, Sequence, Tuple

import cv2
import numpy as np


def normalize_class_name(name: str) -> str:
    """Lowercase a class name, turn dashes into spaces and strip it.

    ``'small-vehicle'`` -> ``'small vehicle'`` (the upstream label text).
    """
    return str(name).lower().replace('-', ' ').strip()


def format_categories(names: Iterable[str]) -> str:
    """The category list of the ``find the {categories}`` prompt.

    Names are normalized, de-duplicated, sorted alphabetically and joined with
    ``', '``, e.g. ``'plane, ship, small vehicle'``.
    """
    return ', '.join(sorted({normalize_class_name(n) for n in names}))


def normalize_polygon(poly: Sequence[float], clockwise: bool = True) -> np.ndarray:
    """Order the 4 vertices of a quadrilateral as the upstream training data.

    The vertices are sorted by their angle ``atan2(y - cy, x - cx)`` around the
    centroid. Ascending angle is clockwise *on screen* because the image y axis
    points down; ``clockwise=False`` (used by grounding) sorts descending. The
    list is then rotated to start at the vertex with the smallest ``(y, x)``,
    i.e. the top-most vertex, ties broken by the left-most one.

    Args:
        poly: 8 numbers ``x1, y1, ..., x4, y4`` (any array-like, also (4, 2)).
        clockwise: the screen direction of the output vertex order.

    Returns:
        np.ndarray: shape (8,), same dtype as ``np.asarray(poly)``.
    """
    arr = np.asarray(poly)
    pts = [tuple(p) for p in arr.reshape(4, 2).tolist()]
    # Plain Python floats, so that the centroid and the angles are computed
    # exactly as upstream did (sum / 4, math.atan2).
    cx = sum(p[0] for p in pts) / 4
    cy = sum(p[1] for p in pts) / 4
    # ``sorted`` is stable also with ``reverse=True``: tied angles (degenerate
    # polygons) keep their input order in both directions, like upstream.
    order = sorted(pts, key=lambda p: math.atan2(p[1] - cy, p[0] - cx),
                   reverse=not clockwise)
    start = order.index(min(order, key=lambda p: (p[1], p[0])))
    order = order[start:] + order[:start]
    return np.asarray(order, dtype=arr.dtype).reshape(8)


def poly_to_rbox_deg(poly: Sequence[float]) -> Tuple[int, int, int, int, int]:
    """Oriented box ``(cx, cy, w, h, angle_deg)`` of a polygon, upstream style.

    ``cv2.minAreaRect`` runs on the ``int()``-truncated polygon. If ``w < h``
    the sides are swapped and 90 degrees added, then the angle is wrapped into
    ``[-90, 90)`` and all five values are ``int()``-truncated. With ``w >= h``
    the result is the same whatever the OpenCV angle convention (4.5.1+
    returns (0, 90], 5.x returns [-90, 0)), except for squares, whose angle is
    only defined modulo 90: they follow the 4.x convention.
    """
    pts = np.trunc(np.asarray(poly, dtype=np.float64)).astype(np.int32).reshape(-1, 2)
    (cx, cy), (w, h), a = cv2.minAreaRect(pts)
    if w == h:
        # A square's angle is only defined modulo 90 and OpenCV 5 reports it
        # in [-90, 0) where OpenCV >= 4.5.1 (the upstream environment) reports
        # (0, 90]: use the latter so that the text does not depend on the
        # installed OpenCV.
        a = a % 90 or 90.0
    if w < h:
        w, h = h, w
        a += 90
    while not -90 <= a < 90:
        a += -180 if a >= 90 else 180
    return int(cx), int(cy), int(w), int(h), int(a)


def rbox_deg_to_poly(cx: float, cy: float, w: float, h: float, a: float) -> np.ndarray:
    """The 4 corners of an oriented box with the angle in degrees.

    Same convention as ``cv2.minAreaRect`` / ``cv2.boxPoints``: the side of
    length ``w`` points along ``(cos a, sin a)`` in image coordinates (y down).
    For ``a == 0`` the corners are top-left, top-right, bottom-right,
    bottom-left, i.e. clockwise on screen.

    Returns:
        np.ndarray: shape (8,), float64.
    """
    t = math.radians(a)
    cos, sin = math.cos(t), math.sin(t)
    corners = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        corners += [cx + dx * cos - dy * sin, cy + dx * sin + dy * cos]
    return np.asarray(corners, dtype=np.float64)


def poly_to_hbox(poly: Sequence[float]) -> np.ndarray:
    """Axis-aligned box ``[x1, y1, x2, y2]`` enclosing a polygon.

    Returns:
        np.ndarray: shape (4,), same dtype as ``np.asarray(poly)``.
    """
    pts = np.asarray(poly).reshape(-1, 2)
    return np.concatenate([pts.min(axis=0), pts.max(axis=0)])


def hbox_to_poly(x1: float, y1: float, x2: float, y2: float) -> List[float]:
    """The corners ``x1,y1, x2,y1, x2,y2, x1,y2`` of an axis-aligned box."""
    return [x1, y1, x2, y1, x2, y2, x1, y2]
