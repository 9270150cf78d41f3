"""TrainingCurvesHook draws the logged training losses and validation metrics."""
import json
import os.path as osp
from types import SimpleNamespace

import pytest

from rscovlm.engine.hooks import TrainingCurvesHook


def _write_scalars(path):
    lines = [
        dict(lr=1e-3, loss=4.0, loss_det=5.0, loss_vqa=3.0, share_det=0.5, step=50),
        dict(lr=1e-3, loss=2.0, loss_det=3.0, loss_vqa=1.0, share_det=0.5, step=100),
        # logged by epoch (mmengine's default): placed at the iteration logged before it
        {'val_det/mAP': 0.1, 'val_grounding/Acc@0.5': 20.0, 'data_time': 0.1, 'step': 0},
        dict(lr=1e-3, loss=1.0, loss_det=2.0, share_det=0.5, step=150),
        {'val_det/mAP': 0.3, 'val_grounding/Acc@0.5': 45.0, 'data_time': 0.1, 'step': 150},
    ]
    with open(path, 'w') as f:
        f.write('\n'.join(json.dumps(x) for x in lines) + '\n')


def test_reads_losses_and_metrics(tmp_path):
    path = tmp_path / 'scalars.json'
    _write_scalars(path)
    train, val = TrainingCurvesHook().read_scalars(str(path))
    assert train == {'loss': [(50, 4.0), (100, 2.0), (150, 1.0)],
                     'loss_det': [(50, 5.0), (100, 3.0), (150, 2.0)],
                     'loss_vqa': [(50, 3.0), (100, 1.0)]}
    assert val == {'val_det/mAP': [(100, 0.1), (150, 0.3)],
                   'val_grounding/Acc@0.5': [(100, 20.0), (150, 45.0)]}


def test_draws_png_in_work_dir(tmp_path):
    pytest.importorskip('matplotlib')
    log_dir = tmp_path / 'log'
    (log_dir / 'vis_data').mkdir(parents=True)
    _write_scalars(log_dir / 'vis_data' / 'scalars.json')
    runner = SimpleNamespace(log_dir=str(log_dir), work_dir=str(tmp_path))
    TrainingCurvesHook().after_train(runner)
    png = tmp_path / 'curves.png'
    assert png.is_file() and png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert not osp.exists(str(png) + '.tmp.png')


def test_missing_scalars_warns_and_draws_nothing(tmp_path):
    runner = SimpleNamespace(log_dir=str(tmp_path / 'log'), work_dir=str(tmp_path))
    TrainingCurvesHook().after_train(runner)
    assert not (tmp_path / 'curves.png').exists()


def test_a_test_only_run_draws_nothing_and_stays_quiet(tmp_path, monkeypatch):
    """tools/test.py runs the config's hooks without training: no picture, no warning."""
    warnings = []
    hook = TrainingCurvesHook()
    monkeypatch.setattr(hook, 'draw', lambda runner: warnings.append(runner))
    runner = SimpleNamespace(log_dir=str(tmp_path / 'log'), work_dir=str(tmp_path))
    hook.before_run(runner)
    hook.after_test_epoch(runner, metrics={})
    hook.after_run(runner)
    assert warnings == []
    hook.after_train(runner)
    assert warnings == [runner]
