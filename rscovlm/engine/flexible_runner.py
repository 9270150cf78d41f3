import os.path as osp

import torch.distributed as torch_dist
from mmengine.dist import is_distributed, is_main_process
from mmengine.model import is_model_wrapper
from mmengine.runner import FlexibleRunner

from rscovlm.registry import RUNNERS, STRATEGIES
from rscovlm.models.consolidate import replace_path


def save_processor(model, out_dir: str) -> None:
    """Save the model's processor once into ``<out_dir>/processor``."""
    while is_model_wrapper(model):
        model = model.module
    processor = getattr(model, 'processor', None)
    target = osp.join(out_dir, 'processor')
    if processor is not None and not osp.isdir(target):
        processor.save_pretrained(target)


@RUNNERS.register_module()
class VLMFlexibleRunner(FlexibleRunner):
    """mmengine's FlexibleRunner (FSDP, DeepSpeed) with ``VLMRunner``'s guarantees.

    A config gets it by setting ``strategy`` (one ``_base_/strategies/*.py`` line):
    ``VLMRunner.from_cfg`` hands such configs here, so ``runner_type`` stays
    ``'VLMRunner'`` everywhere.

    * Checkpoints are written atomically: every rank writes into a hidden
      ``.iter_N.pth.tmp`` (a file, or a directory for sharded and DeepSpeed
      checkpoints), and rank 0 renames it once all ranks are done, so ``--resume`` never
      meets a half-written checkpoint.
    * The processor is saved into ``<work_dir>/processor`` beside the weights.
    * Without a GPU the strategy starts gloo (see ``rscovlm.engine.strategies``).
    * Strategy types resolve in rscovlm's ``STRATEGIES`` registry first (before the
      runner has set its default scope).
    """

    def build_strategy(self, strategy=None, *args, **kwargs):
        if isinstance(strategy, dict) and isinstance(strategy.get('type'), str):
            strategy = dict(strategy)
            cls = STRATEGIES.get(strategy['type'])
            if cls is None:
                raise KeyError(f"strategy.type={strategy['type']!r} is not registered; "
                               'see configs/_base_/strategies/ for the ones rscovlm ships')
            strategy['type'] = cls
            from mmengine._strategy import DeepSpeedStrategy
            if issubclass(cls, DeepSpeedStrategy):  # mmengine matches the name exactly
                from mmengine.runner._flexible_runner import _get_batch_size
                loader = self._train_dataloader
                strategy['train_micro_batch_size_per_gpu'] = \
                    1 if loader is None else _get_batch_size(loader)
        return super().build_strategy(strategy, *args, **kwargs)

    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs):
        if '://' in str(out_dir):  # remote backends: nothing to rename
            return super().save_checkpoint(out_dir, filename, *args, **kwargs)
        tmp_name = f'.{filename}.tmp'
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        if is_distributed():
            torch_dist.barrier()
        if is_main_process():
            replace_path(osp.join(out_dir, tmp_name), osp.join(out_dir, filename))
            save_processor(self.model, out_dir)
        if is_distributed():
            torch_dist.barrier()
