"""benchmark_train_step.py runs the runner's iteration and a bare loop on the same batches
and reports per-phase times and their ratio."""
import re
import sys

from tool_runner import run

DET = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py'


def test_runner_and_bare_loop_side_by_side(demo_data):
    log = run([sys.executable, 'tools/analysis_tools/benchmark_train_step.py', DET,
               '--iters', '2', '--warmup', '1', '--cfg-options', f'data_root={demo_data}',
               'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False'])
    for phase in ('data', 'forward', 'backward', 'optimizer', 'hooks+logging'):
        assert re.search(rf'^{re.escape(phase)}\s+\d+\.\d{{4}}', log, re.M), phase
    # both loops start from the same weights on the same batch
    runner_loss, bare_loss = map(float, re.search(
        r'first-iteration loss: runner ([\d.]+), bare ([\d.]+)', log).groups())
    assert runner_loss > 1.0 and abs(runner_loss - bare_loss) < 1e-4
    # the last line the tool prints (stderr, with library warnings, follows stdout here)
    ratio = re.search(r'^step \(no data\).*\noverhead ratio: (\d+\.\d\d)$', log, re.M)
    assert ratio, log[-2000:]
    assert 0.1 < float(ratio.group(1)) < 10
