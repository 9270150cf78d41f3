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
  ``gt_instances`` / ``ignored_instances`` or, when absent, ``--config``'s test set;
* a predictions JSONL of ``tools/test.py --out`` (``rscovlm/evaluation/predictions.py``)
  with an optional per-box ``scores`` list per record (one float per parsed box); GT
  from ``--config``'s test set. ``--score-mode auto`` uses the ``scores`` when every
  record has them ('logprob'), else 1.0 for every box ('constant', a flat sweep).
"""
import argparse
import importlib.util
import os.path as osp
import pickle
import sys
from typing import List, Optional, Sequence

import numpy as np
import torch

UPSTREAM_THRS = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.7)


def _eval_offline():
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'eval_offline.py')
    spec = importlib.util.spec_from_file_location('_eval_offline', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def parse(samples: List[dict], classes: Sequence[str], score_mode: str = 'constant',
          codec: Optional[dict] = None) -> List[dict]:
    """Give every sample scored ``pred_instances`` (``pred_text`` parsed once) and keep
    its parse statistics."""
    from rscovlm.evaluation.metrics.rotated_det_metric import PARSE_KEY, RotatedDetMetric
    kwargs = {} if codec is None else dict(codec=codec)
    parser = RotatedDetMetric(score_mode=score_mode, **kwargs)
    parser.dataset_meta = dict(classes=tuple(classes))
    out = []
    for sample in samples:
        if 'pred_instances' in sample and 'scores' in sample['pred_instances']:
            out.append(sample)
            continue
        sample, stats = parser._predict(sample)
        out.append(dict(sample, **{PARSE_KEY: stats}))
    return out


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
    records, classes, codec = None, args.classes, None
    if args.config:
        from rscovlm.utils import load_config
        cfg = load_config(args.config, args.cfg_options)
        dataset = _eval_offline().build_gt_dataset(cfg)
        records = [dataset.get_data_info(i) for i in range(len(dataset))]
        classes = classes or dataset.metainfo['classes']
        evaluator = cfg.get('test_evaluator') or {}
        codec = evaluator.get('codec') if isinstance(evaluator, dict) else None

    if args.results.endswith('.pkl'):
        samples = load_pkl(args.results)
        if records is not None and not all('gt_instances' in s for s in samples):
            samples = attach_gt(samples, records)
        if not all('gt_instances' in s for s in samples):
            raise ValueError('the pkl has no gt_instances: pass --config')
    else:
        if records is None:
            raise ValueError('a predictions JSONL needs --config for the GT')
        from rscovlm.evaluation import load_predictions
        preds = load_predictions(args.results)
        samples = _eval_offline().build_samples(records, preds, args.results)['samples']
        scores = {p['img_id']: p['scores'] for p in preds if 'scores' in p}
        mode = args.score_mode
        if mode == 'auto':
            mode = 'logprob' if len(scores) == len(preds) else 'constant'
        for s in samples:
            if s['img_id'] in scores:
                s['pred_scores'] = scores[s['img_id']]
            elif mode == 'logprob':  # an image without prediction: no box, no score
                s['pred_scores'] = []
        samples = parse(samples, classes, mode, codec)
    if not classes:
        raise ValueError('no class names: pass --config or --classes')
    rows = sweep(samples, classes, args.thrs, args.strict, iou_thrs=[args.iou_thr],
                 eval_mode=args.eval_mode)
    print(format_rows(rows, args.strict))
    return rows


if __name__ == '__main__':
    try:
        main()
    except (ValueError, FileNotFoundError, KeyError) as e:
        print(f'map_ac_sweep: error: {e}', file=sys.stderr)
        sys.exit(1)
