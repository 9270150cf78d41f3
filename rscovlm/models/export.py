"""Export an rscovlm checkpoint as a plain Hugging Face folder.

``export_hf(model_cfg, checkpoint, out_dir)`` builds the config's model, loads the
checkpoint into it (:func:`load_state_dict_for_export`), merges LoRA adapters into the
weights (peft's ``merge_and_unload``) and writes what ``from_pretrained`` reads, with no
rscovlm needed to load it: ``config.json``, ``generation_config.json``, safetensors
weights (sharded with ``model.safetensors.index.json`` above ``max_shard_size``), the
tokenizer with its chat template, and ``preprocessor_config.json`` with the pixel limits
the model was trained with. The processor is the one saved beside the checkpoint
(``<checkpoint dir>/processor``, written by the runner) when there is one, else the
config's.
"""
import os
import os.path as osp
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional

import torch

from rscovlm.processors import saved_processor_cfg
from rscovlm.processors.chat import IM_END, PAD_TOKEN
from rscovlm.registry import MODELS

#: the folder the runner saves the processor into, beside the checkpoints
SAVED_PROCESSOR_DIR = 'processor'


def load_state_dict_for_export(checkpoint: str) -> Dict[str, torch.Tensor]:
    """The weights of an rscovlm checkpoint as ``{name: tensor}`` on CPU, named as the
    model's own ``state_dict`` names them (``hf_model.model.language_model...``).

    The one place export reads checkpoints: a checkpoint file written by the runner
    (mmengine's dict, weights under ``state_dict``; a bare state dict also works), or a
    sharded checkpoint directory (FSDP ``state_dict_cfg='sharded'``, DeepSpeed ZeRO) of
    any world size, merged by :func:`rscovlm.models.consolidate.load_consolidated_state_dict`.
    """
    if osp.isdir(checkpoint):
        from .consolidate import load_consolidated_state_dict
        return load_consolidated_state_dict(checkpoint)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    from mmengine.runner.checkpoint import CheckpointLoader
    loaded = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded) if isinstance(loaded, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ValueError(f'{checkpoint} holds no state dict (neither a "state_dict" entry '
                         'nor a dict of tensors)')
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                       for k, v in state.items())


@dataclass
class ExportSummary:
    """What :func:`export_hf` wrote."""
    out_dir: str
    model_class: str
    num_params: int
    dtype: str
    lora_merged: bool
    weight_files: List[str]
    processor_from: str

    def __str__(self) -> str:
        lora = ', LoRA merged' if self.lora_merged else ''
        return (f'exported {self.model_class} ({self.num_params / 1e6:.2f}M parameters, '
                f'{self.dtype}{lora}) to {self.out_dir}: {len(self.weight_files)} safetensors '
                f'file(s), processor from {self.processor_from}')


def export_processor_cfg(model_cfg: dict, checkpoint: Optional[str]) -> dict:
    """The processor config the export writes: the one saved beside ``checkpoint``
    (``<checkpoint dir>/processor``, with the config's min/max pixels still applied) if it
    exists, else the config's own."""
    processor = dict(model_cfg.get('processor') or {})
    if checkpoint:
        saved = osp.join(osp.dirname(osp.abspath(checkpoint)), SAVED_PROCESSOR_DIR)
        reloaded = saved_processor_cfg(processor, saved) if osp.isdir(saved) else None
        if reloaded is not None:
            return reloaded
    return processor


def export_hf(model_cfg: dict,
              checkpoint: Optional[str],
              out_dir: str,
              dtype: Optional[str] = None,
              max_shard_size: str = '5GB') -> ExportSummary:
    """Write the model of ``model_cfg`` with the weights of ``checkpoint`` to ``out_dir``
    as a Hugging Face folder.

    Args:
        model_cfg: the config's ``model`` (a ``BaseVLM`` config: ``model``, ``processor``,
            ``lora`` ...).
        checkpoint: an rscovlm checkpoint (a full one, or one keeping only the trainable
            weights, e.g. LoRA, whose frozen weights come from ``model.model.pretrained``);
            ``None`` exports the model as the config builds it.
        out_dir: the folder to write (created; files of the same names are replaced).
        dtype: ``'bf16'`` / ``'fp16'`` / ``'fp32'`` to cast the weights to; ``None`` keeps
            the model's.
        max_shard_size: the largest safetensors file (``save_pretrained``'s setting).

    The generation defaults (``generation_config.json``) keep the model's and add the stop
    tokens rscovlm generates with (``<|im_end|>`` and ``<|endoftext|>``), so
    ``generate`` in transformers stops where rscovlm's does.
    """
    model_cfg = dict(model_cfg)
    processor_cfg = export_processor_cfg(model_cfg, checkpoint)
    model_cfg['processor'] = processor_cfg
    base = dict(model_cfg.get('model') or {})
    model = MODELS.build(model_cfg)
    if checkpoint:
        _load(model, checkpoint, base.get('pretrained'))
    from peft import PeftModel
    hf_model = model.hf_model
    lora_merged = isinstance(hf_model, PeftModel)
    if lora_merged:  # adapters folded into the weights: a plain transformers model
        hf_model = hf_model.merge_and_unload()
    if dtype is not None:
        from .hf import _DTYPES
        if dtype not in _DTYPES:
            raise ValueError(f'dtype must be one of {sorted(_DTYPES)}, got {dtype!r}')
        hf_model = hf_model.to(_DTYPES[dtype])
    _set_stop_tokens(hf_model, model.processor.tokenizer)
    os.makedirs(out_dir, exist_ok=True)
    hf_model.save_pretrained(out_dir, safe_serialization=True, max_shard_size=max_shard_size)
    model.processor.save_pretrained(out_dir)
    weights = sorted(f for f in os.listdir(out_dir) if f.endswith('.safetensors'))
    return ExportSummary(
        out_dir=out_dir, model_class=type(hf_model).__name__,
        num_params=sum(p.numel() for p in hf_model.parameters()),
        dtype=str(next(hf_model.parameters()).dtype).replace('torch.', ''),
        lora_merged=lora_merged, weight_files=weights,
        processor_from=processor_cfg.get('pretrained') or
        f"the config ({processor_cfg.get('type')})")


def _load(model, checkpoint: str, pretrained: Optional[str]) -> None:
    """Load ``checkpoint`` into ``model``; every weight the model needs must come from it
    or, for a trainable-only checkpoint, from the pretrained folder."""
    state = load_state_dict_for_export(checkpoint)
    incompatible = model.load_state_dict(state, strict=False)
    if incompatible.unexpected_keys:
        keys = incompatible.unexpected_keys
        raise ValueError(
            f'{checkpoint} holds {len(keys)} weights the config\'s model does not have '
            f'({", ".join(keys[:3])}{", ..." if len(keys) > 3 else ""}): export with the '
            'config the checkpoint was trained with (same model, same lora settings)')
    # after loading, BaseVLM keeps only the missing *trainable* weights of a
    # trainable-only checkpoint among the missing keys (the frozen ones are expected)
    if incompatible.missing_keys:
        keys = incompatible.missing_keys
        raise ValueError(
            f'{checkpoint} lacks {len(keys)} weights of the model '
            f'({", ".join(keys[:3])}{", ..." if len(keys) > 3 else ""}): export with the '
            'config the checkpoint was trained with')
    # the weights the checkpoint does not hold (frozen ones of a trainable-only
    # checkpoint) are the pretrained folder's, or random without one
    not_saved = [k for k in torch.nn.Module.state_dict(model, keep_vars=True) if k not in state]
    if not_saved and not pretrained:
        raise ValueError(
            f'{checkpoint} keeps only the trainable weights ({len(not_saved)} others are not '
            'in it) and model.model has no pretrained folder, so they would be random: set '
            'model.model.pretrained to the base model the run was trained from')


def _set_stop_tokens(hf_model, tokenizer) -> None:
    """Stop where rscovlm's ``generate`` stops (``<|im_end|>``, ``<|endoftext|>``) and pad
    with the tokenizer's pad token."""
    config = getattr(hf_model, 'generation_config', None)
    if config is None:
        return
    vocab = tokenizer.get_vocab()
    stops = [vocab[t] for t in (IM_END, PAD_TOKEN) if t in vocab]
    eos = config.eos_token_id
    eos = [] if eos is None else [eos] if isinstance(eos, int) else list(eos)
    config.eos_token_id = eos + [t for t in stops if t not in eos] or None
    if tokenizer.pad_token_id is not None:
        config.pad_token_id = tokenizer.pad_token_id
