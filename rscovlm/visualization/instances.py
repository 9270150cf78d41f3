"""One inference result drawn on its image: the parsed boxes in a colour per class with
their class names (and scores), the prompt and the answer in a panel below.

Drawing goes through :mod:`rscovlm.visualization.draw` (mmengine's ``Visualizer``);
images are BGR, as ``cv2`` reads and writes them.
"""
import math
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmdet.visualization import get_palette

from .draw import draw_polygons, render_text

#: images are drawn at least this many px on their longer side (small ones enlarged by
#: a whole factor, so 112 px demo images stay sharp) and at most ``MAX_SIDE`` (large
#: scenes reduced: a figure of a 20,000 px scene would need gigabytes)
MIN_SIDE, MAX_SIDE = 512, 2048
#: lines of the answer shown in the panel (the JSON file keeps all of it)
MAX_ANSWER_LINES = 12
#: the colour of boxes whose class matched none of the classes (BGR)
NO_CLASS_COLOR = (128, 128, 128)


def draw_scale(height: int, width: int) -> float:
    """The factor an image of ``height x width`` is drawn at (see ``MIN_SIDE``)."""
    side = max(height, width)
    if side < MIN_SIDE:
        return float(math.ceil(MIN_SIDE / side))
    return min(1.0, MAX_SIDE / side)


def class_colors(num_classes: int) -> list:
    """A BGR colour per class: mmdet's ``'random'`` palette (fixed seed), so a class
    keeps its colour from image to image."""
    palette = get_palette('random', max(num_classes, 1))
    return [tuple(int(c) for c in rgb[::-1]) for rgb in palette]


def box_captions(names: Sequence[Optional[str]], scores: Optional[Sequence[float]]) -> list:
    names = [n if n is not None else '?' for n in names]
    if scores is None:
        return names
    return [f'{n} {s:.2f}' for n, s in zip(names, scores)]


def draw_prediction(img: np.ndarray, prediction: dict, with_text: bool = True) -> np.ndarray:
    """A BGR picture of one prediction of ``rscovlm.apis.VLMInferencer``.

    Args:
        img: the original image, BGR ``(H, W, 3)`` (the frame of the boxes).
        prediction: ``instances`` (``polygons`` N x 8 in ``img`` pixels, ``labels``,
            ``label_names``, ``scores`` or ``None``), ``prompt``, ``answer``.
        with_text: add the panel with the prompt and the answer below the image.
    """
    scale = draw_scale(*img.shape[:2])
    canvas = img if scale == 1.0 else mmcv.imrescale(img, scale, interpolation='nearest'
                                                     if scale > 1 else 'area')
    canvas = np.ascontiguousarray(canvas).copy()
    scale = canvas.shape[1] / img.shape[1]
    inst = prediction.get('instances') or {}
    polys = np.asarray(inst.get('polygons') or [], np.float64).reshape(-1, 8)
    labels = list(inst.get('labels') or [])
    captions = box_captions(inst.get('label_names') or [], inst.get('scores'))
    num_classes = max([v + 1 for v in labels] + [1])
    colors = class_colors(num_classes)
    for label in sorted(set(labels)):
        sel = [i for i, v in enumerate(labels) if v == label]
        color = colors[label] if label >= 0 else NO_CLASS_COLOR
        draw_polygons(canvas, polys[sel], [captions[i] for i in sel], color, scale=scale,
                      thickness=2)
    if not with_text:
        return canvas
    answer = (prediction.get('answer') or '').splitlines() or ['']
    if len(answer) > MAX_ANSWER_LINES:
        more = len(answer) - MAX_ANSWER_LINES
        answer = answer[:MAX_ANSWER_LINES] + [f'... ({more} more lines)']
    lines = [f"Q: {prediction.get('prompt', '')}", 'A: ' + answer[0]]
    lines += ['   ' + a for a in answer[1:]]
    if inst:
        lines.append(f'{len(polys)} box(es)')
    panel = render_text(lines, canvas.shape[1])
    return np.concatenate([canvas, panel], axis=0)


__all__ = ['draw_prediction', 'draw_scale', 'class_colors', 'box_captions']
