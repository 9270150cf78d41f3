"""Model inputs of InstructBLIP as RSGPT (LAVIS ``blip2_vicuna_instruct``) builds them."""
import contextlib
from typing import List, Optional, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from PIL import Image

from rscovlm.datasets.transforms import PackVLMInputs
from rscovlm.processors import IGNORE_INDEX, build_processor
from rscovlm.registry import TRANSFORMS


@contextlib.contextmanager
def truncation_side(tokenizer, side: str):
    """Tokenize with ``side`` truncation (LAVIS flips its LLM tokenizer the same way)."""
    old = tokenizer.truncation_side
    tokenizer.truncation_side = side
    try:
        yield tokenizer
    finally:
        tokenizer.truncation_side = old


def instruction_and_target(messages: List[dict], where: str) -> Tuple[str, Optional[str]]:
    """The user's text and, when the conversation ends with one, the assistant's answer.

    InstructBLIP takes one image and one instruction: a conversation with several user
    turns or images is refused rather than silently cut.
    """
    users = [m for m in messages if m['role'] == 'user']
    if len(users) != 1:
        raise ValueError(f'{where}: InstructBLIP takes one instruction, the conversation has '
                         f'{len(users)} user turns')
    contents = users[0]['content']
    if isinstance(contents, str):
        contents = [dict(type='text', text=contents)]
    n_images = sum(c['type'] == 'image' for c in contents)
    if n_images != 1:
        raise ValueError(f'{where}: InstructBLIP takes one image per sample, got {n_images}')
    prompt = ''.join(c['text'] for c in contents if c['type'] == 'text')
    target = None
    if messages[-1]['role'] == 'assistant':
        last = messages[-1]['content']
        target = last if isinstance(last, str) else ''.join(
            c['text'] for c in last if c['type'] == 'text')
    return prompt, target


@TRANSFORMS.register_module()
class ProcessInstructBlipInputs(BaseTransform):
    """Tokens, labels and pixels of one sample for :class:`InstructBLIP`.

    The LLM sequence is ``[<image> x num_query_tokens] + [BOS] + instruction`` and, when
    the conversation ends with an answer (training), ``+ answer + EOS``:

    * the instruction is the user text, raw (RSGPT applies no text processor), truncated
      from the left to ``max_txt_len`` tokens including the BOS;
    * the answer is tokenized as LAVIS does (``answer + '</s>'`` with the BOS, truncated
      from the right to ``max_output_txt_len``, then the BOS dropped), so a long answer
      loses its end and its EOS;
    * ``labels`` are -100 on the placeholders and the instruction, the token ids on the
      answer and its EOS.

    ``qformer_input_ids``: the instruction in the Q-Former's BERT tokens
    (``[CLS] ... [SEP]``, left truncation to ``max_txt_len``). ``pixel_values``
    (``[3, S, S]`` float): the RGB image resized to ``S x S`` with PIL's bicubic filter,
    scaled to [0, 1] and normalised with the processor's mean and std (RSGPT's
    ``rs_image_train`` / ``blip2_image_eval``: no augmentation).

    Required keys: ``messages`` (``RenderConversation``: one user turn with one image),
    ``img`` (BGR ``uint8``, ``LoadImages``). Added: ``input_ids``, ``labels``,
    ``qformer_input_ids`` (LongTensor ``[L]``), ``pixel_values``, ``prompt`` (the
    instruction, for the RSGPT output files) and ``img_shape`` (``(S, S)``).

    Args:
        processor: a processor config; ``None``: the model's (``model.processor``, set by
            the tools), built once and shared (:func:`rscovlm.processors.build_processor`).
        max_txt_len: instruction length limit, LLM and Q-Former tokens (RSGPT: 160).
        max_output_txt_len: answer length limit, LLM tokens with the BOS (RSGPT: 256).
    """

    def __init__(self, processor: Optional[dict] = None, max_txt_len: int = 160,
                 max_output_txt_len: int = 256) -> None:
        self.processor = build_processor(processor, caller='ProcessInstructBlipInputs')
        self.max_txt_len = int(max_txt_len)
        self.max_output_txt_len = int(max_output_txt_len)
        size = self.processor.image_size
        self.size = (size, size)
        self.mean = torch.tensor(self.processor.image_mean).view(3, 1, 1)
        self.std = torch.tensor(self.processor.image_std).view(3, 1, 1)

    def pixels(self, img: np.ndarray) -> torch.Tensor:
        rgb = np.ascontiguousarray(img[..., ::-1]) if img.ndim == 3 else np.stack([img] * 3, -1)
        resized = Image.fromarray(rgb).resize(self.size, Image.BICUBIC)
        x = torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255.0).permute(2, 0, 1)
        return (x - self.mean) / self.std

    def transform(self, results: dict) -> dict:
        where = f"sample {results.get('img_id')!r}"
        prompt, target = instruction_and_target(results['messages'], where)
        if 'img' not in results:
            raise ValueError(f'{where}: no image was loaded (LoadImages needs img_path)')
        proc = self.processor
        tok = proc.tokenizer
        with truncation_side(tok, 'left'):
            instruction = tok(prompt, truncation=True, max_length=self.max_txt_len)['input_ids']
        with truncation_side(proc.qformer_tokenizer, 'left') as qtok:
            qformer_ids = qtok(prompt, truncation=True, max_length=self.max_txt_len)['input_ids']
        ids = [proc.image_token_id] * proc.num_query_tokens + list(instruction)
        labels = [IGNORE_INDEX] * len(ids)
        if target is not None:
            with truncation_side(tok, 'right'):
                answer = tok(target + tok.eos_token, truncation=True,
                             max_length=self.max_output_txt_len)['input_ids']
            answer = answer[tok.num_special_tokens_to_add():]  # LAVIS drops the BOS
            ids += answer
            labels += answer
        results['input_ids'] = torch.tensor(ids, dtype=torch.long)
        results['labels'] = torch.tensor(labels, dtype=torch.long)
        results['qformer_input_ids'] = torch.tensor(qformer_ids, dtype=torch.long)
        results['pixel_values'] = self.pixels(results['img'])
        results['prompt'] = prompt
        results['img_shape'] = self.size
        return results


@TRANSFORMS.register_module()
class PackInstructBlipInputs(PackVLMInputs):
    """``PackVLMInputs`` plus the Q-Former tokens (``inputs``) and the instruction
    (``prompt`` metainfo, which the RSGPT output files report)."""

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        if 'qformer_input_ids' in results:
            packed['inputs']['qformer_input_ids'] = results['qformer_input_ids']
        if 'prompt' in results:
            packed['data_samples'].set_metainfo(dict(prompt=results['prompt']))
        return packed
