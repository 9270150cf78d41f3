"""Score a predictions file against a config's test set, without a model.

    python tools/analysis_tools/eval_offline.py CONFIG PREDICTIONS \
        [--cfg-options data_root=/path/to/split_ss_dota_512 test_evaluator.nproc=1] \
        [--work-dir DIR]

PREDICTIONS is the JSON Lines file of ``tools/test.py --out`` (one
``{"img_id", "pred_text", "img_shape": [h, w], "ori_shape": [h, w]}`` per image; see
``rscovlm/evaluation/predictions.py``). The ground truth comes from
``cfg.test_dataloader.dataset`` built without its pipeline (no image is decoded; only
the header is read when a prediction has no ``ori_shape``), the metrics from
``cfg.test_evaluator``. Images are scored in dataset order, as ``tools/test.py`` does
(with constant scores the order of tied boxes enters the AP). A dataset image without
a prediction is scored as an empty answer; a prediction for an image the dataset does
not have is an error.
"""
import argparse
import copy
import json
import logging
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger, print_log
from mmengine.registry import init_default_scope

CHUNK_SIZE = 64


class EvalOfflineError(Exception):
    """A problem with the inputs, reported without a traceback."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Compute the test_evaluator metrics of CONFIG from a predictions '
        'file (JSON Lines written by tools/test.py --out), without a model.')
    parser.add_argument('config', help='config file (its test_dataloader.dataset and '
                        'test_evaluator are used)')
    parser.add_argument('predictions', help='predictions file (.jsonl)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default=None,
        help='override config settings, key=value (e.g. data_root=/data/dota '
        'test_evaluator.nproc=1)')
    parser.add_argument('--work-dir', default=None,
                        help='write the results to <work-dir>/eval_offline_<timestamp>.json')
    return parser.parse_args(argv)


def build_gt_dataset(cfg: Config):
    from rscovlm.utils import build_gt_dataset as _build
    try:
        return _build(cfg)
    except ValueError as e:
        raise EvalOfflineError(str(e)) from None


def build_evaluator(cfg: Config, dataset_meta: dict) -> Evaluator:
    from rscovlm.registry import EVALUATOR
    evaluator_cfg = cfg.get('test_evaluator')
    if evaluator_cfg is None:
        raise EvalOfflineError('the config has no test_evaluator')
    evaluator_cfg = copy.deepcopy(evaluator_cfg)
    if isinstance(evaluator_cfg, dict) and 'metrics' in evaluator_cfg:
        evaluator_cfg.setdefault('type', 'Evaluator')
        evaluator = EVALUATOR.build(evaluator_cfg)
    else:
        evaluator = Evaluator(evaluator_cfg)
    evaluator.dataset_meta = dataset_meta
    return evaluator


def _image_shape(path: str):
    """(h, w) from the image header only."""
    from PIL import Image
    with Image.open(path) as img:
        width, height = img.size
    return [int(height), int(width)]


def build_samples(records: List[dict], predictions: List[dict], predictions_path: str,
                  box_type: str = 'rbox', logger=None) -> Dict[str, object]:
    """Join predictions to dataset records by img_id; one metric sample per record."""
    from rscovlm.structures import instances_to_gt

    by_id = {p['img_id']: p for p in predictions}
    record_ids = {r['img_id'] for r in records}
    unknown = [p['img_id'] for p in predictions if p['img_id'] not in record_ids]
    if unknown:
        shown = ', '.join(repr(i) for i in unknown[:5])
        more = f' (and {len(unknown) - 5} more)' if len(unknown) > 5 else ''
        raise EvalOfflineError(
            f'{predictions_path}: {len(unknown)} prediction(s) for images not in the test '
            f'dataset ({len(records)} images): {shown}{more}. Check data_root / ann_file '
            '(--cfg-options data_root=...) and that the predictions come from this '
            'benchmark.')

    samples, missing = [], []
    for record in records:
        gt, ignored = instances_to_gt(record.get('instances', []), box_type=box_type)
        sample = dict(img_id=record['img_id'], gt_instances=gt.to_dict(),
                      ignored_instances=ignored.to_dict())
        pred = by_id.get(record['img_id'])
        if pred is None:
            missing.append(record['img_id'])
            sample.update(pred_text='')  # scored as an empty answer
        else:
            ori_shape = pred.get('ori_shape')
            if ori_shape is None:
                img_path = record.get('img_path')
                try:
                    ori_shape = _image_shape(img_path)
                except (OSError, TypeError) as e:
                    raise EvalOfflineError(
                        f"{predictions_path}: no 'ori_shape' for {record['img_id']!r} and "
                        f'its image {img_path!r} cannot be read ({e}); add "ori_shape": '
                        '[h, w] to the predictions or fix data_root') from None
            sample.update(pred_text=pred['pred_text'], img_shape=list(pred['img_shape']),
                          ori_shape=list(ori_shape))
        samples.append(sample)
    if missing:
        print_log(
            f'{len(missing)} of {len(records)} dataset images have no prediction in '
            f'{predictions_path} (e.g. {missing[0]!r}); they are scored as empty answers.',
            logger=logger, level=logging.WARNING)
    return dict(samples=samples, missing=missing)


def _jsonable(value):
    if hasattr(value, 'item') and callable(value.item):
        return value.item()
    if hasattr(value, 'tolist'):
        return value.tolist()
    return str(value)


def format_table(metrics: dict) -> str:
    rows = []
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = _jsonable(value)
            except Exception:
                pass
        if isinstance(value, float):
            text = f'{value:.4f}'
        else:
            text = str(value)
        rows.append((str(name), text))
    name_w = max([len('metric')] + [len(r[0]) for r in rows])
    value_w = max([len('value')] + [len(r[1]) for r in rows])
    line = f'+-{"-" * name_w}-+-{"-" * value_w}-+'
    out = [line, f'| {"metric".ljust(name_w)} | {"value".ljust(value_w)} |', line]
    out += [f'| {n.ljust(name_w)} | {v.rjust(value_w)} |' for n, v in rows]
    out.append(line)
    return '\n'.join(out)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    from rscovlm.evaluation import load_predictions
    from rscovlm.utils import load_config

    timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    logger = MMLogger.get_instance(f'eval_offline_{timestamp}', log_level='INFO')

    cfg = load_config(args.config, args.cfg_options)
    init_default_scope('rscovlm')
    predictions = load_predictions(args.predictions)
    dataset = build_gt_dataset(cfg)
    records = [dataset.get_data_info(i) for i in range(len(dataset))]
    evaluator = build_evaluator(cfg, dataset.metainfo)
    box_type = next((m.predict_box_type for m in evaluator.metrics
                     if hasattr(m, 'predict_box_type')), 'rbox')

    joined = build_samples(records, predictions, args.predictions, box_type, logger)
    samples = joined['samples']
    for start in range(0, len(samples), CHUNK_SIZE):
        evaluator.process(samples[start:start + CHUNK_SIZE])
    metrics = evaluator.evaluate(len(samples))

    print_log(
        f'{args.predictions}: {len(predictions)} predictions, {len(records)} images, '
        f'{len(joined["missing"])} without prediction\n' + format_table(metrics),
        logger=logger)

    if args.work_dir:
        os.makedirs(args.work_dir, exist_ok=True)
        out_path = osp.join(args.work_dir, f'eval_offline_{timestamp}.json')
        summary = dict(
            config=args.config,
            predictions=args.predictions,
            cfg_options=args.cfg_options or {},
            num_images=len(records),
            num_predictions=len(predictions),
            num_missing_predictions=len(joined['missing']),
            metrics=metrics)
        with open(out_path, 'w') as f:
            json.dump(summary, f, indent=2, default=_jsonable)
        print_log(f'results written to {out_path}', logger=logger)
    return metrics


if __name__ == '__main__':
    try:
        main()
    except (EvalOfflineError, ValueError, FileNotFoundError, KeyError) as e:
        print(f'eval_offline: error: {e}', file=sys.stderr)
        sys.exit(1)
