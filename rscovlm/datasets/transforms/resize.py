from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

from rscovlm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SmartResize(BaseTransform):
    """Resize the image to Qwen2-VL's ``smart_resize`` size and record the frame.

    Height and width become multiples of ``factor`` (patch 14 x merge 2 = 28) with
    ``min_pixels <= h*w <= max_pixels``. The resized frame is the one every coordinate in
    the text lives in; the image processor then sees it unchanged (no second resize).

    Ground-truth boxes stay in the original frame (the metric compares there); the target
    renderer maps them into this frame with ``scale_factor``.

    Required keys: ``img``. Modified: ``img``, ``img_shape``. Added: ``scale_factor``
    (w_scale, h_scale), resized / original.

    Args:
        min_pixels, max_pixels: pixel-count bounds of the resized image; ``None`` takes the
            processor's (a model-zoo checkpoint's own training values).
        factor: side multiple (28 for Qwen2-VL / Qwen2.5-VL).
        processor: the model's processor config, filled in by the tools when ``None``;
            only read when a bound is ``None``.
    """

    def __init__(self,
                 min_pixels: Optional[int] = None,
                 max_pixels: Optional[int] = None,
                 factor: int = 28,
                 processor: Optional[dict] = None) -> None:
        if min_pixels is None or max_pixels is None:
            from rscovlm.models.processors import build_processor, pixel_range
            if processor is None:
                raise ValueError('SmartResize needs min_pixels and max_pixels, or a processor '
                                 'to read them from (model.processor in the config)')
            lo, hi = pixel_range(build_processor(processor))
            min_pixels = lo if min_pixels is None else min_pixels
            max_pixels = hi if max_pixels is None else max_pixels
        if not 0 < min_pixels <= max_pixels:
            raise ValueError(f'need 0 < min_pixels <= max_pixels, got {min_pixels}, {max_pixels}')
        self.min_pixels, self.max_pixels, self.factor = int(min_pixels), int(max_pixels), factor

    def target_size(self, height: int, width: int):
        return smart_resize(height, width, self.factor, self.min_pixels, self.max_pixels)

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        new_h, new_w = self.target_size(h, w)
        if (new_h, new_w) != (h, w):
            # Bicubic through PIL, as the Qwen2-VL image processor resizes.
            img = mmcv.imresize(img, (new_w, new_h), interpolation='bicubic', backend='pillow')
        results['img'] = img
        results['img_shape'] = (new_h, new_w)
        results['scale_factor'] = np.array([new_w / w, new_h / h], dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_pixels={self.min_pixels}, '
                f'max_pixels={self.max_pixels}, factor={self.factor})')
