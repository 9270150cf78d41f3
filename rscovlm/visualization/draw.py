import textwrap
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np


def draw_polygons(img: np.ndarray,
                  polys: np.ndarray,
                  names: Sequence[str],
                  color: Tuple[int, int, int],
                  scale: float = 1.0,
                  thickness: int = 1,
                  dashed: Optional[Sequence[bool]] = None) -> np.ndarray:
    """Draw quadrilaterals with their labels on a BGR image (in place, returned).

    Args:
        img: BGR uint8 image, already upscaled by ``scale`` if ``scale != 1``.
        polys: (N, 8) corners ``x1, y1, ..., x4, y4`` in original-image pixels.
        names: N labels written at the first corner.
        color: BGR colour.
        scale: factor from original-image pixels to ``img`` pixels.
        dashed: per polygon, draw only the corners (e.g. ignored / difficult objects).
    """
    for i, (poly, name) in enumerate(zip(np.asarray(polys, np.float64).reshape(-1, 8), names)):
        pts = np.round(poly.reshape(4, 2) * scale).astype(np.int32)
        if dashed is not None and dashed[i]:
            for p in pts:
                cv2.circle(img, tuple(int(v) for v in p), 2, color, -1)
        else:
            cv2.polylines(img, [pts], isClosed=True, color=color, thickness=thickness,
                          lineType=cv2.LINE_AA)
        x, y = (int(v) for v in pts[0])
        cv2.putText(img, name, (x, max(y - 3, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.35, color, 1,
                    cv2.LINE_AA)
    return img


def render_text(lines: Sequence[str], width: int, line_height: int = 14) -> np.ndarray:
    """A white BGR panel ``width`` px wide with ``lines`` written in black, long lines
    wrapped (about 6 px per character)."""
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(line, max(int(width / 6), 10)) or ['']
    canvas = np.full((line_height * (len(wrapped) + 1), width, 3), 255, np.uint8)
    for i, line in enumerate(wrapped):
        cv2.putText(canvas, line, (4, line_height * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (0, 0, 0), 1, cv2.LINE_AA)
    return canvas
