"""Evaluate a model on a config's test set; print and save the results table."""
import argparse
import json
import os
import os.path as osp

from mmengine.config import ConfigDict, DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from rscovlm.registry import RUNNERS
from rscovlm.utils import (complete_config, format_metrics_table, load_config,
                           setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) an rscovlm model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file; leave out for a model-zoo config whose weights come from '
        'model.model.pretrained')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--out', help='dump predictions to this .jsonl file (re-score it with '
        'tools/analysis_tools/eval_offline.py)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. data_root=/data/dota test_dataloader.batch_size=4')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def setup_cfg(args):
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.out:
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        cfg.test_evaluator = list(evaluators) + [
            ConfigDict(type='DumpPredictions', out_file_path=args.out)]
    setup_cpu_distributed(cfg, args.launcher)
    # testing needs no training state
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None
    return complete_config(cfg)


def main():
    args = parse_args()
    cfg = setup_cfg(args)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
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


if __name__ == '__main__':
    main()
