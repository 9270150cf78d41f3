"""Train a model from a config: single process, or one process per device under
``tools/dist_train.sh`` / ``tools/slurm_train.sh``."""
import argparse

from rscovlm.utils import (add_run_args, build_runner, check_before_build, complete_config,
                           find_latest_checkpoint, finish_distributed, load_run_config,
                           run_tool)


def parse_args():
    parser = argparse.ArgumentParser(description='Train an rscovlm model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision training')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (no value) from the latest checkpoint '
        'in the work dir')
    add_run_args(parser, 'train_cfg.max_iters=100 data_root=/data/dota')
    return parser.parse_args()


def setup_cfg(args):
    cfg = load_run_config(args)
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
    # the checkpoint, pretrained folders, data and model config, before anything is built
    check_before_build(cfg, phases=('train', 'val'))
    return complete_config(cfg)


def main():
    build_runner(setup_cfg(parse_args())).train()
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
