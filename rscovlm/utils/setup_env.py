"""Config completion shared by every tool (train, test, offline re-scoring, browsing)."""
import glob
import os.path as osp
import re
from typing import Any, Optional

from mmengine.config import Config, ConfigDict

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def walk_dataset_cfgs(dataset: Any):
    """Yield a dataset config and every dataset it wraps (``dataset=`` / ``datasets=``)."""
    if not isinstance(dataset, dict):
        return
    yield dataset
    yield from walk_dataset_cfgs(dataset.get('dataset'))
    for child in dataset.get('datasets', None) or []:
        yield from walk_dataset_cfgs(child)


def iter_dataset_cfgs(cfg: Config):
    for name in _DATALOADERS:
        loader = cfg.get(name)
        if isinstance(loader, dict):
            yield from walk_dataset_cfgs(loader.get('dataset'))


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataset that has a ``data_root`` at ``data_root``.

    mmengine resolves ``data_root`` variables when a config is parsed, so
    ``--cfg-options data_root=...`` alone would not reach the datasets; the tools call this.
    """
    cfg.data_root = data_root
    for ds in iter_dataset_cfgs(cfg):
        if 'data_root' in ds:
            ds['data_root'] = data_root


def complete_config(cfg: Config) -> Config:
    """Fill what a model-agnostic data config leaves to the model.

    Benchmark overlays and dataset configs work with any model: a transform that needs
    the model's processor (tokenizer, image processor, min/max pixels) names
    ``processor=None`` and receives ``cfg.model.processor`` here.
    """
    processor = (cfg.get('model') or {}).get('processor')
    for ds in iter_dataset_cfgs(cfg):
        for transform in ds.get('pipeline', None) or []:
            # Without a model (offline re-scoring) the pipeline is never built.
            if isinstance(transform, dict) and 'processor' in transform \
                    and transform['processor'] is None and processor is not None:
                transform['processor'] = ConfigDict(processor)
    return cfg


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config and apply ``--cfg-options`` (``data_root=`` reaches every dataset)."""
    cfg = Config.fromfile(path)
    options = dict(cfg_options or {})
    data_root = options.pop('data_root', None)
    if options:
        cfg.merge_from_dict(options)
    if data_root is not None:
        set_data_root(cfg, data_root)
    return cfg


def format_metrics_table(metrics: dict, title: str = 'results') -> str:
    """A markdown table of metric name and value (floats with 4 decimals)."""
    rows = [f'| {title} | value |', '|---|---|']
    for key, value in metrics.items():
        shown = f'{value:.4f}' if isinstance(value, float) else str(value)
        rows.append(f'| {key} | {shown} |')
    return '\n'.join(rows)


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


def find_latest_checkpoint(work_dir: str) -> Optional[str]:
    """The newest ``iter_N.pth`` / ``epoch_N.pth`` in ``work_dir``, or ``None``.

    Looks at the files themselves rather than mmengine's ``last_checkpoint`` note, which a
    run killed right after saving may not have written yet. Checkpoints are written
    atomically (``VLMRunner``), so every visible one is complete.
    """
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = re.fullmatch(r'(iter|epoch)_(\d+)\.pth', osp.basename(path))
        if match:
            found.append((match.group(1) == 'iter', int(match.group(2)), path))
    return max(found)[2] if found else None
