"""Score a predictions file against a config's test set with its metrics, without a model.

    python tools/analysis_tools/eval_offline.py CONFIG PREDICTIONS \
        [--cfg-options data_root=/path/to/split_ss_dota_512 test_evaluator.nproc=1] \
        [--work-dir DIR] [--progress-interval N]

PREDICTIONS is the JSON Lines file of ``tools/test.py --out`` (one ``{"img_id",
"pred_text", "img_shape": [h, w], "ori_shape": [h, w], "task", ...}`` per sample; see
``rscovlm/evaluation/predictions.py``); CONFIG is any config with a
``test_dataloader.dataset`` and a ``test_evaluator``: a benchmark overlay such as
``configs/benchmarks/dota-v1.0_val.py`` (the RSCoVLM paper's mAP_nc on DOTA val patches),
a mixed-task set such as ``configs/benchmarks/demo_multitask.py``, or a full run config.
Every metric works: detection, grounding, captioning, VQA, classification, ...

How the samples are built and joined to the predictions is
``rscovlm/evaluation/offline.py``'s (the same data samples ``tools/test.py`` scores,
filled by the model's own ``rscovlm.structures.fill_prediction``); this file is its
command line. A test sample without a prediction is scored as an empty answer (with a
warning); a prediction for a sample the test set does not have is an error.
"""
import argparse
import os.path as osp
import sys
import time
from typing import Optional, Sequence

from mmengine.config import DictAction
from mmengine.logging import MMLogger, print_log
from mmengine.registry import init_default_scope
from terminaltables import AsciiTable

from rscovlm.evaluation.offline import (PROGRESS_INTERVAL, EvalOfflineError,
                                        evaluate_predictions)
from rscovlm.utils import dump_json_atomic, load_config
from rscovlm.utils.table import format_value


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
    parser.add_argument('--progress-interval', type=int, default=PROGRESS_INTERVAL,
                        help='advance the progress bar every N samples (0: no bar; default '
                        f'{PROGRESS_INTERVAL})')
    return parser.parse_args(argv)


def _plain(value):
    """numpy / torch scalars as Python numbers, for the table and the JSON summary."""
    return value.item() if hasattr(value, 'item') and callable(value.item) else value


def format_table(metrics: dict) -> str:
    """A boxed ``metric | value`` table (terminaltables, as mmdet prints its tables)."""
    table = AsciiTable([['metric', 'value']] + [[str(k), format_value(_plain(v))]
                                                for k, v in metrics.items()])
    table.justify_columns = {1: 'right'}
    return table.table


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    logger = MMLogger.get_instance(f'eval_offline_{timestamp}', log_level='INFO')
    start = time.perf_counter()

    cfg = load_config(args.config, args.cfg_options)
    init_default_scope('rscovlm')
    result = evaluate_predictions(cfg, args.predictions, args.progress_interval, logger)
    metrics = result['metrics']
    print_log(
        f'{args.predictions}: {result["num_predictions"]} predictions, '
        f'{result["num_samples"]} samples of {result["num_images"]} images, '
        f'{result["num_missing_predictions"]} without prediction '
        f'({time.perf_counter() - start:.1f} s)\n' + format_table(metrics), logger=logger)

    if args.work_dir:
        out_path = osp.join(args.work_dir, f'eval_offline_{timestamp}.json')
        summary = dict(config=args.config, predictions=args.predictions,
                       cfg_options=args.cfg_options or {},
                       **{k: v for k, v in result.items() if k.startswith('num_')},
                       metrics=metrics)
        dump_json_atomic(summary, out_path, indent=2,
                         default=lambda v: _plain(v) if hasattr(v, 'item') else str(v))
        print_log(f'results written to {out_path}', logger=logger)
    return metrics


if __name__ == '__main__':
    try:
        main()
    except (EvalOfflineError, ValueError, FileNotFoundError, KeyError) as e:
        print(f'eval_offline: error: {e}', file=sys.stderr)
        sys.exit(1)
