"""What a child config may override in one place: a mixture's source by its name, a
benchmark overlay's data location (``data_root``)."""
import os
import os.path as osp

import pytest
from mmengine.config import Config

from rscovlm.registry import DATASETS
from rscovlm.utils import walk_dataset_cfgs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
DOTA = osp.join(REPO, 'tests', 'data', 'dota')


def child(tmp_path, base, body):
    """Load a child config of ``base`` (a path under configs/) whose text is ``body``."""
    path = tmp_path / 'child.py'
    path.write_text(f'_base_ = [{osp.join(CONFIGS, base)!r}]\n' + body)
    return Config.fromfile(str(path))


def smart_resize(dataset_cfg):
    return next(t for t in dataset_cfg['pipeline'] if t['type'] == 'SmartResize')


def test_mixture_child_overrides_one_sources_pixels_by_name(tmp_path):
    base = Config.fromfile(osp.join(CONFIGS, '_base_', 'mixes', 'dota-v1.0-512_det.py'))
    source = base.train_dataloader.dataset.datasets.dota_poly_trainval512
    assert smart_resize(source) == dict(type='SmartResize', min_pixels=256 * 28 * 28,
                                        max_pixels=1296 * 28 * 28)
    cfg = child(tmp_path, '_base_/mixes/dota-v1.0-512_det.py', f"""
train_dataloader = dict(dataset=dict(datasets=dict(dota_poly_trainval512=dict(
    data_root={DOTA + '/'!r}, ann_file='val/annfiles/', data_prefix=dict(img_path='val/images/'),
    pipeline=[dict(type='LoadImages'),
              dict(type='SmartResize', min_pixels=56 * 56, max_pixels=112 * 112)]))))
""")
    mix_cfg = cfg.train_dataloader.dataset
    source = mix_cfg.datasets.dota_poly_trainval512
    assert smart_resize(source) == dict(type='SmartResize', min_pixels=56 * 56,
                                        max_pixels=112 * 112)
    # everything else of the source and of the mixture is inherited
    assert source.type == 'DOTADataset' and source.region_types == ('qbox', )
    assert mix_cfg.sampling == dict(dota_poly_trainval512='*1')
    mix = DATASETS.build(mix_cfg)
    assert mix.names == ['dota_poly_trainval512'] and len(mix) == 3
    assert mix.datasets[0].pipeline.transforms[1].max_pixels == 112 * 112


def test_cotrain_child_drops_and_reweighs_sources_by_name(tmp_path):
    cfg = child(tmp_path, '_base_/mixes/rscovlm_cotrain.py', """
train_dataloader = dict(dataset=dict(datasets=dict(llava_onevision_vl=None),
                                     sampling=dict(vhm_sft='*4')))
""")
    mix = cfg.train_dataloader.dataset
    assert mix.datasets.llava_onevision_vl is None
    assert mix.datasets.vhm_sft.ann_file  # the other sources are untouched
    assert mix.sampling.vhm_sft == '*4' and mix.sampling.geochat_instruct == '*6'
    # the tools walk the mapping form (processor filling, data_root)
    names = [d.get('name') for d in walk_dataset_cfgs(mix)][1:]
    assert names == ['geochat_instruct', 'vhm_sft', 'refgeo_poly', 'refgeo_hbb',
                     'dota_poly_trainval512', 'dota_hbb_trainval512']


# ---------------------------------------------------------------------------------------
# benchmark overlays: leaves of configs/benchmarks/_base_/
# ---------------------------------------------------------------------------------------
BENCHMARKS = osp.join(CONFIGS, 'benchmarks')
OVERLAYS = sorted(name for name in os.listdir(BENCHMARKS)
                  if name.endswith('.py') and not name.startswith('demo_'))
BASES = sorted(name for name in os.listdir(osp.join(BENCHMARKS, '_base_')))
POLY = dict(type='QBoxCodec', fmt='plain', clockwise=True)
DET_PIXELS = dict(min_pixels=256 * 28 * 28, max_pixels=1296 * 28 * 28)
MODEL_PIXELS = dict(processor=None)  # filled from the model's processor

# overlay: (dataset type, prompt, render transform, pixels, metric); the prompt of a
# conversation task is the dataset's, that of a box task its render transform's
FACTS = {
    'aid_test.py': ('ClassificationDataset', 'cls', 'RenderConversation', MODEL_PIXELS,
                    'ClassificationMetric'),
    'nwpu-resisc45_test.py': ('ClassificationDataset', 'cls', 'RenderConversation',
                              MODEL_PIXELS, 'ClassificationMetric'),
    'geochat-bench_aid.py': ('ClassificationDataset',
                             'Classify the image within one of the given classes:{classes}',
                             'RenderConversation', MODEL_PIXELS, 'ClassificationMetric'),
    'geochat-bench_ucmerced.py': ('ClassificationDataset',
                                  'Classify the image within one of the given classes:'
                                  '{classes}', 'RenderConversation', MODEL_PIXELS,
                                  'ClassificationMetric'),
    'geochat-bench_hrben.py': ('VQADataset', 'vqa', 'RenderConversation', MODEL_PIXELS,
                               'VQAMetric'),
    'geochat-bench_lrben.py': ('VQADataset', 'vqa', 'RenderConversation', MODEL_PIXELS,
                               'VQAMetric'),
    'vrsbench_vqa.py': ('VQADataset', 'vqa', 'RenderConversation', MODEL_PIXELS, 'VQAMetric'),
    'rsieval_vqa.py': ('VQADataset', 'vqa_raw', 'RenderConversation', MODEL_PIXELS,
                       'VQAMetric'),
    'vrsbench_caption.py': ('CaptionDataset', 'Describe the image in detail',
                            'RenderConversation', MODEL_PIXELS, 'CaptionMetric'),
    'ucm-captions_test.py': ('CaptionDataset', 'caption', 'RenderConversation', MODEL_PIXELS,
                             'CaptionMetric'),
    'rsieval_caption.py': ('CaptionDataset', 'caption_detailed', 'RenderConversation',
                           MODEL_PIXELS, 'CaptionMetric'),
    'geochat-bench_region-captioning.py': ('CaptionDataset', 'region_caption',
                                           'RenderConversation', MODEL_PIXELS,
                                           'CaptionMetric'),
    'dota-v1.0_val.py': ('DOTADataset', 'det_eval', 'RenderDetTarget', DET_PIXELS,
                         'RotatedDetMetric'),
    'dota-v1.0_val1024.py': ('DOTADataset', 'det_eval', 'RenderDetTarget', DET_PIXELS,
                             'RotatedDetMetric'),
    'dota-v1.0_val1024_mf1.py': ('DOTADataset', 'det_eval', 'RenderDetTarget', DET_PIXELS,
                                 'ConfusionF1Metric'),
    'dota-v1.0_test512_submission.py': ('DOTADataset', 'det_eval', 'RenderDetTarget',
                                        DET_PIXELS, 'RotatedDetMetric'),
    'dota-v1.0_val_online-split1024.py': ('DOTADataset', 'det_eval', 'RenderDetTarget',
                                          DET_PIXELS, 'RotatedDetMetric'),
    'dota-v1.0_test_online-split1024_submission.py': ('DOTADataset', 'det_eval',
                                                      'RenderDetTarget', DET_PIXELS,
                                                      'RotatedDetMetric'),
    'fair1m-v1.0_val.py': ('FAIR1MDataset', 'det_eval', 'RenderDetTarget', MODEL_PIXELS,
                           'RotatedDetMetric'),
    'dior-r_test.py': ('CocoDetDataset', 'det_eval', 'RenderDetTarget', MODEL_PIXELS,
                       'RotatedDetMetric'),
    'rsar_test.py': ('CocoDetDataset', 'det_eval', 'RenderDetTarget', MODEL_PIXELS,
                     'RotatedDetMetric'),
    'srsdd_test.py': ('CocoDetDataset', 'det_eval', 'RenderDetTarget', MODEL_PIXELS,
                      'RotatedDetMetric'),
    'dior-rsvg_test.py': ('GroundingDataset', 'ground', 'RenderGroundingTarget', MODEL_PIXELS,
                          'GroundingMetric'),
    'refgeo_test.py': ('GroundingDataset', 'ground', 'RenderGroundingTarget', MODEL_PIXELS,
                       'GroundingMetric'),
    'vrsbench_referring.py': ('GroundingDataset', 'ground_vrsbench', 'RenderGroundingTarget',
                              MODEL_PIXELS, 'GroundingMetric'),
    'geochat-bench_referring.py': ('GroundingDataset',
                                   "Find all {phrase}, delivering each oriented coordinates in "
                                   "plain text format 'x1,y1,x2,y2,x3,y3,x4,y4 object'",
                                   'RenderGroundingTarget', MODEL_PIXELS,
                                   'GeoChatReferringMetric'),
}


def overlay(name):
    return Config.fromfile(osp.join(BENCHMARKS, name))


def image_datasets(cfg):
    """The dataset configs that read records (not the wrappers around them)."""
    return [d for d in walk_dataset_cfgs(cfg.test_dataloader.dataset)
            if d['type'] not in ('TaskMixDataset', 'PatchSplitDataset')]


def test_every_overlay_has_its_facts_listed():
    assert sorted(FACTS) == OVERLAYS


@pytest.mark.parametrize('name', OVERLAYS)
def test_overlay_facts(name):
    dataset_type, prompt, render, pixels, metric = FACTS[name]
    cfg = overlay(name)
    # validation during training sees the very set the overlay tests
    assert cfg.val_dataloader == cfg.test_dataloader
    assert cfg.val_evaluator == cfg.test_evaluator
    loader = cfg.test_dataloader
    assert loader.sampler == dict(type='DefaultSampler', shuffle=False)
    assert loader.collate_fn == dict(type='rscovlm.vlm_collate', padding_side='left')
    datasets = image_datasets(cfg)
    assert datasets
    for dataset in datasets:
        assert dataset.type == dataset_type and dataset.test_mode is True
        # the top-level data_root is where every dataset reads
        assert dataset.data_root == cfg.data_root
        steps = {t['type']: t for t in dataset.pipeline}
        assert list(steps) == ['LoadImages', 'SmartResize', render, 'ProcessVLMInputs',
                               'PackVLMInputs']
        assert steps[render].get('with_answer') is False
        assert dataset.get('prompt', steps[render].get('prompt')) == prompt
        resize = dict(steps['SmartResize'])
        resize.pop('type')
        assert resize == pixels
        if render == 'RenderDetTarget':
            assert steps[render].codec == POLY
    evaluators = cfg.test_evaluator
    evaluators = [evaluators] if isinstance(evaluators, dict) else evaluators
    assert {e.type for e in evaluators} == {metric}
    if metric == 'RotatedDetMetric':
        for e in evaluators:
            assert (e.metric, e.iou_thrs, e.eval_mode, e.codec) == ('mAP', [0.5], '11points',
                                                                    POLY)


def test_a_leaf_that_sets_data_root_moves_its_dataset_and_nothing_else():
    val, val1024 = overlay('dota-v1.0_val.py'), overlay('dota-v1.0_val1024.py')
    assert val.data_root == 'data/split_ss_dota_512/'
    assert val1024.data_root == val1024.test_dataloader.dataset.data_root == \
        'data/split_ss_dota_1024/'
    assert val.test_dataloader.dataset.data_root == val.data_root
    # the rest of the child is its parent's (apart from the batch size it sets)
    val1024.test_dataloader.dataset.data_root = val.data_root
    val1024.test_dataloader.batch_size = val.test_dataloader.batch_size
    assert val1024.test_dataloader == val.test_dataloader
    assert val1024.test_evaluator == val.test_evaluator


def test_a_new_overlay_on_a_base_is_a_few_lines(tmp_path):
    cfg = child(tmp_path, 'benchmarks/_base_/vqa.py', """
data_root = '/data/MyVQA/'
test_dataloader = dict(dataset=dict(data_root=data_root, ann_file='test.json'))
val_dataloader = test_dataloader
""")
    assert cfg.test_dataloader.dataset.data_root == '/data/MyVQA/'
    assert cfg.val_dataloader == cfg.test_dataloader
    assert cfg.test_dataloader.dataset.type == 'VQADataset'
    assert cfg.test_dataloader.dataset.pipeline[2].type == 'RenderConversation'
    assert cfg.test_evaluator == dict(type='VQAMetric', rule='contain', per_type=True,
                                      blank_is_wrong=False)


@pytest.mark.parametrize('name', BASES)
def test_bases_leave_the_location_to_the_leaves(name):
    """A base names no data_root, so a leaf that forgets its own fails to find data rather
    than reading another benchmark's."""
    cfg = Config.fromfile(osp.join(BENCHMARKS, '_base_', name))
    assert 'data_root' not in cfg
    assert 'data_root' not in cfg.test_dataloader.dataset
