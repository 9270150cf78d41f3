"""Distributed runs on machines without a GPU, and a clean end to every run."""
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> None:
    """Without a GPU, distributed processes talk over gloo and DDP wraps a CPU module
    (``device_ids=None``); with one, the config is left as it is."""
    import torch
    if launcher == 'none' or torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False)


def finish_distributed() -> None:
    """Wait for every rank, then close the process group. Left open, gloo's threads can
    abort the interpreter at exit ("terminate called without an active exception")."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
