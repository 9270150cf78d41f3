from typing import List, Optional, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from rscovlm.processors import build_processor
from rscovlm.processors.chat import (DEFAULT_SYSTEM, IGNORE_INDEX, IM_END, IM_START, IMAGE_PAD,
                                     VISION_END, VISION_START)
from rscovlm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ProcessVLMInputs(BaseTransform):
    """Chat template, tokenisation, label masking and pixel values for Qwen2-VL models.

    The Qwen2-VL chat layout (:mod:`rscovlm.processors.chat`, the pieces the tokenizer's
    Jinja template is built from) is written span by span (as upstream RSCoVLM does) so
    the label mask is exact: loss falls on the assistant's content tokens and its closing
    ``<|im_end|>`` only; system and user turns, the ``<|im_start|>assistant\\n`` header,
    the newline after ``<|im_end|>`` and every vision token are ``-100``. Without an
    assistant turn the generation prompt ``<|im_start|>assistant\\n`` is appended.

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
        ids = self.processor.tokenizer.convert_tokens_to_ids
        self.im_start, self.im_end = ids(IM_START), ids(IM_END)
        self.vision_start, self.vision_end = ids(VISION_START), ids(VISION_END)
        self.image_pad = ids(IMAGE_PAD)
        self.merge = self.processor.image_processor.merge_size

    def _text(self, text: str) -> List[int]:
        return self.processor.tokenizer(text, add_special_tokens=False)['input_ids']

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

        ids: List[int] = []
        labels: List[int] = []

        def add(tokens, supervised=False):
            ids.extend(tokens)
            labels.extend(tokens if supervised else [IGNORE_INDEX] * len(tokens))

        if not messages or messages[0]['role'] != 'system':
            messages = [dict(role='system', content=DEFAULT_SYSTEM)] + list(messages)
        n_image = 0
        for message in messages:
            role = message['role']
            assistant = role == 'assistant'
            add([self.im_start] + self._text(f'{role}\n'))
            contents = message['content']
            if isinstance(contents, str):
                contents = [dict(type='text', text=contents)]
            for content in contents:
                if content['type'] == 'image':
                    n_tokens = int(grid_thw[n_image].prod()) // self.merge**2
                    add([self.vision_start] + [self.image_pad] * n_tokens + [self.vision_end])
                    n_image += 1
                elif content['type'] == 'text':
                    add(self._text(content['text']), supervised=assistant)
            add([self.im_end], supervised=assistant)
            add(self._text('\n'))
        if messages[-1]['role'] != 'assistant':
            add([self.im_start] + self._text('assistant\n'))  # generation prompt

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
