"""Shared fixtures: the tiny model config, the tiny processor and small generated data.

Everything is built offline: the tokenizer is trained in-process, the model is random-init
from the tiny config, and the demo data is generated into a temporary folder.
"""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_MODEL_CFG = osp.join(REPO, 'configs/_base_/models/qwen2.5-vl-tiny.py')
TEST_DATA = osp.join(REPO, 'tests/data')


@pytest.fixture(autouse=True)
def _default_scope():
    init_default_scope('rscovlm')


@pytest.fixture(autouse=True)
def _no_model_processor():
    """Each test starts without a model processor (``complete_config`` sets one for the
    ``processor=None`` transforms of the config it completes)."""
    from rscovlm.processors import set_model_processor
    set_model_processor(None)


@pytest.fixture(scope='session')
def tiny_cfg():
    return Config.fromfile(TINY_MODEL_CFG)


@pytest.fixture(scope='session')
def tiny_processor(tiny_cfg):
    from rscovlm.processors import build_processor
    return build_processor(tiny_cfg.processor)


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A small demo dataset (24 train / 8 test images) in DOTA layout."""
    from rscovlm.datasets.demo.generator import generate_demo_dataset
    root = tmp_path_factory.mktemp('demo')
    generate_demo_dataset(str(root), num_train=24, num_test=8, seed=1)
    return str(root)
