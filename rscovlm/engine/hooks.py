from mmengine.hooks import Hook
from mmengine.logging import MMLogger

from rscovlm.registry import HOOKS


@HOOKS.register_module()
class DatasetEpochHook(Hook):
    """Tell the training dataset the epoch (``dataset.set_epoch``) before each one, so a
    ``TaskMixDataset(mode='balanced')`` redraws its mixture, and log the mixture table
    once at the start. A no-op for datasets without ``set_epoch``.

    The redraw reaches the dataloader workers only when they are re-created every epoch
    (``persistent_workers=False``); with persistent workers the first draw is kept, which
    still gives every dataset its equal share.
    """

    priority = 'NORMAL'

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        if hasattr(dataset, 'summary'):
            MMLogger.get_current_instance().info('training mixture:\n' + dataset.summary())
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
