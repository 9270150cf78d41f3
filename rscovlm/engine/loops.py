"""Test loops: one model, several benchmarks, in one run."""
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from rscovlm.registry import LOOPS
from rscovlm.utils.fileio import dump_json_atomic

#: what a benchmark may change on the model: how it generates, never its weights
GENERATION_SETTINGS = ('generation_cfg', 'task_max_new_tokens', 'box_scores')


class GenerationOverrides:
    """Set a benchmark's generation settings (``GENERATION_SETTINGS``) on the model for
    one test run; a dict setting is merged into the model's."""

    def __init__(self, model, overrides: dict) -> None:
        unknown = sorted(set(overrides) - set(GENERATION_SETTINGS))
        if unknown:
            raise ValueError(f'a benchmark sets model.{unknown[0]}; a benchmark may only '
                             f"set the model's generation settings {GENERATION_SETTINGS}")
        self.model = model.module if is_model_wrapper(model) else model
        self.overrides = overrides
        self.saved = {}

    def __enter__(self):
        for key, value in self.overrides.items():
            self.saved[key] = getattr(self.model, key)
            if isinstance(value, dict) and isinstance(self.saved[key], dict):
                value = dict(self.saved[key], **value)
            setattr(self.model, key, value)

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            setattr(self.model, key, value)


@LOOPS.register_module()
class MultiBenchmarkTestLoop(BaseLoop):
    """Test the runner's model on several benchmarks in turn (the checkpoint is loaded
    once, by ``Runner.test``).

    Each benchmark runs its own test loop (its ``test_cfg``, mmengine's ``TestLoop`` by
    default) over its own dataloader and evaluator, with its generation settings set on
    the model for that run only. After each, its metrics are logged and, on the main
    process, written to ``<log_dir>/<name>/results.json`` (``config``, ``checkpoint``,
    ``metrics``), so finished benchmarks survive a later failure.

    Args:
        runner: the runner.
        dataloader, evaluator: the runner's ``test_dataloader`` / ``test_evaluator``;
            unused (``Runner`` requires a test set; the benchmarks bring their own).
        benchmarks: one dict per benchmark: ``name`` (the key of its results),
            ``test_dataloader``, ``test_evaluator``, optional ``test_cfg`` (a loop config,
            default ``dict(type='TestLoop')``), ``model`` (generation settings: keys of
            ``GENERATION_SETTINGS``) and ``config`` (the file it came from, recorded).

    ``run()`` returns ``{name: {'config', 'metrics', 'seconds'}}`` in benchmark order.
    """

    def __init__(self, runner, dataloader, evaluator, benchmarks: Sequence[dict]) -> None:
        # BaseLoop.__init__ would build the runner's own test dataloader: not needed
        self._runner = runner
        self.dataloader = self.evaluator = None
        if not benchmarks:
            raise ValueError('MultiBenchmarkTestLoop needs at least one benchmark')
        missing = [(i, k) for i, b in enumerate(benchmarks)
                   for k in ('name', 'test_dataloader', 'test_evaluator') if k not in b]
        if missing:
            i, key = missing[0]
            raise ValueError(f'benchmark {i} of MultiBenchmarkTestLoop has no {key!r}')
        self.benchmarks: List[dict] = [dict(b) for b in benchmarks]

    def run(self) -> Dict[str, dict]:
        results = {}
        for i, bench in enumerate(self.benchmarks):
            name = bench['name']
            print_log(f'benchmark {i + 1}/{len(self.benchmarks)}: {name} '
                      f'({bench.get("config", "")})', logger='current')
            start = time.time()
            metrics = self.run_benchmark(bench)
            results[name] = dict(config=bench.get('config'), metrics=metrics,
                                 seconds=round(time.time() - start, 1))
            if is_main_process():
                dump_json_atomic(
                    dict(config=bench.get('config'), checkpoint=self.runner.cfg.get('load_from'),
                         metrics=metrics),
                    osp.join(self.runner.log_dir, name, 'results.json'), indent=2, default=str)
        return results

    def run_benchmark(self, bench: dict) -> Optional[dict]:
        loop_cfg = dict(bench.get('test_cfg') or {})
        loop_cfg.setdefault('type', 'TestLoop')
        loop = LOOPS.build(loop_cfg, default_args=dict(
            runner=self.runner, dataloader=bench['test_dataloader'],
            evaluator=bench['test_evaluator']))
        # the runner's test_dataloader / test_evaluator (read by hooks) are this loop's
        self.dataloader, self.evaluator = loop.dataloader, loop.evaluator
        with GenerationOverrides(self.runner.model, dict(bench.get('model') or {})):
            return loop.run()


__all__ = ['MultiBenchmarkTestLoop', 'GenerationOverrides', 'GENERATION_SETTINGS']
