"""Check a config in seconds, before training or testing with it.

    python tools/misc/check_config.py CONFIG [--phases train val test] [--num 1] \
        [--cfg-options ...]

Reads the config (``--cfg-options`` checked against it), checks every path it names (the
checkpoint in ``load_from``, ``pretrained`` folders, each dataset's ``data_root``,
``ann_file`` and ``data_prefix``) and the keys of a random-init Hugging Face model
config, then builds the dataset of each phase and reads ``--num`` samples of each of its
sources through the pipeline, printing their prompts and answers. No model is built. A bad
config ends with ``check_config.py: error: ...`` lines and exit status 1.
"""
import argparse

from mmengine.config import DictAction
from mmengine.registry import init_default_scope

from rscovlm.utils import (check_before_build, complete_config, load_config, preview_samples,
                           run_tool)
from rscovlm.utils.checks import PHASES


def parse_args():
    parser = argparse.ArgumentParser(
        description='Check a config: paths, settings, and a few samples of each dataset')
    parser.add_argument('config', help='config file')
    parser.add_argument('--phases', nargs='+', choices=PHASES, default=list(PHASES),
                        help='the datasets to check (default: all three)')
    parser.add_argument('--num', type=int, default=1,
                        help='samples to read and show from each dataset source')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config settings, as tools/train.py')
    return parser.parse_args()


def main():
    args = parse_args()
    init_default_scope('rscovlm')
    cfg = load_config(args.config, args.cfg_options)
    check_before_build(cfg, args.phases, limit=None)
    for line in preview_samples(complete_config(cfg), args.phases, args.num):
        print(line)
    print(f'{args.config}: OK')


if __name__ == '__main__':
    run_tool(main)
