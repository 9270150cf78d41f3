from typing import List, Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from rscovlm.datasets.patch_windows import crop_image, crop_shape, image_size
from rscovlm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadImages(BaseTransform):
    """Load the image(s) of a sample: ``img_path`` (one) or ``img_paths`` (several, in the
    order of the conversation's ``<image>`` placeholders); samples with neither are
    text-only.

    Added: ``img`` (BGR ``uint8`` array, or a list of them for several images),
    ``ori_shape`` / ``img_shape`` (of the first image; the frame box coordinates refer
    to) and ``ori_shapes`` (every image).

    With ``results['length_only']`` (the packing length pass) only the image headers are
    read: the shapes are set, no pixels are decoded and ``img`` is absent.

    A record with ``crop = (x1, y1, x2, y2)`` (one image; the patches of
    ``PatchSplitDataset``) gets that window of the image, padded bottom / right to the
    window size with ``crop_padding`` (a value or one per BGR channel, default 0; ``None``
    leaves a window that runs past the image unpadded), as
    ``tools/dataset_converters/dota_split.py`` writes its patches. The shapes are the
    patch's (in ``length_only`` mode too). The last full image decoded for a crop is kept
    (one per dataloader worker), so the consecutive patches of one large image decode it
    once instead of once per patch.
    """

    def __init__(self, color_type: str = 'color', imdecode_backend: str = 'cv2') -> None:
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self._last_full = (None, None)  # (path, decoded image) of the last crop source

    def _load_full(self, path: str) -> np.ndarray:
        if self._last_full[0] != path:
            self._last_full = (None, None)  # free the previous image before decoding
            self._last_full = (path, self._load(path))
        return self._last_full[1]

    @staticmethod
    def paths(results: dict) -> List[str]:
        if results.get('img_paths') is not None:
            return list(results['img_paths'])
        return [results['img_path']] if results.get('img_path') else []

    def _load(self, path: str) -> np.ndarray:
        try:
            img = mmcv.imfrombytes(open(path, 'rb').read(), flag=self.color_type,
                                   backend=self.imdecode_backend)
        except OSError as e:
            raise FileNotFoundError(f'cannot read image {path!r} ({e}); check data_root '
                                    'and data_prefix.img_path') from None
        if img is None:
            raise ValueError(f'{path!r} is not a decodable image')
        return img

    @staticmethod
    def _crop(results: dict, paths: List[str]):
        """``(window, padding value or None)`` of a record with ``crop``, else ``None``."""
        crop = results.get('crop')
        if crop is None:
            return None
        if len(paths) != 1 or results.get('img_paths') is not None:
            raise ValueError(f"'crop' {tuple(crop)} needs a sample with one image "
                             f"('img_path'), got {paths}")
        window = tuple(int(v) for v in crop)
        if len(window) != 4 or not (0 <= window[0] < window[2] and 0 <= window[1] < window[3]):
            raise ValueError(f"{paths[0]}: 'crop' must be (x1, y1, x2, y2) with 0 <= x1 < x2 "
                             f'and 0 <= y1 < y2, got {tuple(crop)}')
        return window, results.get('crop_padding', 0)

    def transform(self, results: dict) -> Optional[dict]:
        paths = self.paths(results)
        if not paths:
            return results
        crop = self._crop(results, paths)
        if results.get('length_only'):
            shapes = []
            for path in paths:
                width, height = image_size(path)  # reads the header only
                if crop is not None:
                    height, width = crop_shape(height, width, crop[0], crop[1] is not None)
                shapes.append((height, width))
        else:
            if crop is not None:
                try:
                    imgs = [crop_image(self._load_full(paths[0]), *crop)]
                except ValueError as e:
                    raise ValueError(f'{paths[0]}: {e}') from None
            else:
                imgs = [self._load(p) for p in paths]
            shapes = [img.shape[:2] for img in imgs]
            results['img'] = imgs[0] if results.get('img_paths') is None else imgs
        results['ori_shapes'] = shapes
        results['ori_shape'] = results['img_shape'] = shapes[0]
        return results
