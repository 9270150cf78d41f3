"""Horizontal-box mAP of generated answers.

``HBoxDetMetric`` parses answers exactly like ``RotatedDetMetric`` (same codec, score
modes and parse statistics) but reduces GT and predictions to their axis-aligned
bounding boxes ``(min x, min y, max x, max y)`` of the corners and scores them with
mmdet's VOC ``eval_map`` (horizontal IoU, ``use_legacy_coordinate=False``: no +1).
"""
import contextlib
import importlib
from collections import OrderedDict

import numpy as np
import torch
from mmengine.logging import MMLogger
from mmrotate.structures.bbox import rbox2qbox

from rscovlm.registry import METRICS
from .rotated_det_metric import RotatedDetMetric, _SerialPool

_mmdet_mean_ap = importlib.import_module('mmdet.evaluation.functional.mean_ap')


def to_hbox(boxes) -> np.ndarray:
    """(N, 4) ``x1, y1, x2, y2`` enclosing (N, 4) hboxes, (N, 5) rboxes ``cx, cy, w, h,
    theta`` or (N, 8) quadrilaterals; extra trailing columns are not accepted."""
    boxes = np.asarray(boxes, dtype=np.float32)
    if boxes.size == 0:
        return np.zeros((0, 4), dtype=np.float32)
    if boxes.shape[-1] == 4:
        return boxes.reshape(-1, 4)
    if boxes.shape[-1] == 5:
        boxes = rbox2qbox(torch.from_numpy(boxes)).numpy()
    if boxes.shape[-1] != 8:
        raise ValueError(f'cannot make horizontal boxes from shape {boxes.shape}')
    xs, ys = boxes[:, 0::2], boxes[:, 1::2]
    return np.stack([xs.min(1), ys.min(1), xs.max(1), ys.max(1)], axis=1)


@contextlib.contextmanager
def _serial_mmdet_pool():
    """mmdet's ``eval_map`` opens a ``Pool`` for more than one image even with
    ``nproc=1``; run the same ``starmap`` in this process instead."""
    old = _mmdet_mean_ap.Pool
    _mmdet_mean_ap.Pool = lambda processes=None: _SerialPool()
    try:
        yield
    finally:
        _mmdet_mean_ap.Pool = old


@METRICS.register_module()
class HBoxDetMetric(RotatedDetMetric):
    """``RotatedDetMetric`` with horizontal-box IoU (mmdet's VOC ``eval_map``).

    Everything but the matching is ``RotatedDetMetric``'s: parsing, ``score_mode``,
    ``iou_thrs``, ``eval_mode`` ('11points' or 'area'), the ``parse/*`` keys, and
    ``format_only`` / ``merge_patches`` (which write rotated results). Each image's
    GT, ignored GT and predictions become the axis-aligned boxes enclosing their
    corners; per IoU threshold ``APxx`` (rounded to 3 decimals as ``DOTAMetric``) and
    ``mAP`` = their mean, each the mean AP of the classes with GT. The default prefix
    is ``dota_hbox``.
    """
    default_prefix = 'dota_hbox'

    def _compute_map(self, results: list) -> dict:
        if self.format_only or self.merge_patches:
            return super()._compute_map(results)
        logger = MMLogger.get_current_instance()
        num_classes = len(self.dataset_meta['classes'])
        dets, annotations = [], []
        for gt, pred in results:
            dets.append([
                np.hstack([to_hbox(d[:, :-1]), d[:, -1:].astype(np.float32)])
                for d in pred['pred_bbox_scores']])
            if not gt:
                annotations.append(dict(bboxes=np.zeros((0, 4), np.float32),
                                        labels=np.zeros((0,), np.int64)))
                continue
            annotations.append(dict(
                bboxes=to_hbox(gt['bboxes']), labels=np.asarray(gt['labels']),
                bboxes_ignore=to_hbox(gt['bboxes_ignore']),
                labels_ignore=np.asarray(gt['labels_ignore'])))
        assert all(len(d) == num_classes for d in dets)

        metrics, mean_aps = OrderedDict(), []
        pool = (_serial_mmdet_pool() if self.nproc <= 1 else contextlib.nullcontext())
        with pool:
            for iou_thr in self.iou_thrs:
                mean_ap, _ = _mmdet_mean_ap.eval_map(
                    dets, annotations, scale_ranges=self.scale_ranges,
                    iou_thr=iou_thr, dataset=list(self.dataset_meta['classes']),
                    logger=logger, nproc=max(self.nproc, 1),
                    eval_mode='11points' if self.use_07_metric else 'area')
                mean_aps.append(mean_ap)
                metrics[f'AP{int(iou_thr * 100):02d}'] = round(mean_ap, 3)
        metrics['mAP'] = sum(mean_aps) / len(mean_aps)
        metrics.move_to_end('mAP', last=False)
        return metrics


__all__ = ['HBoxDetMetric', 'to_hbox']
