from typing import List, Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

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
    """

    def __init__(self, color_type: str = 'color', imdecode_backend: str = 'cv2') -> None:
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend

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

    def transform(self, results: dict) -> Optional[dict]:
        paths = self.paths(results)
        if not paths:
            return results
        if results.get('length_only'):
            shapes = []
            for path in paths:
                with Image.open(path) as im:  # reads the header only
                    shapes.append((im.height, im.width))
        else:
            imgs = [self._load(p) for p in paths]
            shapes = [img.shape[:2] for img in imgs]
            results['img'] = imgs[0] if results.get('img_paths') is None else imgs
        results['ori_shapes'] = shapes
        results['ori_shape'] = results['img_shape'] = shapes[0]
        return results
