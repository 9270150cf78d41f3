"""Visual grounding from refGeo / GeoGround-style JSONL (VRSBench referring and the demo's
referring expressions are converted into the same format)."""
import os.path as osp
from typing import List

import numpy as np

from rscovlm.codecs import hbox_to_poly
from rscovlm.registry import DATASETS
from .base import (BaseVLMDataset, check_region_types, expand_region_types, load_json_records,
                   require)


@DATASETS.register_module()
class GroundingDataset(BaseVLMDataset):
    """Referring expression grounding: one object per expression.

    Records (JSONL): ``{"image_id", "dataset", "question", "question_id", "bbox": [x1, y1,
    x2, y2], "poly": [[x, y] x 4] (optional), "image_width", "image_height"}``, pixels of
    the original image; the image is ``{img_path}/{dataset}/{image_id}``.

    Each sample holds the object as a one-instance ``instances`` list (its polygon, or the
    ``bbox`` corners) and the expression as the only class, so ``RenderGroundingTarget``
    echoes it as the label, the model's answer parses back with the detection codecs, and
    the grounding metric finds it in ``gt_instances``.

    Args:
        region_types: answer box types, one sample per (record, type): ``'hbox'``
            (``refgeo_hbb``), ``'qbox'`` (polygon, ``refgeo_poly``), ``'rbox'``.
    """

    default_task = 'grounding'
    default_prompt = 'ground'

    def __init__(self, *args, region_types=('hbox', ), **kwargs) -> None:
        self.region_types = check_region_types(region_types)
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        out = []
        for k, rec in enumerate(load_json_records(self.ann_file)):
            where = f'{self.ann_file} record {k}'
            require(rec, ('image_id', 'question', 'bbox'), where)
            if rec.get('poly') is not None:
                poly = np.asarray(rec['poly'], np.float64).reshape(-1)
                if poly.size != 8:
                    raise ValueError(f'{where}: poly must hold 4 points, got {rec["poly"]}')
            else:
                poly = np.asarray(hbox_to_poly(*rec['bbox']), np.float64)
            phrase = str(rec['question']).strip()
            out.append(dict(
                img_path=self.img_path(osp.join(rec.get('dataset', ''), rec['image_id'])),
                img_id=osp.splitext(str(rec['image_id']))[0], source=rec.get('dataset'),
                question_id=rec.get('question_id', k), phrase=phrase, classes=(phrase, ),
                instances=[dict(bbox=poly.tolist(), bbox_label=0, ignore_flag=0)]))
        return expand_region_types(out, self.region_types)
