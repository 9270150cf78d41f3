"""FSDP and DeepSpeed ZeRO for rscovlm's models, on GPUs and on CPU (gloo).

mmengine's ``DDPStrategy`` / ``DeepSpeedStrategy`` (run by ``VLMFlexibleRunner``) are the
base; what they lack for a VLM:

* **CPU runs** (tests, laptops): mmengine starts the process group with
  ``torch.cuda.set_device``; here a CPU build of torch starts gloo. FSDP (torch's
  ``fully_shard``) and DeepSpeed ZeRO-1/2/3 (``DS_ACCELERATOR=cpu``, a torch optimizer)
  train on two gloo ranks (``tests/test_engine/test_strategies_cpu.py``).
* **The schedule stays the recipe's**: the ``optim_wrapper`` of ``_base_/schedules``
  (``OptimWrapper`` / ``AmpOptimWrapper`` with ``clip_grad``) is translated, so a strategy
  file only says how to shard: for FSDP, AMP becomes FSDP's own ``mixed_precision`` and the
  gradient norm is reduced over all shards before clipping (not a per-rank norm); for DeepSpeed, the wrapper becomes ``DeepSpeedOptimWrapper``, ``clip_grad`` its
  ``gradient_clipping`` and ``accumulative_counts`` its ``gradient_accumulation_steps``.
* **Checkpoints any world size reads**: FSDP writes either one plain file
  (``state_dict_cfg='full'``, the format of ``VLMRunner``) or a
  ``torch.distributed.checkpoint`` directory (``'sharded'``: every rank writes its shard,
  and loading reshards to the new world size). Weights-only loads (``load_from``,
  ``tools/test.py``) of any layout, DeepSpeed's included, go through
  :func:`rscovlm.models.consolidate.load_consolidated_state_dict`.
* **ZeRO-3 and generation**: a ``HfDeepSpeedConfig`` lives while the model is built, so
  transformers partitions the weights as it creates them and ``generate`` runs with
  ``synced_gpus=True`` (ranks that finish early keep stepping, nobody hangs). Under FSDP
  the same switch comes from ``_is_fsdp_managed_module``, which torch's ``fully_shard``
  sets on every module it shards and transformers' ``generate`` reads.
"""
import copy
import os
import os.path as osp
from typing import Callable, Optional

import torch
import torch.distributed as torch_dist
from mmengine._strategy import DDPStrategy, DeepSpeedStrategy
from mmengine.dist import get_rank, is_distributed, is_main_process

from rscovlm.registry import STRATEGIES
from rscovlm.models.consolidate import (EXTRA_STATE, checkpoint_layout,
                                        load_consolidated_state_dict)

_DTYPES = dict(bf16='bfloat16', bfloat16='bfloat16', fp16='float16', float16='float16',
               fp32='float32', float32='float32')


def _on_cpu() -> bool:
    return not torch.cuda.is_available()


def _dtype_name(value: Optional[str], field: str) -> Optional[str]:
    if value is None:
        return None
    if value not in _DTYPES:
        raise ValueError(f'strategy.{field}={value!r}: use one of {sorted(_DTYPES)} or None')
    return _DTYPES[value]


def block_classes(model: torch.nn.Module) -> set:
    """Classes of the model's transformer blocks: the modules the HF model lists in
    ``_no_split_modules`` (decoder layers, vision blocks)."""
    names = set()
    for module in model.modules():
        names.update(getattr(module, '_no_split_modules', None) or ())
    return {type(m) for m in model.modules() if type(m).__name__ in names}


def register_deepspeed_optimizers() -> list:
    """Register DeepSpeed's optimizers that this DeepSpeed version has in mmengine's
    ``OPTIMIZERS`` (``DeepSpeedCPUAdam``, ``FusedAdam``, ...); returns their names."""
    import importlib

    from mmengine.registry import OPTIMIZERS
    names = []
    for module, name in (('deepspeed.ops.adam', 'DeepSpeedCPUAdam'),
                         ('deepspeed.ops.adam', 'FusedAdam'),
                         ('deepspeed.ops.lamb', 'FusedLamb')):
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        if OPTIMIZERS.get(name) is None:
            OPTIMIZERS.register_module(module=cls)
        names.append(name)
    return names


def _resume_randomness(strategy, extra: dict) -> None:
    """Adopt the checkpoint's seed as mmengine's strategies do on resume."""
    seed = (extra.get('meta') or {}).get('seed')
    if seed is not None and seed != strategy._randomness.get('seed'):
        strategy._randomness.update(seed=seed)
        strategy._set_randomness(**strategy._randomness)


@STRATEGIES.register_module()
class VLMFSDPStrategy(DDPStrategy):
    """Fully sharded data parallel with torch's ``fully_shard`` (FSDP2).

    mmengine's ``FSDPStrategy`` wraps the model in ``FullyShardedDataParallel`` (FSDP1);
    on torch 2.13 its full state dict crashes a gloo (CPU) run with SIGSEGV while cloning
    the gathered weights (``_full_post_state_dict_hook``), so rscovlm shards with FSDP2,
    whose weights are ``DTensor`` shards: it runs on GPUs and on CPU, keeps frozen and
    trainable weights (LoRA, frozen towers) in one unit, and reads / writes state dicts
    with ``torch.distributed.checkpoint``. The model keeps its own ``train_step`` /
    ``val_step`` (FSDP2 hooks into ``forward`` in place, no wrapper module).

    Args:
        state_dict_cfg: ``'full'``: rank 0 gathers one plain checkpoint file (the layout
            of ``VLMRunner``; readable by everything, resumable on any world size; needs
            the full model and optimizer state in rank 0's CPU memory). ``'sharded'``: a
            ``torch.distributed.checkpoint`` directory, each rank writing its own shard
            (no gather; resumable on any world size too).
        mixed_precision: dtype of the gathered weights used for compute (``'bf16'``);
            gradients are reduced in fp32. ``None``: compute in the weights' dtype.
        master_dtype: dtype the sharded weights (and so the optimizer's update) are kept
            in; ``'fp32'`` turns a model loaded in bf16 into fp32 master weights. ``None``
            keeps the model's dtype.
        wrap_blocks: shard every transformer block (HF ``_no_split_modules``) as its own
            unit, so only one block's weights are gathered at a time; off: one unit for
            the whole model.
        reshard_after_forward: free gathered weights after each block's forward (ZeRO-3
            behaviour); ``False`` keeps them until backward (ZeRO-2-like: more memory,
            one all-gather less per block).
        cpu_offload: keep the sharded weights, gradients and optimizer states in CPU
            memory (torch's ``CPUOffloadPolicy``; the optimizer steps on CPU).
    """

    def __init__(self,
                 *,
                 state_dict_cfg: str = 'full',
                 mixed_precision: Optional[str] = 'bf16',
                 master_dtype: Optional[str] = 'fp32',
                 wrap_blocks: bool = True,
                 reshard_after_forward: bool = True,
                 cpu_offload: bool = False,
                 **kwargs):
        if state_dict_cfg not in ('full', 'sharded'):
            raise ValueError(f"strategy.state_dict_cfg={state_dict_cfg!r}: use 'full' "
                             "(one plain file) or 'sharded' (one shard per rank)")
        self.checkpoint_mode = state_dict_cfg
        self.mixed_precision = _dtype_name(mixed_precision, 'mixed_precision')
        self.master_dtype = _dtype_name(master_dtype, 'master_dtype')
        self.wrap_blocks = wrap_blocks
        self.reshard_after_forward = reshard_after_forward
        self.cpu_offload = cpu_offload
        super().__init__(**kwargs)

    def _setup_distributed(self, launcher: str = 'pytorch', backend: str = 'nccl',
                           **kwargs):
        if is_distributed():
            return
        if _on_cpu():  # mmengine's init_dist calls torch.cuda.set_device
            torch_dist.init_process_group(backend='gloo')
        else:
            super()._setup_distributed(launcher, backend, **kwargs)

    # ---- model and optimizer -------------------------------------------------------
    def _wrap_model(self, model: torch.nn.Module) -> torch.nn.Module:
        from torch.distributed.fsdp import (CPUOffloadPolicy, MixedPrecisionPolicy,
                                            fully_shard)
        if not is_distributed():  # one process (e.g. tools/test.py): nothing to shard
            return model
        if not _on_cpu():
            torch.cuda.set_device(int(os.environ.get('LOCAL_RANK', 0)))
            model.to(torch.device('cuda', torch.cuda.current_device()))
        if self.master_dtype is not None:
            model.to(getattr(torch, self.master_dtype))
        kwargs = dict(reshard_after_forward=self.reshard_after_forward)
        if self.mixed_precision is not None:
            kwargs['mp_policy'] = MixedPrecisionPolicy(
                param_dtype=getattr(torch, self.mixed_precision), reduce_dtype=torch.float32)
        if self.cpu_offload:
            kwargs['offload_policy'] = CPUOffloadPolicy()
        if self.wrap_blocks:
            classes = block_classes(model)
            for module in list(model.modules()):
                if type(module) in classes:
                    fully_shard(module, **kwargs)
        fully_shard(model, **kwargs)
        return model

    def build_optim_wrapper(self, optim_wrapper, model=None):
        if isinstance(optim_wrapper, dict) and \
                optim_wrapper.get('type') == 'AmpOptimWrapper':
            # FSDP's mixed precision replaces autocast + loss scaling
            optim_wrapper = copy.deepcopy(optim_wrapper)
            optim_wrapper['type'] = 'OptimWrapper'
            for key in ('dtype', 'loss_scale', 'use_fsdp'):
                optim_wrapper.pop(key, None)
        wrapper = super().build_optim_wrapper(optim_wrapper, model)
        if getattr(wrapper, 'clip_grad_kwargs', None) and \
                getattr(wrapper, 'grad_name', None) == 'grad_norm':
            wrapper.clip_func = clip_sharded_grad_norm_
        return wrapper

    # ---- checkpoints ---------------------------------------------------------------
    def _options(self, full: bool, strict: bool = True):
        from torch.distributed.checkpoint.state_dict import StateDictOptions
        # cpu_offload gathers into rank 0's CPU memory; a CPU build has the tensors
        # there already
        return StateDictOptions(full_state_dict=full, cpu_offload=full and not _on_cpu(),
                                strict=strict)

    def save_checkpoint(self,
                        filename: str,
                        *,
                        save_optimizer: bool = True,
                        save_param_scheduler: bool = True,
                        extra_ckpt: Optional[dict] = None,
                        callback: Optional[Callable] = None) -> None:
        import time

        import mmengine
        from torch.distributed.checkpoint.state_dict import (get_model_state_dict,
                                                             get_optimizer_state_dict)
        full = self.checkpoint_mode == 'full'
        options = self._options(full)
        extra = dict(extra_ckpt or {})
        extra.setdefault('meta', {}).update(
            seed=self.seed, time=time.strftime('%Y%m%d_%H%M%S'),
            mmengine=mmengine.__version__)
        if save_param_scheduler and hasattr(self, 'param_schedulers'):
            extra['param_schedulers'] = self.scheduler_state_dict()
        # BaseVLM.state_dict keeps only trainable weights where the model says so
        state = dict(state_dict=get_model_state_dict(self.model, options=options))
        if save_optimizer and hasattr(self, 'optim_wrapper'):
            state['optimizer'] = get_optimizer_state_dict(
                self.model, self.optim_wrapper.optimizer, options=options)
        if full:
            checkpoint = dict(state, **extra)
            if callback is not None:
                callback(checkpoint)
            if is_main_process():
                from mmengine.runner.checkpoint import save_checkpoint
                save_checkpoint(checkpoint, filename)
        else:
            import torch.distributed.checkpoint as dcp
            if callback is not None:
                callback(extra)
            dcp.save(state, checkpoint_id=filename)
            if is_main_process():
                torch.save(extra, osp.join(filename, EXTRA_STATE))
        if is_distributed():
            torch_dist.barrier()

    def _load_sharded(self, filename: str, optimizer: bool) -> dict:
        import torch.distributed.checkpoint as dcp
        from torch.distributed.checkpoint.state_dict import (get_model_state_dict,
                                                             get_optimizer_state_dict,
                                                             set_model_state_dict,
                                                             set_optimizer_state_dict)
        options = self._options(full=False)
        state = dict(state_dict=get_model_state_dict(self.model, options=options))
        if optimizer:
            state['optimizer'] = get_optimizer_state_dict(
                self.model, self.optim_wrapper.optimizer, options=options)
        dcp.load(state, checkpoint_id=filename)  # reshards to this world size
        set_model_state_dict(self.model, state['state_dict'],
                             options=self._options(full=False, strict=False))
        if optimizer:
            set_optimizer_state_dict(self.model, self.optim_wrapper.optimizer,
                                     state['optimizer'], options=options)
        extra = osp.join(filename, EXTRA_STATE)
        return torch.load(extra, map_location='cpu', weights_only=False) \
            if osp.isfile(extra) else {}

    def _load_full(self, filename: str, optimizer: bool) -> dict:
        from torch.distributed.checkpoint.state_dict import (set_model_state_dict,
                                                             set_optimizer_state_dict)
        if checkpoint_layout(filename) == 'file':
            checkpoint = torch.load(filename, map_location='cpu', weights_only=False)
            weights = checkpoint.pop('state_dict')
        else:  # a DeepSpeed directory: its merged fp32 weights
            checkpoint, weights = {}, load_consolidated_state_dict(filename)
        weights = {k[len('module.'):] if k.startswith('module.') else k: v
                   for k, v in weights.items()}
        set_model_state_dict(self.model, weights,
                             options=self._options(full=True, strict=False))
        if optimizer:
            state = checkpoint.pop('optimizer', None)
            if not state or any(isinstance(k, int) for k in state.get('state', {})):
                raise ValueError(
                    f'{filename} has no FSDP optimizer state (it was written by another '
                    'strategy): resume it under the strategy that wrote it, or start '
                    'from its weights with load_from')
            set_optimizer_state_dict(self.model, self.optim_wrapper.optimizer, state,
                                     options=self._options(full=True))
        return checkpoint

    def load_checkpoint(self, filename: str, *, map_location='cpu', strict=False,
                        revise_keys=None, callback=None) -> dict:
        """Weights only (``load_from``, ``tools/test.py``): any layout, any world size;
        weights a checkpoint left out (frozen ones) keep the values they were built
        with."""
        self.logger.info(f'Load checkpoint from {filename}')
        if checkpoint_layout(filename) == 'dcp':
            extra = self._load_sharded(filename, optimizer=False)
        else:
            extra = self._load_full(filename, optimizer=False)
        if callback is not None:
            callback(extra)
        return extra

    def resume(self, filename: str, *, resume_optimizer: bool = True,
               resume_param_scheduler: bool = True, map_location='default',
               callback=None) -> dict:
        self.logger.info(f'Resume checkpoint from {filename}')
        layout = checkpoint_layout(filename)
        if layout == 'deepspeed':
            raise ValueError(f'{filename} is a DeepSpeed checkpoint: resume it with a '
                             'deepspeed_zero* strategy, or load its weights with load_from')
        resume_optimizer = resume_optimizer and hasattr(self, 'optim_wrapper')
        if layout == 'dcp':
            extra = self._load_sharded(filename, optimizer=resume_optimizer)
        else:
            extra = self._load_full(filename, optimizer=resume_optimizer)
        if callback is not None:
            callback(extra)
        if resume_param_scheduler and hasattr(self, 'param_schedulers'):
            self.load_scheduler_state_dict(extra.pop('param_schedulers'))
        _resume_randomness(self, extra)
        return extra


def clip_sharded_grad_norm_(params, max_norm: float, norm_type: float = 2.0,
                            error_if_nonfinite: bool = False, foreach=None):
    """``torch.nn.utils.clip_grad_norm_`` over gradients sharded as ``DTensor``: the norm
    is reduced over all ranks before the gradients are scaled, and returned as a plain
    tensor (what mmengine logs as ``grad_norm``)."""
    from torch.nn.utils import clip_grads_with_norm_, get_total_norm
    params = [p for p in params if p.grad is not None]
    total = get_total_norm([p.grad for p in params], norm_type, error_if_nonfinite, foreach)
    if hasattr(total, 'full_tensor'):
        total = total.full_tensor()
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


@STRATEGIES.register_module()
class VLMDeepSpeedStrategy(DeepSpeedStrategy):
    """DeepSpeed ZeRO (stage 1, 2, 3; optimizer / parameter offload) for rscovlm.

    Takes mmengine ``DeepSpeedStrategy``'s arguments (``zero_optimization``, ``bf16``,
    ``gradient_clipping``, ...: DeepSpeed's config keys). The recipe's
    ``optim_wrapper`` is translated (see the module docstring); a torch optimizer
    (``AdamW``) is allowed under ZeRO (``zero_allow_untested_optimizer``), so no
    DeepSpeed op needs to be compiled.

    Checkpoints are DeepSpeed directories (``iter_N.pth/``, one optimizer partition
    per rank): ``resume`` needs the same world size (DeepSpeed's partitions);
    ``load_from`` and ``tools/test.py`` read them on any world size and under any
    strategy (``zero_to_fp32`` merges the partitions).
    """

    def __init__(self, **kwargs):
        try:
            import deepspeed  # noqa: F401
        except ImportError as err:
            raise ImportError(
                'the deepspeed_zero* strategies need DeepSpeed: `pip install deepspeed` '
                '(on a machine without a GPU, DS_ACCELERATOR=cpu selects its CPU '
                'accelerator)') from err
        # mmengine 0.11 registers DeepSpeed's optimizers from module paths that DeepSpeed
        # >= 0.17 moved (deepspeed.runtime.fp16.onebit): register those that import
        import mmengine._strategy.deepspeed as mm_deepspeed
        registrar = mm_deepspeed.register_deepspeed_optimizers
        mm_deepspeed.register_deepspeed_optimizers = register_deepspeed_optimizers
        try:
            super().__init__(**kwargs)
        finally:
            mm_deepspeed.register_deepspeed_optimizers = registrar
        self.config.setdefault('zero_allow_untested_optimizer', True)
        self._hf_ds_config = None

    @property
    def zero_stage(self) -> int:
        return int((self.config.get('zero_optimization') or {}).get('stage', 0))

    def _setup_distributed(self, launcher=None, backend='nccl', **kwargs):
        if _on_cpu():
            import deepspeed
            deepspeed.init_distributed(dist_backend='gloo')
        else:
            super()._setup_distributed(launcher, backend, **kwargs)

    def build_model(self, model):
        if self.zero_stage != 3:
            return super().build_model(model)
        # While a HfDeepSpeedConfig lives (transformers keeps a weak reference),
        # from_pretrained partitions the weights as it loads them (zero.Init) and
        # generate() runs with synced_gpus=True. A random-init model (config=...) is
        # built whole first: transformers' weight init indexes the partitioned (empty)
        # embedding under zero.Init; deepspeed.initialize partitions it afterwards.
        from transformers.integrations import HfDeepSpeedConfig
        hf_model = (model.get('model') or {}) if isinstance(model, dict) else {}
        if hf_model.get('pretrained'):
            self._hf_ds_config = HfDeepSpeedConfig(self.config)
        model = super().build_model(model)
        if self._hf_ds_config is None:
            self._hf_ds_config = HfDeepSpeedConfig(self.config)
        return model

    def build_optim_wrapper(self, optim_wrapper, model=None):
        if isinstance(optim_wrapper, dict) and \
                optim_wrapper.get('type') != 'DeepSpeedOptimWrapper':
            cfg = copy.deepcopy(dict(optim_wrapper))
            kind = cfg.pop('type', 'OptimWrapper')
            clip = cfg.pop('clip_grad', None) or {}
            if clip.get('max_norm') is not None:
                self.config.setdefault('gradient_clipping', float(clip['max_norm']))
            dtype = cfg.pop('dtype', None)
            if kind == 'AmpOptimWrapper' and not any(
                    (self.config.get(k) or {}).get('enabled') for k in ('bf16', 'fp16')):
                key = 'bf16' if dtype in ('bfloat16', torch.bfloat16) else 'fp16'
                self.config[key] = dict(enabled=True)
            counts = cfg.pop('accumulative_counts', None)
            if counts:
                self.config['gradient_accumulation_steps'] = int(counts)
            for key in ('loss_scale', 'use_fsdp'):
                cfg.pop(key, None)
            cfg['type'] = 'DeepSpeedOptimWrapper'
            optim_wrapper = cfg
        return super().build_optim_wrapper(optim_wrapper, model)

    def load_checkpoint(self, filename: str, *, map_location='cpu', strict=False,
                        revise_keys=None, callback=None) -> dict:
        """Weights only, from any checkpoint layout and world size; the optimizer's
        fp32 master weights are refreshed from them."""
        self.logger.info(f'Load checkpoint from {filename}')
        weights = load_consolidated_state_dict(filename)
        engine = self.model.model  # MMDeepSpeedEngineWrapper -> DeepSpeedEngine
        module = engine.module
        if self.zero_stage == 3:
            import deepspeed
            params = list(module.parameters())
            with deepspeed.zero.GatheredParameters(params, modifier_rank=0):
                if get_rank() == 0:
                    module.load_state_dict(weights, strict=False)
        else:
            module.load_state_dict(weights, strict=False)
        optimizer = getattr(engine, 'optimizer', None)
        if optimizer is not None and hasattr(optimizer, 'refresh_fp32_params'):
            optimizer.refresh_fp32_params()
        extra = {}
        if checkpoint_layout(filename) == 'file':
            extra = torch.load(filename, map_location='cpu', weights_only=False)
            extra.pop('state_dict', None)
        if callback is not None:
            callback(extra)
        return extra

    def resume(self, filename: str, **kwargs) -> dict:
        if checkpoint_layout(filename) != 'deepspeed':
            raise ValueError(f'{filename} is not a DeepSpeed checkpoint: resume it under '
                             'the strategy that wrote it, or start from its weights '
                             'with load_from')
        return super().resume(filename, **kwargs)
