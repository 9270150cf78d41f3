from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper

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
