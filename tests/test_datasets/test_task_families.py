"""Every dataset family loads its tiny sample (tests/data/tasks) and yields the upstream
conversation with the loss only on the answers."""
import os.path as osp

import numpy as np
import pytest
import torch

from rscovlm.registry import DATASETS

TEST_DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data')

TASKS = osp.join(TEST_DATA, 'tasks')
IMAGES = osp.join(TEST_DATA, 'dota/val/images')
END = '<|im_end|>'


def pipeline(processor, render, random_resize_prob=0.0):
    return [dict(type='LoadImages'),
            dict(type='SmartResize', min_pixels=56 * 56, max_pixels=112 * 112,
                 random_resize_prob=random_resize_prob),
            render, dict(type='ProcessVLMInputs', processor=processor),
            dict(type='PackVLMInputs')]


def build(tiny_cfg, render, **kwargs):
    return DATASETS.build(dict(pipeline=pipeline(tiny_cfg.processor, render), **kwargs))


def supervised(tok, out):
    ids, labels = out['inputs']['input_ids'], out['inputs']['labels']
    assert ids.shape == labels.shape
    # labels are either the token itself or -100
    assert torch.all((labels == ids) | (labels == -100))
    return tok.decode(ids[labels != -100])


def prompt_text(tok, out):
    ids, labels = out['inputs']['input_ids'], out['inputs']['labels']
    return tok.decode(ids[labels == -100])


def n_image_tokens(tok, out):
    return int((out['inputs']['input_ids'] == tok.convert_tokens_to_ids('<|image_pad|>')).sum())


def test_coco_det_region_types(tiny_cfg, tiny_processor):
    ds = build(tiny_cfg, dict(type='RenderDetTarget'), type='CocoDetDataset',
               ann_file=osp.join(TASKS, 'coco_det.json'), data_prefix=dict(img_path=IMAGES),
               region_types=('qbox', 'hbox', 'rbox'))
    tok = tiny_processor.tokenizer
    # 2 images x 3 region types; the empty image is kept
    assert len(ds) == 6 and ds.metainfo['classes'] == ('airplane', 'vehicle')
    assert [ds.get_data_info(i)['region_type'] for i in range(3)] == ['qbox', 'hbox', 'rbox']
    # 128x96 image -> smart_resize(56^2..112^2) = 84 x 140: x * 140/128, y * 84/96
    # (int-truncated); the ignored vehicle stays in the answer, as upstream renders all
    outs = [ds[i] for i in range(6)]
    assert supervised(tok, outs[0]) == (
        '10,8,43,8,43,26,10,26 airplane\n65,43,80,43,80,50,65,50 vehicle\n'
        '98,61,113,61,113,68,98,68 vehicle\n' + END)
    assert supervised(tok, outs[1]) == (
        '10,8,43,26 airplane\n65,43,80,50 vehicle\n98,61,113,68 vehicle\n' + END)
    assert supervised(tok, outs[2]).startswith('26,17,33,18,0 airplane\n')
    assert supervised(tok, outs[3]) == 'There are none.' + END
    # the system prompt of each box type; the prompt lists the classes alphabetically
    assert "'x1,y1,x2,y2,x3,y3,x4,y4 object'" in prompt_text(tok, outs[0])
    assert "'x1,y1,x2,y2 object'" in prompt_text(tok, outs[1])
    assert 'find the airplane, vehicle' in prompt_text(tok, outs[0])
    assert n_image_tokens(tok, outs[0]) == (84 // 28) * (140 // 28)
    sample = outs[0]['data_samples']
    assert sample.task == 'det' and sample.codec['type'] == 'QBoxCodec'
    assert outs[1]['data_samples'].codec['type'] == 'HBoxCodec'
    assert len(sample.gt_instances) == 2 and len(sample.ignored_instances) == 1


def test_grounding_echoes_expression_counter_clockwise(tiny_cfg, tiny_processor):
    ds = build(tiny_cfg, dict(type='RenderGroundingTarget'), type='GroundingDataset',
               ann_file=osp.join(TASKS, 'grounding.jsonl'),
               data_prefix=dict(img_path=osp.dirname(IMAGES)), region_types=('hbox', 'qbox'))
    tok = tiny_processor.tokenizer
    assert len(ds) == 4
    outs = [ds[i] for i in range(4)]
    assert supervised(tok, outs[0]) == '10,8,43,26 plane at the top left\n' + END
    # polygon counter-clockwise on screen from the top-most (then left-most) vertex
    assert supervised(tok, outs[1]) == '10,8,10,26,43,26,43,8 plane at the top left\n' + END
    # no poly in the record: the bbox corners; 64 px -> 56 px
    assert supervised(tok, outs[2]) == '7,7,21,35 white ship\n' + END
    assert ('<|vision_end|>find the plane at the top left<|im_end|>\n<|im_start|>assistant\n'
            in prompt_text(tok, outs[0]))
    sample = outs[0]['data_samples']
    assert sample.task == 'grounding' and sample.classes == ('plane at the top left', )
    assert sample.gt_instances.bboxes.shape == (1, 5)


def test_grounding_hbox_from_bbox_polygon_types_from_poly(tiny_cfg, tiny_processor,
                                                          tmp_path):
    """A record with a ``bbox`` and a different ``poly``: the hbox sample answers (and is
    scored on) the ``bbox``, as upstream's HBB grounding; qbox / rbox keep the polygon."""
    import json
    ann = tmp_path / 'grounding.jsonl'
    ann.write_text(json.dumps(dict(
        image_id='P0001__128__0___0.png', dataset='images', question='plane',
        bbox=[10, 10, 40, 30], poly=[[10, 10], [60, 10], [60, 50], [10, 50]])) + '\n')
    ds = build(tiny_cfg, dict(type='RenderGroundingTarget'), type='GroundingDataset',
               ann_file=str(ann), data_prefix=dict(img_path=osp.dirname(IMAGES)),
               region_types=('hbox', 'qbox', 'rbox'))
    assert [ds.get_data_info(i)['region_type'] for i in range(3)] == ['hbox', 'qbox', 'rbox']
    assert [ds.get_data_info(i)['instances'][0]['bbox'] for i in range(3)] == [
        [10.0, 10.0, 40.0, 10.0, 40.0, 30.0, 10.0, 30.0]] + [
        [10.0, 10.0, 60.0, 10.0, 60.0, 50.0, 10.0, 50.0]] * 2
    tok = tiny_processor.tokenizer
    # 128 x 96 -> 140 x 84: x * 140/128, y * 84/96, int-truncated
    assert supervised(tok, ds[0]) == '10,8,43,26 plane\n' + END
    assert supervised(tok, ds[1]) == '10,8,10,43,65,43,65,8 plane\n' + END
    # minAreaRect of the int polygon 10,8,65,8,65,43,10,43: centre 37.5, 25.5, sides
    # 54.99999 x 34.99999 in cv2's float32, all int-truncated (from the bbox: 26,17,33,18)
    assert supervised(tok, ds[2]) == '37,25,54,34,0 plane\n' + END


def test_conversations_multi_turn_multi_image_grid_boxes(tiny_cfg, tiny_processor):
    ds = build(tiny_cfg, dict(type='RenderConversation'), type='ConversationDataset',
               ann_file=osp.join(TASKS, 'conversations.json'),
               data_prefix=dict(img_path=IMAGES), box_grid=100)
    tok = tiny_processor.tokenizer
    multi, two_images, text_only, no_placeholder = ds[0], ds[1], ds[2], ds[3]
    # both answers supervised; the 0-100 grid box becomes pixels of the 140x84 frame:
    # [8, 8, 31, 23] -> int(8*1.4), int(8*.84), int(31*1.4), int(23*.84), as a plain
    # detection line whose label comes from the question
    assert supervised(tok, multi) == (
        'A plane and two vehicles.' + END + '11,6,43,19 the plane\n' + END)
    assert multi['data_samples'].task == 'vqa'  # the record's own task tag
    assert supervised(tok, two_images) == 'The ship left; a vehicle appeared.' + END
    inputs = two_images['inputs']
    assert inputs['image_grid_thw'].tolist() == [[1, 4, 4], [1, 4, 4]]
    assert n_image_tokens(tok, two_images) == 2 * 4
    assert int(inputs['mm_token_type_ids'].sum()) == 8
    assert supervised(tok, text_only) == 'Synthetic aperture radar.' + END
    assert 'pixel_values' not in text_only['inputs']
    assert prompt_text(tok, text_only).startswith('<|im_start|>system\nAnswer briefly.')
    # an image without a placeholder goes before the first user turn's text
    assert '<|vision_end|>Is this a SAR image?' in prompt_text(tok, no_placeholder)
    assert n_image_tokens(tok, no_placeholder) == 4


def test_conversation_test_mode_keeps_answer_as_ground_truth(tiny_cfg, tiny_processor):
    ds = build(tiny_cfg, dict(type='RenderConversation', with_answer=False),
               type='ConversationDataset', ann_file=osp.join(TASKS, 'conversations.json'),
               data_prefix=dict(img_path=IMAGES), test_mode=True)
    out = ds[1]
    assert (out['inputs']['labels'] == -100).all()
    assert out['data_samples'].gt_answer == 'The ship left; a vehicle appeared.'
    text = tiny_processor.tokenizer.decode(out['inputs']['input_ids'])
    assert text.endswith('<|im_start|>assistant\n')


def test_caption_train_and_test(tiny_cfg, tiny_processor):
    kwargs = dict(type='CaptionDataset', ann_file=osp.join(TASKS, 'captions.json'),
                  data_prefix=dict(img_path=IMAGES))
    tok = tiny_processor.tokenizer
    train = build(tiny_cfg, dict(type='RenderConversation'), **kwargs)
    assert len(train) == 3  # one sample per caption
    assert [supervised(tok, train[i]) for i in range(3)] == [
        'a plane and two vehicles .' + END, 'an airfield with a plane .' + END,
        'a ship in the water .' + END]
    assert 'Describe the image' in prompt_text(tok, train[0])
    test = build(tiny_cfg, dict(type='RenderConversation', with_answer=False),
                 test_mode=True, **kwargs)
    assert len(test) == 2  # one sample per image with all references
    sample = test[0]['data_samples']
    assert sample.references == ['a plane and two vehicles .', 'an airfield with a plane .']
    assert sample.task == 'caption'


def test_vqa(tiny_cfg, tiny_processor):
    ds = build(tiny_cfg, dict(type='RenderConversation'), type='VQADataset',
               ann_file=osp.join(TASKS, 'vqa.json'), data_prefix=dict(img_path=IMAGES))
    tok = tiny_processor.tokenizer
    out = ds[0]
    assert supervised(tok, out) == '2' + END
    assert ('How many vehicles are there? Answer the question using a single word or a '
            'short phrase.') in prompt_text(tok, out)
    sample = out['data_samples']
    assert (sample.question_type, sample.question_id, sample.gt_answer) == \
        ('quantity', 'P0001_0', '2')
    assert ds[1]['data_samples'].question_id == 1  # defaults to the record index


@pytest.mark.parametrize('source', ['json', 'folders'])
def test_classification(tiny_cfg, tiny_processor, source):
    if source == 'json':
        kwargs = dict(ann_file=osp.join(TASKS, 'cls.json'), data_prefix=dict(img_path=IMAGES))
    else:
        kwargs = dict(data_prefix=dict(img_path=osp.join(TASKS, 'cls_folders')))
    ds = build(tiny_cfg, dict(type='RenderConversation'), type='ClassificationDataset',
               **kwargs)
    tok = tiny_processor.tokenizer
    assert ds.metainfo['classes'] == ('airport', 'harbor')
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert labels == ([0, 1] if source == 'json' else [0, 0, 1])
    out = ds[len(ds) - 1]
    assert supervised(tok, out) == 'harbor' + END
    assert 'Classify the image within one of the given classes:airport,harbor.' in \
        prompt_text(tok, out)


def test_bad_records_name_the_file():
    with pytest.raises(FileNotFoundError, match='missing.json'):
        DATASETS.build(dict(type='VQADataset', ann_file='missing.json'))
    with pytest.raises(KeyError, match=r"cls.json.*label 'forest'"):
        import json
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = osp.join(tmp, 'cls.json')
            with open(path, 'w') as f:
                json.dump(dict(classes=['a'], images=[dict(image='x.png', label='forest')]), f)
            DATASETS.build(dict(type='ClassificationDataset', ann_file=path))


def test_random_resize_rescales_targets(tiny_cfg, tiny_processor):
    """Random resize is applied for real: the image size changes between draws and the
    boxes in the answer follow the drawn frame."""
    ds = DATASETS.build(dict(
        type='GroundingDataset', ann_file=osp.join(TASKS, 'grounding.jsonl'),
        data_prefix=dict(img_path=osp.dirname(IMAGES)),
        pipeline=pipeline(tiny_cfg.processor, dict(type='RenderGroundingTarget'),
                          random_resize_prob=1.0)))
    tok = tiny_processor.tokenizer
    np.random.seed(0)
    seen = set()
    for _ in range(12):
        out = ds[0]
        h, w = out['data_samples'].img_shape
        seen.add((h, w))
        x1, y1, x2, y2 = (int(v) for v in supervised(tok, out).split()[0].split(','))
        assert (x1, y1, x2, y2) == (int(10 * w / 128), int(10 * h / 96), int(40 * w / 128),
                                    int(30 * h / 96))
        assert n_image_tokens(tok, out) == (h // 28) * (w // 28)
    assert len(seen) > 1
    # the packing length pass assumes the largest draw
    length = ds.pipeline(dict(ds.get_data_info(0), length_only=True))
    assert n_image_tokens(tok, length) == max((h // 28) * (w // 28) for h, w in seen)


def test_length_only_matches_real_length(tiny_cfg):
    for render, kwargs in [
        (dict(type='RenderDetTarget'),
         dict(type='CocoDetDataset', ann_file=osp.join(TASKS, 'coco_det.json'))),
        (dict(type='RenderConversation'),
         dict(type='ConversationDataset', ann_file=osp.join(TASKS, 'conversations.json'))),
    ]:
        ds = build(tiny_cfg, render, data_prefix=dict(img_path=IMAGES), **kwargs)
        for i in range(len(ds)):
            fast = ds.pipeline(dict(ds.get_data_info(i), length_only=True))
            assert 'pixel_values' not in fast['inputs']
            assert fast['inputs']['input_ids'].numel() == ds[i]['inputs']['input_ids'].numel()


def test_conversation_final_box_answer_becomes_ground_truth_at_test_time():
    """A box_grid conversation ending in a box answer is scored like grounding: its boxes
    (0-100 grid) become instances in original pixels."""
    from rscovlm.datasets.transforms import RenderConversation
    from rscovlm.evaluation.metrics import GroundingMetric
    from rscovlm.structures import VLMDataSample, instances_to_gt
    turns = [dict(role='human', content='<image>\nWhat is the scene type?'),
             dict(role='gpt', content='farmland'),
             dict(role='human', content='Where is the plane? Answer with a box.'),
             dict(role='gpt', content='[10, 20, 60, 80]')]
    base = dict(conversations=turns, box_grid=100, img_shape=(84, 140), ori_shape=(96, 160),
                task='conversation')
    out = RenderConversation(with_answer=False)(dict(base))
    assert out['gt_answer'] == '14,16,84,67 the plane\n'  # the resized frame, as trained
    assert out['instances'] == [dict(bbox=[16.0, 19.2, 96.0, 19.2, 96.0, 76.8, 16.0, 76.8],
                                     bbox_label=0, ignore_flag=0)]
    assert out['region_type'] == 'hbox'
    assert 'instances' not in RenderConversation()(dict(base))  # training: nothing added
    text_final = RenderConversation(with_answer=False)(dict(base, conversations=turns[:2]))
    assert 'instances' not in text_final

    def sample(res, pred):
        s = VLMDataSample(metainfo=dict(task='conversation', img_shape=res['img_shape'],
                                        ori_shape=res['ori_shape'],
                                        region_type=res.get('region_type')))
        s.gt_instances, _ = instances_to_gt(res.get('instances', []))
        s.pred_text = pred
        return s.to_dict()

    metric = GroundingMetric(task='conversation', prefix='conversation', skip_without_gt=True)
    metric.process(None, [sample(out, out['gt_answer']), sample(out, '0,0,10,10 plane'),
                          sample(text_final, 'farmland')])
    res = metric.evaluate(3)
    assert res['conversation/Acc@0.5'] == 50.0
    assert res['conversation/num_samples'] == 2 and res['conversation/num_without_gt'] == 1
