"""RSGPT's optimisation recipe (LAVIS ``RunnerBase.optimizer`` and
``LinearWarmupCosineLRScheduler``), in mmengine's terms."""
import math
from typing import List

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from rscovlm.registry import (OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS,
                              PARAM_SCHEDULERS)


def no_decay(name: str, param) -> bool:
    """LAVIS's rule: no weight decay for parameters with fewer than two dimensions or a
    name containing ``bias``, ``ln`` or ``bn``."""
    return param.ndim < 2 or 'bias' in name or 'ln' in name or 'bn' in name


def lavis_param_groups(model: nn.Module, weight_decay: float) -> List[dict]:
    """Two groups of the *trainable* parameters: ``weight_decay`` and 0 (frozen ones are
    left out of the optimizer, as in LAVIS)."""
    decay, flat = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (flat if no_decay(name, param) else decay).append(param)
    return [dict(params=decay, weight_decay=weight_decay),
            dict(params=flat, weight_decay=0.0)]


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LAVISOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Builds the optimizer on :func:`lavis_param_groups` (``optimizer.weight_decay`` for
    the first group). ``paramwise_cfg`` is not supported."""

    def __call__(self, model: nn.Module):
        if self.paramwise_cfg:
            raise ValueError('LAVISOptimWrapperConstructor has a fixed weight-decay rule; '
                             'remove paramwise_cfg')
        model = getattr(model, 'module', model)
        wrapper_cfg = self.optim_wrapper_cfg.copy()
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        optimizer_cfg = self.optimizer_cfg.copy()
        optimizer_cfg['params'] = lavis_param_groups(model, self.base_wd or 0.0)
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))


@PARAM_SCHEDULERS.register_module()
class LinearWarmupCosineLR(LRSchedulerMixin, _ParamScheduler):
    """LAVIS's ``linear_warmup_cosine_lr``, by iteration, in closed form.

    With ``t`` the step counted from ``begin`` and ``T = end - begin``:

    * ``t < warmup_steps``: ``warmup_lr + (lr - warmup_lr) * t / warmup_steps``;
    * otherwise ``min_lr + (lr - min_lr) * (1 + cos(pi * t / T)) / 2``: the cosine runs
      over the whole schedule, so it resumes below ``lr`` after the warm-up (RSGPT:
      2.81e-5 at t = 40 for lr 3e-5, min 1e-5, T = 200) rather than restarting at ``lr``.

    ``lr`` is the optimizer's learning rate; ``warmup_lr`` and ``min_lr`` are absolute.
    """

    def __init__(self,
                 optimizer,
                 min_lr: float,
                 warmup_lr: float,
                 warmup_steps: int,
                 begin: int = 0,
                 end: int = INF,
                 last_step: int = -1,
                 by_epoch: bool = False,
                 verbose: bool = False) -> None:
        if end == INF:
            raise ValueError('LinearWarmupCosineLR needs end (the last iteration + 1)')
        self.min_lr = float(min_lr)
        self.warmup_lr = float(warmup_lr)
        self.warmup_steps = int(warmup_steps)
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    def value_at(self, base: float, t: int) -> float:
        if t < self.warmup_steps:
            return self.warmup_lr + (base - self.warmup_lr) * t / max(self.warmup_steps, 1)
        total = self.end - self.begin
        return (base - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * t / total)) + self.min_lr

    def _get_value(self):
        return [self.value_at(base, self.last_step) for base in self.base_values]
