"""Config completion shared by every tool (train, test, offline re-scoring, browsing)."""
import copy
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
    """Read a config, import its ``custom_imports`` and apply ``--cfg-options``
    (``data_root=`` reaches every dataset)."""
    cfg = Config.fromfile(path, import_custom_modules=False)
    import_custom_modules(cfg, path)
    return apply_cfg_options(cfg, cfg_options)


def import_custom_modules(cfg: Config, path: str) -> None:
    """Import the config's ``custom_imports``.

    Project code (``custom_imports = dict(imports=['projects.<name>.<name>'])``) lives in
    the repository, not in the installed package, and ``python tools/train.py`` puts only
    ``tools/`` on ``sys.path``: the folder that holds the config's ``projects/`` (else the
    working directory, when it has one) is put on ``sys.path`` first.
    """
    import os
    import sys

    from mmengine.utils import import_modules_from_strings
    custom_imports = cfg.get('custom_imports')
    if not custom_imports:
        return
    names = custom_imports.get('imports', [])
    names = [names] if isinstance(names, str) else list(names)
    if any(n.split('.')[0] == 'projects' for n in names):
        root, folder = None, osp.dirname(osp.abspath(path))
        while root is None and osp.dirname(folder) != folder:
            if osp.basename(folder) == 'projects':
                root = osp.dirname(folder)
            folder = osp.dirname(folder)
        if root is None and osp.isdir(osp.join(os.getcwd(), 'projects')):
            root = os.getcwd()
        if root is not None and root not in sys.path:
            sys.path.insert(0, root)
    import_modules_from_strings(**custom_imports)


def apply_cfg_options(cfg: Config, options: Optional[dict]) -> Config:
    """Apply ``--cfg-options`` to a config in place (``data_root=`` reaches every dataset)."""
    options = dict(options or {})
    data_root = options.pop('data_root', None)
    if options:
        cfg.merge_from_dict(options)
    if data_root is not None:
        set_data_root(cfg, data_root)
    return cfg


# the number each task's papers quote first (metric key without its prefix)
HEADLINE_METRICS = ('mAP', 'mF1', 'Acc@0.5', 'CIDEr', 'accuracy')


def _metric_rows(results: dict, keep=None) -> list:
    rows = ['| benchmark | metric | value |', '|---|---|---|']
    for name, metrics in results.items():
        items = [(k, v) for k, v in (metrics or {}).items()
                 if keep is None or k.rsplit('/', 1)[-1] in keep]
        if not items:
            rows.append(f'| {name} | (none: {"files only" if not metrics else "see below"}) | |')
        for i, (key, value) in enumerate(items):
            shown = f'{value:.4f}' if isinstance(value, float) else str(value)
            rows.append(f'| {name if i == 0 else ""} | {key} | {shown} |')
    return rows


def format_summary_table(results: dict) -> str:
    """Markdown summary of several benchmarks (``{benchmark: {metric: value}}``): the
    headline metric of each task first, then every metric."""
    return '\n'.join(['## Headline metrics', ''] + _metric_rows(results, HEADLINE_METRICS)
                     + ['', '## All metrics', ''] + _metric_rows(results))


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


def build_gt_dataset(cfg: Config):
    """The config's test dataset with no pipeline: ground-truth records only (no image is
    decoded, no processor is needed). Used by offline re-scoring and visualisation."""
    from rscovlm.registry import DATASETS
    loader = cfg.get('test_dataloader')
    if not isinstance(loader, dict) or not isinstance(loader.get('dataset'), dict):
        raise ValueError('the config has no test_dataloader.dataset to read ground truth from')
    dataset_cfg = copy.deepcopy(loader['dataset'])
    for ds in walk_dataset_cfgs(dataset_cfg):
        if 'pipeline' in ds:
            ds['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    dataset.full_init()
    return dataset


def add_run_args(parser, cfg_options_example: str) -> None:
    """The arguments ``tools/train.py`` and ``tools/test.py`` share."""
    from mmengine.config import DictAction
    parser.add_argument('--work-dir', help='the dir to save logs, configs, checkpoints and '
                        'results (default: work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help=f'override config settings, e.g. {cfg_options_example}')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_run_config(args) -> Config:
    """Config for a run of the tools: ``--cfg-options``, launcher, work dir, CPU gloo."""
    import os
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    setup_cpu_distributed(cfg, args.launcher)
    return cfg


def build_runner(cfg: Config):
    """Build the config's runner (``runner_type``, default mmengine's ``Runner``)."""
    from mmengine.runner import Runner

    from rscovlm.registry import RUNNERS
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)


def finish_distributed() -> None:
    """Wait for every rank, then close the process group. Left open, gloo's threads can
    abort the interpreter at exit ("terminate called without an active exception")."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
