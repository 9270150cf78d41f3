"""The co-training demo config trains through tools/train.py, and browse_dataset.py renders
what each source feeds the model."""
import os
import re
import sys

from tool_runner import run, small_run_options

COTRAIN = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py'
PACKED = 'configs/demo/qwen2.5-vl-tiny_full_1xb1024tok-3k_demo-cotrain-packed.py'
TASKS = ('det', 'grounding', 'caption', 'vqa', 'cls', 'conversation')


def test_cotrain_logs_mixture_and_per_task_values(tmp_path, demo_data):
    log = run([sys.executable, 'tools/train.py', COTRAIN, '--work-dir', str(tmp_path),
               *small_run_options(demo_data, **{
                   'train_dataloader.batch_size': 12, 'train_cfg.max_iters': 2,
                   'train_cfg.val_interval': 100})])
    # the mixture table: every source with its factor (24 demo images)
    assert re.search(r'demo_det\s+det\s+24\s+\*1\s+24', log)
    assert re.search(r'demo_caption\s+caption\s+48\s+%10\s+4', log)
    last = [line for line in log.splitlines() if 'Iter(train) [2/2]' in line][-1]
    shares = {t: float(v) for t, v in re.findall(r'share_(\w+): ([\d.]+)', last)}
    # every task seen so far reports its share; they add up to one
    assert set(shares) <= set(TASKS) and 'det' in shares
    assert abs(sum(shares.values()) - 1.0) < 1e-3
    assert 'loss_det' in last
    # the run's curves: per-task losses against the iteration
    assert (tmp_path / 'curves.png').read_bytes()[:4] == b'\x89PNG'


def test_packed_cotrain_runs(tmp_path, demo_data):
    log = run([sys.executable, 'tools/train.py', PACKED, '--work-dir', str(tmp_path),
               *small_run_options(demo_data, **{
                   'train_dataloader.batch_size': 1, 'train_cfg.max_iters': 2,
                   'train_cfg.val_interval': 100})])
    assert re.search(r'PackedDataset: \d+ samples in \d+ bins of <= 1024 tokens', log)
    assert 'Iter(train) [2/2]' in log and 'loss_det' in log


def test_browse_dataset_per_source(tmp_path, demo_data):
    out = tmp_path / 'browse'
    log = run([sys.executable, 'tools/misc/browse_dataset.py', COTRAIN, '--per-dataset', '2',
               '--output-dir', str(out), '--cfg-options', f'data_root={demo_data}'])
    files = sorted(os.listdir(out))
    assert len(files) == 2 * len(TASKS)
    for task in TASKS:
        assert sum(f'_{task}_' in f for f in files) == 2, files
    assert 'wrote 12 samples' in log
