"""PackVLMInputs: which result keys become model inputs and which the data sample carries."""
import torch

from rscovlm.datasets.transforms import PackVLMInputs
from rscovlm.datasets.transforms.formatting import META_KEYS


def results():
    return dict(input_ids=torch.tensor([1, 2, 3]), img_id='P0001', task='vqa',
                question='how many?', my_field=7, messages=[], gt_answer='two')


def test_default_meta_keys():
    packed = PackVLMInputs()(results())
    sample = packed['data_samples']
    assert set(packed['inputs']) == {'input_ids'}
    assert sample.metainfo == dict(img_id='P0001', task='vqa', question='how many?')
    assert sample.gt_answer == 'two' and 'my_field' not in sample
    assert len(sample.gt_instances) == 0


def test_meta_keys_choose_the_metainfo():
    sample = PackVLMInputs(meta_keys=(*META_KEYS, 'my_field'))(results())['data_samples']
    assert sample.my_field == 7 and sample.img_id == 'P0001'
    sample = PackVLMInputs(meta_keys=['img_id'])(results())['data_samples']
    assert sample.metainfo == dict(img_id='P0001')
