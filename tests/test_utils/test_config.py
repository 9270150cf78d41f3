from mmengine.config import Config

from rscovlm.processors import build_processor, model_processor_cfg
from rscovlm.registry import TRANSFORMS
from rscovlm.utils import complete_config, set_data_root


def test_set_data_root_reaches_wrapped_datasets():
    cfg = Config(dict(
        data_root='a/',
        train_dataloader=dict(dataset=dict(type='Concat', datasets=[
            dict(type='X', data_root='a/'), dict(type='Y', dataset=dict(data_root='a/'))])),
        test_dataloader=dict(dataset=dict(type='X', data_root='a/'))))
    set_data_root(cfg, 'b/')
    ds = cfg.train_dataloader.dataset.datasets
    assert ds[0].data_root == ds[1].dataset.data_root == 'b/'
    assert cfg.test_dataloader.dataset.data_root == 'b/' and cfg.data_root == 'b/'


def test_complete_config_gives_the_model_processor_to_the_pipeline(tiny_cfg):
    processor = tiny_cfg.processor
    small = dict(type='TinyQwen2VLProcessor', min_pixels=28 * 28, max_pixels=56 * 56)
    pipeline = [dict(type='ProcessVLMInputs', processor=None),
                dict(type='SmartResize', processor=None),
                dict(type='SmartResize', processor=small)]
    cfg = Config(dict(model=dict(processor=processor),
                      test_dataloader=dict(dataset=dict(pipeline=pipeline))))
    assert complete_config(cfg).test_dataloader.dataset.pipeline == pipeline  # unchanged
    assert model_processor_cfg() == processor
    process, resize, own = [TRANSFORMS.build(t) for t in pipeline]
    # the model's processor, one object shared with the model (built from the same config)
    assert process.processor is build_processor(processor)
    assert (resize.min_pixels, resize.max_pixels) == (56 * 56, 112 * 112)
    assert (own.min_pixels, own.max_pixels) == (28 * 28, 56 * 56)  # an explicit one is kept


def test_without_a_model_processor_none_is_an_error():
    complete_config(Config(dict(test_dataloader=dict(dataset=dict()))))
    assert model_processor_cfg() is None
    try:
        TRANSFORMS.build(dict(type='ProcessVLMInputs'))
    except ValueError as e:
        assert 'ProcessVLMInputs names processor=None' in str(e)
        assert 'model.processor' in str(e)
    else:
        raise AssertionError('ProcessVLMInputs built without a processor')
