"""Visual grounding from refGeo / GeoGround-style JSONL (VRSBench referring and the demo's
referring expressions are converted into the same format)."""
import os.path as osp
from typing import List

import numpy as np

from rscovlm.codecs import hbox_to_poly
from rscovlm.registry import DATASETS
from .base import (BaseVLMDataset, check_region_types, expand_region_types, load_json_records,
                   require)


# GeoChat-Bench referring groups, carried to the metric
GROUP_FIELDS = ('type', 'size_group', 'obj_ids')


def _polygons(rec: dict, where: str, region_type: str = 'qbox') -> List[list]:
    """The record's object(s) as 8-float polygons for a sample of ``region_type``.

    ``'hbox'``: the corners of ``bbox`` when the record has one (upstream RSCoVLM trains
    and scores HBB grounding from ``bbox``: training/data/refgeo_dataset.py,
    eval/metric/geoground.py), else the polygons below. ``'qbox'`` / ``'rbox'``:
    ``polys``, else ``poly``, else the corners of ``bbox``. ``polys`` and ``poly`` are
    checked whatever the type.
    """
    polys = None
    if rec.get('polys') is not None:
        polys = [np.asarray(p, np.float64).reshape(-1) for p in rec['polys']]
        if not polys or any(p.size != 8 for p in polys):
            raise ValueError(f'{where}: polys must be a non-empty list of 4-point polygons '
                             f'[[x, y] x 4], got {rec["polys"]}')
        polys = [p.tolist() for p in polys]
    elif rec.get('poly') is not None:
        poly = np.asarray(rec['poly'], np.float64).reshape(-1)
        if poly.size != 8:
            raise ValueError(f'{where}: poly must hold 4 points, got {rec["poly"]}')
        polys = [poly.tolist()]
    if rec.get('bbox') is not None and (polys is None or region_type == 'hbox'):
        bbox = np.asarray(rec['bbox'], np.float64).reshape(-1)
        if bbox.size != 4:
            raise ValueError(f'{where}: bbox must be [x1, y1, x2, y2], got {rec["bbox"]}')
        return [list(map(float, hbox_to_poly(*bbox.tolist())))]
    if polys is None:
        raise KeyError(f'{where}: record has no box: give "bbox": [x1, y1, x2, y2], "poly" '
                       'or "polys" (see docs/data_formats.md)')
    return polys


@DATASETS.register_module()
class GroundingDataset(BaseVLMDataset):
    """Referring expression grounding: one object per expression.

    Records (JSONL): ``{"image_id", "dataset", "question", "question_id", "bbox": [x1, y1,
    x2, y2], "poly": [[x, y] x 4] (optional), "image_width", "image_height"}``, pixels of
    the original image; the image is ``{img_path}/{dataset}/{image_id}``. An expression
    that refers to several objects (GeoChat-Bench referring) gives ``"polys": [[[x, y] x
    4], ...]`` instead of ``bbox``/``poly``; GeoChat's ``type``, ``size_group`` and
    ``obj_ids`` are kept on the sample for the per-group referring scores.

    Each sample holds the object(s) as ``instances`` and the expression as the only class,
    so ``RenderGroundingTarget`` echoes it as the label, the model's answer parses back
    with the detection codecs, and the grounding metric finds it in ``gt_instances``. The
    instances follow the sample's region type (:func:`_polygons`): an ``'hbox'`` sample
    takes the ``bbox`` corners when the record has a ``bbox`` (as upstream trains and
    scores HBB grounding; VRSBench's ``poly`` from ``obj_corner`` is unclamped while its
    ``bbox`` is the benchmark's GT), a ``'qbox'`` / ``'rbox'`` sample the polygon(s)
    (``polys``, else ``poly``, else the ``bbox`` corners).

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
            require(rec, ('image_id', 'question'), where)
            phrase = str(rec['question']).strip()
            info = dict(
                img_path=self.img_path(osp.join(rec.get('dataset', ''), rec['image_id'])),
                img_id=osp.splitext(str(rec['image_id']))[0], source=rec.get('dataset'),
                question_id=rec.get('question_id', k), phrase=phrase, classes=(phrase, ),
                **{f: rec[f] for f in GROUP_FIELDS if rec.get(f) is not None})
            # one sample per region type, each with the instances of its own type
            for sample in expand_region_types([info], self.region_types):
                sample['instances'] = [
                    dict(bbox=p, bbox_label=0, ignore_flag=0)
                    for p in _polygons(rec, where, sample['region_type'])]
                out.append(sample)
        return out
