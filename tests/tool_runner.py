"""Running the command-line tools in a subprocess, as a user does (shared by the tool
tests; ``tests/`` is on ``sys.path`` through its conftest)."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def small_run_options(data_root, **extra):
    opts = {
        'data_root': data_root,
        'train_dataloader.batch_size': 2,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.batch_size': 4,
        'val_dataloader.num_workers': 0,
        'test_dataloader.batch_size': 4,
        'test_dataloader.num_workers': 0,
        'model.generation_cfg.max_new_tokens': 8,
        'default_hooks.logger.interval': 1,
    }
    opts.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def run(args, timeout=600, **env):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable, **env)
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc.stdout + proc.stderr
