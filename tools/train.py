"""Train a model from a config: single process, or one process per device under
``tools/dist_train.sh`` / ``tools/slurm_train.sh``."""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.runner import Runner

from rscovlm.registry import RUNNERS
from rscovlm.utils import (complete_config, find_latest_checkpoint, load_config,
                           setup_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train an rscovlm model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs, configs and checkpoints')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision training')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (no value) from the latest checkpoint '
        'in the work dir')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100 data_root=/data/dota')
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
    if args.amp:
        optim = cfg.optim_wrapper
        if optim.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            print('AMP is already enabled in the config')
        else:
            optim.type = 'AmpOptimWrapper'
            optim.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        # the newest checkpoint on disk (None: mmengine starts from scratch)
        cfg.resume, cfg.load_from = True, find_latest_checkpoint(cfg.work_dir)
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    setup_cpu_distributed(cfg, args.launcher)
    return complete_config(cfg)


def main():
    args = parse_args()
    cfg = setup_cfg(args)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
