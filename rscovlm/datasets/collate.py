from typing import List, Sequence

import torch
from torch.nn.utils.rnn import pad_sequence

from rscovlm.processors import IGNORE_INDEX
from rscovlm.registry import FUNCTIONS


def pad_rows(seqs: Sequence[torch.Tensor], value: int, side: str = 'right') -> torch.Tensor:
    """Stack 1-D tensors into ``[B, max_len]``, padded with ``value`` on ``side``."""
    return pad_sequence(seqs, batch_first=True, padding_value=value, padding_side=side)


@FUNCTIONS.register_module()
def vlm_collate(batch: List[dict], padding_side: str = 'right', pad_token_id: int = 0) -> dict:
    """Collate packed samples into one padded batch.

    ``input_ids`` are padded with ``pad_token_id`` (masked out, so its value never reaches
    the model), ``labels`` with -100, ``attention_mask`` and ``mm_token_type_ids`` with 0;
    ``pixel_values`` and
    ``image_grid_thw`` are concatenated over the batch (Qwen2-VL's flat layout).
    Use ``padding_side='left'`` for generation. Configs name it
    ``type='rscovlm.vlm_collate'``: mmengine looks collate functions up in its root registry,
    and the scope prefix routes the lookup to rscovlm's.
    """
    if padding_side not in ('left', 'right'):
        raise ValueError(f"vlm_collate: padding_side must be 'left' or 'right', got "
                         f'{padding_side!r}')
    inputs = [b['inputs'] for b in batch]
    ids = [x['input_ids'] for x in inputs]
    out = dict(
        input_ids=pad_rows(ids, pad_token_id, padding_side),
        attention_mask=pad_rows([torch.ones_like(i) for i in ids], 0, padding_side))
    for key, value in (('labels', IGNORE_INDEX), ('mm_token_type_ids', 0)):
        if all(key in x for x in inputs):
            out[key] = pad_rows([x[key] for x in inputs], value, padding_side)
    for key in ('pixel_values', 'image_grid_thw'):
        parts = [x[key] for x in inputs if key in x]
        if parts:
            out[key] = torch.cat(parts, dim=0)
    return dict(inputs=out, data_samples=[b['data_samples'] for b in batch])


@FUNCTIONS.register_module()
def vlm_pack_collate(batch: List[List[dict]], pad_token_id: int = 0) -> dict:
    """Collate bins of packed samples (``PackedDataset`` items): one bin, one row.

    The samples of a bin are laid end to end in its row; rows are right-padded to the
    longest with ``pad_token_id`` / -100 / 0 (``input_ids`` / ``labels`` /
    ``mm_token_type_ids``). ``attention_mask`` is 1 on real tokens, 0 on the row padding.
    ``seq_lens`` (LongTensor ``[rows, max_samples_per_row]``, zero-padded) holds the sample
    lengths of each row in order: the model turns it into per-sample positions and a
    block-diagonal mask (``QwenVL.prepare_inputs``). ``pixel_values`` and ``image_grid_thw``
    are concatenated in sample order, and ``data_samples`` is the flat list of all samples,
    row-major. Configs name it ``type='rscovlm.vlm_pack_collate'``.

    Every sample must start with an unsupervised label (the chat template's system header
    is -100), so no token is trained to predict the next sample's first token.
    """
    rows, lens, data_samples, flat = [], [], [], []
    for bin_ in batch:
        inputs = [s['inputs'] for s in bin_]
        for x in inputs:
            if 'labels' in x and x['labels'][0] != IGNORE_INDEX:
                raise ValueError('vlm_pack_collate: a packed sample must start with an '
                                 'unsupervised (-100) label, or it learns across samples')
        lens.append(torch.tensor([len(x['input_ids']) for x in inputs], dtype=torch.long))
        rows.append({k: torch.cat([x[k] for x in inputs])
                     for k in ('input_ids', 'labels', 'mm_token_type_ids')
                     if all(k in x for x in inputs)})
        flat += inputs
        data_samples += [s['data_samples'] for s in bin_]
    ids = [r['input_ids'] for r in rows]
    out = dict(input_ids=pad_rows(ids, pad_token_id),
               attention_mask=pad_rows([torch.ones_like(i) for i in ids], 0))
    for key, value in (('labels', IGNORE_INDEX), ('mm_token_type_ids', 0)):
        if all(key in r for r in rows):
            out[key] = pad_rows([r[key] for r in rows], value)
    out['seq_lens'] = pad_rows(lens, 0)
    for key in ('pixel_values', 'image_grid_thw'):
        parts = [x[key] for x in flat if key in x]
        if parts:
            out[key] = torch.cat(parts, dim=0)
    return dict(inputs=out, data_samples=data_samples)
