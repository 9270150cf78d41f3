import numpy as np
import pytest
import torch

from rscovlm.datasets import vlm_collate
from rscovlm.datasets.transforms import (PackVLMInputs, ProcessVLMInputs, RenderDetTarget,
                                         SmartResize)
from rscovlm.processors import IGNORE_INDEX

CLASSES = ('plane', 'small-vehicle', 'ship')
POLY_SHIP = [10, 10, 50, 10, 50, 30, 10, 30]  # axis-aligned 40 x 20
POLY_PLANE = [60.7, 40.2, 90, 40, 90, 70, 60, 70]


def det_results(scale=(1.0, 1.0)):
    return dict(
        img=np.zeros((112, 112, 3), np.uint8), img_id='P0001__112__0___0', classes=CLASSES,
        ori_shape=(112, 112), img_shape=(112, 112), scale_factor=np.array(scale),
        instances=[dict(bbox=POLY_SHIP, bbox_label=2, ignore_flag=0),
                   dict(bbox=POLY_PLANE, bbox_label=0, ignore_flag=1)])


@pytest.mark.parametrize('shape,bounds,expected', [
    ((512, 512), (256 * 784, 1296 * 784), (504, 504)),
    ((1024, 1024), (256 * 784, 1296 * 784), (1008, 1008)),
    ((256, 256), (64 * 784, 1296 * 784), (252, 252)),
    ((256, 256), (256 * 784, 1296 * 784), (448, 448)),
    ((112, 200), (112 * 112, 112 * 112), (56, 140)),  # floor after scaling down
])
def test_smart_resize_matches_qwen_examples(shape, bounds, expected):
    out = SmartResize(*bounds)(dict(img=np.zeros(shape + (3, ), np.uint8)))
    assert out['img'].shape[:2] == expected
    assert out['img_shape'] == expected
    np.testing.assert_allclose(out['scale_factor'],
                               [expected[1] / shape[1], expected[0] / shape[0]])


def test_smart_resize_reads_bounds_from_processor(tiny_cfg):
    t = SmartResize(processor=tiny_cfg.processor)
    assert (t.min_pixels, t.max_pixels) == (56 * 56, 112 * 112)
    with pytest.raises(ValueError, match='processor'):
        SmartResize()


def test_render_det_target_exact_conversation():
    out = RenderDetTarget(codec=dict(type='QBoxCodec'), prompt='det_train')(det_results())
    # ranks: plane < ship < small vehicle; difficult objects are still drawn in the answer.
    assert out['gt_text'] == ('60,40,90,40,90,70,60,70 plane\n'
                              '10,10,50,10,50,30,10,30 ship\n')
    system, user, assistant = out['messages']
    assert system['role'] == 'system' and 'x1,y1,x2,y2,x3,y3,x4,y4 object' in system['content']
    assert user['content'][0] == dict(type='image')
    assert user['content'][1]['text'] == 'find the plane, ship, small vehicle'
    assert assistant['content'][0]['text'] == out['gt_text']
    assert out['codec'] == dict(type='QBoxCodec')


def test_render_det_target_scales_into_resized_frame_and_eval_prompt():
    out = RenderDetTarget(prompt='det_eval', with_answer=False)(det_results(scale=(0.5, 2.0)))
    assert [m['role'] for m in out['messages']] == ['system', 'user']
    assert out['messages'][1]['content'][1]['text'].endswith('small vehicle.')
    # 60.7*0.5 = 30.35 -> 30 (int truncation as upstream); y doubled
    assert out['gt_text'].splitlines()[0] == '30,80,45,80,45,140,30,140 plane'


def test_empty_image_answer():
    res = det_results()
    res['instances'] = []
    assert RenderDetTarget()(res)['gt_text'] == 'There are none.'


def test_label_masking_token_by_token(tiny_cfg, tiny_processor):
    res = RenderDetTarget()(det_results())
    out = ProcessVLMInputs(processor=tiny_cfg.processor)(res)
    tok = tiny_processor.tokenizer
    ids, labels = out['input_ids'].tolist(), out['labels'].tolist()
    assert len(ids) == len(labels)
    # the full sequence is exactly the Qwen2-VL chat template with 16 image pads
    # (112 x 112 -> 8 x 8 patches -> 4 x 4 merged tokens)
    assert out['image_grid_thw'].tolist() == [[1, 8, 8]]
    assert out['pixel_values'].shape == (64, 3 * 2 * 14 * 14)
    text = tok.apply_chat_template(res['messages'], tokenize=False)
    text = text.replace('<|image_pad|>', '<|image_pad|>' * 16)
    assert tok.decode(ids) == text
    # supervised tokens are exactly the answer followed by <|im_end|>
    supervised = [i for i, l in zip(ids, labels) if l != IGNORE_INDEX]
    assert tok.decode(supervised) == res['gt_text'] + '<|im_end|>'
    # and every supervised position carries its own token as label
    assert all(l == i for i, l in zip(ids, labels) if l != IGNORE_INDEX)
    # the supervised span is contiguous and sits right after '<|im_start|>assistant\n'
    first = next(k for k, l in enumerate(labels) if l != IGNORE_INDEX)
    last = max(k for k, l in enumerate(labels) if l != IGNORE_INDEX)
    assert all(l != IGNORE_INDEX for l in labels[first:last + 1])
    assert tok.decode(ids[:first]).endswith('<|im_start|>assistant\n')
    assert tok.decode(ids[last + 1:]) == '\n'  # the template's newline is not trained
    image_pad = tok.convert_tokens_to_ids('<|image_pad|>')
    assert ids.count(image_pad) == 16
    assert out['mm_token_type_ids'].tolist() == [int(i == image_pad) for i in ids]
    assert all(l == IGNORE_INDEX for i, l in zip(ids, labels) if i == image_pad)


def test_generation_prompt_without_answer(tiny_cfg, tiny_processor):
    res = RenderDetTarget(prompt='det_eval', with_answer=False)(det_results())
    out = ProcessVLMInputs(processor=tiny_cfg.processor)(res)
    tok = tiny_processor.tokenizer
    assert tok.decode(out['input_ids']).endswith('<|im_end|>\n<|im_start|>assistant\n')
    assert (out['labels'] == IGNORE_INDEX).all()


def test_pack_and_collate_shapes(tiny_cfg):
    process = ProcessVLMInputs(processor=tiny_cfg.processor)
    short = det_results()
    short['instances'] = []
    samples = [PackVLMInputs()(process(RenderDetTarget()(r))) for r in (det_results(), short)]
    sample = samples[0]['data_samples']
    assert sample.img_id == 'P0001__112__0___0'
    assert sample.gt_instances.bboxes.shape == (1, 5)  # rbox, original frame
    assert sample.ignored_instances.bboxes.shape == (1, 5)
    assert sample.gt_instances.labels.tolist() == [2]
    assert samples[1]['data_samples'].gt_instances.bboxes.shape == (0, 5)
    n0, n1 = (len(s['inputs']['input_ids']) for s in samples)
    assert n0 > n1
    for side in ('right', 'left'):
        batch = vlm_collate(samples, padding_side=side)
        inputs = batch['inputs']
        assert inputs['input_ids'].shape == (2, n0)
        assert inputs['labels'].shape == (2, n0)
        assert inputs['mm_token_type_ids'].shape == (2, n0)
        assert inputs['mm_token_type_ids'].sum(1).tolist() == [16, 16]
        assert inputs['attention_mask'].sum(1).tolist() == [n0, n1]
        assert inputs['pixel_values'].shape == (128, 1176)
        assert inputs['image_grid_thw'].tolist() == [[1, 8, 8], [1, 8, 8]]
        pad = slice(n1, None) if side == 'right' else slice(0, n0 - n1)
        assert (inputs['labels'][1, pad] == IGNORE_INDEX).all()
        assert (inputs['attention_mask'][1, pad] == 0).all()
        keep = inputs['attention_mask'][1].bool()
        assert torch.equal(inputs['input_ids'][1][keep], samples[1]['inputs']['input_ids'])
    with pytest.raises(ValueError, match='padding_side'):
        vlm_collate(samples, padding_side='middle')


@pytest.mark.parametrize('system_prompt,expected', [
    (False, None),
    ('Detect objects.', 'Detect objects.'),
])
def test_render_det_target_system_prompt_choice(system_prompt, expected):
    out = RenderDetTarget(system_prompt=system_prompt)(det_results())
    roles = [m['role'] for m in out['messages']]
    if expected is None:
        assert roles == ['user', 'assistant']  # the chat template's default system applies
    else:
        assert out['messages'][0] == dict(role='system', content=expected)
