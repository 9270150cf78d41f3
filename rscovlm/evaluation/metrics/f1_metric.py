"""LMMRotate's confusion-matrix mF1 (``lmmrotate/modules/f1_metric.py``), exactly.

Per score threshold tau, a (C+1) x (C+1) confusion matrix ``CM`` (rows: GT class,
columns: predicted class, index C = background) is filled image by image, mmdet
``calculate_confusion_matrix`` style, with **no one-to-one matching** and no NMS:

1. for each predicted class c, each detection of class c with ``score >= tau`` and
   each GT j with rotated IoU(det, j) >= ``tp_iou_thr``: ``CM[label_j, c] += 1`` and,
   if ``label_j == c``, ``tp_j += 1``. The IoU is mmrotate's ``rbbox_overlaps``, as
   upstream: both boxes' width and height are clamped to >= 1e-3 before
   ``box_iou_rotated``, so a zero-area GT box has an IoU (1 with the same degenerate
   box) where the bare ``box_iou_rotated`` gives 0. Scores and tau are compared in
   float32, as upstream's float32 score tensors against a Python float: a score of 0.7
   or 0.9 (float32 0.69999999 / 0.89999998) is kept at tau = 0.7 / 0.9, where a float64
   comparison drops it;
2. a detection that reached no GT adds ``CM[C, c] += 1``;
3. after all detections, each GT with ``tp_j == 0`` adds ``CM[label_j, C] += 1``.

Then ``TP = diag(CM)``, ``FP = colsum - TP``, ``FN = rowsum - TP``,
``P_k = TP_k / (TP_k + FP_k)``, ``R_k = TP_k / (TP_k + FN_k)`` (a zero denominator
counts as 1, giving 0), ``mP = mean_k P_k`` and ``mR = mean_k R_k`` over all C + 1
entries **including background** (always 0), and ``F1 = 2 mP mR / (mP + mR)`` (0 when
mP + mR = 0). So duplicate detections of one GT are all TP and a detection over
several GTs counts several times.

Difficult objects: LMMRotate scores DOTA with mmrotate's ``DOTADataset`` at its default
``diff_thr=100``, i.e. every object is ground truth; this metric reads ``gt_instances``
only, so the benchmark's dataset must keep difficult objects there
(``configs/benchmarks/dota-v1.0_val1024_mf1.py`` sets ``diff_thr=100``).
"""
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmrotate.structures.bbox import rbbox_overlaps

from rscovlm.registry import METRICS
from rscovlm.structures import check_score_mode, qboxes_to, read_prediction
from .rotated_det_metric import PARSE_KEY, parse_totals
from .task_filter import TaskFilterMixin

DEFAULT_SCORE_THRS = tuple(round(0.1 * i, 1) for i in range(10))
#: the precisions scores and score thresholds can be compared in (``score_dtype``)
SCORE_DTYPES = ('float32', 'float64')


def confusion_matrix(results: Sequence[dict], num_classes: int, score_thr: float,
                     tp_iou_thr: float = 0.5, score_dtype: str = 'float32') -> np.ndarray:
    """The (C+1) x (C+1) matrix of steps 1-3 above.

    Args:
        results: per image ``gt_bboxes`` (G, 5) rboxes, ``gt_labels`` (G,),
            ``bboxes`` (N, 5) rboxes, ``scores`` (N,), ``labels`` (N,).
        score_dtype: ``'float32'`` (upstream) or ``'float64'``: the precision in which
            ``score >= score_thr`` is decided.
    """
    if score_dtype not in SCORE_DTYPES:
        raise ValueError(f'score_dtype must be one of {SCORE_DTYPES}, got {score_dtype!r}')
    dtype = np.dtype(score_dtype).type
    thr = dtype(score_thr)
    iou_thr = np.float32(tp_iou_thr)  # upstream: a float32 IoU tensor against a float
    cm = np.zeros((num_classes + 1, num_classes + 1), dtype=np.int64)
    bg = num_classes
    for res in results:
        gt_labels = np.asarray(res['gt_labels'], dtype=np.int64)
        gt_bboxes = torch.as_tensor(np.asarray(res['gt_bboxes'], np.float32)).reshape(-1, 5)
        labels = np.asarray(res['labels'], dtype=np.int64)
        scores = np.asarray(res['scores']).astype(dtype)
        bboxes = torch.as_tensor(np.asarray(res['bboxes'], np.float32)).reshape(-1, 5)
        tp = np.zeros(len(gt_labels), dtype=np.int64)
        for c in np.unique(labels):
            keep = np.nonzero((labels == c) & (scores >= thr))[0]
            if len(keep) == 0:
                continue
            ious = rbbox_overlaps(bboxes[torch.from_numpy(keep)], gt_bboxes).numpy()
            for row in ious:
                hits = np.nonzero(row.astype(np.float32) >= iou_thr)[0]
                for j in hits:
                    cm[gt_labels[j], c] += 1
                    if gt_labels[j] == c:
                        tp[j] += 1
                if len(hits) == 0:
                    cm[bg, c] += 1
        for j in np.nonzero(tp == 0)[0]:
            cm[gt_labels[j], bg] += 1
    return cm


def precision_recall_f1(cm: np.ndarray):
    """``(per-entry P, per-entry R, mP, mR, F1)`` of a confusion matrix, averaged
    over all its C + 1 entries (background included)."""
    tp = np.diag(cm).astype(np.float64)
    fp = cm.sum(0) - tp
    fn = cm.sum(1) - tp
    p_den, r_den = tp + fp, tp + fn
    precision = tp / np.where(p_den == 0, 1, p_den)
    recall = tp / np.where(r_den == 0, 1, r_den)
    m_p, m_r = float(precision.mean()), float(recall.mean())
    f1 = 2 * m_p * m_r / (m_p + m_r) if m_p + m_r > 0 else 0.0
    return precision, recall, m_p, m_r, f1


@METRICS.register_module()
class ConfusionF1Metric(TaskFilterMixin, BaseMetric):
    """LMMRotate's mF1 (see the module docstring) on generated answers.

    Samples are read like ``RotatedDetMetric`` (``rscovlm.structures.read_prediction``:
    the sample's ``pred_instances``, or its ``pred_text`` parsed with its codec, else
    ``codec``; boxes scored by ``score_mode``); boxes whose label matched no class are
    left out. Only ``gt_instances`` are GT: ``ignored_instances`` are
    not looked at (a box on a difficult object is a background detection), as upstream.

    Results (with the ``prefix``, default ``f1``): ``F1@tau``, ``P@tau``, ``R@tau`` for
    every tau; ``mF1`` / ``mF1_max`` / ``mF1_min`` = mean / max / min of F1 over tau;
    ``best_score_thr`` (the first tau reaching ``mF1_max``) and ``mP`` / ``mR`` at it;
    ``parse/*`` as ``RotatedDetMetric``. The paper reports ``mF1_max`` for detectors
    with scores; with constant scores every tau gives the same value.

    Args:
        codec, score_mode, task: as ``RotatedDetMetric``.
        score_thrs: the taus; a detection is kept when ``score >= tau``.
        tp_iou_thr: rotated IoU (mmrotate's ``rbbox_overlaps``) for a match.
        num_classes: C. None (upstream): max GT label + 1 over the whole set (a
            predicted label >= C is then an error); ``'dataset'``:
            ``len(dataset_meta['classes'])``; or an int.
        score_dtype: ``'float32'`` (upstream) compares scores with each tau in float32;
            ``'float64'`` compares the float32 scores, widened, with the float64 tau, so
            a score written as 0.7 or 0.9 falls below tau = 0.7 / 0.9 (float32 0.7 is
            0.69999999) and the other taus are unchanged. Only score-ranked answers
            (``score_mode`` ``'logprob'`` / ``'order'``) can differ: constant scores are
            1.0 in both.
    """
    default_prefix = 'f1'

    def __init__(self,
                 codec: Union[dict, object] = dict(type='QBoxCodec', fmt='plain',
                                                   clockwise=True),
                 score_mode: str = 'constant',
                 score_thrs: Sequence[float] = DEFAULT_SCORE_THRS,
                 tp_iou_thr: float = 0.5,
                 num_classes: Union[None, int, str] = None,
                 score_dtype: str = 'float32',
                 task: Optional[str] = 'det',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.codec = codec
        self.score_mode = check_score_mode(score_mode)
        self.score_thrs = [float(t) for t in score_thrs]
        self.tp_iou_thr = float(tp_iou_thr)
        if not (num_classes is None or num_classes == 'dataset'
                or isinstance(num_classes, int)):
            raise ValueError(f"num_classes must be None, 'dataset' or an int, got "
                             f'{num_classes!r}')
        self.num_classes = num_classes
        if score_dtype not in SCORE_DTYPES:
            raise ValueError(f'ConfusionF1Metric: score_dtype must be one of {SCORE_DTYPES}, '
                             f'got {score_dtype!r}')
        self.score_dtype = score_dtype
        self.task = task

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        classes = (self.dataset_meta or {}).get('classes')
        for sample in self.task_samples(data_samples):
            pred, stats = read_prediction(sample, self.score_mode, parser='codec',
                                          codec=self.codec, classes=classes)
            keep = pred['labels'] >= 0
            pred = {k: pred[k][keep] for k in ('bboxes', 'scores', 'labels')}
            gt = sample.get('gt_instances') or {}
            gt_bboxes = torch.as_tensor(gt.get('bboxes', torch.zeros(0, 5))).cpu()
            if gt_bboxes.ndim == 2 and gt_bboxes.shape[-1] == 8:  # qboxes, as upstream
                gt_bboxes = qboxes_to(gt_bboxes, 'rbox')
            gt_labels = gt.get('labels', torch.zeros(0, dtype=torch.long))
            self.results.append({
                'img_id': sample.get('img_id'),
                'gt_bboxes': gt_bboxes.numpy().reshape(-1, 5),
                'gt_labels': torch.as_tensor(gt_labels).cpu().numpy().reshape(-1),
                'bboxes': torch.as_tensor(pred['bboxes']).cpu().numpy().reshape(-1, 5),
                'scores': torch.as_tensor(pred['scores']).cpu().numpy().reshape(-1),
                'labels': torch.as_tensor(pred['labels']).cpu().numpy().reshape(-1),
                PARSE_KEY: stats,
            })

    def _num_classes(self, results: list) -> int:
        if isinstance(self.num_classes, int):
            num = self.num_classes
        elif self.num_classes == 'dataset':
            num = len(self.dataset_meta['classes'])
        else:
            num = 1 + max((int(r['gt_labels'].max()) for r in results
                           if len(r['gt_labels'])), default=-1)
        top = max((int(r['labels'].max()) for r in results if len(r['labels'])),
                  default=-1)
        if top >= num:
            raise ValueError(
                f'a prediction has label {top} but C = {num} classes (num_classes='
                f"{self.num_classes!r}); set num_classes='dataset' or an int")
        return num

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        num_classes = self._num_classes(results)
        metrics, f1s, prs = {}, [], []
        for thr in self.score_thrs:
            cm = confusion_matrix(results, num_classes, thr, self.tp_iou_thr,
                                  self.score_dtype)
            _, _, m_p, m_r, f1 = precision_recall_f1(cm)
            metrics[f'F1@{thr:g}'] = f1
            metrics[f'P@{thr:g}'] = m_p
            metrics[f'R@{thr:g}'] = m_r
            f1s.append(f1)
            prs.append((m_p, m_r))
        best = int(np.argmax(f1s))
        metrics.update({
            'mF1': float(np.mean(f1s)), 'mF1_max': f1s[best], 'mF1_min': float(min(f1s)),
            'best_score_thr': self.score_thrs[best], 'mP': prs[best][0],
            'mR': prs[best][1]})
        metrics.update(parse_totals([(None, r) for r in results]))
        return metrics


__all__ = ['ConfusionF1Metric', 'confusion_matrix', 'precision_recall_f1', 'SCORE_DTYPES']
