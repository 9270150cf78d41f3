"""The "map_ac" score-threshold sweep (LMMRotate ``eval_mmrotate_detector_mapnc.py``).

    python tools/analysis_tools/map_ac_sweep.py RESULTS.pkl [--config CONFIG]
    python tools/analysis_tools/map_ac_sweep.py PREDICTIONS.jsonl --config CONFIG \
        [--cfg-options data_root=...] [--score-mode auto|constant|order|logprob]

For every tau, predictions with ``score >= tau`` (``--strict``: ``score > tau``, as the
upstream script) are kept with their score set to 1 and the others dropped; then the
mAP without confidence (mAP_nc: ``RotatedDetMetric``, rotated IoU ``--iou-thr``,
``--eval-mode``) is computed. It prints one row per tau and the best tau; map_ac is the
best mAP_nc.

Inputs:
* an mmdet / mmrotate results pkl: a list of dicts with ``img_id`` and
  ``pred_instances`` (``bboxes`` rboxes, ``scores``, ``labels``); the GT is their
  ``gt_instances`` / ``ignored_instances`` or, when absent, ``--config``'s test set
  records (by ``img_id``);
* a predictions JSONL of ``tools/test.py --out`` (``rscovlm/evaluation/predictions.py``)
  with an optional per-box ``pred_scores`` list per record (one float per box parsed
  from ``pred_text``, in emission order, as the model's ``box_scores='logprob'`` gives
  them). Files written before that name carry the list as ``scores``; it is still read
  (``pred_scores`` wins when a record has both; ``read_predictions`` does that). The
  records are joined to ``--config``'s test samples exactly as ``eval_offline.py`` joins
  them (``rscovlm.evaluation.offline``'s ``read_samples`` + ``fill_predictions``: a
  header-only pipeline pass, so every test image must be on disk; the sample key
  fields; boxes parsed by ``fill_prediction`` with the sample's own codec; a sample
  without prediction is an empty answer), and only the samples of task ``det`` are
  swept. ``--score-mode auto`` uses the
  ``pred_scores`` when every record has them ('logprob'), else 1.0 for every box
  ('constant', a flat sweep); 'order' scores the k-th of n boxes ``1 - k / n``.
"""
import argparse
import pickle
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

UPSTREAM_THRS = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.7)


def _instances(value, width: int) -> dict:
    """A ``{'bboxes', 'labels'[, 'scores']}`` dict of tensors from a pkl entry."""
    if value is None:
        value = {}
    if hasattr(value, 'to_dict'):
        value = value.to_dict()
    out = {'bboxes': torch.as_tensor(np.asarray(value.get('bboxes', np.zeros((0, width))),
                                                np.float32)).reshape(-1, width),
           'labels': torch.as_tensor(np.asarray(value.get('labels', []),
                                                np.int64)).reshape(-1)}
    if 'scores' in value:
        out['scores'] = torch.as_tensor(np.asarray(value['scores'], np.float32)).reshape(-1)
    return out


def _to_numpy(value):
    return value.cpu().numpy() if isinstance(value, torch.Tensor) else value


def load_pkl(path: str) -> List[dict]:
    """Samples (``img_id``, ``pred_instances``, GT when present) from a results pkl."""
    with open(path, 'rb') as f:
        entries = pickle.load(f)
    samples = []
    for i, entry in enumerate(entries):
        if hasattr(entry, 'to_dict'):
            entry = entry.to_dict()
        pred = entry.get('pred_instances')
        if pred is None:
            raise ValueError(f'{path}: entry {i} has no pred_instances')
        pred = {k: _to_numpy(v) for k, v in (pred.to_dict() if hasattr(pred, 'to_dict')
                                             else pred).items()}
        sample = dict(img_id=entry.get('img_id', str(i)),
                      pred_instances=_instances(pred, 5))
        if 'gt_instances' in entry:
            sample['gt_instances'] = _instances(entry['gt_instances'], 5)
            sample['ignored_instances'] = _instances(entry.get('ignored_instances'), 5)
        samples.append(sample)
    return samples


def attach_gt(samples: List[dict], records: List[dict]) -> List[dict]:
    """Add GT from dataset records (by ``img_id``), in dataset order; an image without
    prediction gets none."""
    from rscovlm.structures import instances_to_gt
    by_id = {s['img_id']: s for s in samples}
    unknown = set(by_id) - {r['img_id'] for r in records}
    if unknown:
        raise ValueError(f'{len(unknown)} predictions for images not in the dataset, e.g. '
                         f'{sorted(unknown)[0]!r}')
    out = []
    for record in records:
        gt, ignored = instances_to_gt(record.get('instances', []))
        sample = by_id.get(record['img_id']) or dict(
            img_id=record['img_id'], pred_instances=_instances({}, 5))
        out.append(dict(sample, gt_instances=gt.to_dict(),
                        ignored_instances=ignored.to_dict()))
    return out


def load_jsonl(path: str, cfg, score_mode: str = 'auto',
               classes: Optional[Sequence[str]] = None) -> Tuple[List[dict], list, str]:
    """``(samples, classes, score mode)`` of a predictions JSONL: the ``det`` samples of
    ``cfg``'s test set (dicts) with the predictions joined and parsed by
    ``rscovlm.evaluation.offline`` (``read_samples`` + ``fill_predictions``), each box
    scored by the mode (``'auto'``: ``'logprob'`` when every record has ``pred_scores``,
    else ``'constant'``)."""
    from rscovlm.evaluation import offline
    from rscovlm.evaluation.predictions import read_predictions
    predictions = read_predictions(path)  # an older file's 'scores' read as 'pred_scores'
    dataset = offline.build_dataset(cfg)
    samples, grid_indices = offline.read_samples(dataset)
    offline.fill_predictions(samples, predictions, path, grid_indices=grid_indices)
    if score_mode == 'auto':
        score_mode = 'logprob' if predictions and all(
            'pred_scores' in r for _, r in predictions) else 'constant'
    # the samples RotatedDetMetric(task='det') scores
    samples = [d for d in (s.to_dict() for s in samples) if d.get('task', 'det') == 'det']
    if not samples:
        raise ValueError(f'{cfg.filename or "the config"}: the test set has no '
                         "sample of task 'det'")
    classes = classes or dataset.metainfo.get('classes') or samples[0].get('classes')
    return apply_score_mode(samples, score_mode), classes, score_mode


def apply_score_mode(samples: List[dict], score_mode: str = 'constant') -> List[dict]:
    """Score the parsed ``pred_instances`` of every sample as
    ``RotatedDetMetric(score_mode=...)`` does (``rscovlm.structures.read_prediction``):
    'constant' keeps 1.0, 'order' gives the k-th of n boxes ``1 - k / n``, 'logprob'
    takes the boxes' log-probability scores."""
    from rscovlm.structures import read_prediction
    return [dict(sample, pred_instances=read_prediction(sample, score_mode)[0])
            for sample in samples]


def sweep(samples: List[dict], classes: Sequence[str], thrs: Sequence[float] = UPSTREAM_THRS,
          strict: bool = False, **metric_kwargs) -> List[dict]:
    """One row ``{'thr', 'mAP', 'kept'}`` per tau: scores >= tau (> tau if ``strict``)
    set to 1, the others dropped, mAP_nc by ``RotatedDetMetric``."""
    from rscovlm.evaluation.metrics.rotated_det_metric import RotatedDetMetric
    metric_kwargs.setdefault('nproc', 1)
    rows = []
    for thr in thrs:
        metric = RotatedDetMetric(**metric_kwargs)
        metric.dataset_meta = dict(classes=tuple(classes))
        batch, kept = [], 0
        for sample in samples:
            pred = sample['pred_instances']
            scores = torch.as_tensor(pred['scores'])
            keep = scores > thr if strict else scores >= thr
            kept += int(keep.sum())
            batch.append(dict(sample, pred_instances=dict(
                bboxes=torch.as_tensor(pred['bboxes'])[keep],
                labels=torch.as_tensor(pred['labels'])[keep],
                scores=torch.ones(int(keep.sum())))))
        metric.process(None, batch)
        res = metric.evaluate(len(batch))
        rows.append(dict(thr=float(thr), mAP=float(res[f'{metric.prefix}/mAP']),
                         kept=kept))
    return rows


def format_rows(rows: List[dict], strict: bool = False) -> str:
    best = max(rows, key=lambda r: r['mAP'])
    cmp = '>' if strict else '>='
    out = [f'{"tau":>6} | {"mAP_nc":>8} | boxes kept (score {cmp} tau)']
    out += [f'{r["thr"]:>6g} | {r["mAP"]:>8.4f} | {r["kept"]}' for r in rows]
    out.append(f'best tau {best["thr"]:g}: map_ac = {best["mAP"]:.4f}')
    return '\n'.join(out)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='map_ac: mAP_nc per score threshold.')
    parser.add_argument('results', help='results .pkl or predictions .jsonl')
    parser.add_argument('--config', help='config whose test set gives GT and classes')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    parser.add_argument('--thrs', type=float, nargs='+', default=list(UPSTREAM_THRS))
    parser.add_argument('--strict', action='store_true',
                        help='keep score > tau (upstream) instead of score >= tau')
    parser.add_argument('--score-mode', default='auto',
                        choices=['auto', 'constant', 'order', 'logprob'])
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--eval-mode', default='11points', choices=['11points', 'area'])
    parser.add_argument('--classes', nargs='+', help='class names (pkl without config)')
    return parser.parse_args(argv)


def main(argv=None) -> List[dict]:
    from mmengine.registry import init_default_scope
    args = parse_args(argv)
    init_default_scope('rscovlm')
    cfg, classes = None, args.classes
    if args.config:
        from rscovlm.utils import load_config
        cfg = load_config(args.config, args.cfg_options)

    if args.results.endswith('.pkl'):
        samples = load_pkl(args.results)
        if cfg is not None:
            from rscovlm.utils import build_gt_dataset
            dataset = build_gt_dataset(cfg)
            classes = classes or dataset.metainfo['classes']
            if not all('gt_instances' in s for s in samples):
                records = [dataset.get_data_info(i) for i in range(len(dataset))]
                samples = attach_gt(samples, records)
        if not all('gt_instances' in s for s in samples):
            raise ValueError('the pkl has no gt_instances: pass --config')
    else:
        if cfg is None:
            raise ValueError('a predictions JSONL needs --config for the GT')
        samples, classes, _ = load_jsonl(args.results, cfg, args.score_mode, classes)
    if not classes:
        raise ValueError('no class names: pass --config or --classes')
    rows = sweep(samples, classes, args.thrs, args.strict, iou_thrs=[args.iou_thr],
                 eval_mode=args.eval_mode)
    print(format_rows(rows, args.strict))
    return rows


if __name__ == '__main__':
    from rscovlm.evaluation.offline import EvalOfflineError
    try:
        main()
    except (ValueError, FileNotFoundError, KeyError, EvalOfflineError) as e:
        print(f'map_ac_sweep: error: {e}', file=sys.stderr)
        sys.exit(1)
