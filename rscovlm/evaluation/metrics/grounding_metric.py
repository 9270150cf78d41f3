"""Visual-grounding metrics of generated answers (upstream section 6.4).

``GroundingMetric`` is refGeo / GeoGround's Acc@0.5: the FIRST box of the answer is
mapped from the resized frame back to the original image and is correct iff its IoU
with the ground truth is > 0.5. ``GeoChatReferringMetric`` is GeoChat referring's
"Pr(F1=1, IoU=0.5)": every box of the answer is matched one-to-one to the ground
truth objects by GIoU, and an image counts as correct iff F1 == 1.

Both read the answer once, through ``rscovlm.structures.read_prediction``, with the
upstream rule of their protocol (``rscovlm.codecs.upstream``: ``'first_line'``,
``'geochat'``); the pure helpers here (``upstream_iou``, ``standard_iou``, ``giou_matrix``,
``greedy_f1``) hold the scoring rules.
"""
import logging
from collections import defaultdict
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmcv.ops import box_iou_rotated
from mmdet.structures.bbox import bbox_overlaps
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from mmrotate.structures.bbox import qbox2rbox, rbox2qbox
from shapely.geometry import MultiPoint, Polygon

from rscovlm.codecs import box_to_quad
from rscovlm.registry import METRICS
from rscovlm.structures import qboxes_to, read_prediction
from .task_filter import TaskFilterMixin


# --------------------------------------------------------------------------- #
# geometry
# --------------------------------------------------------------------------- #
def upstream_iou(box1: Sequence[float], box2: Sequence[float]) -> float:
    """VLM-R1's hbox IoU, as upstream: the intersection is ``(min x2 - max x1) *
    (min y2 - max y1)``, counted only if ``max x1 < min x2 - 1`` (and the same in y);
    the union uses the plain ``(x2 - x1) * (y2 - y1)`` areas. 0 for a zero union."""
    ix1, iy1 = max(box1[0], box2[0]), max(box1[1], box2[1])
    ix2, iy2 = min(box1[2] - 1, box2[2] - 1), min(box1[3] - 1, box2[3] - 1)
    inter = (ix2 - ix1 + 1) * (iy2 - iy1 + 1) if ix1 < ix2 and iy1 < iy2 else 0
    union = ((box1[2] - box1[0]) * (box1[3] - box1[1]) +
             (box2[2] - box2[0]) * (box2[3] - box2[1]) - inter)
    return float(inter) / union if union else 0.0


def standard_iou(box1: Sequence[float], box2: Sequence[float]) -> float:
    """Continuous hbox IoU, by mmdet's ``bbox_overlaps`` (float64; a zero union gives 0)."""
    boxes = torch.tensor([list(box1), list(box2)], dtype=torch.float64)
    return float(bbox_overlaps(boxes[:1], boxes[1:])[0, 0])


def rotated_iou(pred_qbox: Sequence[float], gt_rbox: Sequence[float]) -> float:
    """IoU of a quadrilateral (as its minimum-area rectangle) with an ``rbox``
    ``(cx, cy, w, h, theta[rad])``, by ``mmcv.ops.box_iou_rotated``."""
    pred = qbox2rbox(torch.as_tensor(np.asarray(pred_qbox, np.float32).reshape(1, 8)))
    gt = torch.as_tensor(np.asarray(gt_rbox, np.float32).reshape(1, 5))
    return float(box_iou_rotated(pred, gt)[0, 0])


def polygon_giou(poly_a, poly_b) -> float:
    """Shapely GIoU of two (4, 2) polygons; 0 for an invalid polygon or a zero union."""
    pa, pb = Polygon(poly_a), Polygon(poly_b)
    if not pa.is_valid or not pb.is_valid:
        return 0.0
    union = pa.union(pb).area
    if union == 0:
        return 0.0
    iou = pa.intersection(pb).area / union
    hull = MultiPoint(np.concatenate([poly_a, poly_b], axis=0)).convex_hull.area
    return float(iou - (hull - union) / hull)


def giou_matrix(polys_a: Sequence, polys_b: Sequence) -> np.ndarray:
    """(N, M) GIoU of N and M (4, 2) polygons of the same frame."""
    out = np.zeros((len(polys_a), len(polys_b)), np.float64)
    for i, pa in enumerate(polys_a):
        for j, pb in enumerate(polys_b):
            out[i, j] = polygon_giou(np.asarray(pa, np.float64), np.asarray(pb, np.float64))
    return out


def greedy_f1(giou: np.ndarray, thr: float = 0.5) -> Tuple[int, int, int, float]:
    """Upstream's greedy one-to-one matching: take the largest remaining GIoU (first in
    row-major order on ties) while it is >= ``thr``, then drop its row and column.

    Args:
        giou: (num_pred, num_gt) matrix.

    Returns:
        ``(tp, fp, fn, f1)`` with ``f1 = 2tp / (2tp + fp + fn)``; 1.0 when both sides
        are empty (upstream would divide by zero).
    """
    giou = np.array(giou, np.float64)  # a copy
    if giou.ndim != 2:
        raise ValueError(f'giou must be a (num_pred, num_gt) matrix, got {giou.shape}')
    num_pred, num_gt = giou.shape
    tp = 0
    for _ in range(min(num_pred, num_gt)):
        i, j = np.unravel_index(int(np.argmax(giou)), giou.shape)
        if giou[i, j] < thr:
            break
        tp += 1
        giou[i, :] = -np.inf
        giou[:, j] = -np.inf
    fp, fn = num_pred - tp, num_gt - tp
    denom = 2 * tp + fp + fn
    return tp, fp, fn, (2 * tp / denom if denom else 1.0)


# --------------------------------------------------------------------------- #
# shared sample helpers
# --------------------------------------------------------------------------- #
def _gt_boxes(sample: dict) -> torch.Tensor:
    """The sample's ``gt_instances.bboxes`` as a float32 (N, 5) rbox or (N, 8) qbox
    tensor (``PackVLMInputs(box_type=...)`` decides which)."""
    gt = sample.get('gt_instances') or {}
    bboxes = gt.get('bboxes') if isinstance(gt, dict) else getattr(gt, 'bboxes', None)
    if bboxes is None:
        return torch.zeros((0, 5), dtype=torch.float32)
    if hasattr(bboxes, 'tensor'):  # an mmdet BaseBoxes
        bboxes = bboxes.tensor
    bboxes = torch.as_tensor(bboxes, dtype=torch.float32)
    width = bboxes.shape[-1] if bboxes.ndim == 2 else 5
    if width not in (5, 8):
        raise ValueError(f'gt_instances.bboxes of sample {sample.get("img_id")!r} must be '
                         f'(N, 5) rboxes or (N, 8) qboxes, got shape {tuple(bboxes.shape)}')
    return bboxes.reshape(-1, width)


def _gt_rboxes(sample: dict) -> np.ndarray:
    """(N, 5) GT rboxes; qbox GT as its minimum-area rectangles."""
    boxes = _gt_boxes(sample)
    if boxes.shape[-1] == 8:
        boxes = qboxes_to(boxes, 'rbox')
    return np.asarray(boxes)


def _rbox_corners(rboxes: np.ndarray) -> np.ndarray:
    """(N, 8) corners of (N, 5) rboxes, rounded to 1e-3 px so that the integer boxes
    of the annotations come back exactly (the float32 rbox round trip is off by ~1e-5,
    which matters at IoU == threshold)."""
    if len(rboxes) == 0:
        return np.zeros((0, 8), np.float64)
    corners = rbox2qbox(torch.as_tensor(rboxes, dtype=torch.float64)).numpy()
    return np.round(corners, 3) + 0.0  # + 0.0 turns -0.0 into 0.0


# --------------------------------------------------------------------------- #
# metrics
# --------------------------------------------------------------------------- #
@METRICS.register_module()
class GroundingMetric(TaskFilterMixin, BaseMetric):
    """refGeo / GeoGround Acc@0.5 of one referred object per sample.

    Each sample (a dict, as mmengine's ``Evaluator`` passes them) holds ``pred_text``,
    ``img_shape`` / ``ori_shape`` (h, w; the answer lives in the former), ``region_type``
    (``'hbox'`` | ``'qbox'`` | ``'rbox'``), optional ``codec`` (dict), ``source`` (the
    sub-dataset) and ``gt_instances.bboxes`` (rboxes, original pixels). The predicted
    box is mapped back with ``x * ori_w / img_w``; a normalised hbox (all values <= 1,
    i.e. x1000 on a 0-1000 frame) with ``x * ori_w / 1000``. An hbox answer is compared
    with the axis-aligned envelope of the GT box, a qbox / rbox answer with the GT rbox
    by rotated IoU (the max over the GT objects if there are several).

    Args:
        task: only samples with this ``task``; None takes all.
        iou_mode: ``'upstream'`` (the "-1" pixel IoU of VLM-R1) or ``'standard'``
            (continuous); hbox answers only, rotated IoU is always continuous.
        iou_thr: IoU threshold.
        strict: correct iff ``IoU > iou_thr`` (upstream) rather than ``>=``.
        parse: ``'first_line'`` (upstream: the first line must be ``coords label``; a
            JSON codec uses upstream's first ``[a, b, c, d]``) or ``'codec'`` (the first
            box the sample's codec decodes, which skips malformed lines and accepts
            extra coordinates).
        skip_without_gt: leave out samples without a ground-truth box (counted in
            ``num_without_gt``) instead of scoring them 0: conversations whose final
            answer is not a box (``RenderConversation`` gives box answers their GT).
        prefix: metric key prefix.

    Results: ``Acc@{thr}`` (percent), ``Acc@{thr}_{source}`` per sub-dataset,
    ``mean_iou`` (0-1, unparsed answers count as 0), ``num_samples``, ``num_unparsed``.
    """
    default_prefix: Optional[str] = 'grounding'

    def __init__(self,
                 task: Optional[str] = 'grounding',
                 iou_mode: str = 'upstream',
                 iou_thr: float = 0.5,
                 strict: bool = True,
                 parse: str = 'first_line',
                 skip_without_gt: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.skip_without_gt = bool(skip_without_gt)
        if iou_mode not in ('upstream', 'standard'):
            raise ValueError(f"iou_mode must be 'upstream' or 'standard', got {iou_mode!r}")
        if parse not in ('first_line', 'codec'):
            raise ValueError(f"parse must be 'first_line' or 'codec', got {parse!r}")
        self.task = task
        self.iou_mode = iou_mode
        self.iou_thr = float(iou_thr)
        self.strict = bool(strict)
        self.parse = parse

    def predict_quad(self, sample: dict) -> Optional[np.ndarray]:
        """The predicted (8,) quadrilateral in the original frame, or None: the first box
        of the sample's prediction read by this metric's rule (``parse``)."""
        pred, _ = read_prediction(sample, parser=self.parse)
        qboxes = pred['qboxes']
        return np.asarray(qboxes[0], np.float64) if len(qboxes) else None

    def sample_iou(self, sample: dict, quad: Optional[np.ndarray]) -> float:
        """IoU of the predicted quadrilateral with the sample's GT (0 if None)."""
        gts = _gt_rboxes(sample)
        if quad is None or len(gts) == 0:
            return 0.0
        if (sample.get('region_type') or 'hbox') == 'hbox':
            # (x1, y1, x2, y2) as written: corners 0 and 2 of the quad
            box = [quad[0], quad[1], quad[4], quad[5]]
            corners = _rbox_corners(gts)
            iou = upstream_iou if self.iou_mode == 'upstream' else standard_iou
            return max(iou(box, [c[0::2].min(), c[1::2].min(), c[0::2].max(),
                                 c[1::2].max()]) for c in corners)
        return max(rotated_iou(quad, g) for g in gts)

    def process(self, data_batch, data_samples: Sequence[Union[dict, BaseDataElement]]):
        for sample in self.task_samples(data_samples):
            if self.skip_without_gt and len(_gt_rboxes(sample)) == 0:
                self.results.append(dict(skipped=True))
                continue
            quad = self.predict_quad(sample)
            self.results.append(dict(
                source=sample.get('source'), iou=float(self.sample_iou(sample, quad)),
                parsed=quad is not None))

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        skipped = sum(bool(r.get('skipped')) for r in results)
        results = [r for r in results if not r.get('skipped')]
        thr = self.iou_thr
        name = f'Acc@{thr:g}'
        if not results:
            return {name: 0.0, 'mean_iou': 0.0, 'num_samples': 0, 'num_unparsed': 0,
                    **({'num_without_gt': skipped} if self.skip_without_gt else {})}
        correct = [bool(r['iou'] > thr if self.strict else r['iou'] >= thr)
                   for r in results]
        metrics = {name: 100.0 * sum(correct) / len(results),
                   'mean_iou': float(np.mean([r['iou'] for r in results])),
                   'num_samples': len(results),
                   'num_unparsed': sum(not r['parsed'] for r in results)}
        if self.skip_without_gt:
            metrics['num_without_gt'] = skipped
        by_source = defaultdict(list)
        for r, ok in zip(results, correct):
            if r['source'] is not None:
                by_source[str(r['source'])].append(ok)
        for source in sorted(by_source):
            oks = by_source[source]
            metrics[f'{name}_{source}'] = 100.0 * sum(oks) / len(oks)
        return metrics


@METRICS.register_module()
class GeoChatReferringMetric(TaskFilterMixin, BaseMetric):
    """GeoChat referring "Pr(F1=1, IoU=0.5)" (upstream ``compute_geochat_referring_acc``,
    plain mode).

    The answer's boxes are all 8-int matches, else all 4-int matches
    (``rscovlm.codecs.parse_all_boxes``), turned into quads by ``rscovlm.codecs.box_to_quad``
    with the ``img_shape`` -> ``ori_shape`` scale; the GT is every ``gt_instances`` box
    (original pixels) as a polygon (below). Predictions and GT are matched greedily by GIoU >=
    ``iou_thr`` and an image is correct iff ``F1 >= f1_thr``. An answer with no box is
    counted in ``num_unparsed`` (F1 = 0 when there is GT; upstream would raise).

    Ground-truth polygons: upstream's ``polygon_giou`` (RSCoVLM
    ``rscovlm/eval/metric/metric.py``) scores each GeoChat polygon as given, its 4 corners
    only sorted by angle around their mean (``rescale_box``); GeoChat's quadrilaterals are
    not always rectangles. The polygon reaches the metric when the pipeline packs qboxes
    (``PackVLMInputs(box_type='qbox')``, as ``geochat-bench_referring.py`` does); rbox
    ground truth (``box_type='rbox'``, the default) has already become a rectangle and is
    scored as its corners, with a warning. ``gt_min_area_rect=True``
    replaces every quadrilateral ground truth by its minimum-area rectangle (mmrotate's
    ``qbox2rbox``) before the GIoU, rscovlm's earlier rule: the same GT as the rotated
    detection metrics see, but not the papers' number for a non-rectangular polygon.

    Results (percent): ``Acc@{thr}`` overall, ``Acc@{thr}_size_{g}`` / ``_type_{t}`` when
    samples carry ``size_group`` / ``type`` (missing ones are ``unknown``),
    ``Acc@{thr}_count_{single|multiple}`` (``len(obj_ids)`` if given, else the number of
    GT objects), ``num_samples``, ``num_unparsed``.

    Negative coordinates: a polygon may run past the image border. GeoChat-Bench's GT
    has such polygons (e.g. ``[[346, -1], ..., [389, -24]]``) and ``QBoxCodec`` writes
    them with their sign (``20,-4,13,62,...``), but upstream parses the answer with
    unsigned ``(\\d+)`` regexes: the 8-int match of such a polygon fails and 4-int runs
    of the digits around the minus signs are taken instead (``30,-6,130,4,...`` ->
    ``[6, 130, 4, 120]``), so even the exact answer is misread and scores F1 < 1. The
    papers' numbers come from that parser, so ``signed_coords=False`` (the default) is
    the one that compares with them; ``signed_coords=True`` reads ``-?\\d+`` and is the
    correct score for answers past the border (it only differs on answers with a minus
    sign).

    Args:
        task: only samples with this ``task``; None takes all.
        iou_thr: GIoU threshold of a match.
        f1_thr: F1 an image needs to be correct.
        signed_coords: parse ``-?\\d+`` instead of upstream's ``\\d+`` (see above).
        gt_min_area_rect: score each quadrilateral GT as its minimum-area rectangle
            instead of upstream's polygon as given (see above).
        prefix: metric key prefix.
    """
    default_prefix: Optional[str] = 'referring'
    GROUP_KEYS = ('size_group', 'type')

    def __init__(self,
                 task: Optional[str] = 'referring',
                 iou_thr: float = 0.5,
                 f1_thr: float = 1.0,
                 signed_coords: bool = False,
                 gt_min_area_rect: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.task = task
        self.iou_thr = float(iou_thr)
        self.f1_thr = float(f1_thr)
        self.signed_coords = bool(signed_coords)
        self.gt_min_area_rect = bool(gt_min_area_rect)
        self.parser = 'geochat_signed' if self.signed_coords else 'geochat'
        self._warned_rbox_gt = False

    def gt_polygons(self, sample: dict) -> list:
        """The sample's GT as (4, 2) polygons in original pixels, corners sorted as
        upstream's ``rescale_box``: qbox GT as given (or as its minimum-area rectangle
        with ``gt_min_area_rect``), rbox GT as its corners."""
        boxes = _gt_boxes(sample)
        if boxes.shape[-1] == 8 and not self.gt_min_area_rect:
            return [box_to_quad(q) for q in boxes.numpy().astype(np.float64)]
        if boxes.shape[-1] == 5 and len(boxes) and not self.gt_min_area_rect \
                and not self._warned_rbox_gt:
            self._warned_rbox_gt = True
            print_log(
                'GeoChatReferringMetric: the ground truth arrives as rboxes, so each '
                "polygon is scored as its minimum-area rectangle, not as given (upstream's "
                "polygon_giou); pack it with PackVLMInputs(box_type='qbox')",
                logger='current', level=logging.WARNING)
        if boxes.shape[-1] == 8:
            boxes = qboxes_to(boxes, 'rbox')
        return [box_to_quad(c) for c in _rbox_corners(np.asarray(boxes))]

    def process(self, data_batch, data_samples: Sequence[Union[dict, BaseDataElement]]):
        for sample in self.task_samples(data_samples):
            pred, _ = read_prediction(sample, parser=self.parser)
            preds = [np.asarray(q, np.float64).reshape(4, 2) for q in pred['qboxes']]
            gts = self.gt_polygons(sample)
            tp, fp, fn, f1 = greedy_f1(giou_matrix(preds, gts), self.iou_thr)
            obj_ids = sample.get('obj_ids')
            num_obj = len(obj_ids) if obj_ids is not None else len(gts)
            self.results.append(dict(
                correct=bool(f1 >= self.f1_thr), parsed=bool(preds), f1=float(f1),
                count='single' if num_obj == 1 else 'multiple',
                **{k: sample.get(k) for k in self.GROUP_KEYS}))

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        name = f'Acc@{self.iou_thr:g}'

        def acc(rs):
            return 100.0 * sum(r['correct'] for r in rs) / len(rs) if rs else 0.0

        metrics = {name: acc(results), 'num_samples': len(results),
                   'num_unparsed': sum(not r['parsed'] for r in results)}
        groups = [(k, k.split('_')[0]) for k in self.GROUP_KEYS
                  if any(r[k] is not None for r in results)] + [('count', 'count')]
        for key, tag in groups:
            by = defaultdict(list)
            for r in results:
                by['unknown' if r[key] is None else str(r[key])].append(r)
            for value in sorted(by):
                metrics[f'{name}_{tag}_{value}'] = acc(by[value])
        return metrics


__all__ = [
    'GroundingMetric', 'GeoChatReferringMetric', 'upstream_iou', 'standard_iou',
    'rotated_iou', 'polygon_giou', 'giou_matrix', 'greedy_f1'
]
