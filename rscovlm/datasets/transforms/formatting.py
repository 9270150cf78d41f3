from typing import Sequence

from mmcv.transforms import BaseTransform

from rscovlm.registry import TRANSFORMS
from rscovlm.structures import VLMDataSample, instances_to_gt

# Keys that go into the model as tensors; everything else describes the sample.
INPUT_KEYS = ('input_ids', 'labels', 'mm_token_type_ids', 'pixel_values', 'image_grid_thw')
# The default metainfo: what the metrics, the prediction dump and the visualizers read.
META_KEYS = ('img_id', 'img_path', 'img_paths', 'task', 'dataset_name', 'source', 'region_type',
             'ori_shape', 'img_shape', 'scale_factor', 'classes', 'codec', 'phrase',
             'question', 'question_id', 'question_type', 'references', 'gt_label', 'type',
             'size_group', 'obj_ids')
TEXT_KEYS = ('messages', 'gt_text', 'gt_answer')


@TRANSFORMS.register_module()
class PackVLMInputs(BaseTransform):
    """Pack a processed sample into ``dict(inputs=..., data_samples=VLMDataSample)``.

    ``inputs`` holds the model tensors (``input_ids``, ``labels``, ``pixel_values``,
    ``image_grid_thw``). The data sample carries the metainfo, the conversation and
    target text, and for every sample ``gt_instances`` / ``ignored_instances`` as rotated
    boxes in the original frame (empty when the task has none; ``DOTAMetric`` needs both).

    Args:
        box_type: box type of the packed ground truth (``'rbox'`` for ``DOTAMetric``).
        meta_keys: the result keys copied into the data sample's metainfo when present
            (as mmdet's ``PackDetInputs``); default :data:`META_KEYS`. A dataset that carries
            an extra field for its metric adds it here:
            ``meta_keys=(*META_KEYS, 'my_field')`` in Python, or the whole list in a config.
    """

    def __init__(self, box_type: str = 'rbox',
                 meta_keys: Sequence[str] = META_KEYS) -> None:
        self.box_type = box_type
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        inputs = {k: results[k] for k in INPUT_KEYS if k in results}
        sample = VLMDataSample(
            metainfo={k: results[k] for k in self.meta_keys if k in results})
        for key in TEXT_KEYS:
            if key in results:
                sample.set_field(results[key], key)
        sample.gt_instances, sample.ignored_instances = instances_to_gt(
            results.get('instances', []), self.box_type)
        return dict(inputs=inputs, data_samples=sample)
