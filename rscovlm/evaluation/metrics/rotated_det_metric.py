"""Oriented detection mAP of generated answers (the paper's mAP_nc).

``RotatedDetMetric`` is a thin layer over mmrotate's ``DOTAMetric``: it turns the
generated text into ``pred_instances`` with a box codec, gives every box a score
(``score_mode``: by default 1.0, so the VOC07 11-point AP at rotated IoU 0.5 is the
RSCoVLM paper's mAP without confidence), counts how well the answers parsed, and
leaves the matching, AP, patch merging and ``format_only`` to ``DOTAMetric``.
"""
import contextlib
import functools
import importlib
import itertools
import math
from typing import List, Optional, Sequence, Union

import torch
from mmrotate.evaluation import DOTAMetric

from rscovlm.codecs import is_empty_answer, normalize_class_name
from rscovlm.registry import CODECS, METRICS
from rscovlm.structures import parsed_to_instances
from .task_filter import TaskFilterMixin

# mmrotate's DOTAMetric calls ``eval_rbbox_map`` without ``nproc`` (so with its default,
# a *spawn* pool of 4 processes) and ``eval_rbbox_map`` opens a spawn pool even for
# nproc=1. Both names are looked up at call time in these modules, so they are swapped
# for the duration of ``compute_metrics`` only (see ``_eval_rbbox_map``).
_dota_metric_module = importlib.import_module('mmrotate.evaluation.metrics.dota_metric')
_mean_ap_module = importlib.import_module('mmrotate.evaluation.functional.mean_ap')
_mmrotate_eval_rbbox_map = _mean_ap_module.eval_rbbox_map

PARSE_KEY = 'parse_stats'
SCORES_KEY = 'pred_scores'
SCORE_MODES = ('constant', 'order', 'logprob')


class _SerialPool:
    """What ``eval_rbbox_map`` uses of a ``multiprocessing.Pool``, in this process."""

    def starmap(self, func, iterable):
        return list(itertools.starmap(func, iterable))

    def close(self):
        pass


class _SerialContext:

    @staticmethod
    def Pool(processes=None):  # noqa: N802 (multiprocessing's name)
        return _SerialPool()


@contextlib.contextmanager
def _swapped(module, name: str, value):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def _eval_rbbox_map(*args, nproc: int = 1, **kwargs):
    """mmrotate's ``eval_rbbox_map`` with ``nproc`` honoured; ``nproc <= 1`` runs the
    very same code in this process (no pool is spawned)."""
    if nproc > 1:
        return _mmrotate_eval_rbbox_map(*args, nproc=nproc, **kwargs)
    with _swapped(_mean_ap_module, 'get_context', lambda method=None: _SerialContext()):
        return _mmrotate_eval_rbbox_map(*args, nproc=1, **kwargs)


@METRICS.register_module()
class RotatedDetMetric(TaskFilterMixin, DOTAMetric):
    """mmrotate's ``DOTAMetric`` on the text a vision-language model generated.

    Each data sample (a dict, as mmengine's ``Evaluator`` passes them) holds
    ``img_id``, ``gt_instances`` / ``ignored_instances`` (rotated boxes in the original
    frame) and either

    * ``pred_instances`` already parsed by the model (then used as they are, with the
      model's optional ``parse_stats = {'num_lines', 'num_skipped', 'failed'}``), or
    * ``pred_text``, decoded here with ``codec``. Its coordinates live in the
      ``img_shape`` (h, w) frame and are rescaled to ``ori_shape`` (h, w); without
      both shapes they are taken as original-frame pixels.

    The score of a box depends on ``score_mode``:

    * ``'constant'`` (default): 1.0 for every box, hence the paper's mAP_nc;
    * ``'order'``: emission order; the k-th box (k = 0, 1, ..., n - 1) of an answer
      with n boxes scores ``1 - k / n`` (1, (n-1)/n, ..., 1/n), so earlier lines rank
      higher. n and k count every parsed box, including those whose label matched no
      class (they are dropped afterwards);
    * ``'logprob'``: the sample's ``pred_scores``, one float per parsed box in
      emission order (e.g. ``exp(mean token log-probability)`` in (0, 1]). A sample
      without them, or with a different count, raises ``ValueError``.

    With ``pred_instances`` given, ``'order'`` and ``'logprob'`` index those instances
    in their stored order instead. Besides
    ``DOTAMetric``'s ``mAP`` / ``AP50`` the results hold parse statistics (summed over
    samples): ``parse/lines`` (boxes parsed), ``parse/skipped_lines`` (malformed lines
    dropped), ``parse/failed_samples`` (answers with content of which nothing parsed,
    not counting "There are none.") and ``parse/empty_answers`` ("There are none.").
    Like every key they get the metric prefix (``dota/`` unless ``prefix`` is set).

    On a test set that mixes tasks only the samples of ``task`` are scored, and the
    class list comes from those samples when the dataset's metainfo has none.

    Args:
        codec: box codec config (``CODECS``) or instance used to read ``pred_text``.
        task: the task whose samples are scored (``None``: every sample).
        score_mode: ``'constant'``, ``'order'`` or ``'logprob'`` (see above).
        nproc: processes for mmrotate's per-image TP/FP matching. mmrotate uses a
            *spawn* pool (a fresh interpreter per worker, several seconds to start, and
            any script that evaluates needs an ``if __name__ == '__main__':`` guard);
            ``nproc=1`` (the default) computes in this process without a pool. The
            per-image work is small, so the pool rarely pays: on 2000 images x 15
            classes, 2.7 s with nproc=1 against 13 s with nproc=2 (2-core machine).
        iou_thrs, metric, predict_box_type, eval_mode, format_only, outfile_prefix,
        merge_patches, iou_thr, scale_ranges, collect_device, prefix: as
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
                 task: Optional[str] = 'det',
                 **kwargs) -> None:
        if score_mode not in SCORE_MODES:
            raise ValueError(f'score_mode must be one of {SCORE_MODES}, got {score_mode!r}')
        super().__init__(
            iou_thrs=list(iou_thrs) if isinstance(iou_thrs, (list, tuple)) else iou_thrs,
            metric=metric,
            eval_mode=eval_mode,
            predict_box_type=predict_box_type,
            **kwargs)
        self.codec = CODECS.build(codec) if isinstance(codec, dict) else codec
        self.nproc = int(nproc)
        self.score_mode = score_mode
        self.task = task

    # ------------------------------------------------------------------ #
    def _class_names(self) -> List[str]:
        names = getattr(self, '_normalized_classes', None)
        classes = tuple(self.dataset_meta['classes'])
        if names is None or names[0] != classes:
            names = (classes, [normalize_class_name(c) for c in classes])
            self._normalized_classes = names
        return names[1]

    @staticmethod
    def _scale(sample: dict):
        img_shape, ori_shape = sample.get('img_shape'), sample.get('ori_shape')
        if img_shape is None or ori_shape is None:
            return (1.0, 1.0)
        img_h, img_w = (float(v) for v in tuple(img_shape)[:2])
        ori_h, ori_w = (float(v) for v in tuple(ori_shape)[:2])
        return (ori_w / img_w, ori_h / img_h)

    def _scores(self, sample: dict, num: int):
        """(num,) float32 scores of the sample's boxes, or None for 1.0 each."""
        if self.score_mode == 'constant':
            return None
        if self.score_mode == 'order':
            return 1.0 - torch.arange(num, dtype=torch.float64) / max(num, 1)
        scores = sample.get(SCORES_KEY)
        if scores is None:
            raise ValueError(
                f"score_mode='logprob' needs '{SCORES_KEY}' (one float per parsed box) "
                f"but data sample {sample.get('img_id')!r} has none")
        scores = torch.as_tensor(scores, dtype=torch.float64).reshape(-1)
        if len(scores) != num or not all(math.isfinite(v) for v in scores.tolist()):
            raise ValueError(
                f"data sample {sample.get('img_id')!r}: '{SCORES_KEY}' must hold {num} "
                f'finite floats (one per parsed box), got {sample.get(SCORES_KEY)!r}')
        return scores

    def _predict(self, sample: dict):
        """``(sample with pred_instances, parse statistics or None)``."""
        stats = sample.get(PARSE_KEY)
        text = sample.get('pred_text')
        pred = sample.get('pred_instances')
        if pred is not None:
            scores = self._scores(sample, len(pred['labels']))
            if scores is not None:
                pred = dict(pred, scores=scores.to(torch.float32))
                sample = dict(sample, pred_instances=pred)
            if stats is None:
                return sample, None
            stats = dict(stats)
            if 'empty_answer' not in stats:
                stats['empty_answer'] = isinstance(text, str) and is_empty_answer(text)
            return sample, stats
        if text is None:
            raise KeyError(
                f"data sample {sample.get('img_id')!r} has neither 'pred_instances' nor "
                "'pred_text'; RotatedDetMetric needs one of them")
        res = self.codec.decode(text, class_names=self._class_names(),
                                scale=self._scale(sample))
        scores = self._scores(sample, len(res))
        if scores is not None:
            res.scores = scores.numpy().astype('float32')
        pred = parsed_to_instances(res, box_type=self.predict_box_type)
        stats = dict(num_lines=res.num_lines, num_skipped=res.num_skipped,
                     failed=res.failed, empty_answer=res.empty_answer)
        return dict(sample, pred_instances=pred.to_dict()), stats

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        samples, stats = [], []
        for sample in list(self.task_samples(data_samples)):
            if 'classes' not in (self.dataset_meta or {}) and sample.get('classes'):
                # a mixed-task test set has no single class list: take the samples'
                self.dataset_meta = dict(self.dataset_meta or {}, classes=tuple(sample['classes']))
            sample, sample_stats = self._predict(sample)
            samples.append(sample)
            stats.append(sample_stats)
        start = len(self.results)
        super().process(data_batch, samples)
        # The statistics ride in DOTAMetric's per-sample result dict, so they are
        # gathered across ranks with it; DOTAMetric reads only its own keys.
        for (_, result), sample_stats in zip(self.results[start:], stats):
            result[PARSE_KEY] = sample_stats

    def _compute_map(self, results: list) -> dict:
        """``DOTAMetric``'s metrics (rotated IoU), matching with ``self.nproc``."""
        eval_rbbox_map = functools.partial(_eval_rbbox_map, nproc=self.nproc)
        with _swapped(_dota_metric_module, 'eval_rbbox_map', eval_rbbox_map):
            return super().compute_metrics(results)

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        metrics = self._compute_map(results)
        metrics.update(parse_totals(results))
        return metrics


def parse_totals(results: list) -> dict:
    """Sum the per-sample parse statistics of ``(gt, result)`` pairs into
    ``parse/{lines, skipped_lines, failed_samples, empty_answers}``."""
    totals = {'lines': 0, 'skipped_lines': 0, 'failed_samples': 0, 'empty_answers': 0}
    for _, result in results:
        stats = result.get(PARSE_KEY)
        if not stats:
            continue
        num_lines, num_skipped = int(stats.get('num_lines', 0)), int(
            stats.get('num_skipped', 0))
        totals['lines'] += num_lines - num_skipped
        totals['skipped_lines'] += num_skipped
        totals['failed_samples'] += int(bool(stats.get('failed', False)))
        totals['empty_answers'] += int(bool(stats.get('empty_answer', False)))
    return {f'parse/{key}': value for key, value in totals.items()}


__all__ = ['RotatedDetMetric']
