"""Test-time splitting of large images: one sample per patch window, cropped when loaded."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from rscovlm.datasets.patch_windows import (SPLIT_DEFAULTS, TRUNCATED_DIFFICULTY,
                                          check_image_id, image_size, patch_name,
                                          preset_scales, sliding_windows, window_iofs)
from rscovlm.registry import DATASETS

#: the ``metainfo`` key holding the full-image ground truth (``RotatedDetMetric`` reads it
#: to score merged detections with ``merge_patches=True``)
FULL_GT_KEY = 'full_gt'


@DATASETS.register_module()
class PatchSplitDataset:
    """Split the full-size images of a detection dataset into patches on the fly, as
    ``tools/dataset_converters/dota_split.py`` (mmrotate's img_split) does offline.

    Every image's size is read from its header (PIL); its windows are those of the
    converter (:func:`rscovlm.datasets.patch_windows.sliding_windows`); sample ``i`` is one
    window of one image, x-major within an image, images in the wrapped dataset's order.
    A sample's record is the wrapped record with

    * ``img_id`` = the patch name ``{img_id}__{size}__{x}___{y}`` (what mmrotate's
      ``DOTAMetric`` merge reads), ``ori_img_id`` = the full image's id;
    * ``crop = (x1, y1, x2, y2)`` and ``crop_padding`` (the padding value, BGR, or
      ``None``): ``LoadImages`` decodes the image and returns this window, padded like
      the converter's patches (pixel-identical to them). Nothing is cached: each patch
      decodes its image again;
    * ``instances`` in patch pixels, kept as the converter keeps them (IoF with the
      window >= ``iof_thr``, polygon translated, not clipped; an object not entirely
      inside is difficult: ``ignore_flag = 2 > diff_thr`` of the wrapped dataset), or none
      with ``patch_instances=False``.

    The wrapped dataset's pipeline processes the patch records. ``metainfo`` is the
    wrapped dataset's plus ``full_gt`` — ``{original img_id: instances}`` (the full-image
    ground truth, original pixels) — and ``patch_split`` (the window settings), so
    ``RotatedDetMetric(merge_patches=True)`` scores the merged detections against the
    full images.

    Args:
        dataset: the dataset of full-size images (config or built), e.g. ``DOTADataset``
            on ``val/images`` + ``val/labelTxt`` or on test images (``ann_file=''``). Its
            records need ``img_id`` (without ``__``) and ``img_path``.
        preset: ``'ss_1024'`` (1024 px, gap 200) or ``'ss_512'`` (512 px, gap 200), the
            converter's presets; ``patch_size`` / ``gap`` / ``rates`` override it.
        patch_size, gap: window size(s) and overlap(s) in pixels (an int or a list).
        rates: scale rates (window = size / rate original pixels, as the converter).
        img_rate_thr: least fraction of a window the image must cover (0.6).
        iof_thr: least IoF of an object with a window to keep it in the patch (0.7).
        padding: pad windows larger than the image (bottom / right), as the converter.
        padding_value: the padding colour, BGR (mmrotate's ``[104, 116, 124]``).
        patch_instances: give each patch its objects; ``False`` leaves them out (merged
            evaluation uses the full-image ground truth anyway).
        lazy_init: defer reading the image headers to :meth:`full_init`.
    """

    def __init__(self,
                 dataset: Union[dict, object],
                 preset: Optional[str] = 'ss_1024',
                 patch_size: Union[int, Sequence[int], None] = None,
                 gap: Union[int, Sequence[int], None] = None,
                 rates: Union[float, Sequence[float], None] = None,
                 img_rate_thr: float = SPLIT_DEFAULTS['img_rate_thr'],
                 iof_thr: float = SPLIT_DEFAULTS['iof_thr'],
                 padding: bool = True,
                 padding_value: Union[int, Sequence[int]] = SPLIT_DEFAULTS['padding_value'],
                 patch_instances: bool = True,
                 lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        try:
            self.sizes, self.gaps = preset_scales(preset, patch_size, gap, rates)
        except (KeyError, ValueError) as e:
            raise type(e)(f'PatchSplitDataset: {e.args[0]}') from None
        if not 0 <= iof_thr <= 1:
            raise ValueError(f'PatchSplitDataset: iof_thr must be in [0, 1], got {iof_thr}')
        self.img_rate_thr, self.iof_thr = float(img_rate_thr), float(iof_thr)
        self.padding = bool(padding)
        self.padding_value = (list(padding_value) if isinstance(padding_value, (list, tuple))
                              else padding_value)
        self.patch_instances = bool(patch_instances)
        self.diff_thr = getattr(self.dataset, 'diff_thr', 0)
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    # ---- mmengine dataset protocol ------------------------------------------------
    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        sizes: Dict[str, tuple] = {}
        sources, windows = [], []
        self._full_gt: Dict[str, List[dict]] = {}
        for i in range(len(self.dataset)):
            info = self.dataset.get_data_info(i)
            img_id, path = info.get('img_id'), info.get('img_path')
            if img_id is None or not path:
                raise KeyError(f'PatchSplitDataset: record {i} of {type(self.dataset).__name__}'
                               f" lacks 'img_id' / 'img_path' (has {sorted(info)}); it needs "
                               'one full-size image per record')
            img_id = str(img_id)
            check_image_id(img_id, where=f'{path}: ')
            if path not in sizes:
                sizes[path] = image_size(path)
            width, height = sizes[path]
            wins = sliding_windows(width, height, self.sizes, self.gaps, self.img_rate_thr)
            sources.append(np.full(len(wins), i, np.int64))
            windows.append(wins.astype(np.int64))
            # one entry per image (a dataset with several region types repeats it)
            self._full_gt.setdefault(img_id, list(info.get('instances', [])))
        self._source = np.concatenate(sources) if sources else np.zeros(0, np.int64)
        self._windows = np.concatenate(windows) if windows else np.zeros((0, 4), np.int64)
        self._fully_initialized = True

    @property
    def metainfo(self) -> dict:
        meta = dict(getattr(self.dataset, 'metainfo', None) or {})
        meta['patch_split'] = dict(sizes=list(self.sizes), gaps=list(self.gaps),
                                   img_rate_thr=self.img_rate_thr, iof_thr=self.iof_thr,
                                   padding=self.padding)
        if self._fully_initialized:
            meta[FULL_GT_KEY] = self._full_gt
        return meta

    @property
    def task(self):
        return getattr(self.dataset, 'task', None)

    @property
    def tasks(self) -> tuple:
        return tuple(getattr(self.dataset, 'tasks', None) or (self.task, ))

    @property
    def pipeline(self):
        return self.dataset.pipeline

    def __len__(self) -> int:
        self.full_init()
        return len(self._source)

    def window(self, idx: int) -> tuple:
        """``(x1, y1, x2, y2)`` of sample ``idx`` in its full image."""
        return tuple(int(v) for v in self._windows[idx])

    def get_data_info(self, idx: int) -> dict:
        self.full_init()
        if idx < 0:
            idx += len(self)
        window = self.window(idx)
        info = self.dataset.get_data_info(int(self._source[idx]))
        ori_id = str(info['img_id'])
        info.update(img_id=patch_name(ori_id, window), ori_img_id=ori_id, crop=window,
                    crop_padding=self.padding_value if self.padding else None,
                    sample_idx=idx)
        instances = info.get('instances', [])
        info['instances'] = self.split_instances(instances, window, where=ori_id) \
            if self.patch_instances else []
        if 'classes' not in info and 'classes' in (getattr(self.dataset, 'metainfo', None) or {}):
            info['classes'] = self.dataset.metainfo['classes']
        return info

    def __getitem__(self, idx: int):
        info = self.get_data_info(idx)
        data = self.dataset.pipeline(info)
        if data is None:
            raise RuntimeError(f"PatchSplitDataset: the pipeline returned None for patch "
                               f"{info['img_id']!r} ({info.get('img_path')})")
        return data

    # ---- patches ------------------------------------------------------------------
    def split_instances(self, instances: Sequence[dict], window: Sequence[int],
                        where: str = '') -> List[dict]:
        """The objects of a window in its pixels, kept and flagged as the converter."""
        if not instances:
            return []
        polys = []
        for k, inst in enumerate(instances):
            bbox = inst.get('bbox')
            if bbox is None or len(bbox) != 8:
                raise ValueError(f'PatchSplitDataset: {where} instance {k} has bbox {bbox!r}; '
                                 'patch splitting needs DOTA-style polygons (8 floats)')
            polys.append(bbox)
        polys = np.asarray(polys, dtype=np.float64)
        x1, y1 = window[0], window[1]
        iofs = window_iofs(polys, np.asarray([window], dtype=np.int64))[:, 0]
        offset = np.array([x1, y1] * 4, dtype=np.float64)
        out = []
        for inst, poly, iof in zip(instances, polys, iofs):
            if iof < self.iof_thr:
                continue
            inst = dict(inst, bbox=(poly - offset).tolist())
            if iof < 1:  # truncated: DOTA difficulty 2, as the converter writes it
                inst['ignore_flag'] = int(TRUNCATED_DIFFICULTY > self.diff_thr)
            out.append(inst)
        return out

    def __repr__(self) -> str:
        n = len(self._source) if self._fully_initialized else '?'
        return (f'{type(self).__name__}({type(self.dataset).__name__}, sizes={self.sizes}, '
                f'gaps={self.gaps}, patches={n})')


__all__ = ['PatchSplitDataset', 'FULL_GT_KEY']
