import torch
import torch.nn.functional as F

from rscovlm.processors.chat import (IM_END, IMAGE_PAD, PAD_TOKEN, VIDEO_PAD, VISION_END,
                                     VISION_START)
from rscovlm.registry import MODELS
from .base import BaseVLM


def _count_runs(types: torch.Tensor, value: int) -> int:
    """Number of maximal runs of ``value`` in a 1-D tensor (one run = one image)."""
    hit = types == value
    return int(hit[:1].sum() + (hit[1:] & ~hit[:-1]).sum())


@MODELS.register_module()
class QwenVL(BaseVLM):
    """Qwen2-VL / Qwen2.5-VL (``Qwen2_5_VLForConditionalGeneration`` or
    ``Qwen2VLForConditionalGeneration``) for rscovlm's tasks.

    Freeze switches act on the vision tower (``model.visual``), its patch merger
    (``model.visual.merger``) and the language model (everything else, ``lm_head`` included).
    With a random-init ``config``, the vocabulary size and the special-token ids are taken
    from the processor's tokenizer so the two always agree.

    Packed batches (``vlm_pack_collate``: several samples per row, ``seq_lens``) are
    trained exactly as if unpacked, see :meth:`prepare_inputs`.
    """

    vision_prefixes = ('model.visual.', 'visual.')
    merger_prefixes = ('model.visual.merger.', 'visual.merger.')

    def complete_model_cfg(self, cfg: dict) -> dict:
        if cfg.get('config') is None:
            return cfg
        tok = self.processor.tokenizer
        ids = tok.convert_tokens_to_ids
        config = dict(cfg['config'])
        config.update(
            image_token_id=ids(IMAGE_PAD), video_token_id=ids(VIDEO_PAD),
            vision_start_token_id=ids(VISION_START), vision_end_token_id=ids(VISION_END))
        text = dict(config.get('text_config') or {})
        text.update(vocab_size=len(tok), bos_token_id=ids(PAD_TOKEN),
                    eos_token_id=ids(IM_END), pad_token_id=tok.pad_token_id)
        config['text_config'] = text
        cfg['config'] = config
        return cfg

    # ---- sequence packing ----------------------------------------------------------
    def prepare_inputs(self, inputs: dict) -> dict:
        """HF model kwargs; a packed batch (``seq_lens``) gets per-sample positions.

        transformers' Qwen2(.5)-VL accepts packed rows natively: given ``position_ids`` of
        shape ``[4, rows, L]`` (row 0: text positions restarting at 0 in every sample,
        rows 1-3: the 3-D M-RoPE time / height / width positions) and no
        ``attention_mask``, ``create_causal_mask`` starts a new block wherever the text
        position does not grow by 1, so sdpa and eager get a block-diagonal causal mask,
        and flash-attention runs varlen on ``cu_seqlens`` read from the same positions.
        The vision tower already attends per image (``image_grid_thw``). Row padding is
        given positions 0, 1, ... too: it is a block of its own that no sample sees.

        Two traps handled here: ``use_cache`` must be off (with a cache, transformers
        skips packed-sequence detection and silently attends across samples, also in
        training), and flash-attention only goes varlen on a batch of one row (otherwise
        it runs plain causal attention over the whole row), so for ``flash_attention_*``
        the rows are laid end to end into one (``token_losses`` folds them back). Not
        tested here (no GPU in CI); the one-row layout itself is tested with sdpa.
        """
        out = dict(inputs)
        seq_lens = out.pop('seq_lens', None)
        if seq_lens is None:
            return out
        if out.get('pixel_values_videos') is not None:
            raise NotImplementedError('packing of video samples is not supported')
        out.pop('attention_mask', None)
        out['use_cache'] = False
        out['position_ids'] = self.packed_position_ids(
            out['input_ids'], seq_lens, out.get('mm_token_type_ids'),
            out.get('image_grid_thw'))
        if self.packs_into_one_row():
            for key in ('input_ids', 'labels', 'mm_token_type_ids'):
                if key in out:
                    out[key] = out[key].reshape(1, -1)
            out['position_ids'] = out['position_ids'].reshape(4, 1, -1)
        return out

    def packs_into_one_row(self) -> bool:
        """Whether packed rows go to the model as one row (flash-attention varlen)."""
        impl = getattr(self.hf_model.config, '_attn_implementation', None) or ''
        return impl.startswith('flash_attention')

    def token_losses(self, inputs: dict) -> torch.Tensor:
        losses = super().token_losses(inputs)
        rows, length = inputs['input_ids'].shape
        if losses.shape[0] != rows:  # one-row (flash-attention) packed batch: fold back
            # each row's last token predicts the next row's first, whose label is -100
            losses = F.pad(losses, (0, 1)).view(rows, length)[:, :-1]
        return losses

    def _rope_module(self):
        """The module that owns ``get_rope_index`` (``Qwen2_5_VLModel``), also under peft."""
        for module in self.hf_model.modules():
            if callable(getattr(type(module), 'get_rope_index', None)):
                return module
        raise AttributeError(f'no get_rope_index in {type(self.hf_model).__name__}')

    @torch.no_grad()
    def packed_position_ids(self, input_ids: torch.Tensor, seq_lens: torch.Tensor,
                            mm_token_type_ids=None, image_grid_thw=None) -> torch.Tensor:
        """``[4, rows, L]`` positions of a packed batch: text positions, then the model's
        own 3-D M-RoPE positions (``get_rope_index``), each restarting in every sample.

        Samples are laid end to end in the rows, images in ``image_grid_thw`` in the same
        order; a sample's image count is its number of image-token runs. Without
        ``mm_token_type_ids`` all four rows are text positions (the unpacked model falls
        back to 1-D positions in that case too).
        """
        rope = self._rope_module()
        rows, length = input_ids.shape
        pos = input_ids.new_zeros(4, rows, length)
        arange = torch.arange(length, device=input_ids.device)
        n_image = 0
        for row, lens in enumerate(seq_lens.tolist()):
            start = 0
            for n in lens:
                if n <= 0:
                    continue
                span = slice(start, start + n)
                pos[:, row, span] = arange[:n]
                types = None if mm_token_type_ids is None else mm_token_type_ids[row, span]
                k = 0 if types is None else _count_runs(types, 1)
                if k:
                    pos[1:, row, span] = rope.get_rope_index(
                        input_ids[row, span][None], mm_token_type_ids=types[None],
                        image_grid_thw=image_grid_thw[n_image:n_image + k])[0][:, 0]
                    n_image += k
                start += n
            pos[:, row, start:] = arange[:length - start]  # padding: a block of its own
        return pos
