"""What ``tools/train.py`` and ``tools/test.py`` share to start a run: the command line
arguments, the run's config and its runner."""
import os
import os.path as osp

from mmengine.config import Config

from rscovlm.registry import RUNNERS

from .config import load_config
from .dist import setup_cpu_distributed


def add_run_args(parser, cfg_options_example: str) -> None:
    """The arguments ``tools/train.py`` and ``tools/test.py`` share."""
    from mmengine.config import DictAction
    parser.add_argument('--work-dir', help='the dir to save logs, configs, checkpoints and '
                        'results (default: work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help=f'override config settings, e.g. {cfg_options_example}')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_run_config(args) -> Config:
    """Config for a run of the tools: ``--cfg-options``, launcher, work dir, CPU gloo."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    setup_cpu_distributed(cfg, args.launcher)
    return cfg


def build_runner(cfg: Config):
    """Build the config's runner (``runner_type``, default mmengine's ``Runner``)."""
    from mmengine.runner import Runner
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
