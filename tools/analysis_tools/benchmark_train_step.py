"""How much the training loop adds around the model: mmengine's runner step against a
bare PyTorch loop, on the same batches, side by side.

    python tools/analysis_tools/benchmark_train_step.py CONFIG [--iters 30] [--warmup 5] \
        [--cfg-options KEY=VALUE ...]

The config's train dataloader (its real workers) yields ``--warmup + --iters`` batches,
timed as the ``data`` phase and kept in memory. Two copies of the config's model with the
same initial weights then train on those batches, alternating iteration by iteration so
that a change in machine load hits both alike:

(a) the runner: ``runner.train_loop.run_iter`` of the config's runner, with its hooks
    (timer, logger, parameter scheduler, checkpoint ...), log processor, optimizer wrapper
    (gradient clipping included) and parameter schedulers, built as ``tools/train.py``
    builds them (the work dir is a temporary one);
(b) a bare loop: ``model(**data_preprocessor(batch), mode='loss')``, ``loss.backward()``,
    ``clip_grad_norm_`` (when the config clips), ``optimizer.step()``, ``zero_grad()`` on a
    plain ``torch.optim`` optimizer with the config's settings.

It prints the median time of each phase per iteration (data, forward, backward,
optimizer, hooks and logging; in (a) the last one is the iteration less the three model
phases), the loss of both loops on the first batch (the same weights and batch: they
must agree, or the two loops are not running the same model) and, on its last line, ``overhead ratio: X.XX``: the median iteration of (a) over
that of (b), data excluded (both read the same batches from memory).
"""
import argparse
import copy
import os.path as osp
import statistics
import sys
import tempfile
import time

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from rscovlm.utils import build_runner, complete_config, load_config  # noqa: E402

PHASES = ('forward', 'backward', 'optimizer', 'hooks+logging')


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a training config')
    parser.add_argument('--iters', type=int, default=30, help='timed iterations per loop')
    parser.add_argument('--warmup', type=int, default=5, help='untimed iterations per loop')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_dataloader.batch_size=8')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 0:
        parser.error('--iters must be >= 1 and --warmup >= 0')
    return args


class _Clock:
    """Accumulates wall time per phase for the current iteration."""

    def __init__(self):
        self.times = {}

    def wrap(self, obj, name: str, phase: str) -> None:
        fn = getattr(obj, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.times[phase] = self.times.get(phase, 0.0) + time.perf_counter() - start

        setattr(obj, name, timed)

    def pop(self) -> dict:
        out, self.times = self.times, {}
        return out


def build_runner_loop(cfg, max_iters: int):
    """The config's runner, set up as ``runner.train()`` sets it up, without running."""
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = tempfile.mkdtemp(prefix='rscovlm_bench_')
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters + 1  # no validation inside the benchmark
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=max_iters + 1)
    cfg.log_level = 'WARNING'
    runner = build_runner(cfg)
    loop = runner.train_loop  # builds the loop (and with it the train dataloader config)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    if runner.param_schedulers is not None:
        runner.param_schedulers = runner.build_param_scheduler(runner.param_schedulers)
    runner.optim_wrapper.initialize_count_status(runner.model, 0, max_iters)
    runner.call_hook('before_run')
    runner.call_hook('before_train')
    runner.call_hook('before_train_epoch')
    runner.model.train()
    return runner, loop


def bare_optimizer(cfg, model):
    """A plain torch optimizer with the config's type and settings."""
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    opt_type = opt_cfg.pop('type')
    opt_cls = getattr(torch.optim, opt_type) if isinstance(opt_type, str) else opt_type
    params = [p for p in model.parameters() if p.requires_grad]
    return opt_cls(params, **opt_cfg)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(0)
    cfg = complete_config(load_config(args.config, args.cfg_options))
    total = args.warmup + args.iters

    runner, loop = build_runner_loop(cfg, total)
    data_times, batches = [], []
    for _ in range(total):
        start = time.perf_counter()
        batches.append(next(loop.dataloader_iterator))
        data_times.append(time.perf_counter() - start)

    model_a = runner.model
    model_b = copy.deepcopy(model_a)
    model_b.load_state_dict(model_a.state_dict())
    model_b.train()
    optimizer = bare_optimizer(cfg, model_b)
    clip = (cfg.optim_wrapper.get('clip_grad') or {}).get('max_norm')

    clock = _Clock()
    clock.wrap(model_a, 'forward', 'forward')
    optim_wrapper = runner.optim_wrapper
    clock.wrap(optim_wrapper, 'backward', 'backward')
    clock.wrap(optim_wrapper, 'step', 'optimizer')
    clock.wrap(optim_wrapper, 'zero_grad', 'optimizer')

    rows_a, rows_b, first_losses = [], [], []
    for i, batch in enumerate(batches):
        # (a) the runner's iteration
        start = time.perf_counter()
        loop.run_iter(batch)
        total_a = time.perf_counter() - start
        if i == 0:
            first_losses.append(float(runner.message_hub.get_scalar('train/loss').current()))
        row = clock.pop()
        row['hooks+logging'] = total_a - sum(row.values())
        row['total'] = total_a
        # (b) the bare loop on the same batch
        t0 = time.perf_counter()
        data = model_b.data_preprocessor(batch, True)
        loss = model_b(**data, mode='loss')['loss']
        t1 = time.perf_counter()
        if i == 0:
            first_losses.append(loss.item())
        loss.backward()
        t2 = time.perf_counter()
        if clip:
            torch.nn.utils.clip_grad_norm_(model_b.parameters(), clip)
        optimizer.step()
        optimizer.zero_grad()
        t3 = time.perf_counter()
        if i >= args.warmup:
            rows_a.append(row)
            rows_b.append(dict(forward=t1 - t0, backward=t2 - t1, optimizer=t3 - t2,
                               total=t3 - t0))
    runner.call_hook('after_train_epoch')
    runner.call_hook('after_train')
    runner.call_hook('after_run')

    def med(rows, key):
        return statistics.median(r.get(key, 0.0) for r in rows)

    data_med = statistics.median(data_times[args.warmup:] or data_times)
    batch_size = cfg.train_dataloader.get('batch_size')
    print(f'{osp.basename(args.config)}: {args.iters} timed iterations after {args.warmup} '
          f'warm-up, batch size {batch_size}, {torch.get_num_threads()} threads; '
          'median seconds per iteration')
    header = f"{'phase':<16}{'(a) runner':>12}{'(b) bare':>12}"
    print(header)
    print('-' * len(header))
    print(f"{'data':<16}{data_med:>12.4f}{data_med:>12.4f}")
    for phase in PHASES:
        b = '-' if phase == 'hooks+logging' else f'{med(rows_b, phase):.4f}'
        print(f'{phase:<16}{med(rows_a, phase):>12.4f}{b:>12}')
    total_a, total_b = med(rows_a, 'total'), med(rows_b, 'total')
    # same weights, same batch: the two loops must agree before either has stepped
    print(f'first-iteration loss: runner {first_losses[0]:.6f}, bare {first_losses[1]:.6f}')
    print(f"{'step (no data)':<16}{total_a:>12.4f}{total_b:>12.4f}")
    print(f'overhead ratio: {total_a / total_b:.2f}')


if __name__ == '__main__':
    main()
