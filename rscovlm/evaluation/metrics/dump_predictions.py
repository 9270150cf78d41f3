from typing import Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from rscovlm.evaluation.predictions import KEY_FIELDS, dump_predictions
from rscovlm.registry import METRICS


@METRICS.register_module()
class DumpPredictions(BaseMetric):
    """Write every sample's generated text to a JSON Lines predictions file.

    The file (``{"img_id", "pred_text", "img_shape", "ori_shape", "task"}`` per line, plus
    ``dataset_name`` / ``question_id`` / ``region_type`` when the sample has them, which
    tell apart the samples of one image on a mixed-task test set, and ``pred_scores``, the
    ``pred_instances.logprob_scores`` of a model with ``box_scores='logprob'``) is what
    ``tools/analysis_tools/eval_offline.py`` re-scores; ``tools/test.py --out`` adds this
    metric. It reports no numbers.
    """

    def __init__(self, out_file_path: str, **kwargs) -> None:
        super().__init__(**kwargs)
        if not str(out_file_path).endswith('.jsonl'):
            raise ValueError(f'predictions file must end with .jsonl, got {out_file_path!r}')
        self.out_file_path = out_file_path

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            record = dict(img_id=sample['img_id'], pred_text=sample.get('pred_text', ''),
                          img_shape=sample.get('img_shape'),
                          ori_shape=sample.get('ori_shape'), task=sample.get('task'))
            record.update((k, sample[k]) for k in KEY_FIELDS[1:] if sample.get(k) is not None)
            scores = (sample.get('pred_instances') or {}).get('logprob_scores')
            if scores is None:
                scores = sample.get('pred_scores')  # a sample filled by an older version
            if scores is not None:  # the model's box_scores='logprob'
                record['pred_scores'] = [float(v) for v in scores]
            self.results.append(record)

    def compute_metrics(self, results: list) -> dict:
        n = dump_predictions(results, self.out_file_path)
        print_log(f'{n} predictions written to {self.out_file_path}', logger='current')
        return {}
