import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from rscovlm.registry import RUNNERS


@RUNNERS.register_module()
class VLMRunner(Runner):
    """mmengine's Runner with two guarantees for long VLM runs.

    * Checkpoints are written atomically: to a hidden temporary file first, then renamed,
      so a run killed while saving never leaves a truncated ``iter_N.pth`` for ``--resume``.
    * The model's processor (tokenizer, image processor with its min/max pixels) is saved
      once into ``<work_dir>/processor`` beside the weights, so evaluation and export
      tokenize and resize exactly as training did.
    """

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
