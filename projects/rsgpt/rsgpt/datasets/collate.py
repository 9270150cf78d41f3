from typing import List

import torch

from rscovlm.datasets.collate import pad_rows
from rscovlm.processors import IGNORE_INDEX
from rscovlm.registry import FUNCTIONS


@FUNCTIONS.register_module()
def instructblip_collate(batch: List[dict], padding_side: str = 'right',
                         pad_token_id: int = 0, qformer_pad_token_id: int = 0) -> dict:
    """Collate ``PackInstructBlipInputs`` samples into one InstructBLIP batch.

    ``input_ids`` / ``labels`` / ``attention_mask`` are padded on ``padding_side``
    (``'left'`` for generation, as LAVIS pads prompts at test time; in training LAVIS moves
    the padding after the answer, i.e. ``'right'``) with ``pad_token_id`` / -100 / 0; the
    padded ``input_ids`` are masked out, so the value never reaches the model.
    ``qformer_input_ids`` and ``qformer_attention_mask`` are always right-padded (BERT's
    absolute positions start at the first token) with ``qformer_pad_token_id`` (BERT's
    ``[PAD]`` = 0) / 0. ``pixel_values`` are stacked to ``[B, 3, S, S]``.

    Configs name it ``type='rscovlm.instructblip_collate'``.
    """
    inputs = [b['inputs'] for b in batch]
    ids = [x['input_ids'] for x in inputs]
    out = dict(
        input_ids=pad_rows(ids, pad_token_id, padding_side),
        attention_mask=pad_rows([torch.ones_like(i) for i in ids], 0, padding_side))
    if all('labels' in x for x in inputs):
        out['labels'] = pad_rows([x['labels'] for x in inputs], IGNORE_INDEX, padding_side)
    qids = [x['qformer_input_ids'] for x in inputs]
    out['qformer_input_ids'] = pad_rows(qids, qformer_pad_token_id)
    out['qformer_attention_mask'] = pad_rows([torch.ones_like(i) for i in qids], 0)
    out['pixel_values'] = torch.stack([x['pixel_values'] for x in inputs])
    return dict(inputs=out, data_samples=[b['data_samples'] for b in batch])
