import json
import os
import os.path as osp
import re
import sys

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.utils import ProgressBar

from rscovlm.registry import HOOKS


@HOOKS.register_module()
class DatasetEpochHook(Hook):
    """Tell the training dataset the epoch (``dataset.set_epoch``) before each one, so a
    ``TaskMixDataset(mode='balanced')`` redraws its mixture; at the start, log the mixture
    table and tell the model every task of the mixture (``register_tasks``), so each
    task's logged share counts from the first iteration. A no-op for plain datasets.

    The redraw reaches the dataloader workers only when they are re-created every epoch
    (``persistent_workers=False``); with persistent workers the first draw is kept, which
    still gives every dataset its equal share.
    """

    priority = 'NORMAL'

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        while not hasattr(dataset, 'summary') and hasattr(dataset, 'dataset'):
            dataset = dataset.dataset  # e.g. a PackedDataset over the mixture
        if hasattr(dataset, 'summary'):
            MMLogger.get_current_instance().info('training mixture:\n' + dataset.summary())
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        tasks = getattr(dataset, 'metainfo', {}).get('tasks')
        if tasks and hasattr(model, 'register_tasks'):
            model.register_tasks(tasks)
        if getattr(dataset, 'mode', None) == 'balanced' and \
                getattr(runner.train_dataloader, 'persistent_workers', False):
            MMLogger.get_current_instance().warning(
                'TaskMixDataset(mode="balanced") with persistent_workers=True: the workers '
                'keep the first epoch\'s draw; set persistent_workers=False to redraw it '
                'every epoch')

    def before_train_epoch(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        if hasattr(dataset, 'set_epoch'):
            dataset.set_epoch(runner.epoch)


@HOOKS.register_module()
class TrainingCurvesHook(Hook):
    """Draw ``<work_dir>/curves.png``: the training loss of every task and the validation
    metrics against the iteration, redrawn after every validation and at the end of
    training.

    It reads what the run already logs, the ``vis_data/scalars.json`` file of mmengine's
    ``LocalVisBackend`` (one JSON line per logged iteration, window-averaged by the log
    processor, and one per validation), so it adds no bookkeeping to the training step.

    Args:
        loss_pattern: regex of the logged training keys drawn as losses (``loss`` is the
            batch loss, ``loss_{task}`` each task's token loss).
        metric_pattern: regex of the validation keys drawn as metrics.
        filename: name of the picture in the work dir.
    """

    priority = 'LOW'

    def __init__(self,
                 loss_pattern: str = r'^loss(_.+)?$',
                 metric_pattern: str = r'(mAP|recall|acc|Acc|CIDEr|accuracy)',
                 filename: str = 'curves.png') -> None:
        self.loss_re = re.compile(loss_pattern)
        self.metric_re = re.compile(metric_pattern)
        self.filename = filename

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.draw(runner)

    def after_train(self, runner) -> None:
        # not after_run: a test-only run (tools/test.py) has no training curves to draw
        self.draw(runner)

    def read_scalars(self, path: str):
        """``(train, val)``: ``{key: [(iteration, value), ...]}`` from a scalars file."""
        train, val = {}, {}
        last_train_step = 0
        with open(path, encoding='utf-8') as f:
            for line in f:
                if not line.strip():
                    continue
                record = json.loads(line)
                step = record.get('step', record.get('iter')) or 0
                is_train = any(self.loss_re.match(k) for k in record)
                if is_train:
                    last_train_step = step
                else:
                    # a validation logged by epoch (the LoggerHook default) carries the
                    # epoch: place it at the iteration logged just before it
                    step = max(step, last_train_step)
                for key, value in record.items():
                    if not isinstance(value, (int, float)) or key in ('step', 'iter'):
                        continue
                    if is_train and self.loss_re.match(key):
                        train.setdefault(key, []).append((step, value))
                    elif not is_train and self.metric_re.search(key):
                        val.setdefault(key, []).append((step, value))
        return train, val

    def draw(self, runner) -> None:
        if not is_main_process():
            return
        path = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
        if not osp.isfile(path):
            MMLogger.get_current_instance().warning(
                f'TrainingCurvesHook: no {path} (the config needs '
                "vis_backends=[dict(type='LocalVisBackend')]); no curves drawn")
            return
        train, val = self.read_scalars(path)
        if not train and not val:
            return
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(12, 4.5))
        for key in sorted(train, key=lambda k: (k != 'loss', k)):
            xs, ys = zip(*train[key])
            ax_loss.plot(xs, ys, label=key, linewidth=2.2 if key == 'loss' else 1.2,
                         color='black' if key == 'loss' else None)
        ax_loss.set(title='training loss (window average)', xlabel='iteration',
                    ylabel='token cross-entropy', yscale='log')
        ax_loss.grid(True, which='both', alpha=0.3)
        if train:
            ax_loss.legend(fontsize=8)
        for key in sorted(val):
            xs, ys = zip(*val[key])
            if max(abs(y) for y in ys) <= 1.0:  # mAP-like fractions beside percentages
                ys, key = [100 * y for y in ys], f'{key} (x100)'
            ax_val.plot(xs, ys, marker='o', label=key)
        ax_val.set(title='validation', xlabel='iteration', ylabel='metric (%)')
        ax_val.grid(True, alpha=0.3)
        if val:
            ax_val.legend(fontsize=8)
        else:
            ax_val.text(0.5, 0.5, 'no validation yet', ha='center', va='center',
                        transform=ax_val.transAxes)
        fig.suptitle(osp.basename(runner.work_dir))
        fig.tight_layout()
        out = osp.join(runner.work_dir, self.filename)
        tmp = out + '.tmp.png'
        fig.savefig(tmp, dpi=110)
        plt.close(fig)
        os.replace(tmp, out)


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """Show mmengine's ``ProgressBar`` (done / total samples, rate, elapsed, ETA) over
    each validation and test run, on the main process.

    The logger's ``Epoch(test) [i/n] eta: ...`` lines remain the record in log files; the
    bar is for a person watching a terminal, so by default it is drawn only when the
    stream is one (``always=True`` draws it on any stream, e.g. a file).

    Args:
        modes: which loops show a bar: ``'val'``, ``'test'`` or both.
        always: draw the bar even when the stream is not a terminal.
        file: the stream (default: ``sys.stdout`` at the start of each run).
    """

    priority = 'VERY_LOW'

    def __init__(self, modes=('val', 'test'), always: bool = False, file=None) -> None:
        unknown = sorted(set(modes) - {'val', 'test'})
        if unknown:
            raise ValueError(f"ProgressBarHook: modes may be 'val' and 'test', got {unknown}")
        self.modes, self.always, self.file = tuple(modes), always, file
        self.bar = None

    def _start(self, runner, mode: str) -> None:
        self.bar = None
        file = self.file or sys.stdout
        if mode not in self.modes or not is_main_process() or not (
                self.always or getattr(file, 'isatty', lambda: False)()):
            return
        dataloader = runner.val_dataloader if mode == 'val' else runner.test_dataloader
        total = len(dataloader.dataset)
        if total:
            self.bar = ProgressBar(total, file=file)

    def _advance(self, data_batch) -> None:
        if self.bar is None:
            return
        samples = (data_batch or {}).get('data_samples') if isinstance(data_batch, dict) else None
        self.bar.update(len(samples) if samples is not None else 1)

    def _finish(self) -> None:
        if self.bar is not None:
            self.bar.file.write('\n')
            self.bar.file.flush()
        self.bar = None

    def before_val_epoch(self, runner) -> None:
        self._start(runner, 'val')

    def before_test_epoch(self, runner) -> None:
        self._start(runner, 'test')

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._advance(data_batch)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._advance(data_batch)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._finish()

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._finish()
