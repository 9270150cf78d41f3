"""Conversions between annotation records, parsed text and mmrotate instances."""
from typing import List, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmrotate.structures.bbox import QuadriBoxes


def _qbox_to(boxes: np.ndarray, box_type: str) -> torch.Tensor:
    qboxes = QuadriBoxes(torch.as_tensor(np.asarray(boxes, np.float32).reshape(-1, 8)))
    return qboxes.tensor if box_type == 'qbox' else qboxes.convert_to(box_type).tensor


def instances_to_gt(instances: Sequence[dict],
                    box_type: str = 'rbox') -> Tuple[InstanceData, InstanceData]:
    """Split DOTA-style annotation records into ``gt_instances`` and ``ignored_instances``.

    Args:
        instances: records ``{'bbox': [x1, y1, ..., x4, y4], 'bbox_label': int,
            'ignore_flag': 0 | 1}`` in original-image pixels, as the datasets load them.
        box_type: ``'rbox'`` (``cx, cy, w, h, theta`` in radians, what ``DOTAMetric``
            compares with ``predict_box_type='rbox'``) or ``'qbox'``.
    """
    out = []
    for ignored in (0, 1):
        sel = [i for i in instances if int(i.get('ignore_flag', 0)) == ignored]
        data = InstanceData()
        data.bboxes = _qbox_to(np.array([i['bbox'] for i in sel], np.float32), box_type)
        data.labels = torch.as_tensor([int(i['bbox_label']) for i in sel], dtype=torch.long)
        out.append(data)
    return out[0], out[1]


def parsed_to_instances(parsed, box_type: str = 'rbox') -> InstanceData:
    """Turn a codec's ``ParsedBoxes`` (quadrilaterals in the original frame) into
    ``pred_instances`` for ``DOTAMetric``. Lines whose label mapped to no class are dropped."""
    keep = np.asarray(parsed.labels) >= 0
    pred = InstanceData()
    pred.bboxes = _qbox_to(np.asarray(parsed.qboxes)[keep], box_type)
    pred.scores = torch.as_tensor(np.asarray(parsed.scores, np.float32)[keep])
    pred.labels = torch.as_tensor(np.asarray(parsed.labels)[keep], dtype=torch.long)
    return pred


def decode_prediction(pred_text: str, metainfo: dict,
                      box_type: str = 'rbox') -> Tuple[InstanceData, dict]:
    """Parse a generated answer into ``pred_instances`` and ``parse_stats``.

    ``metainfo`` is the sample's: ``codec`` (the box codec config it was rendered with),
    ``classes``, ``img_shape`` (the frame the answer's coordinates are in) and
    ``ori_shape`` (the frame the boxes are returned in). The model (after generation) and
    the offline re-scoring tool both parse through here, so the two cannot drift.
    """
    from rscovlm.codecs import build_codec, normalize_class_name
    classes = [normalize_class_name(c) for c in metainfo.get('classes', ())]
    ori_h, ori_w = metainfo['ori_shape'][:2]
    img_h, img_w = metainfo['img_shape'][:2]
    parsed = build_codec(metainfo['codec']).decode(
        pred_text, class_names=classes, scale=(ori_w / img_w, ori_h / img_h))
    stats = dict(num_lines=parsed.num_lines, num_skipped=parsed.num_skipped,
                 failed=bool(parsed.failed))
    return parsed_to_instances(parsed, box_type), stats


__all__: List[str] = ['instances_to_gt', 'parsed_to_instances', 'decode_prediction']
