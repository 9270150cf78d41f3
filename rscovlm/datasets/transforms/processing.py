from typing import Optional, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from rscovlm.processors import build_processor
from rscovlm.processors.chat import IMAGE_PAD, encode_chat
from rscovlm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ProcessVLMInputs(BaseTransform):
    """Chat template, tokenisation, label masking and pixel values for Qwen2-VL models.

    The conversation is written by the processor's tokenizer's own chat template
    (:func:`rscovlm.processors.chat.encode_chat`: the ids transformers'
    ``processor.apply_chat_template`` gives for a checkpoint folder). Loss falls on the
    assistant's content tokens and its closing ``<|im_end|>`` only; system and user
    turns, the ``<|im_start|>assistant\\n`` header, the newline after ``<|im_end|>`` and
    every vision token are ``-100``. Without an assistant turn the template's generation
    prompt is appended.

    Required keys: ``messages``; ``img`` (BGR, already resized by ``SmartResize``; a list
    for several images, one per image item in order) when a message holds an image.
    In the packing length pass (``length_only``, no ``img``) the image tokens are counted
    from ``img_shapes`` and no pixels are processed. Added: ``input_ids``, ``labels``,
    ``mm_token_type_ids`` (1 on image tokens) (LongTensor ``[L]``), ``pixel_values``
    (``[patches, C*T*P*P]``), ``image_grid_thw`` (``[n_images, 3]``).

    Args:
        processor: a processor config; ``None``: the model's (``model.processor``, set by
            the tools), built once and shared (:func:`rscovlm.processors.build_processor`).
    """

    def __init__(self, processor: Optional[dict] = None) -> None:
        self.processor = build_processor(processor, caller='ProcessVLMInputs')
        self.image_pad = self.processor.tokenizer.convert_tokens_to_ids(IMAGE_PAD)
        self.merge = self.processor.image_processor.merge_size

    def _images(self, images) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
        if not images:
            return None, None
        # SmartResize already produced the model's frame: no second resize here.
        out = self.processor.image_processor(
            images=images, do_resize=False, return_tensors='pt')
        return out['pixel_values'], out['image_grid_thw']

    def _grid(self, shapes) -> Optional[torch.Tensor]:
        """``image_grid_thw`` from the resized shapes alone (the packing length pass)."""
        if not shapes:
            return None
        patch = self.processor.image_processor.patch_size
        return torch.tensor([[1, h // patch, w // patch] for h, w in shapes], dtype=torch.long)

    def transform(self, results: dict) -> dict:
        messages = results['messages']
        n_placeholders = sum(
            c.get('type') == 'image' for m in messages if not isinstance(m['content'], str)
            for c in m['content'])
        pixel_values = grid_thw = None
        if n_placeholders and 'img' not in results and results.get('length_only'):
            grid_thw = self._grid(results.get('img_shapes', [results.get('img_shape')]))
        elif n_placeholders:
            if 'img' not in results:
                raise ValueError(f"sample {results.get('img_id')!r}: the conversation has an "
                                 '<image> but no image was loaded (LoadImages needs img_path)')
            imgs = results['img'] if isinstance(results['img'], list) else [results['img']]
            # SmartResize output is BGR (mmcv); the processor expects RGB.
            images = [np.ascontiguousarray(i[..., ::-1]) if i.ndim == 3 else i for i in imgs]
            pixel_values, grid_thw = self._images(images)
        n_images = 0 if grid_thw is None else len(grid_thw)
        if n_placeholders != n_images:
            raise ValueError(f"sample {results.get('img_id')!r}: the conversation has "
                             f'{n_placeholders} <image> placeholder(s) but {n_images} '
                             'image(s) were loaded')

        image_tokens = [] if grid_thw is None else (
            grid_thw.prod(-1) // self.merge**2).tolist()
        ids, labels = encode_chat(self.processor.tokenizer, messages, image_tokens)

        results['input_ids'] = torch.tensor(ids, dtype=torch.long)
        results['labels'] = torch.tensor(labels, dtype=torch.long)
        # 1 marks image tokens: transformers computes Qwen2-VL's 3-D M-RoPE positions
        # (time, row, column per visual token) only when it is given this mask; without
        # it every token falls back to 1-D positions and the model loses image layout.
        results['mm_token_type_ids'] = (results['input_ids'] == self.image_pad).long()
        if pixel_values is not None:
            results['pixel_values'] = pixel_values
        if grid_thw is not None:
            results['image_grid_thw'] = grid_thw
        return results
