"""The mixture wrapper: RSCoVLM's ``*K`` / ``%P`` factors and LMMRotate's balanced mode."""
import os.path as osp
import random
from collections import Counter

import pytest

from rscovlm.datasets.wrappers.task_mix import (TaskMixDataset, balanced_indices,
                                                parse_sampling)

TASKS = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'tasks')
IMAGES = osp.join(osp.dirname(TASKS), 'dota', 'val', 'images')


def sources(**sampling):
    """coco: 6 samples (2 images x 3 region types), vqa: 2, caption: 3."""
    cfgs = [
        dict(type='CocoDetDataset', name='coco', ann_file=osp.join(TASKS, 'coco_det.json'),
             region_types=('qbox', 'hbox', 'rbox')),
        dict(type='VQADataset', name='vqa', ann_file=osp.join(TASKS, 'vqa.json')),
        dict(type='CaptionDataset', name='caption', ann_file=osp.join(TASKS, 'captions.json')),
    ]
    for cfg in cfgs:
        cfg.update(data_prefix=dict(img_path=IMAGES), pipeline=[])
        if cfg['name'] in sampling:
            cfg['sampling'] = sampling[cfg['name']]
    return cfgs


def count_over_epoch(mix):
    return Counter(mix.get_data_info(i)['dataset_name'] for i in range(len(mix)))


def test_concat_repeat_and_subsample():
    mix = TaskMixDataset(sources(coco='*3', vqa='%50'), seed=42)
    # *3 repeats the 6 coco samples; %50 keeps int(2 * 50 / 100) = 1 vqa sample
    assert len(mix) == 18 + 1 + 3
    assert count_over_epoch(mix) == Counter(coco=18, vqa=1, caption=3)
    assert mix.counts() == dict(coco=18, vqa=1, caption=3)
    # the subset is random.Random(seed)'s draw
    kept = sorted(random.Random(42).sample(range(2), 1))
    vqa_locals = [mix.locate(i)[1] for i in range(len(mix)) if mix.locate(i)[0] == 1]
    assert vqa_locals == kept
    # every sample keeps its dataset's task tag
    tasks = Counter(mix.get_data_info(i)['task'] for i in range(len(mix)))
    assert tasks == Counter(det=18, vqa=1, caption=3)
    table = mix.summary()
    assert 'coco' in table and '*3' in table and '81.8%' in table


def test_subsample_percentages_and_seeds():
    mix = TaskMixDataset(sources(coco='%50'), seed=1)
    assert mix.counts()['coco'] == 3
    other = TaskMixDataset(sources(coco='%50'), seed=2)
    picks = lambda m: [m.locate(i)[1] for i in range(len(m)) if m.locate(i)[0] == 0]
    assert picks(mix) == picks(TaskMixDataset(sources(coco='%50'), seed=1))
    assert picks(mix) == sorted(random.Random(1).sample(range(6), 3))
    assert picks(other) == sorted(random.Random(2).sample(range(6), 3))


def test_balanced_equal_shares_epoch_length_kept():
    mix = TaskMixDataset(sources(), mode='balanced', seed=0)
    # total 11 samples over 3 datasets: m = ceil(11 / 3) = 4 each, cut back to 11
    assert len(mix) == 11
    counts = count_over_epoch(mix)
    assert sum(counts.values()) == 11 and all(3 <= c <= 4 for c in counts.values())
    # the small vqa set (2 samples) is oversampled, each sample at least once
    vqa = [mix.locate(i)[1] for i in range(len(mix)) if mix.locate(i)[0] == 1]
    assert len(vqa) >= 3 and set(vqa) == {0, 1}
    first = [mix.locate(i) for i in range(len(mix))]
    mix.set_epoch(1)
    assert [mix.locate(i) for i in range(len(mix))] != first
    assert all(3 <= c <= 4 for c in count_over_epoch(mix).values())


def test_balanced_indices_exact_when_divisible():
    pairs = balanced_indices([10, 2], epoch=0, seed=0)
    counts = Counter(s for s, _ in pairs)
    assert len(pairs) == 12 and counts == Counter({0: 6, 1: 6})
    # dataset 1 repeated ceil(6 / 2) = 3 times: each of its 2 samples exactly 3 times
    assert Counter(i for s, i in pairs if s == 1) == Counter({0: 3, 1: 3})


@pytest.mark.parametrize('bad', ['x3', '*0', '%0', '%101', '*1.5'])
def test_bad_sampling_is_named(bad):
    with pytest.raises(ValueError, match='is not a sampling factor'):
        parse_sampling(bad, 'coco sampling')
    with pytest.raises(ValueError, match=r'coco\) sampling'):
        TaskMixDataset(sources(coco=bad))


def test_balanced_rejects_factors_and_duplicate_names():
    with pytest.raises(ValueError, match='cannot be combined'):
        TaskMixDataset(sources(coco='*2'), mode='balanced')
    cfgs = sources()
    cfgs[1]['name'] = 'coco'
    with pytest.raises(ValueError, match='unique'):
        TaskMixDataset(cfgs)


def test_sampling_by_name_as_mixture_configs_write_it():
    mix = TaskMixDataset(sources(coco='*5'), sampling=dict(coco='*2', caption='*3'))
    assert mix.counts() == dict(coco=12, vqa=2, caption=9)  # the mapping wins over '*5'
    with pytest.raises(KeyError, match=r"\['dota'\] match no dataset"):
        TaskMixDataset(sources(), sampling=dict(dota='*2'))


def test_metainfo_lists_every_task_including_per_record_tags():
    cfgs = sources() + [dict(type='ConversationDataset', name='conv',
                             ann_file=osp.join(TASKS, 'conversations.json'),
                             data_prefix=dict(img_path=IMAGES), pipeline=[])]
    mix = TaskMixDataset(cfgs)
    # conversations.json tags one record 'vqa'; the others report as 'conversation'
    assert mix.metainfo['tasks'] == ['caption', 'conversation', 'det', 'vqa']


def test_samples_carry_their_mixture_entry_name(tiny_cfg):
    cfgs = sources()
    cfgs[1]['pipeline'] = [dict(type='LoadImages'),
                           dict(type='SmartResize', min_pixels=56 * 56, max_pixels=56 * 56),
                           dict(type='RenderConversation'),
                           dict(type='ProcessVLMInputs', processor=tiny_cfg.processor),
                           dict(type='PackVLMInputs')]
    mix = TaskMixDataset(cfgs)
    idx = next(i for i in range(len(mix)) if mix.locate(i)[0] == 1)
    sample = mix[idx]['data_samples']
    assert sample.dataset_name == 'vqa' and sample.task == 'vqa'


def by_name(cfgs):
    return {cfg.pop('name'): cfg for cfg in cfgs}


def test_mapping_form_names_sources_by_key_in_name_order():
    mix = TaskMixDataset(by_name(sources(vqa='%50')), sampling=dict(coco='*3'))
    # name order (caption, coco, vqa), not the mapping's, so that the sorted copy of the
    # config mmengine dumps builds the same mixture
    assert mix.names == ['caption', 'coco', 'vqa']
    assert mix.counts() == dict(caption=3, coco=18, vqa=1)
    same = TaskMixDataset(sorted(sources(vqa='%50'), key=lambda c: c['name']),
                          sampling=dict(coco='*3'))
    assert [mix.locate(i) for i in range(len(mix))] == \
        [same.locate(i) for i in range(len(same))]


def test_mapping_form_none_leaves_a_source_out_with_its_factor():
    cfgs = by_name(sources())
    cfgs['vqa'] = None
    mix = TaskMixDataset(cfgs, sampling=dict(vqa='*2', coco='*2'))
    assert mix.counts() == dict(caption=3, coco=12)


def test_mapping_form_rejects_a_name_that_disagrees_with_its_key():
    cfgs = by_name(sources())
    cfgs['vqa']['name'] = 'other'
    with pytest.raises(ValueError, match=r"datasets.vqa has name='other'"):
        TaskMixDataset(cfgs)
    cfgs['vqa']['name'] = 'vqa'  # the same name is fine (source configs carry one)
    assert TaskMixDataset(cfgs).names == ['caption', 'coco', 'vqa']
    with pytest.raises(TypeError, match='datasets.vqa'):
        TaskMixDataset(dict(vqa='VQADataset'))
