from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

from rscovlm.processors import build_processor, pixel_range
from rscovlm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SmartResize(BaseTransform):
    """Resize the image(s) to Qwen2-VL's ``smart_resize`` size and record the frame.

    Height and width become multiples of ``factor`` (patch 14 x merge 2 = 28) with
    ``min_pixels <= h*w <= max_pixels``. The resized frame is the one every coordinate in
    the text lives in; the image processor then sees it unchanged (no second resize).

    Ground-truth boxes stay in the original frame (the metric compares there); the target
    renderers map them into this frame with ``scale_factor``, so a random resize rescales
    every box and polygon of the answer with the image, for every task family.

    Required keys: ``img`` (one array or a list) or, in the packing length pass
    (``length_only``), ``ori_shapes``. Modified: ``img``, ``img_shape``. Added:
    ``scale_factor`` (w_scale, h_scale) = resized / original of the first image (the
    frame of the boxes), ``img_shapes`` / ``scale_factors`` of every image.

    Args:
        min_pixels, max_pixels: pixel-count bounds of the resized image (the pixel
            budget: this is the only step that resizes). Set them where a dataset needs its
            own; ``None`` takes the processor's (a model-zoo checkpoint's own training
            values, or those of ``model.processor``).
        factor: side multiple (28 for Qwen2-VL / Qwen2.5-VL).
        random_resize_prob: probability of RSCoVLM's random-resize augmentation: the
            image is scaled by ``s ~ U(min_pixels / (H*W), max_pixels / (H*W))`` applied to
            each side (upstream applies this area ratio as a linear factor; kept so runs
            compare), then ``smart_resize`` clamps it into the pixel bounds. RSCoVLM's
            multi-task run uses 1.0. In the packing length pass it is replaced by the
            largest size it can draw (``max_pixels``), so a bin never overflows.
        processor: the processor to read missing bounds from; ``None``: the model's
            (``model.processor``, set by the tools). Only read when a bound is ``None``.
    """

    def __init__(self,
                 min_pixels: Optional[int] = None,
                 max_pixels: Optional[int] = None,
                 factor: int = 28,
                 random_resize_prob: float = 0.0,
                 processor: Optional[dict] = None) -> None:
        if min_pixels is None or max_pixels is None:
            lo, hi = pixel_range(build_processor(
                processor, caller='SmartResize without min_pixels/max_pixels'))
            min_pixels = lo if min_pixels is None else min_pixels
            max_pixels = hi if max_pixels is None else max_pixels
        if not 0 < min_pixels <= max_pixels:
            raise ValueError(f'need 0 < min_pixels <= max_pixels, got {min_pixels}, {max_pixels}')
        if not 0.0 <= random_resize_prob <= 1.0:
            raise ValueError(f'random_resize_prob must be in [0, 1], got {random_resize_prob}')
        self.min_pixels, self.max_pixels, self.factor = int(min_pixels), int(max_pixels), factor
        self.random_resize_prob = random_resize_prob

    def target_size(self, height: int, width: int):
        return smart_resize(height, width, self.factor, self.min_pixels, self.max_pixels)

    def random_size(self, height: int, width: int):
        """RSCoVLM's random resize draw (see ``random_resize_prob``)."""
        area = height * width
        scale = np.random.uniform(self.min_pixels / area, self.max_pixels / area)
        return self.target_size(max(int(height * scale), 1), max(int(width * scale), 1))

    def _size(self, height: int, width: int, length_only: bool):
        if self.random_resize_prob > 0:
            if length_only:  # the largest size a draw can give
                scale = (self.max_pixels / (height * width))
                return self.target_size(max(int(height * scale), 1), max(int(width * scale), 1))
            if np.random.rand() < self.random_resize_prob:
                return self.random_size(height, width)
        return self.target_size(height, width)

    def transform(self, results: dict) -> dict:
        length_only = results.get('length_only', False) and 'img' not in results
        if length_only:
            shapes = results.get('ori_shapes', [])
        else:
            if 'img' not in results:  # a text-only sample
                return results
            imgs = results['img'] if isinstance(results['img'], list) else [results['img']]
            shapes = [img.shape[:2] for img in imgs]
        sizes = [self._size(h, w, length_only) for h, w in shapes]
        if not length_only:
            out = []
            for img, (new_h, new_w) in zip(imgs, sizes):
                if (new_h, new_w) != img.shape[:2]:
                    # Bicubic through PIL, as the Qwen2-VL image processor resizes.
                    img = mmcv.imresize(img, (new_w, new_h), interpolation='bicubic',
                                        backend='pillow')
                out.append(img)
            results['img'] = out if isinstance(results['img'], list) else out[0]
        if not sizes:
            return results
        results['img_shapes'] = sizes
        results['scale_factors'] = [np.array([nw / w, nh / h], dtype=np.float32)
                                    for (h, w), (nh, nw) in zip(shapes, sizes)]
        results['img_shape'] = sizes[0]
        results['scale_factor'] = results['scale_factors'][0]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_pixels={self.min_pixels}, '
                f'max_pixels={self.max_pixels}, factor={self.factor}, '
                f'random_resize_prob={self.random_resize_prob})')
