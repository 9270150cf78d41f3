"""The loss of a mixed-task batch and its per-task log values."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope

from rscovlm.datasets import vlm_collate
from rscovlm.registry import DATASETS, MODELS

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data')


@pytest.fixture(scope='module')
def mixed_samples(tiny_cfg):
    init_default_scope('rscovlm')  # module fixtures run before the autouse scope fixture

    def pipeline(render):
        return [dict(type='LoadImages'),
                dict(type='SmartResize', min_pixels=56 * 56, max_pixels=112 * 112), render,
                dict(type='ProcessVLMInputs', processor=tiny_cfg.processor),
                dict(type='PackVLMInputs')]
    images = dict(img_path=osp.join(DATA, 'dota/val/images'))
    mix = DATASETS.build(dict(type='TaskMixDataset', datasets=[
        dict(type='CocoDetDataset', ann_file=osp.join(DATA, 'tasks/coco_det.json'),
             data_prefix=images, pipeline=pipeline(dict(type='RenderDetTarget'))),
        dict(type='VQADataset', ann_file=osp.join(DATA, 'tasks/vqa.json'), data_prefix=images,
             pipeline=pipeline(dict(type='RenderConversation'))),
    ]))
    return [mix[i] for i in range(len(mix))]  # det, det, vqa, vqa


def test_mixed_batch_loss_and_per_task_values(tiny_cfg, mixed_samples):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(tiny_cfg.model))
    model.eval()
    batch = vlm_collate(mixed_samples)
    losses = model(batch['inputs'], batch['data_samples'], mode='loss')
    assert set(losses) == {'loss', 'loss_det', 'loss_vqa', 'share_det', 'share_vqa'}
    assert losses['share_det'].item() == 0.5 and losses['share_vqa'].item() == 0.5
    # the total equals the HF model's own loss (mean over every supervised token)
    hf = model.hf_model(**batch['inputs'])
    assert losses['loss'].item() == pytest.approx(hf.loss.item(), rel=1e-5)
    # each task's value equals the loss of a batch holding only that task's samples
    for task, part in (('det', mixed_samples[:2]), ('vqa', mixed_samples[2:])):
        alone = vlm_collate(part)
        expected = model(alone['inputs'], alone['data_samples'], mode='loss')['loss']
        assert losses[f'loss_{task}'].item() == pytest.approx(expected.item(), rel=1e-5)
    # only 'loss' is optimised; the rest are detached log values
    loss, log_vars = model.parse_losses(losses)
    assert loss is losses['loss'] and set(log_vars) == set(losses)
    # a later batch without vqa still logs its share as 0
    det_only = vlm_collate(mixed_samples[:1])
    later = model(det_only['inputs'], det_only['data_samples'], mode='loss')
    assert later['share_vqa'].item() == 0.0 and 'loss_vqa' not in later
