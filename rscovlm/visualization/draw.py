"""Drawing boxes and text for the tools, with mmengine's ``Visualizer`` primitives
(``draw_polygons``, ``draw_texts``; matplotlib renders them).

Images go in and come out in OpenCV's BGR order, as the tools read and write them with
``cv2``; colours are given as BGR too.
"""
import textwrap
from typing import Optional, Sequence, Tuple

import numpy as np
from mmengine.visualization import Visualizer

#: font size (points) of box labels and of the text panel; the figure is drawn at the
#: image's own pixel size, so this is about 10 px high
FONT_SIZE = 7


def _visualizer(img_bgr: np.ndarray) -> Visualizer:
    # a private instance per drawing: the global one (Visualizer.get_current_instance) may
    # belong to a runner and hold its backends
    return Visualizer(name='rscovlm_draw', image=np.ascontiguousarray(img_bgr[..., ::-1]))


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
        names: N labels written above the first corner.
        color: BGR colour.
        scale: factor from original-image pixels to ``img`` pixels.
        thickness: line width in pixels.
        dashed: per polygon, draw a dashed outline (e.g. ignored / difficult objects).
    """
    polys = np.asarray(polys, np.float64).reshape(-1, 4, 2) * scale
    if not len(polys):
        return img
    rgb = tuple(int(c) for c in color[::-1])
    dashed = list(dashed) if dashed is not None else [False] * len(polys)
    vis = _visualizer(img)
    vis.draw_polygons(list(polys), edge_colors=rgb, line_widths=thickness,
                      line_styles=['--' if d else '-' for d in dashed], alpha=1.0)
    # labels above the first corner, kept inside the image
    first = polys[:, 0].copy()
    first[:, 0] = first[:, 0].clip(0, img.shape[1] - 1)
    first[:, 1] = (first[:, 1] - 3).clip(10, img.shape[0] - 1)
    vis.draw_texts(list(names), first, colors=rgb, font_sizes=FONT_SIZE,
                   vertical_alignments='bottom')
    img[...] = vis.get_image()[..., ::-1]
    return img


def render_text(lines: Sequence[str], width: int, line_height: int = 14) -> np.ndarray:
    """A white BGR panel ``width`` px wide with ``lines`` written in black, long lines
    wrapped (about 6 px per character)."""
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(line, max(int(width / 6), 10)) or ['']
    canvas = np.full((line_height * (len(wrapped) + 1), width, 3), 255, np.uint8)
    vis = _visualizer(canvas)
    positions = np.array([[4, line_height * (i + 1)] for i in range(len(wrapped))])
    vis.draw_texts(wrapped, positions, colors=(0, 0, 0), font_sizes=FONT_SIZE,
                   vertical_alignments='bottom', font_families='monospace')
    return np.ascontiguousarray(vis.get_image()[..., ::-1])
