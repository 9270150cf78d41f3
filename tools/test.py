"""Evaluate a model on a config's test set; print and save the results table."""
import argparse
import json
import os.path as osp

from mmengine.config import ConfigDict
from mmengine.dist import is_main_process

from rscovlm.utils import (add_run_args, build_runner, complete_config,
                           finish_distributed, format_metrics_table, load_run_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) an rscovlm model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file; leave out for a model-zoo config whose weights come from '
        'model.model.pretrained')
    parser.add_argument(
        '--out', help='dump predictions to this .jsonl file (re-score it with '
        'tools/analysis_tools/eval_offline.py)')
    add_run_args(parser, 'data_root=/data/dota test_dataloader.batch_size=4')
    return parser.parse_args()


def setup_cfg(args):
    cfg = load_run_config(args)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.out:
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        cfg.test_evaluator = list(evaluators) + [
            ConfigDict(type='DumpPredictions', out_file_path=args.out)]
    # testing needs no training state
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None
    return complete_config(cfg)


def main():
    args = parse_args()
    cfg = setup_cfg(args)
    runner = build_runner(cfg)
    metrics = runner.test()
    if is_main_process():
        table = format_metrics_table(metrics, title=osp.basename(args.config))
        print(table)
        out = osp.join(runner.log_dir, 'results')
        with open(out + '.md', 'w') as f:
            f.write(table + '\n')
        with open(out + '.json', 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint, metrics=metrics),
                      f, indent=2)
        print(f'results written to {out}.md and {out}.json')
    finish_distributed()


if __name__ == '__main__':
    main()
