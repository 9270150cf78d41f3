"""Model weights from every checkpoint layout rscovlm writes, as one plain state dict.

It sits in ``models`` so that the export (``rscovlm.models.export``) and the runners'
strategies (``rscovlm.engine``) read checkpoints through one function.

Three layouts exist, all named ``iter_N.pth`` / ``epoch_N.pth`` in the work dir:

* a file (``VLMRunner``, and ``fsdp.py`` with ``state_dict_cfg='full'``): mmengine's
  checkpoint dict, weights under ``state_dict``;
* a directory written by ``torch.distributed.checkpoint`` (``fsdp.py`` with
  ``state_dict_cfg='sharded'``): each rank's shards plus ``.metadata``, and
  ``extra_state.pth`` (meta, message hub, schedulers) from rank 0;
* a directory written by DeepSpeed (``deepspeed_zero*.py``): ``mp_rank_00_model_states.pt``
  (ZeRO-1/2: module weights and the run's client state; ZeRO-3 writes
  ``zero_pp_rank_<r>_mp_rank_00_model_states.pt`` per rank) and one
  ``*zero_pp_rank_<r>_mp_rank_00_optim_states.pt`` per rank (fp32 master weights,
  partitioned).

:func:`load_consolidated_state_dict` turns any of them into ``{name: tensor}`` with the
model's own parameter names (``hf_model.model.language_model...``), on CPU, without a
process group, so ``load_from``, ``tools/test.py`` and the HF export read sharded
checkpoints of any world size.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict

import torch

DCP_METADATA = '.metadata'
EXTRA_STATE = 'extra_state.pth'
DEEPSPEED_MODEL_STATES = ('mp_rank_00_model_states.pt',  # ZeRO-1/2
                          'zero_pp_rank_0_mp_rank_00_model_states.pt')  # ZeRO-3, rank 0


def _deepspeed_model_states(path: str):
    for name in DEEPSPEED_MODEL_STATES:
        if osp.isfile(osp.join(path, name)):
            return osp.join(path, name)
    return None


def checkpoint_layout(path: str) -> str:
    """``'file'``, ``'dcp'`` (torch.distributed.checkpoint) or ``'deepspeed'``."""
    if osp.isfile(path):
        return 'file'
    if osp.isdir(path):
        if osp.isfile(osp.join(path, DCP_METADATA)):
            return 'dcp'
        if _deepspeed_model_states(path):
            return 'deepspeed'
        raise ValueError(
            f'{path} is not a known checkpoint directory: neither a '
            f'torch.distributed.checkpoint ({DCP_METADATA}) nor a DeepSpeed checkpoint (*mp_rank_00_model_states.pt); '
            'point at the iter_N.pth / epoch_N.pth a run wrote')
    raise FileNotFoundError(f'checkpoint {path!r} does not exist')


def _strip_module_prefix(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v.detach())
                       for k, v in state.items())


def load_dcp_state(path: str, keys=('state_dict', )) -> dict:
    """The entries ``keys`` of a torch.distributed.checkpoint directory, gathered into
    plain tensors in this process (no process group needed)."""
    from torch.distributed.checkpoint import FileSystemReader
    from torch.distributed.checkpoint.default_planner import _EmptyStateDictLoadPlanner
    from torch.distributed.checkpoint.state_dict_loader import _load_state_dict
    state: dict = {}
    _load_state_dict(state, storage_reader=FileSystemReader(path),
                     planner=_EmptyStateDictLoadPlanner(keys=set(keys)), no_dist=True)
    return state


def load_deepspeed_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """fp32 weights of a DeepSpeed checkpoint directory (any ZeRO stage, any world size):
    DeepSpeed's own ``zero_to_fp32`` merges the partitions; frozen parameters come from
    the model states file."""
    from deepspeed.utils.zero_to_fp32 import get_fp32_state_dict_from_zero_checkpoint
    parent, tag = osp.split(osp.abspath(path))
    return get_fp32_state_dict_from_zero_checkpoint(parent, tag=tag)


def load_consolidated_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The full model state dict of any rscovlm checkpoint (file, sharded directory or
    DeepSpeed directory), on CPU. Keys are those of the model (``BaseVLM``); a checkpoint
    that kept only trainable weights (LoRA, frozen towers) gives only those."""
    layout = checkpoint_layout(path)
    if layout == 'file':
        ckpt = torch.load(path, map_location='cpu', weights_only=False)
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    elif layout == 'dcp':
        state = load_dcp_state(path)['state_dict']
    else:
        state = load_deepspeed_state_dict(path)
    return _strip_module_prefix(state)


def load_extra_state(path: str) -> dict:
    """meta / message hub / schedulers of a checkpoint (``{}`` where there are none)."""
    layout = checkpoint_layout(path)
    if layout == 'file':
        ckpt = torch.load(path, map_location='cpu', weights_only=False)
        return {k: v for k, v in ckpt.items() if k not in ('state_dict', 'optimizer')}
    if layout == 'dcp':
        extra = osp.join(path, EXTRA_STATE)
        return torch.load(extra, map_location='cpu', weights_only=False) \
            if osp.isfile(extra) else {}
    states = torch.load(_deepspeed_model_states(path), map_location='cpu', weights_only=False)
    return {k: v for k, v in states.items() if k in ('meta', 'message_hub', 'param_schedulers')}


def replace_path(src: str, dst: str) -> None:
    """Move a finished checkpoint (file or directory) ``src`` to ``dst``, replacing an
    older one of the same name; the rename itself is atomic."""
    if osp.isdir(dst) and not osp.islink(dst):
        import shutil
        shutil.rmtree(dst)
    os.replace(src, dst)
