"""Scene-classification accuracy of generated answers (upstream contain-accuracy).

Upstream RSCoVLM scores every scene-classification benchmark with ``compute_contain_acc``
(rscovlm/eval/metric/metric.py) against the ground-truth string its data builder wrote:
the class folder name for ``cls_*`` (eval/data/scene_cls.py) and, for GeoChat-Bench,
GeoChat's ``ground_truth`` lower-cased by ``format_cls``
(eval/data/data_prepare/format_geochat.py), e.g. 'BareLand' -> 'bareland' although the
prompt's class list says 'bare land'. docs/metrics.md has the table.
"""
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from terminaltables import AsciiTable


from rscovlm.registry import METRICS
from .vqa_metric import contain_match, exact_match, metric_key, normalize_answer
from .task_filter import TaskFilterMixin

UNPARSED = 'unparsed'


def predict_class(pred, classes: Sequence[str]) -> Optional[int]:
    """Index of the class whose normalised name is contained in the normalised answer.

    Normalisation is :func:`normalize_answer` (``lower().strip().strip('.')``). When
    several names are contained the longest wins ('parking lot' over 'park'), then
    the one appearing first in the answer, then the lower index. None if no class.
    """
    text = normalize_answer(pred)
    if not text:
        return None
    best, best_key = None, None
    for idx, name in enumerate(classes):
        name = normalize_answer(name)
        pos = text.find(name) if name else -1
        if pos < 0:
            continue
        key = (-len(name), pos, idx)
        if best_key is None or key < best_key:
            best, best_key = idx, key
    return best


@METRICS.register_module()
class ClassificationMetric(TaskFilterMixin, BaseMetric):
    """Accuracy (percent) of answers naming the GT scene class.

    Each sample needs ``pred_text``, ``classes`` (or ``dataset_meta['classes']``) and
    ``gt_label`` (or a ``gt_answer`` equal to a class name). A sample is correct when
    its ground-truth string (``gt_from``) matches the answer under ``rule``: 'contain'
    (upstream: the normalised string is a substring of the normalised answer) or
    'exact'; normalised = ``lower().strip().strip('.')``, upstream's.

    Results (prefixed, ``cls/`` by default): ``accuracy``, ``acc_{class}`` for every
    class with GT samples, ``mean_class_acc`` (their mean), ``num_samples`` and
    ``num_unparsed`` (answers naming no class). The confusion matrix (rows = GT class,
    columns = classes + 'unparsed', predicted class from :func:`predict_class`) is not
    a scalar, so it is logged as a table and kept in ``last_confusion`` as
    ``dict(classes=[...], columns=[...], matrix=int ndarray)``. Under 'contain' a
    sample can be correct while its predicted class differs (GT 'park', answer
    'parking lot'): accuracy follows the rule, the matrix the longest name.

    Args:
        task: only samples whose ``task`` equals it are scored; None scores all.
        rule: 'contain' or 'exact'.
        gt_from: the ground-truth string. 'answer' (upstream): the sample's
            ``gt_answer``, the benchmark's own spelling of the class (a GeoChat-Bench
            file converted by tools/dataset_converters/geochat_bench.py carries
            GeoChat's 'BareLand' as 'bareland', as upstream's ``format_cls``); samples
            without one use the class name. 'class': the name of ``gt_label`` in the
            class list the prompt showed (' bare land'), so 'bare land' scores and
            'bareland' does not.
        collect_device, prefix: as ``BaseMetric``.
    """
    default_prefix = 'cls'

    def __init__(self,
                 task: Optional[str] = 'cls',
                 rule: str = 'contain',
                 gt_from: str = 'answer',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if rule not in ('contain', 'exact'):
            raise ValueError(f"rule must be 'contain' or 'exact', got {rule!r}")
        if gt_from not in ('answer', 'class'):
            raise ValueError(f"gt_from must be 'answer' or 'class', got {gt_from!r}")
        self.task, self.rule, self.gt_from = task, rule, gt_from
        self.last_confusion = None

    def _classes(self, sample: dict) -> tuple:
        classes = sample.get('classes')
        if classes is None and self.dataset_meta:
            classes = self.dataset_meta.get('classes')
        if classes is None:
            raise KeyError(f"sample {sample.get('img_id')!r} has no 'classes' and the "
                           'dataset meta has none')
        return tuple(classes)

    @staticmethod
    def _gt_label(sample: dict, classes: tuple) -> int:
        label = sample.get('gt_label')
        if label is not None:
            return int(label)
        names = [normalize_answer(c) for c in classes]
        gt = normalize_answer(sample.get('gt_answer'))
        if gt not in names:
            raise KeyError(f"sample {sample.get('img_id')!r}: no gt_label and gt_answer "
                           f'{gt!r} is not a class')
        return names.index(gt)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        match = contain_match if self.rule == 'contain' else exact_match
        for sample in self.task_samples(data_samples):
            classes = self._classes(sample)
            gt = self._gt_label(sample, classes)
            pred = sample.get('pred_text')
            target = classes[gt]
            if self.gt_from == 'answer' and sample.get('gt_answer') is not None:
                target = sample['gt_answer']
            self.results.append(dict(
                classes=classes, gt=gt, pred=predict_class(pred, classes),
                correct=bool(match(pred, target))))

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        classes = results[0]['classes'] if results else tuple(
            (self.dataset_meta or {}).get('classes', ()))
        if any(r['classes'] != classes for r in results):
            raise ValueError('ClassificationMetric got samples with different class '
                             'lists; use one metric (task) per dataset')
        n_cls = len(classes)
        matrix = np.zeros((n_cls, n_cls + 1), dtype=np.int64)
        hits = np.zeros(n_cls, dtype=np.int64)
        for r in results:
            matrix[r['gt'], n_cls if r['pred'] is None else r['pred']] += 1
            hits[r['gt']] += r['correct']
        totals = matrix.sum(1)
        n = len(results)
        metrics = dict(accuracy=100.0 * hits.sum() / n if n else 0.0,
                       num_samples=n,
                       num_unparsed=int(matrix[:, n_cls].sum()))
        per_class = []
        for idx in np.flatnonzero(totals):
            acc = 100.0 * hits[idx] / totals[idx]
            metrics[f'acc_{metric_key(classes[idx])}'] = float(acc)
            per_class.append(acc)
        if per_class:
            metrics['mean_class_acc'] = float(np.mean(per_class))
        metrics['accuracy'] = float(metrics['accuracy'])

        columns = list(classes) + [UNPARSED]
        self.last_confusion = dict(classes=list(classes), columns=columns, matrix=matrix)
        table = [['gt \\ pred'] + columns]
        table += [[name] + [str(v) for v in row] for name, row in zip(classes, matrix)]
        MMLogger.get_current_instance().info(
            '\nClassification confusion matrix:\n' + AsciiTable(table).table)
        return metrics


__all__ = ['ClassificationMetric', 'predict_class']
