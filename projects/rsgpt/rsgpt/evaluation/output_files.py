"""RSGPT's test output files, written from rscovlm's test loop."""
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log

from rscovlm.evaluation.metrics.task_filter import TaskFilterMixin
from rscovlm.registry import METRICS
from rscovlm.utils import dump_json_atomic

FILE_NAMES = dict(caption='rsgpt_caption.txt', vqa='rsgpt_vqa.txt')


def run_log_dir() -> Optional[str]:
    """The log folder of the running job (``<work_dir>/<timestamp>``, where mmengine's
    Runner writes its log, and tools/test.py its ``results.md``), or ``None``."""
    log_file = getattr(MMLogger.get_current_instance(), 'log_file', None)
    return osp.dirname(osp.abspath(log_file)) if log_file else None


def caption_file(records: Sequence[dict]) -> list:
    """``rsgpt_caption.txt``: ``[{"image_name", "user_message", "output_caption"}]`` in
    image-name order (RSGPT walks the sorted image folder)."""
    return [dict(image_name=r['image_name'], user_message=r['prompt'],
                 output_caption=r['pred_text'])
            for r in sorted(records, key=lambda r: r['image_name'])]


def vqa_file(records: Sequence[dict], with_type: bool = True) -> list:
    """``rsgpt_vqa.txt``: ``[{"image_name", "qa_pairs": [{"question", "gt_answer",
    "pred_answer"}]}]``, images and questions in test-set order (RSGPT's file order);
    ``type`` is added to every pair when ``with_type`` (RSGPT's file lacks it)."""
    images = {}
    for r in records:
        pair = dict(question=r['question'], gt_answer=r['gt_answer'],
                    pred_answer=r['pred_text'])
        if with_type:
            pair['type'] = r['question_type']
        images.setdefault(r['image_name'], []).append(pair)
    return [dict(image_name=name, qa_pairs=pairs) for name, pairs in images.items()]


@METRICS.register_module()
class RSGPTOutputDump(TaskFilterMixin, BaseMetric):
    """Write the predictions as RSGPT's ``test.py`` does (A7 of the RSGPT notes).

    ``task='caption'`` writes ``rsgpt_caption.txt``, ``task='vqa'`` ``rsgpt_vqa.txt``;
    both are JSON lists despite the suffix. Samples of other tasks are ignored. Each
    data sample needs ``img_path`` and ``pred_text``; captioning also ``prompt``
    (``PackInstructBlipInputs`` sets it), VQA ``question``, ``gt_answer`` and
    ``question_type``. The file is written atomically (temporary file, then
    ``os.replace``). It reports no numbers: pair it with ``CaptionMetric`` /
    ``VQAMetric``.

    Args:
        task: ``'caption'`` or ``'vqa'``.
        out_dir: folder of the file; ``None`` is the run's log folder
            (``<work_dir>/<timestamp>/``, beside tools/test.py's ``results.json``).
        with_type: add ``type`` to each VQA pair.
    """

    default_prefix = 'rsgpt'

    def __init__(self, task: str = 'caption', out_dir: Optional[str] = None,
                 with_type: bool = True, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if task not in FILE_NAMES:
            raise ValueError(f"RSGPTOutputDump: task must be one of {sorted(FILE_NAMES)}, "
                             f'got {task!r}')
        self.task, self.out_dir, self.with_type = task, out_dir, with_type

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in self.task_samples(data_samples):
            self.results.append(dict(
                image_name=osp.basename(sample.get('img_path') or sample['img_id']),
                prompt=sample.get('prompt', ''), pred_text=sample.get('pred_text', ''),
                question=sample.get('question'), gt_answer=sample.get('gt_answer'),
                question_type=sample.get('question_type')))

    def output_path(self) -> str:
        folder = self.out_dir or run_log_dir() or os.getcwd()
        return osp.join(folder, FILE_NAMES[self.task])

    def compute_metrics(self, results: list) -> dict:
        records = self.scored(results)
        content = caption_file(records) if self.task == 'caption' else vqa_file(
            records, self.with_type)
        path = self.output_path()
        dump_json_atomic(content, path, indent=2, ensure_ascii=False)
        print_log(f'{len(records)} RSGPT {self.task} outputs written to {path}',
                  logger='current')
        return {}
