import os
import os.path as osp

import torch
import torch.distributed as torch_dist
from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from rscovlm.registry import RUNNERS


@RUNNERS.register_module()
class VLMRunner(Runner):
    """mmengine's Runner with two guarantees for long VLM runs.

    * Checkpoints are written atomically: to a hidden temporary file first, then renamed,
      so a run killed while saving never leaves a truncated ``iter_N.pth`` for ``--resume``.
    * Distributed runs work without a GPU: for ``launcher='pytorch'`` on a CPU build of
      torch the process group is started here over gloo (mmengine's own ``init_dist``
      calls ``torch.cuda.set_device``, which CPU builds lack).
    * The model's processor (tokenizer, image processor with its min/max pixels) is saved
      once into ``<work_dir>/processor`` beside the weights, so evaluation and export
      tokenize and resize exactly as training did.

    A config that sets ``strategy`` (``_base_/strategies/fsdp.py``, ``deepspeed_zero*.py``)
    is built as ``VLMFlexibleRunner``, which gives the same guarantees under mmengine's
    FlexibleRunner.
    """

    @classmethod
    def from_cfg(cls, cfg):
        if cfg.get('strategy') is not None:
            from .flexible_runner import VLMFlexibleRunner
            return VLMFlexibleRunner.from_cfg(cfg)
        return super().from_cfg(cfg)

    def setup_env(self, env_cfg: dict) -> None:
        if self._launcher == 'pytorch' and not torch.cuda.is_available() \
                and not torch_dist.is_initialized():
            torch_dist.init_process_group(backend='gloo')
        super().setup_env(env_cfg)

    def load_checkpoint(self, filename: str, map_location='cpu', strict: bool = False,
                        revise_keys=[(r'^module.', '')]):
        """mmengine's, plus the sharded checkpoint directories of FSDP and DeepSpeed
        (merged by ``rscovlm.models.consolidate``), written on any world size."""
        if not osp.isdir(str(filename)):
            return super().load_checkpoint(filename, map_location, strict, revise_keys)
        from mmengine.runner.checkpoint import _load_checkpoint_to_model

        from rscovlm.models.consolidate import load_consolidated_state_dict, load_extra_state
        checkpoint = dict(load_extra_state(filename),
                          state_dict=load_consolidated_state_dict(filename))
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                               revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs):
        if '://' in str(out_dir):  # remote backends: nothing to rename
            return super().save_checkpoint(out_dir, filename, *args, **kwargs)
        tmp_name = f'.{filename}.tmp'
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        if is_main_process():
            os.replace(osp.join(out_dir, tmp_name), osp.join(out_dir, filename))
            self._save_processor(out_dir)

    def _save_processor(self, out_dir: str) -> None:
        model = self.model.module if is_model_wrapper(self.model) else self.model
        processor = getattr(model, 'processor', None)
        target = osp.join(out_dir, 'processor')
        if processor is not None and not osp.isdir(target):
            processor.save_pretrained(target)
