"""Conversions between annotation records and mmrotate instances."""
from typing import List, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmrotate.structures.bbox import QuadriBoxes


def qboxes_to(boxes, box_type: str) -> torch.Tensor:
    """(N, 8) quadrilaterals as float32 boxes of ``box_type`` (``'qbox'`` as they are,
    ``'rbox'`` ``cx, cy, w, h, theta[rad]``, ``'hbox'`` ``x1, y1, x2, y2``), by mmrotate's
    box converters."""
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
        data.bboxes = qboxes_to(np.array([i['bbox'] for i in sel], np.float32), box_type)
        data.labels = torch.as_tensor([int(i['bbox_label']) for i in sel], dtype=torch.long)
        out.append(data)
    return out[0], out[1]


__all__: List[str] = ['instances_to_gt', 'qboxes_to']
