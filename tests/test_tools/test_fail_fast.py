"""A bad config or command line fails in seconds with one line, before anything is built;
``tools/misc/check_config.py`` reads a few samples of every dataset without a model."""
import os
import re
import subprocess
import sys

from tool_runner import REPO, run

CONFIG = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py'
COTRAIN = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py'


def run_failing(args):
    """Run a tool that must fail; returns its output lines (stdout and stderr)."""
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS='1'), timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-3000:]
    return (proc.stdout + proc.stderr).splitlines()


def assert_nothing_built(lines):
    text = '\n'.join(lines)
    assert 'Traceback' not in text
    assert 'Config:' not in text  # the runner's config dump
    assert 'parameters' not in text  # the model's size line


def test_a_missing_checkpoint_is_one_line(tmp_path, demo_data):
    lines = run_failing(['tools/test.py', CONFIG, str(tmp_path / 'iter_9.pth'), '--work-dir',
                         str(tmp_path), '--cfg-options', f'data_root={demo_data}'])
    assert f"test.py: error: checkpoint '{tmp_path}/iter_9.pth' does not exist (the " \
        'checkpoint to load; load_from)' in lines
    assert len(lines) < 5, lines
    assert_nothing_built(lines)


def test_a_cfg_option_of_the_wrong_type_names_the_key(tmp_path, demo_data):
    lines = run_failing(['tools/train.py', CONFIG, '--work-dir', str(tmp_path), '--cfg-options',
                         f'data_root={demo_data}', 'train_cfg.max_iters=abc'])
    assert "train.py: error: --cfg-options train_cfg.max_iters='abc': expected an int, got " \
        "the str 'abc' (the config has 3000)" in lines
    assert len(lines) < 5, lines
    assert_nothing_built(lines)


def test_check_config_reads_samples_of_every_dataset(demo_data):
    out = run([sys.executable, 'tools/misc/check_config.py', COTRAIN,
               '--cfg-options', f'data_root={demo_data}'])
    for source in ('demo_det', 'demo_grounding', 'demo_caption', 'demo_vqa', 'demo_cls',
                   'demo_conversation', 'demo_det_test', 'demo_vqa_test'):
        assert f'\n  {source}: ' in out, source
    assert re.search(r'\ntrain: TaskMixDataset, \d+ samples from 6 sources\n', out)
    # the prompt and the answer of a sample, as rendered for the model
    assert '      user: <image>find the large vehicle, plane, ship, storage tank' in out
    assert '      assistant: ' in out and '      (answer) ' in out
    assert out.rstrip().endswith(f'{COTRAIN}: OK')
    assert 'parameters' not in out  # no model is built


def test_check_config_fails_in_one_line_on_a_bad_data_root(tmp_path):
    lines = run_failing(['tools/misc/check_config.py', CONFIG, '--cfg-options',
                         f'data_root={tmp_path}/nowhere'])
    assert lines == [
        'check_config.py: error: train_dataloader.dataset.datasets.0.data_root: folder '
        f"'{tmp_path}/nowhere' does not exist; point the config at the data, e.g. "
        '--cfg-options data_root=<folder>']
