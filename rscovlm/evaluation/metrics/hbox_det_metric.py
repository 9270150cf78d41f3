"""Horizontal-box mAP of generated answers.

``HBoxDetMetric`` reads answers exactly like ``RotatedDetMetric`` (same parsing, score
modes and parse statistics) but reduces GT and predictions to their axis-aligned
bounding boxes (mmrotate's ``rbox2hbox`` / ``qbox2hbox``) and scores them with mmdet's
VOC ``eval_map`` (horizontal IoU, ``use_legacy_coordinate=False``: no +1).
"""
import numpy as np
import torch
from mmdet.evaluation import eval_map
from mmengine.logging import MMLogger
from mmrotate.structures.bbox import qbox2hbox, rbox2hbox

from rscovlm.registry import METRICS
from ..functional import in_process_pools
from .rotated_det_metric import RotatedDetMetric

_TO_HBOX = {5: rbox2hbox, 8: qbox2hbox}


def to_hbox(boxes) -> np.ndarray:
    """(N, 4) ``x1, y1, x2, y2`` enclosing (N, 4) hboxes, (N, 5) rboxes ``cx, cy, w, h,
    theta`` or (N, 8) quadrilaterals; extra trailing columns are not accepted."""
    boxes = np.asarray(boxes, dtype=np.float32)
    if boxes.size == 0:
        return np.zeros((0, 4), dtype=np.float32)
    if boxes.shape[-1] == 4:
        return boxes.reshape(-1, 4)
    if boxes.shape[-1] not in _TO_HBOX:
        raise ValueError(f'cannot make horizontal boxes from shape {boxes.shape}')
    return _TO_HBOX[boxes.shape[-1]](torch.from_numpy(boxes)).numpy()


@METRICS.register_module()
class HBoxDetMetric(RotatedDetMetric):
    """``RotatedDetMetric`` with horizontal-box IoU (mmdet's VOC ``eval_map``).

    Everything but the matching is ``RotatedDetMetric``'s: parsing, ``score_mode``,
    ``ignore_mode`` (mmdet's ``eval_map`` reads every image's ignored boxes, so the
    default ``'mmrotate'`` leaves out those of an image without regular ground truth
    first, as the rotated metric does; ``'devkit'`` keeps them), ``iou_thrs``,
    ``eval_mode`` ('11points' or 'area'), the ``parse/*`` keys, and
    ``format_only`` / ``merge_patches`` (which write rotated results). Each image's
    GT, ignored GT and predictions become the axis-aligned boxes enclosing their
    corners; per IoU threshold ``APxx`` (rounded to 3 decimals as ``DOTAMetric``) and
    ``mAP`` = their mean, each the mean AP of the classes with GT. The default prefix
    is ``dota_hbox``.
    """
    default_prefix = 'dota_hbox'

    def eval_map(self, dets: list, anns: list, iou_thr: float) -> float:
        dets = [[np.hstack([to_hbox(d[:, :-1]), d[:, -1:].astype(np.float32)]) for d in img]
                for img in dets]
        hanns = []
        for gt in anns:
            if not gt:
                hanns.append(dict(bboxes=np.zeros((0, 4), np.float32),
                                  labels=np.zeros((0,), np.int64)))
                continue
            hanns.append(dict(
                bboxes=to_hbox(gt['bboxes']), labels=np.asarray(gt['labels']),
                bboxes_ignore=to_hbox(gt['bboxes_ignore']),
                labels_ignore=np.asarray(gt['labels_ignore'])))
        with in_process_pools(self.nproc):
            mean_ap, _ = eval_map(
                dets, hanns, scale_ranges=self.scale_ranges, iou_thr=iou_thr,
                dataset=list(self.dataset_meta['classes']),
                logger=MMLogger.get_current_instance(), nproc=max(self.nproc, 1),
                eval_mode='11points' if self.use_07_metric else 'area')
        return mean_ap


__all__ = ['HBoxDetMetric', 'to_hbox']
