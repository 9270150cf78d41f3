"""Oriented detection mAP of generated answers (the paper's mAP_nc).

``RotatedDetMetric`` is a thin layer over mmrotate's ``DOTAMetric``: it reads each
sample's parsed prediction (``rscovlm.structures.read_prediction``), ranks the boxes by
``score_mode`` (by default 1.0 each, so the VOC07 11-point AP at rotated IoU 0.5 is the
RSCoVLM paper's mAP without confidence), counts how well the answers parsed, and leaves
the per-class results and ``format_only`` to ``DOTAMetric`` and the matching and AP to
mmrotate's ``eval_rbbox_map`` (called with ``nproc``, see
``rscovlm.evaluation.functional.in_process_pools``).

Patches (``merge_patches=True``): mmrotate's ``DOTAMetric`` only writes the merged
detections as DOTA Task1 files and computes no metric. Here the patch detections are
merged the same way (offset from the patch name, per-class ``nms_rotated`` /
``nms_quadri`` of mmcv at ``iou_thr``, 0.1) and, unless ``format_only``, scored against
the full-image ground truth (``metainfo['full_gt']`` of ``PatchSplitDataset``); the
Task1 files and zip are still written by mmrotate's ``merge_results``.
"""
import os.path as osp
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmcv.ops import nms_quadri, nms_rotated
from mmengine.logging import MMLogger
from mmrotate.evaluation import DOTAMetric, eval_rbbox_map

from rscovlm.datasets.patch_windows import parse_patch_name
from rscovlm.datasets.wrappers.patch_split import FULL_GT_KEY
from rscovlm.registry import METRICS
from rscovlm.structures import check_score_mode, instances_to_gt, read_prediction
from ..functional import in_process_pools
from .task_filter import TaskFilterMixin

PARSE_KEY = 'parse_stats'
#: how ignored (difficult) ground truth is treated, see ``RotatedDetMetric``
IGNORE_MODES = ('mmrotate', 'devkit')
#: warn when at least this fraction of the parsed boxes has its centre outside the image
OUT_OF_IMAGE_WARN_FRACTION = 0.1


@METRICS.register_module()
class RotatedDetMetric(TaskFilterMixin, DOTAMetric):
    """mmrotate's ``DOTAMetric`` on the text a vision-language model generated.

    Each data sample (a dict, as mmengine's ``Evaluator`` passes them) holds
    ``img_id``, ``gt_instances`` / ``ignored_instances`` (rotated boxes in the original
    frame) and either

    * ``pred_instances`` filled by ``rscovlm.structures.fill_prediction`` (the model,
      offline re-scoring), used as they are, with the optional ``parse_stats =
      {'num_lines', 'num_skipped', 'failed'}``, or
    * only ``pred_text`` (a sample built by hand): parsed by
      ``rscovlm.structures.parse_prediction`` with the sample's codec, else ``codec``.
      Its coordinates live in the ``img_shape`` (h, w) frame and are rescaled to
      ``ori_shape`` (h, w); without both shapes they are taken as original-frame pixels.

    The score of a box depends on ``score_mode``:

    * ``'constant'`` (default): 1.0 for every box, hence the paper's mAP_nc;
    * ``'order'``: emission order; the k-th box (k = 0, 1, ..., n - 1) of an answer
      with n boxes scores ``1 - k / n`` (1, (n-1)/n, ..., 1/n), so earlier lines rank
      higher. n and k count every parsed box, also those whose label matched no class
      (label -1, which no class's AP counts);
    * ``'logprob'``: ``pred_instances.logprob_scores`` (the model's
      ``box_scores='logprob'``: ``exp(mean token log-probability)`` of each box line, in
      (0, 1]), or the sample's ``pred_scores`` list of an older dump, one float per
      parsed box in emission order. A sample without them, or with a different count,
      raises ``ValueError``.

    Ignored (difficult) ground truth depends on ``ignore_mode``:

    * ``'mmrotate'`` (default, the numbers of mmrotate and of the RSCoVLM paper): a box
      on an ignored object is neither a TP nor an FP, except in an image that has no
      other (regular) ground truth: mmrotate's ``get_cls_results``
      (``mmrotate/evaluation/functional/mean_ap.py``) reads an image's ignored boxes
      only when it has regular ones, so there such a box is a false positive. Perfect
      answers then score below 1 whenever the test set has such images, and, with
      constant scores, the value also depends on the order of the images (an FP ranked
      before the TPs costs more than one after them);
    * ``'devkit'``: ignored objects are ignored in every image, as the DOTA devkit's
      ``dota_evaluation_task1.py`` does: perfect answers score exactly 1.0. Done by
      giving such an image a placeholder ground-truth row labelled -1, which no class
      selects, so mmrotate keeps its ignored boxes.

    Besides
    ``DOTAMetric``'s ``mAP`` / ``AP50`` the results hold parse statistics (summed over
    samples): ``parse/lines`` (boxes parsed), ``parse/skipped_lines`` (malformed lines
    dropped), ``parse/failed_samples`` (answers with content of which nothing parsed,
    not counting "There are none."), ``parse/empty_answers`` ("There are none."),
    ``parse/blank_answers`` (empty or white space only, e.g. a sample without
    prediction), ``parse/unknown_class_lines`` (parsed boxes whose class name is not in
    the class list: scored as the closest class by fuzzy matching, as upstream; with no
    class list every box, which then no class counts) and ``parse/out_of_image_boxes``
    (parsed boxes whose centre lies outside the original image; when they are at least
    ``OUT_OF_IMAGE_WARN_FRACTION`` of the boxes a warning names the likely cause, an
    answer on another grid such as 0-1000). Like every key they get the metric prefix
    (``dota/`` unless ``prefix`` is set).

    On a test set that mixes tasks only the samples of ``task`` are scored, and the
    class list comes from those samples when the dataset's metainfo has none.

    Args:
        codec: box codec config (``CODECS``) or instance that reads the ``pred_text`` of
            a sample that has no ``pred_instances`` and names no ``codec`` of its own.
        task: the task whose samples are scored (``None``: every sample).
        score_mode: ``'constant'``, ``'order'`` or ``'logprob'`` (see above).
        ignore_mode: ``'mmrotate'`` or ``'devkit'``: how ignored (difficult) ground
            truth of an image without regular ground truth is treated (see above).
        nproc: processes for mmrotate's per-image TP/FP matching. mmrotate uses a
            *spawn* pool (a fresh interpreter per worker, several seconds to start, and
            any script that evaluates needs an ``if __name__ == '__main__':`` guard);
            ``nproc=1`` (the default) computes in this process without a pool. The
            per-image work is small, so the pool rarely pays: on 2000 images x 15
            classes, 2.7 s with nproc=1 against 13 s with nproc=2 (2-core machine).
        merge_patches: the samples are patches (``img_id`` ``{id}__{size}__{x}___{y}``,
            boxes in patch pixels): merge them per original image (see
            :func:`merge_patch_predictions`) and, with ``format_only=False``, report the
            mAP of the merged detections against ``dataset_meta['full_gt']`` (the
            full-image ground truth ``PatchSplitDataset`` provides), plus
            ``merge/images``, ``merge/patch_boxes`` (before NMS) and ``merge/boxes``
            (after). With ``outfile_prefix`` the DOTA Task1 files
            (``Task1_<class>.txt``: ``imgname score x1 y1 ... x4 y4``) and
            ``<basename>.zip`` are written into that folder by mmrotate; a folder that
            exists already is kept and the files go to a fresh
            ``<parent>/<timestamp>/<basename>/`` instead (logged).
        iou_thr: IoU of the merge's rotated NMS (0.1, mmrotate's and RSCoVLM's).
        iou_thrs, metric, predict_box_type, eval_mode, format_only, outfile_prefix,
        scale_ranges, collect_device, prefix: as
            ``DOTAMetric`` (defaults: the upstream protocol, ``iou_thrs=[0.5]``,
            ``eval_mode='11points'``, ``predict_box_type='rbox'``).
    """

    def __init__(self,
                 codec: Union[dict, object] = dict(type='QBoxCodec', fmt='plain',
                                                   clockwise=True),
                 iou_thrs: Union[float, List[float]] = [0.5],
                 metric: Union[str, List[str]] = 'mAP',
                 eval_mode: str = '11points',
                 predict_box_type: str = 'rbox',
                 nproc: int = 1,
                 score_mode: str = 'constant',
                 ignore_mode: str = 'mmrotate',
                 task: Optional[str] = 'det',
                 **kwargs) -> None:
        super().__init__(
            iou_thrs=list(iou_thrs) if isinstance(iou_thrs, (list, tuple)) else iou_thrs,
            metric=metric,
            eval_mode=eval_mode,
            predict_box_type=predict_box_type,
            **kwargs)
        self.codec = codec
        self.nproc = int(nproc)
        self.score_mode = check_score_mode(score_mode)
        if ignore_mode not in IGNORE_MODES:
            raise ValueError(f'{type(self).__name__}: ignore_mode must be one of '
                             f'{IGNORE_MODES}, got {ignore_mode!r}')
        self.ignore_mode = ignore_mode
        self.task = task

    # ------------------------------------------------------------------ #
    def _check_merge_inputs(self, sample: dict) -> None:
        """Fail on the first batch, not after the whole test set, when patch merging
        cannot work."""
        parse_patch_name(sample.get('img_id'))  # raises for a name that is not a patch's
        if not self.format_only and FULL_GT_KEY not in (self.dataset_meta or {}):
            raise ValueError(
                'RotatedDetMetric(merge_patches=True, format_only=False) scores the merged '
                "detections against the full images, but dataset_meta has no 'full_gt': "
                "wrap the test dataset in dict(type='PatchSplitDataset', dataset=...) "
                '(configs/benchmarks/dota-v1.0_val_online-split1024.py), or set '
                'format_only=True with an outfile_prefix to only write the Task1 files')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        samples, stats = [], []
        for sample in list(self.task_samples(data_samples)):
            if 'classes' not in (self.dataset_meta or {}) and sample.get('classes'):
                # a mixed-task test set has no single class list: take the samples'
                self.dataset_meta = dict(self.dataset_meta or {}, classes=tuple(sample['classes']))
            if self.merge_patches:
                self._check_merge_inputs(sample)
            pred, sample_stats = read_prediction(
                sample, self.score_mode, parser='codec', codec=self.codec,
                classes=self.dataset_meta['classes'], box_type=self.predict_box_type)
            samples.append(dict(sample, pred_instances=pred))
            stats.append(sample_stats)
        start = len(self.results)
        super().process(data_batch, samples)
        # The statistics ride in DOTAMetric's per-sample result dict, so they are
        # gathered across ranks with it; DOTAMetric reads only its own keys.
        for (_, result), sample_stats in zip(self.results[start:], stats):
            result[PARSE_KEY] = sample_stats

    def eval_map(self, dets: list, anns: list, iou_thr: float) -> float:
        """The mean AP of one IoU threshold: mmrotate's ``eval_rbbox_map`` (rotated IoU),
        the call ``DOTAMetric.compute_metrics`` makes, with ``self.nproc``."""
        with in_process_pools(self.nproc):
            mean_ap, _ = eval_rbbox_map(
                dets, anns, scale_ranges=self.scale_ranges, iou_thr=iou_thr,
                use_07_metric=self.use_07_metric, box_type=self.predict_box_type,
                dataset=self.dataset_meta['classes'], logger=MMLogger.get_current_instance(),
                nproc=max(self.nproc, 1))
        return mean_ap

    def map_metrics(self, dets: list, anns: list) -> dict:
        """``APxx`` per IoU threshold (rounded to 3 decimals) and ``mAP``, their mean, as
        ``DOTAMetric`` reports them."""
        logger = MMLogger.get_current_instance()
        anns = [apply_ignore_mode(ann, self.ignore_mode) for ann in anns]
        metrics, mean_aps = OrderedDict(), []
        for iou_thr in self.iou_thrs:
            logger.info(f'\n{"-" * 15}iou_thr: {iou_thr}{"-" * 15}')
            mean_ap = self.eval_map(dets, anns, iou_thr)
            mean_aps.append(mean_ap)
            metrics[f'AP{int(iou_thr * 100):02d}'] = round(mean_ap, 3)
        metrics['mAP'] = sum(mean_aps) / len(mean_aps)
        metrics.move_to_end('mAP', last=False)
        return metrics

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        if self.merge_patches:
            metrics = self._merged_metrics(results)
        elif self.format_only:
            metrics = super().compute_metrics(results)  # DOTAMetric writes the json files
        else:
            gts, preds = zip(*results)
            metrics = self.map_metrics([p['pred_bbox_scores'] for p in preds], list(gts))
        metrics.update(parse_totals(results, warn=True))
        return metrics

    # ---- patches ------------------------------------------------------------------
    def _outfile_folder(self) -> str:
        """``outfile_prefix``, or, when that folder exists (mmrotate refuses to write into
        it), a fresh ``<parent>/<timestamp>/<basename>``."""
        prefix = osp.normpath(self.outfile_prefix)
        if not osp.exists(prefix):
            return prefix
        stamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
        folder, k = osp.join(osp.dirname(prefix), stamp, osp.basename(prefix)), 1
        while osp.exists(folder):
            folder = osp.join(osp.dirname(prefix), f'{stamp}_{k}', osp.basename(prefix))
            k += 1
        MMLogger.get_current_instance().warning(
            f'outfile_prefix {prefix} exists (an earlier run?) and mmrotate does not write '
            f'into an existing folder: writing the Task1 files to {folder} instead. Move '
            f'or delete {prefix}, or set test_evaluator.outfile_prefix=..., to write there.')
        return folder

    def _merged_gt(self, img_ids: List[str]) -> List[dict]:
        """mmrotate's ``ann`` dicts of the full images, from ``dataset_meta['full_gt']``."""
        full_gt = self.dataset_meta[FULL_GT_KEY]
        unknown = [i for i in img_ids if i not in full_gt]
        if unknown:
            raise KeyError(
                f'merged detections for {len(unknown)} image(s) missing from '
                f"dataset_meta['full_gt'] ({len(full_gt)} images), e.g. {unknown[:5]}; the "
                'predictions and the dataset do not match (check data_root / ann_file)')
        anns = []
        for img_id in img_ids:
            gt, ignored = instances_to_gt(full_gt[img_id], self.predict_box_type)
            anns.append(dict(labels=gt.labels.numpy(), bboxes=np.asarray(gt.bboxes),
                             bboxes_ignore=np.asarray(ignored.bboxes),
                             labels_ignore=ignored.labels.numpy()))
        return anns

    def _merged_metrics(self, results: list) -> dict:
        logger = MMLogger.get_current_instance()
        preds = [result for _, result in results]
        num_classes = len(self.dataset_meta['classes'])
        merged, num_patch_boxes = merge_patch_predictions(
            preds, num_classes, self.predict_box_type, self.iou_thr)
        metrics = OrderedDict()
        if self.outfile_prefix is not None:
            # the submission files exactly as mmrotate writes them (its own merge)
            zip_path = self.merge_results(preds, self._outfile_folder())
            logger.info(f'DOTA Task1 submission: {zip_path} (and Task1_<class>.txt beside it)')
        if not self.format_only:
            full_gt = self.dataset_meta[FULL_GT_KEY]
            img_ids = list(full_gt) + [i for i in merged if i not in full_gt]
            width = 6 if self.predict_box_type == 'rbox' else 9
            dets = [merged.get(img_id) or [np.zeros((0, width), np.float32)
                                           for _ in range(num_classes)]
                    for img_id in img_ids]
            metrics.update(self.map_metrics(dets, self._merged_gt(img_ids)))
        metrics['merge/images'] = len(merged)
        metrics['merge/patch_boxes'] = num_patch_boxes
        metrics['merge/boxes'] = sum(len(d) for dets in merged.values() for d in dets)
        return metrics


def merge_patch_predictions(preds: Sequence[dict], num_classes: int, box_type: str = 'rbox',
                            iou_thr: float = 0.1) -> Tuple[Dict[str, list], int]:
    """Merge patch detections into their full images, as mmrotate's
    ``DOTAMetric.merge_results`` does before writing its files.

    Each ``pred`` has ``img_id`` (a patch name ``{id}__{size}__{x}___{y}``), ``bboxes``
    (``rbox`` ``cx, cy, w, h, t`` or ``qbox`` 8 coordinates, patch pixels), ``scores`` and
    ``labels``. Boxes are shifted by the patch offset, then per image and class reduced by
    mmcv's ``nms_rotated`` (``rbox``) / ``nms_quadri`` (``qbox``) at ``iou_thr`` — the
    functions and inputs mmrotate uses (float32 boxes and scores, NMS in float64).

    Returns ``({original img_id: [per-class (n, 6 | 9) arrays of box + score]}, number of
    patch boxes before NMS)``; images in order of first appearance.
    """
    if box_type not in ('rbox', 'qbox'):
        raise ValueError(f"patch merging supports predict_box_type 'rbox' or 'qbox', got "
                         f'{box_type!r}')
    width = 5 if box_type == 'rbox' else 8
    groups: Dict[str, list] = OrderedDict()
    total = 0
    for pred in preds:
        ori_id, x, y = parse_patch_name(pred['img_id'])
        bboxes = np.asarray(pred['bboxes'], dtype=np.float32).reshape(-1, width).copy()
        shift = [x, y] if box_type == 'rbox' else [x, y] * 4
        bboxes[:, :len(shift)] += np.array(shift, dtype=np.float32)
        scores = np.asarray(pred['scores'], dtype=np.float32).reshape(-1, 1)
        labels = np.asarray(pred['labels']).reshape(-1)
        groups.setdefault(ori_id, []).append(
            (labels, np.concatenate([bboxes, scores], axis=1).astype(np.float64)))
        total += len(labels)
    nms = nms_rotated if box_type == 'rbox' else nms_quadri
    merged = OrderedDict()
    for ori_id, parts in groups.items():
        labels = np.concatenate([p[0] for p in parts])
        dets = np.concatenate([p[1] for p in parts])
        per_class = []
        for label in range(num_classes):
            cls_dets = dets[labels == label]
            if len(cls_dets):
                cls_dets = torch.from_numpy(cls_dets)
                kept, _ = nms(cls_dets[:, :width], cls_dets[:, -1], iou_thr)
                cls_dets = kept.numpy()
            per_class.append(cls_dets.astype(np.float32).reshape(-1, width + 1))
        merged[ori_id] = per_class
    return merged, total


def apply_ignore_mode(ann: dict, mode: str) -> dict:
    """One image's mmrotate ``ann`` (``bboxes``, ``labels``, ``bboxes_ignore``,
    ``labels_ignore``) for ``eval_rbbox_map`` under ``mode`` (``IGNORE_MODES``).

    ``'devkit'``: an image with ignored boxes but no regular one gets a placeholder
    regular row labelled -1 (all-zero box), so that mmrotate's ``get_cls_results`` reads
    its ignored boxes; no class selects label -1, so no GT count changes.
    ``'mmrotate'``: such an image's ignored boxes are left out, which is what mmrotate
    does itself (stated here so that ``HBoxDetMetric``, scored by mmdet's ``eval_map``
    which always reads them, follows the same rule).
    """
    if not ann or len(ann['bboxes']) or not len(ann.get('bboxes_ignore', ())):
        return ann
    if mode == 'devkit':
        width = ann['bboxes'].shape[-1] if np.ndim(ann['bboxes']) == 2 else \
            np.shape(ann['bboxes_ignore'])[-1]
        return dict(ann, bboxes=np.zeros((1, width), np.float32),
                    labels=np.full(1, -1, np.int64))
    return dict(ann, bboxes_ignore=np.asarray(ann['bboxes_ignore'])[:0],
                labels_ignore=np.asarray(ann['labels_ignore'])[:0])


#: ``parse/<key>``: the per-sample ``parse_stats`` field each total sums
_COUNTS = dict(skipped_lines='num_skipped', unknown_class_lines='num_unknown_class',
               out_of_image_boxes='num_out_of_image')
_FLAGS = dict(failed_samples='failed', empty_answers='empty_answer', blank_answers='blank')


def parse_totals(results: list, warn: bool = False) -> dict:
    """Sum the per-sample parse statistics of ``(gt, result)`` pairs into
    ``parse/{lines, skipped_lines, unknown_class_lines, out_of_image_boxes,
    failed_samples, empty_answers, blank_answers}`` (see ``RotatedDetMetric``).

    ``warn``: log a warning (mmengine's current logger) when at least
    ``OUT_OF_IMAGE_WARN_FRACTION`` of the parsed boxes lie outside their image."""
    totals = dict.fromkeys(['lines', *_COUNTS, *_FLAGS], 0)
    for _, result in results:
        stats = result.get(PARSE_KEY)
        if not stats:
            continue
        totals['lines'] += int(stats.get('num_lines', 0)) - int(stats.get('num_skipped', 0))
        for key, field in _COUNTS.items():
            totals[key] += int(stats.get(field, 0))
        for key, field in _FLAGS.items():
            totals[key] += int(bool(stats.get(field, False)))
    outside, lines = totals['out_of_image_boxes'], totals['lines']
    if warn and lines and outside >= OUT_OF_IMAGE_WARN_FRACTION * lines:
        MMLogger.get_current_instance().warning(
            f'{outside} of {lines} parsed boxes ({100 * outside / lines:.0f}%) have their '
            'centre outside the image: the answers\' coordinates are likely on another '
            'grid than the one they are read in (e.g. a model answering on a 0-1000 '
            'grid, while the codec reads pixels of the resized image, img_shape). Check '
            'the model, the prompt and the codec of the config.')
    return {f'parse/{key}': value for key, value in totals.items()}


__all__ = ['RotatedDetMetric', 'merge_patch_predictions', 'apply_ignore_mode',
           'parse_totals', 'IGNORE_MODES']
