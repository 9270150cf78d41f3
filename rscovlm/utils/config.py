"""Reading a config the way every tool does (train, test, offline re-scoring, browsing):
``custom_imports``, ``--cfg-options``, ``data_root``, and what a data config leaves to the
model."""
import copy
import os
import os.path as osp
import sys
from typing import Any, Optional

from mmengine.config import Config

from rscovlm.processors import set_model_processor
from rscovlm.registry import DATASETS

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def walk_dataset_cfgs(dataset: Any):
    """Yield a dataset config and every dataset it wraps (``dataset=`` / ``datasets=``)."""
    if not isinstance(dataset, dict):
        return
    yield dataset
    yield from walk_dataset_cfgs(dataset.get('dataset'))
    children = dataset.get('datasets', None) or []
    if isinstance(children, dict):  # TaskMixDataset's {name: config} form
        children = children.values()
    for child in children:
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
    """Give a model-agnostic data config the model's processor.

    Benchmark overlays and dataset configs work with any model: a transform that needs the
    model's processor (tokenizer, image processor, min/max pixels) names
    ``processor=None``. This makes ``cfg.model.processor`` the processor those transforms
    build (:func:`rscovlm.processors.set_model_processor`; ``None`` when the config has no
    model, e.g. offline re-scoring). The model builds the same config, so model and
    pipeline share one processor object. The config itself is left as it is.
    """
    set_model_processor((cfg.get('model') or {}).get('processor'))
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


def build_gt_dataset(cfg: Config):
    """The config's test dataset with no pipeline: ground-truth records only (no image is
    decoded, no processor is needed). Used by offline re-scoring and visualisation."""
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
