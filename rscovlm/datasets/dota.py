"""Oriented detection from DOTA ``labelTxt`` files."""
import glob
import os.path as osp
from typing import List

from mmrotate.datasets import DOTADataset as _MMRotateDOTADataset

from rscovlm.registry import DATASETS
from .base import check_region_types, expand_region_types


@DATASETS.register_module()
class DOTADataset(_MMRotateDOTADataset):
    """DOTA-format oriented detection (``labelTxt``: ``x1 y1 ... x4 y4 class difficulty``).

    Keeps mmrotate's record layout (``img_id``, ``img_path``, ``instances`` with
    ``bbox`` (8 floats, original-image pixels), ``bbox_label``, ``ignore_flag``) so
    mmrotate's ``DOTAMetric`` and patch merging read it unchanged, and patch names such as
    ``P0001__1024__0___512`` stay the ``img_id``.

    Differences from mmrotate's loader, on purpose:
      * ``diff_thr`` defaults to 0: objects with difficulty > 0 become ``ignored_instances``
        (DOTA's protocol). ``diff_thr=100`` keeps every object as ground truth.
      * files are read in sorted order (deterministic sample order across ranks);
      * an unknown class or a malformed line raises an error naming the file and line.

    Args:
        ann_file: folder of ``*.txt`` files (``''``: test images without annotations).
        data_prefix: ``dict(img_path=<folder of images>)``.
        task: the task name written into every sample (``'det'``).
        region_types: answer box types, one sample per (image, type) as RSCoVLM trains:
            ``'qbox'`` (polygon, the primary format), ``'hbox'``, ``'rbox'``.
        metainfo: ``dict(classes=(...))`` to override the 15 DOTA-v1.0 classes.
    """

    def __init__(self, diff_thr: int = 0, task: str = 'det', region_types=('qbox', ),
                 **kwargs) -> None:
        self.task = task
        self.region_types = check_region_types(region_types)
        super().__init__(diff_thr=diff_thr, **kwargs)

    def load_data_list(self) -> List[dict]:
        return expand_region_types(self._load_records(), self.region_types)

    def _load_records(self) -> List[dict]:
        classes = self.metainfo['classes']
        cls_map = {c: i for i, c in enumerate(classes)}
        img_dir = self.data_prefix.get('img_path', '')
        if self.ann_file == '':
            img_files = sorted(glob.glob(osp.join(img_dir, f'*.{self.img_suffix}')))
            if not img_files:
                raise FileNotFoundError(
                    f'no *.{self.img_suffix} images in {img_dir!r}; check data_root / '
                    'data_prefix.img_path')
            return [self._record(osp.basename(p)[:-len(self.img_suffix) - 1], img_dir, [])
                    for p in img_files]

        txt_files = sorted(glob.glob(osp.join(self.ann_file, '*.txt')))
        if not txt_files:
            raise FileNotFoundError(
                f'no DOTA annotation files (*.txt) in {self.ann_file!r}; check data_root '
                '(e.g. --cfg-options data_root=...) and ann_file')
        data_list = []
        for txt_file in txt_files:
            instances = []
            with open(txt_file) as f:
                for lineno, line in enumerate(f, 1):
                    fields = line.split()
                    # DOTA's original files start with 'imagesource:' / 'gsd:' headers.
                    if len(fields) < 9 or ':' in fields[0]:
                        continue
                    try:
                        bbox = [float(v) for v in fields[:8]]
                        difficulty = int(fields[9]) if len(fields) > 9 else 0
                    except ValueError as e:
                        raise ValueError(f'{txt_file}:{lineno}: malformed DOTA line '
                                         f'{line.strip()!r} ({e})') from None
                    if fields[8] not in cls_map:
                        raise KeyError(
                            f'{txt_file}:{lineno}: class {fields[8]!r} is not in the '
                            f'dataset classes {tuple(classes)}; set metainfo=dict(classes=...)')
                    instances.append(
                        dict(bbox=bbox, bbox_label=cls_map[fields[8]],
                             ignore_flag=int(difficulty > self.diff_thr)))
            img_id = osp.basename(txt_file)[:-4]
            data_list.append(self._record(img_id, img_dir, instances))
        return data_list

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['classes'] = self.metainfo['classes']  # the target renderer prompts with them
        return info

    def _record(self, img_id: str, img_dir: str, instances: list) -> dict:
        file_name = f'{img_id}.{self.img_suffix}'
        return dict(img_id=img_id, file_name=file_name, img_path=osp.join(img_dir, file_name),
                    task=self.task, instances=instances)


#: FAIR1M's 37 classes as its XML spells them (FAIR1M 1.0 and 2.0 share them).
FAIR1M_CLASSES = (
    'Boeing737', 'Boeing747', 'Boeing777', 'Boeing787', 'C919', 'A220', 'A321', 'A330',
    'A350', 'ARJ21', 'other-airplane',
    'Passenger Ship', 'Motorboat', 'Fishing Boat', 'Tugboat', 'Engineering Ship',
    'Liquid Cargo Ship', 'Dry Cargo Ship', 'Warship', 'other-ship',
    'Small Car', 'Bus', 'Cargo Truck', 'Dump Truck', 'Van', 'Trailer', 'Tractor',
    'Excavator', 'Truck Tractor', 'other-vehicle',
    'Basketball Court', 'Tennis Court', 'Football Field', 'Baseball Field',
    'Intersection', 'Roundabout', 'Bridge')


@DATASETS.register_module()
class FAIR1MDataset(DOTADataset):
    """FAIR1M converted to DOTA ``labelTxt`` (``tools/dataset_converters/fair1m.py``), whose
    lines spell the classes with dashes (``Small-Car``); answers read ``small car``."""

    METAINFO = dict(classes=tuple(c.replace(' ', '-') for c in FAIR1M_CLASSES))
