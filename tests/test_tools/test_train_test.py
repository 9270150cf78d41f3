"""End to end through the command-line tools: train, test, resume, distributed."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from tool_runner import REPO, run, small_run_options

CONFIG = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py'


def train(work_dir, data_root, iters, *extra):
    return run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work_dir), *extra,
                *small_run_options(data_root, **{
                    'train_cfg.max_iters': iters, 'train_cfg.val_interval': iters,
                    'default_hooks.checkpoint.interval': 2})])


def final_weights(work_dir, iters):
    return torch.load(osp.join(work_dir, f'iter_{iters}.pth'), map_location='cpu',
                      weights_only=False)['state_dict']


@pytest.fixture(scope='module')
def trained(tmp_path_factory, demo_data):
    """A two-iteration training run through tools/train.py; returns (work_dir, log)."""
    work = tmp_path_factory.mktemp('work')
    return work, train(work, demo_data, 2)


def test_train_writes_checkpoints_processor_and_val_metrics(trained):
    work, log = trained
    assert 'Iter(train) [2/2]' in log
    assert (work / 'iter_2.pth').is_file()
    assert open(work / 'last_checkpoint').read().strip().endswith('iter_2.pth')
    # the processor is saved beside the weights, so evaluation tokenizes as training did
    assert (work / 'processor' / 'tokenizer.json').is_file()
    assert (work / 'processor' / 'preprocessor_config.json').is_file()
    assert 'dota/mAP' in log  # the val loop ran and reported DOTAMetric's mAP


def test_test_dumps_predictions_and_offline_rescoring_agrees(trained, tmp_path, demo_data):
    work, _ = trained
    preds = tmp_path / 'preds.jsonl'
    log = run([sys.executable, 'tools/test.py', CONFIG, str(work / 'iter_2.pth'),
               '--work-dir', str(tmp_path), '--out', str(preds), *small_run_options(demo_data)])
    lines = [json.loads(l) for l in preds.read_text().splitlines()]
    assert len(lines) == 8
    assert lines[0]['img_shape'] == [112, 112] and lines[0]['img_id'].startswith('P')
    results = sorted(tmp_path.glob('*/results.json'))[-1]
    metrics = json.loads(results.read_text())['metrics']
    assert 0.0 <= metrics['dota/mAP'] <= 1.0
    assert '| dota/mAP |' in log

    # re-scoring the dumped text gives the number test.py reported
    out = run([sys.executable, 'tools/analysis_tools/eval_offline.py', CONFIG, str(preds),
               '--cfg-options', f'data_root={demo_data}'])
    assert f"{metrics['dota/mAP']:.4f}" in out

    # and the same file renders as images: ground truth and parsed boxes on the test images
    vis = tmp_path / 'vis'
    run([sys.executable, 'tools/analysis_tools/visualize_predictions.py', CONFIG, str(preds),
         str(vis), '--num', '3', '--cfg-options', f'data_root={demo_data}'])
    pngs = sorted(vis.glob('det/*.png'))  # one folder per task
    assert [p.stem for p in pngs] == sorted(l['img_id'] for l in lines[:3])
    import cv2
    assert cv2.imread(str(pngs[0])).shape[1] == 512  # the longer side, by default


def test_dist_test_two_processes_gloo(trained, tmp_path, demo_data):
    """Two ranks, two benchmarks in one run: every sample answered once, one summary."""
    work, _ = trained
    preds = tmp_path / 'preds.jsonl'
    out = run(['bash', 'tools/dist_test.sh', CONFIG, str(work / 'iter_2.pth'), '2',
               '--work-dir', str(tmp_path), '--out', str(preds), '--benchmarks',
               'configs/benchmarks/demo_det.py', 'configs/benchmarks/demo_multitask.py',
               *small_run_options(demo_data)], PORT='29618')
    assert 'Distributed launcher: pytorch' in out
    # every image once, gathered from both ranks
    det = [json.loads(l) for l in (tmp_path / 'preds_demo_det.jsonl').read_text().splitlines()]
    ids = [r['img_id'] for r in det]
    assert len(ids) == len(set(ids)) == 8
    multi = [json.loads(l)
             for l in (tmp_path / 'preds_demo_multitask.jsonl').read_text().splitlines()]
    keys = {(r['img_id'], r['task'], r.get('question_id'), r.get('region_type'))
            for r in multi}
    assert len(multi) == len(keys) == 51
    summary = json.loads(next(tmp_path.glob('*/summary.json')).read_text())
    assert list(summary['benchmarks']) == ['demo_det', 'demo_multitask']
    assert (summary['benchmarks']['demo_det']['metrics']['dota/mAP']
            == summary['benchmarks']['demo_multitask']['metrics']['dota/mAP'])


def test_killed_run_resumes_from_its_checkpoint(tmp_path, demo_data):
    # reference: 10 iterations in one go
    train(tmp_path / 'ref', demo_data, 10)
    reference = final_weights(tmp_path / 'ref', 10)

    # a run killed (SIGKILL) as soon as its first checkpoint is on disk ...
    work = tmp_path / 'killed'
    args = [sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work),
            *small_run_options(demo_data, **{'train_cfg.max_iters': 400,
                                             'train_cfg.val_interval': 400,
                                             'default_hooks.checkpoint.interval': 2})]
    proc = subprocess.Popen(args, cwd=REPO, env=dict(os.environ, OMP_NUM_THREADS='1'),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (work / 'iter_2.pth').exists() and time.time() < deadline:
        assert proc.poll() is None, 'training exited before its first checkpoint'
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = sorted(int(p.stem.split('_')[1]) for p in work.glob('iter_*.pth'))
    assert saved and saved[-1] < 10
    for it in saved:  # checkpoints are written atomically: every visible one is whole
        assert final_weights(work, it)

    # ... continues from its latest checkpoint with --resume
    log = train(work, demo_data, 10, '--resume')
    assert f'resumed epoch: 0, iter: {saved[-1]}' in log
    assert f'Iter(train) [{saved[-1] + 1:>2}/10]' in log
    assert 'Iter(train) [ 1/10]' not in log
    resumed = final_weights(work, 10)
    # same data order, same optimizer and scheduler state: the uninterrupted run's weights
    for key, value in reference.items():
        torch.testing.assert_close(resumed[key], value, rtol=1e-5, atol=1e-6)


def test_dist_train_two_processes_gloo(tmp_path, demo_data):
    work = tmp_path / 'dist'
    out = run(['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', str(work),
               *small_run_options(demo_data, **{
                   'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                   'default_hooks.checkpoint.interval': 2})],
              PORT='29617')
    assert 'Distributed launcher: pytorch' in out
    assert 'Distributed training: True' in out
    assert 'Iter(train) [2/2]' in out
    assert (work / 'iter_2.pth').is_file()
    assert 'dota/mAP' in out
