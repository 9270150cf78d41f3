"""Oriented detection from COCO-instances JSON with polygon segmentation (DIOR-R, SRSDD,
FAIR1M and RSAR after conversion)."""
from typing import List

import cv2
import numpy as np

from rscovlm.codecs import hbox_to_poly
from rscovlm.registry import DATASETS
from .base import (BaseVLMDataset, check_region_types, expand_region_types, load_json_records,
                   require)


def segmentation_to_quad(segmentation, bbox) -> List[float]:
    """The object's quadrilateral: the first polygon of ``segmentation`` when it has 4
    vertices, its minimum-area rectangle when it has more, else the ``bbox`` corners."""
    if segmentation and isinstance(segmentation, list) and len(segmentation[0]) >= 8:
        pts = np.asarray(segmentation[0], np.float32).reshape(-1, 2)
        if len(pts) == 4:
            return pts.reshape(-1).astype(float).tolist()
        return cv2.boxPoints(cv2.minAreaRect(pts)).reshape(-1).astype(float).tolist()
    x, y, w, h = bbox
    return hbox_to_poly(x, y, x + w, y + h)


@DATASETS.register_module()
class CocoDetDataset(BaseVLMDataset):
    """Dense oriented detection from a COCO-instances JSON.

    Records follow mmrotate's layout (``instances`` of ``bbox`` = 8 floats in original
    pixels, ``bbox_label``, ``ignore_flag``) so ``RenderDetTarget`` and ``DOTAMetric``
    read them as they read DOTA. Classes come from the file's ``categories`` (in id order)
    unless ``metainfo=dict(classes=...)`` names them; images without annotations are kept
    (their answer is ``There are none.``).

    Args:
        region_types: one sample per (image, type): ``'qbox'`` (polygon, the primary
            format), ``'hbox'``, ``'rbox'``.
    """

    default_task = 'det'

    def __init__(self, *args, region_types=('qbox', ), **kwargs) -> None:
        self.region_types = check_region_types(region_types)
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        coco = load_json_records(self.ann_file)
        require(coco, ('images', 'annotations', 'categories'), self.ann_file)
        cats = sorted(coco['categories'], key=lambda c: c['id'])
        classes = tuple(self._metainfo.get('classes') or [c['name'] for c in cats])
        self._metainfo['classes'] = classes
        cat_to_label = {}
        for c in cats:
            if c['name'] in classes:
                cat_to_label[c['id']] = classes.index(c['name'])
        per_image = {img['id']: [] for img in coco['images']}
        for k, ann in enumerate(coco['annotations']):
            where = f'{self.ann_file} annotation {k} (id {ann.get("id")})'
            require(ann, ('image_id', 'category_id', 'bbox'), where)
            if ann['category_id'] not in cat_to_label:
                continue  # a category left out of metainfo.classes
            if ann['image_id'] not in per_image:
                raise KeyError(f'{where}: image_id {ann["image_id"]} is not in "images"')
            per_image[ann['image_id']].append(dict(
                bbox=segmentation_to_quad(ann.get('segmentation'), ann['bbox']),
                bbox_label=cat_to_label[ann['category_id']],
                ignore_flag=int(bool(ann.get('iscrowd', 0) or ann.get('ignore', 0)))))
        out = []
        for img in sorted(coco['images'], key=lambda i: i['file_name']):
            out.append(dict(img_path=self.img_path(img['file_name']),
                            img_id=img['file_name'].rsplit('.', 1)[0],
                            file_name=img['file_name'], classes=classes,
                            instances=per_image[img['id']]))
        return expand_region_types(out, self.region_types)
