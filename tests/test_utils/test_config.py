import glob
import os.path as osp

import pytest
from mmengine.config import Config

from rscovlm.processors import build_processor, model_processor_cfg
from rscovlm.registry import TRANSFORMS
from rscovlm.utils import (ConfigError, MissingPathError, complete_config, load_config,
                           set_data_root)
from rscovlm.utils.checks import check_before_build, model_config_problems, path_problems
from rscovlm.utils.config import RUNNER_KEYS, shadowed_variable_warnings


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


# ---- settings that would change nothing without a word ---------------------------------
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_DET = osp.join(REPO, 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py')
SCHEDULE = osp.join(REPO, 'configs/_base_/schedules/iter-3k_adamw-1e-3_onecycle.py')


@pytest.fixture
def logged(monkeypatch):
    """The warnings ``load_config`` logs."""
    messages = []
    monkeypatch.setattr('rscovlm.utils.config.print_log',
                        lambda msg, logger=None, level=None: messages.append(msg))
    return messages


def test_a_typo_in_the_hf_model_config_is_named(tiny_cfg):
    from rscovlm.models.hf import build_hf_model, hf_config_problems
    config = tiny_cfg.model.model.config.to_dict()
    assert hf_config_problems('Qwen2_5_VLForConditionalGeneration', config) == []
    config['text_config']['num_hiden_layers'] = 2
    with pytest.raises(ValueError) as e:  # transformers alone keeps it as an attribute
        build_hf_model('Qwen2_5_VLForConditionalGeneration', config=config)
    message = str(e.value)
    assert 'config.text_config.num_hiden_layers' in message
    assert 'Qwen2_5_VLTextConfig' in message and 'did you mean num_hidden_layers' in message
    # the same before anything is built, named by its place in the run's config
    cfg = Config(dict(model=dict(tiny_cfg.model)))
    cfg.model.model.config.text_config.num_hiden_layers = 2
    with pytest.raises(ConfigError, match=r'model\.model\.config\.text_config\.num_hiden_layers'):
        check_before_build(cfg)


def test_a_top_level_variable_in_cfg_options_is_an_error_naming_the_fields():
    with pytest.raises(ConfigError) as e:
        load_config(DEMO_DET, {'max_iters': 30})
    message = str(e.value)
    assert message.startswith('--cfg-options max_iters=30 changes nothing')
    assert '--cfg-options param_scheduler.0.total_steps=30 train_cfg.max_iters=30' in message


def test_cfg_options_that_nothing_reads_are_warned(logged):
    cfg = load_config(DEMO_DET, {'lr': 0.1, 'train_cfg.max_iter': 30})
    assert any('--cfg-options lr: the config has no lr' in m for m in logged), logged
    assert any('--cfg-options train_cfg.max_iter:' in m and 'did you mean train_cfg.max_iters'
               in m for m in logged), logged
    assert cfg.train_cfg.max_iters == 3000
    logged.clear()
    # the usual options: no word
    load_config(DEMO_DET, {'train_cfg.max_iters': 30, 'optim_wrapper.optimizer.lr': 1e-4,
                           'param_scheduler.0.total_steps': 30, 'data_root': '/x/'})
    assert logged == []


@pytest.mark.parametrize('key,value,expected', [
    ('train_cfg.max_iters', 'abc', "expected an int, got the str 'abc'"),
    ('optim_wrapper.optimizer.lr', 'fast', "expected a number, got the str 'fast'"),
    ('randomness.seed', 1.5, 'expected an int, got the float 1.5'),
    ('model', 3, 'expected a dict'),
])
def test_cfg_options_of_the_wrong_type_name_the_key(key, value, expected):
    with pytest.raises(ConfigError) as e:
        load_config(DEMO_DET, {key: value})
    assert str(e.value).startswith(f'--cfg-options {key}={value!r}: {expected}')


def test_a_child_that_sets_a_base_variable_is_warned(tmp_path, logged):
    child = tmp_path / 'child.py'
    child.write_text(f"_base_ = ['{SCHEDULE}']\nmax_iters = 30\n")
    cfg = load_config(str(child))
    assert cfg.max_iters == 30 and cfg.train_cfg.max_iters == 3000  # mmengine's reading
    assert len(logged) == 1
    assert logged[0].startswith(f'{child} sets max_iters = 30, but ')
    assert 'iter-3k_adamw-1e-3_onecycle.py computed param_scheduler.0.total_steps, ' \
        'train_cfg.max_iters from its max_iters = 3000' in logged[0]
    # setting the fields too is what the schedule asks for: no warning
    child.write_text(f"_base_ = ['{SCHEDULE}']\nmax_iters = 30\n"
                     "train_cfg = dict(max_iters=max_iters)\n"
                     "param_scheduler = [dict(total_steps=max_iters)]\n")
    logged.clear()
    load_config(str(child))
    assert logged == []


def test_no_config_of_the_repository_re_sets_a_copied_variable_or_misspells_a_key():
    files = [f for pattern in ('configs/**/*.py', 'projects/*/configs/**/*.py')
             for f in glob.glob(osp.join(REPO, pattern), recursive=True) if '_base_' not in f]
    assert len(files) > 30
    for path in files:
        cfg = Config.fromfile(path, import_custom_modules=False)
        assert shadowed_variable_warnings(path, cfg) == [], path
        assert model_config_problems(cfg) == [], path


def test_runner_keys_cover_the_runners_arguments():
    import inspect

    from mmengine.runner import FlexibleRunner, Runner
    for cls in (Runner, FlexibleRunner):
        params = set(inspect.signature(cls.__init__).parameters) - {'self'}
        assert params <= RUNNER_KEYS, params - RUNNER_KEYS


def test_missing_paths_are_named_before_building(tmp_path, demo_data):
    cfg = load_config(DEMO_DET, {'data_root': demo_data})
    assert path_problems(cfg) == []
    cfg.load_from = str(tmp_path / 'iter_9.pth')
    cfg.model.model.pretrained = str(tmp_path / 'Qwen2.5-VL')
    problems = path_problems(cfg)
    assert problems[0] == f"checkpoint '{tmp_path}/iter_9.pth' does not exist (the " \
        'checkpoint to load; load_from)'
    assert problems[1].startswith(f"model.model.pretrained: '{tmp_path}/Qwen2.5-VL' is not")
    cfg.load_from = str(tmp_path)  # a sharded checkpoint is a directory
    assert not path_problems(cfg)[0].startswith('checkpoint')
    missing = load_config(DEMO_DET, {'data_root': str(tmp_path / 'nowhere')})
    # one line for the folder, though three datasets name it
    assert path_problems(missing) == [
        f"train_dataloader.dataset.datasets.0.data_root: folder '{tmp_path}/nowhere' does "
        'not exist; point the config at the data, e.g. --cfg-options data_root=<folder>']
    with pytest.raises(MissingPathError):
        check_before_build(missing)
    with pytest.raises(MissingPathError, match='nope.py'):
        load_config(str(tmp_path / 'nope.py'))
