"""One picture per data sample of any task: its image with the ground truth and the parsed
prediction drawn on it, a title, a legend, and the conversation, answer and reference.

``VLMVisualizer`` is an mmengine ``Visualizer`` (registered in ``rscovlm.registry
.VISUALIZERS``) with the ``add_datasample`` entry point of OpenMMLab's task visualizers
(mmdet's ``DetLocalVisualizer``, mmrotate's ``RotLocalVisualizer``); it draws with the
``Visualizer`` primitives (``draw_polygons``, ``draw_texts``, ``draw_lines``). Images go
in and come out in RGB order, as mmengine's.
"""
from typing import List, Optional, Sequence

import mmcv
import numpy as np
import torch
from mmengine.visualization import Visualizer
from mmrotate.structures.bbox import rbox2qbox

from rscovlm.registry import VISUALIZERS
from rscovlm.structures import default_parser, read_prediction
from .draw import FONT_SIZE, render_text

#: RGB colours and line widths (pixels of the drawn picture) of what is drawn; the ground
#: truth is drawn first and thicker, so it stays visible around a thin prediction on it
STYLES = dict(
    gt=dict(color=(0, 190, 0), width=4, style='-', label='ground truth'),
    ignored=dict(color=(255, 150, 0), width=3, style='--', label='ignored (difficult)'),
    pred=dict(color=(230, 0, 0), width=1.5, style='-', label='prediction'),
)
#: samples of these tasks carry text only; every other sample with a box ``codec`` or a
#: ``region_type`` (detection, grounding, referring, box conversations) gets boxes drawn
TEXT_TASKS = ('caption', 'vqa', 'cls')


def _message_text(message: dict) -> str:
    content = message.get('content')
    if isinstance(content, str):
        return content
    return ' '.join(c.get('text', '') for c in content or () if c.get('type') == 'text')


def _corners(instances) -> np.ndarray:
    """(N, 8) corners of ``InstanceData`` rotated boxes ``(cx, cy, w, h, theta[rad])``."""
    bboxes = None if instances is None else instances.get('bboxes')
    if bboxes is None or len(bboxes) == 0:
        return np.zeros((0, 8))
    bboxes = getattr(bboxes, 'tensor', bboxes)
    return rbox2qbox(torch.as_tensor(bboxes, dtype=torch.float32)).numpy().astype(np.float64)


def _names(labels, classes: Optional[Sequence[str]], default: str = '') -> List[str]:
    labels = [int(v) for v in np.asarray(labels).reshape(-1)]
    if not classes:
        return [default] * len(labels)
    return [classes[k] if 0 <= k < len(classes) else '?' for k in labels]


def draws_boxes(sample) -> bool:
    """Whether the sample's task answers with boxes (see ``TEXT_TASKS``)."""
    meta = sample.metainfo
    return meta.get('task') not in TEXT_TASKS and bool(meta.get('codec') or
                                                      meta.get('region_type'))


@VISUALIZERS.register_module()
class VLMVisualizer(Visualizer):
    """Draws one data sample (a filled ``VLMDataSample``) of any task.

    The picture, top to bottom: a title (image id, task, question id, and for box tasks the
    counts of ground-truth, ignored and predicted boxes); the image upscaled by ``scale``
    with, for box tasks, the ground truth (thick green), ignored objects (dashed orange)
    and the boxes read from the answer (thin red, drawn last, labelled with their class
    and, when the prediction carries ``logprob_scores``, their score); for box tasks a
    legend of those colours; then the conversation (``messages``), the answer
    (``pred_text``) and the reference (``references``, ``gt_answer`` or ``gt_text``).

    Predicted boxes are read from the answer exactly as the task's metric reads them
    (``rscovlm.structures.read_prediction`` with the task's rule), in original-image
    pixels, as is the ground truth.

    Args:
        name: the instance name (mmengine's ``ManagerMixin``).
        scale: factor from original-image pixels to the picture's; None: so that the
            longer side is ``max_side`` px (never below 1).
        max_side: the longer side of the picture when ``scale`` is None.
        **kwargs: mmengine ``Visualizer`` arguments (``vis_backends``, ``save_dir``).
    """

    def __init__(self, name: str = 'rscovlm_visualizer', scale: Optional[float] = None,
                 max_side: int = 512, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.scale = scale
        self.max_side = max_side

    # ---------------------------------------------------------------- pieces --
    def _scale_for(self, img: np.ndarray) -> float:
        if self.scale is not None:
            return float(self.scale)
        return max(1.0, self.max_side / max(img.shape[:2]))

    def _polygons(self, polys: np.ndarray, names: Sequence[str], kind: str,
                  scale: float) -> None:
        polys = np.asarray(polys, np.float64).reshape(-1, 4, 2) * scale
        if not len(polys):
            return
        style = STYLES[kind]
        self.draw_polygons(list(polys), edge_colors=style['color'], line_widths=style['width'],
                           line_styles=style['style'], alpha=1.0)
        if not any(names):
            return
        h, w = self.get_image().shape[:2]
        # ground truth labelled below its lowest corner, predictions above their
        # highest one, so that the two labels of a matched pair do not overlap
        if kind == 'pred':
            anchor = polys[np.arange(len(polys)), polys[:, :, 1].argmin(1)].copy()
            anchor[:, 1] -= 3
            align = 'bottom'
        else:
            anchor = polys[np.arange(len(polys)), polys[:, :, 1].argmax(1)].copy()
            anchor[:, 1] += 3
            align = 'top'
        anchor[:, 0] = anchor[:, 0].clip(0, w - 40)
        anchor[:, 1] = anchor[:, 1].clip(10, h - 10)
        self.draw_texts(list(names), anchor, colors=style['color'], font_sizes=FONT_SIZE,
                        vertical_alignments=align,
                        bboxes=dict(facecolor='white', alpha=0.6, pad=0.5,
                                    edgecolor='none'))

    def _legend(self, width: int) -> np.ndarray:
        """A white strip, RGB, with one line sample and label per style."""
        height, step = 18, width / len(STYLES)
        self.set_image(np.full((height, width, 3), 255, np.uint8))
        for k, style in enumerate(STYLES.values()):
            x = k * step + 4
            self.draw_lines(np.array([x, x + 22]), np.array([height / 2, height / 2]),
                            colors=style['color'], line_widths=style['width'],
                            line_styles=style['style'])
            self.draw_texts(style['label'], np.array([x + 26, height / 2]), colors=(0, 0, 0),
                            font_sizes=FONT_SIZE, vertical_alignments='center')
        return self.get_image()

    @staticmethod
    def text_lines(sample) -> List[str]:
        """The conversation, the answer and the reference(s) of a sample, one entry per
        line of the text panel."""
        lines = []
        for message in sample.get('messages') or ():
            text = _message_text(message)
            if text:
                lines.append(f"{message.get('role', '?')}: {text}")
        answer = sample.get('pred_text')
        lines += ['answer:'] + (answer.splitlines() if answer else ['(blank)'])
        refs = sample.metainfo.get('references') or sample.get('references')
        if not refs:
            ref = sample.get('gt_answer', sample.get('gt_text'))
            refs = [ref] if ref else []
        for ref in refs:
            lines += ['reference:'] + str(ref).splitlines()
        return lines

    def read_boxes(self, sample, classes: Optional[Sequence[str]] = None) -> dict:
        """Corners and labels of the ground truth, ignored objects and prediction of a
        box-task sample (original-image pixels), with the predicted boxes' scores
        (``logprob_scores``) when the prediction carries them."""
        meta = sample.metainfo
        parser = default_parser(meta)
        # class names label the boxes of a rule that reads classes (detection); a
        # grounding sample's boxes are its phrase
        classes = meta.get('classes') or (classes if parser == 'codec' else None)
        phrase = meta.get('phrase') or ''
        if phrase:
            classes = None  # a grounding sample's one class is its phrase
        gt, ignored = sample.get('gt_instances'), sample.get('ignored_instances')
        pred, _ = read_prediction(sample.to_dict(), parser=parser, classes=classes)
        qboxes = pred.get('qboxes')
        qboxes = np.zeros((0, 8)) if qboxes is None else np.asarray(qboxes, np.float64)
        # a rule other than the codec's reads no class: its boxes get no name
        names = _names(pred['labels'], classes if parser == 'codec' else None)
        stored = sample.get('pred_instances')
        scores = None if stored is None else stored.get('logprob_scores')
        if scores is not None and len(scores) == len(names):
            names = [f'{n} {float(s):.2f}'.strip() for n, s in zip(names, scores)]
        return dict(
            gt=(_corners(gt), _names(gt.labels if gt is not None else [], classes, phrase)),
            ignored=(_corners(ignored),
                     _names(ignored.labels if ignored is not None else [], classes)),
            pred=(qboxes.reshape(-1, 8), names))

    def title(self, sample, boxes: Optional[dict] = None) -> str:
        meta = sample.metainfo
        parts = [str(meta.get('img_id')), str(meta.get('task'))]
        if meta.get('question_id') is not None:
            parts.append(f"question {meta['question_id']}")
        if boxes is not None:
            parts.append(f"GT {len(boxes['gt'][0])}, ignored {len(boxes['ignored'][0])}, "
                         f"predicted {len(boxes['pred'][0])}")
        return ' | '.join(parts)

    # ----------------------------------------------------------------- whole --
    def draw_sample(self, image: np.ndarray, data_sample,
                    classes: Optional[Sequence[str]] = None, draw_gt: bool = True,
                    draw_pred: bool = True) -> np.ndarray:
        """The picture of ``data_sample`` on ``image`` (RGB, original size), as RGB.

        ``classes``: the class names of box labels when the sample's metainfo has none.
        """
        scale = self._scale_for(image)
        canvas = mmcv.imrescale(image, scale, interpolation='nearest')
        boxes = self.read_boxes(data_sample, classes) if draws_boxes(data_sample) else None
        self.set_image(canvas)
        if boxes is not None:
            kinds = (['gt', 'ignored'] if draw_gt else []) + (['pred'] if draw_pred else [])
            for kind in kinds:
                self._polygons(*boxes[kind], kind, scale)
        panels = [render_text([self.title(data_sample, boxes)], canvas.shape[1])[..., ::-1],
                  self.get_image()]
        if boxes is not None:
            panels.append(self._legend(canvas.shape[1]))
        panels.append(render_text(self.text_lines(data_sample), canvas.shape[1])[..., ::-1])
        picture = np.ascontiguousarray(np.concatenate(panels, axis=0))
        self.set_image(picture)
        return picture

    def add_datasample(self, name: str, image: np.ndarray, data_sample=None,
                       draw_gt: bool = True, draw_pred: bool = True, show: bool = False,
                       wait_time: float = 0, out_file: Optional[str] = None, step: int = 0,
                       classes: Optional[Sequence[str]] = None) -> np.ndarray:
        """Draw ``data_sample`` on ``image`` (RGB) and show it, write it to ``out_file``
        (``OSError`` when that fails), or else hand it to the visualizer's backends
        (mmdet's convention); returns the picture (RGB)."""
        picture = self.draw_sample(image, data_sample, classes, draw_gt, draw_pred)
        if show:
            self.show(picture, win_name=name, wait_time=wait_time)
        if out_file is not None and not mmcv.imwrite(picture[..., ::-1], out_file):
            raise OSError(f'could not write {out_file}')
        elif not show:
            self.add_image(name, picture, step)
        return picture


__all__ = ['VLMVisualizer', 'STYLES', 'TEXT_TASKS', 'draws_boxes']
