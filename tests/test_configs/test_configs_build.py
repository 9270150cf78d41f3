"""Every config under configs/ parses and names only types its registries can resolve."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from rscovlm import registry as R
from rscovlm.utils import complete_config, iter_dataset_cfgs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True))

# registry by the key a ``type=`` dict sits under
REGISTRY_BY_KEY = dict(
    model=R.MODELS, data_preprocessor=R.MODELS, processor=R.PROCESSORS, codec=R.CODECS,
    pipeline=R.TRANSFORMS, dataset=R.DATASETS, datasets=R.DATASETS, sampler=R.DATA_SAMPLERS,
    batch_sampler=R.DATA_SAMPLERS, collate_fn=R.FUNCTIONS, corpus=R.FUNCTIONS,
    val_evaluator=R.METRICS,
    test_evaluator=R.METRICS, metrics=R.METRICS, optim_wrapper=R.OPTIM_WRAPPERS,
    optimizer=R.OPTIMIZERS, param_scheduler=R.PARAM_SCHEDULERS, default_hooks=R.HOOKS,
    custom_hooks=R.HOOKS, train_cfg=R.LOOPS, val_cfg=R.LOOPS, test_cfg=R.LOOPS,
    visualizer=R.VISUALIZERS, vis_backends=R.VISBACKENDS, log_processor=R.LOG_PROCESSORS,
    strategy=R.STRATEGIES)


def registry_key(key):
    for suffix in ('pipeline', 'codec'):  # named pipelines and codecs (demo_det_codec)
        if key.endswith('_' + suffix):
            return suffix
    return key


def typed_dicts(node, key=None):
    """Yield (registry key, type) for every dict with a ``type`` in the config tree; the
    registry is named by the innermost enclosing key that names one."""
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield key, node['type']
        for k, v in node.items():
            k = registry_key(k)
            # default_hooks holds hooks by name (default_hooks.param_scheduler = a hook)
            inner = key if key == 'default_hooks' or k not in REGISTRY_BY_KEY else k
            yield from typed_dicts(v, inner)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from typed_dicts(v, key)


def test_there_are_configs():
    assert 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py' in CONFIGS
    assert 'configs/benchmarks/dota-v1.0_val.py' in CONFIGS


@pytest.mark.parametrize('path', CONFIGS)
def test_config_types_resolve(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    # source configs (and the mixes that inherit them) define named dataset dicts at the
    # top level (dota_poly_trainval512 = dict(...))
    found = list(typed_dicts(cfg.to_dict(), 'dataset'))
    unresolved = []
    for key, type_name in found:
        registry = REGISTRY_BY_KEY.get(key)
        if registry is None:
            unresolved.append((key, type_name, 'no registry for this key'))
        elif registry.get(type_name) is None:
            unresolved.append((key, type_name, registry.name))
    assert not unresolved, unresolved
    if cfg.get('runner_type'):
        assert R.RUNNERS.get(cfg.runner_type) is not None


@pytest.mark.parametrize('path', [p for p in CONFIGS if '/_base_/' not in p])
def test_pipelines_build_with_an_offline_processor(path, tiny_cfg):
    """Build every transform of every leaf config (the tiny processor stands in for a
    model-zoo processor, whose weights are not on this machine)."""
    cfg = Config.fromfile(osp.join(REPO, path))
    if cfg.get('model') is None or cfg.model.get('processor', {}).get('type') != \
            'TinyQwen2VLProcessor':
        cfg.model = tiny_cfg.model
    complete_config(cfg)
    n = 0
    for dataset in iter_dataset_cfgs(cfg):  # wrapped datasets (mixtures, packing) too
        for t in dataset.get('pipeline', None) or []:
            R.TRANSFORMS.build(t)
            n += 1
    assert n > 0
