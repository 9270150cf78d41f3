"""ProgressBarHook draws a progress bar with ETA over validation and testing."""
import io
from types import SimpleNamespace

import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner

from rscovlm.engine.hooks import ProgressBarHook


class _Tty(io.StringIO):
    def isatty(self):
        return True


def _runner(n):
    loader = SimpleNamespace(dataset=list(range(n)))
    return SimpleNamespace(val_dataloader=loader, test_dataloader=loader)


def _run_test(hook, runner, batches):
    hook.before_test_epoch(runner)
    for i, size in enumerate(batches):
        hook.after_test_iter(runner, i, dict(data_samples=[None] * size))
    hook.after_test_epoch(runner)


def test_counts_samples_with_eta_on_a_terminal():
    out = _Tty()
    _run_test(ProgressBarHook(file=out), _runner(5), [2, 2, 1])
    text = out.getvalue()
    assert '5/5' in text and 'ETA' in text and text.endswith('\n')
    assert '2/5' in text and '4/5' in text


def test_silent_off_a_terminal_unless_always():
    quiet = io.StringIO()
    _run_test(ProgressBarHook(file=quiet), _runner(3), [3])
    assert quiet.getvalue() == ''
    loud = io.StringIO()
    _run_test(ProgressBarHook(file=loud, always=True), _runner(3), [3])
    assert '3/3' in loud.getvalue()


def test_modes_select_the_loops():
    out = _Tty()
    hook = ProgressBarHook(modes=('test',), file=out)
    runner = _runner(2)
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, dict(data_samples=[None, None]))
    hook.after_val_epoch(runner)
    assert out.getvalue() == ''
    with pytest.raises(ValueError, match="'train'"):
        ProgressBarHook(modes=('train',))


class _Toy(BaseModel):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return [dict(x=float(v)) for v in inputs]


class _Count(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return dict(n=len(results))


def _collate(batch):
    return dict(inputs=torch.tensor(batch, dtype=torch.float32), data_samples=batch)


def test_a_runner_test_loop_drives_the_bar(tmp_path):
    out = io.StringIO()
    runner = Runner(
        model=_Toy(), work_dir=str(tmp_path),
        test_dataloader=dict(dataset=list(range(7)), batch_size=3, collate_fn=_collate,
                             sampler=dict(type='DefaultSampler', shuffle=False)),
        test_evaluator=_Count(), test_cfg=dict(),
        custom_hooks=[ProgressBarHook(file=out, always=True)],
        default_scope='mmengine')
    assert runner.test() == dict(n=7)
    assert '7/7' in out.getvalue() and 'ETA' in out.getvalue()
