"""Processors are built once per config and shared; old config names fail with the new."""
import pytest
from mmengine.config import Config

from rscovlm.processors import (build_processor, iter_corpus, model_processor_cfg,
                                saved_processor_cfg, set_model_processor)
from rscovlm.registry import PROCESSORS, TRANSFORMS


def test_one_processor_per_config(tiny_cfg):
    a = build_processor(tiny_cfg.processor)
    # an equal config (a copy, a plain dict, other key order) gives the same object
    b = build_processor(dict(reversed(list(tiny_cfg.processor.to_dict().items()))))
    assert a is b
    assert build_processor(a) is a  # a built processor is passed through
    other = build_processor(dict(tiny_cfg.processor, max_pixels=56 * 56))
    assert other is not a


def test_the_model_and_the_pipeline_share_the_model_processor(tiny_cfg):
    from rscovlm.registry import MODELS
    set_model_processor(tiny_cfg.processor)
    try:
        model = MODELS.build(tiny_cfg.model)
        transform = TRANSFORMS.build(dict(type='ProcessVLMInputs', processor=None))
        assert transform.processor is model.processor
    finally:
        set_model_processor(None)
    assert model_processor_cfg() is None
    with pytest.raises(ValueError, match='SmartResize without min_pixels/max_pixels names '
                       r'processor=None'):
        TRANSFORMS.build(dict(type='SmartResize'))


def test_corpus_is_handed_in():
    assert list(iter_corpus(None)) == []
    assert list(iter_corpus(['a', lambda: ['b', 'c'], ('d', )])) == ['a', 'b', 'c', 'd']
    # a config names a corpus function registered in FUNCTIONS
    texts = list(iter_corpus([dict(type='tokenizer_corpus')]))
    assert 'There are none.' in texts and any('plane' in t for t in texts)
    bare = build_processor(dict(type='TinyQwen2VLProcessor'))
    more = build_processor(dict(type='TinyQwen2VLProcessor', corpus=['zyxwv zyxwv']))
    assert len(more.tokenizer('zyxwv')['input_ids']) < len(bare.tokenizer('zyxwv')['input_ids'])


def test_old_names_say_what_to_write():
    with pytest.raises(ValueError, match="renamed 'PretrainedProcessor'"):
        build_processor(dict(type='AutoProcessor', pretrained='x'))
    with pytest.raises(TypeError, match='extra_corpus=.* is now part of corpus'):
        build_processor(dict(type='TinyQwen2VLProcessor', extra_corpus=['x']))
    with pytest.raises(ImportError, match='register in rscovlm.registry.PROCESSORS'):
        from rscovlm.registry import TASK_UTILS  # noqa: F401


def test_saved_processor_cfg(tiny_cfg):
    cfg = saved_processor_cfg(tiny_cfg.processor, '/w/processor')
    assert cfg == dict(type='PretrainedProcessor', pretrained='/w/processor',
                       min_pixels=56 * 56, max_pixels=112 * 112)
    assert PROCESSORS.get(cfg['type']) is not None
    assert saved_processor_cfg(Config(dict(type='Unknown')), '/w') is None


def test_a_cotraining_config_builds_one_processor():
    """Every transform of every dataset of a co-training config and the model share one
    processor, built once."""
    import glob
    import os.path as osp

    from rscovlm.utils import complete_config, iter_dataset_cfgs
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    path = sorted(glob.glob(osp.join(repo, 'configs', 'demo', '*cotrain.py')))[0]
    cfg = complete_config(Config.fromfile(path))
    built = [TRANSFORMS.build(t) for ds in iter_dataset_cfgs(cfg)
             for t in ds.get('pipeline', None) or [] if 'processor' in t]
    assert len(built) > 2
    shared = build_processor(cfg.model.processor)
    assert all(t.processor is shared for t in built if hasattr(t, 'processor'))
