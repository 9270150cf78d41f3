"""VLMVisualizer: one picture per data sample of any task (title, boxes, legend, text)."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from rscovlm.registry import VISUALIZERS
from rscovlm.structures import VLMDataSample, fill_prediction, instances_to_gt
from rscovlm.visualization import STYLES, VLMVisualizer, draws_boxes

CLASSES = ('plane', 'small-vehicle')
TITLE_H = 28  # render_text of one line: 14 px per line plus one


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('rscovlm')


def box(x1, y1, x2, y2):
    return [x1, y1, x2, y1, x2, y2, x1, y2]


def det_sample(text, scores=None):
    s = VLMDataSample(metainfo=dict(
        img_id='img1', task='det', img_shape=(100, 100), ori_shape=(100, 100),
        classes=CLASSES, codec=dict(type='QBoxCodec')))
    s.gt_instances, s.ignored_instances = instances_to_gt([
        dict(bbox=box(10, 10, 40, 40), bbox_label=0, ignore_flag=0),
        dict(bbox=box(60, 60, 80, 70), bbox_label=1, ignore_flag=1)])
    s.messages = [dict(role='user', content=[dict(type='image'),
                                             dict(type='text', text='find the plane')])]
    s.gt_text = '10,10,40,10,40,40,10,40 plane\n'
    return fill_prediction(s, text, box_scores=scores)


def near(picture, x, y, rgb, r=3):
    """Some pixel within r of (x, y) has about the colour rgb."""
    patch = picture[y - r:y + r + 1, x - r:x + r + 1].reshape(-1, 3).astype(int)
    return bool((np.abs(patch - np.array(rgb)).max(axis=1) < 60).any())


def test_detection_picture():
    # the prediction: the plane shifted 10 px right and down (so both outlines show),
    # and a false positive, with their scores
    text = '20,20,50,20,50,50,20,50 plane\n80,10,95,10,95,25,80,25 plane\n'
    sample = det_sample(text, scores=[0.9, 0.25])
    vis = VISUALIZERS.build(dict(type='VLMVisualizer', name='t_det', scale=4))
    boxes = vis.read_boxes(sample)
    assert boxes['gt'][1] == ['plane'] and boxes['ignored'][1] == ['small-vehicle']
    assert boxes['pred'][1] == ['plane 0.90', 'plane 0.25']
    assert vis.title(sample, boxes) == 'img1 | det | GT 1, ignored 1, predicted 2'
    assert draws_boxes(sample)

    picture = vis.draw_sample(np.full((100, 100, 3), 90, np.uint8), sample)
    assert picture.shape[1] == 400 and picture.shape[0] > TITLE_H + 400 + 18
    y = TITLE_H + 4 * 30  # a row that crosses both left edges
    assert near(picture, 4 * 10, y, STYLES['gt']['color'])      # GT left edge, x = 40
    assert near(picture, 4 * 20, y, STYLES['pred']['color'])    # prediction, x = 80
    assert not near(picture, 4 * 10, y, STYLES['pred']['color'])
    assert near(picture, 4 * 60, TITLE_H + 4 * 65, STYLES['ignored']['color'])
    # without the scores (constant mAP_nc), the boxes are named by class only
    assert vis.read_boxes(det_sample(text))['pred'][1] == ['plane', 'plane']


def test_text_task_picture_and_file(tmp_path):
    s = VLMDataSample(metainfo=dict(img_id='img2', task='vqa', question_id='img2_1',
                                    img_shape=(50, 80), ori_shape=(50, 80)))
    s.messages = [dict(role='user', content=[dict(type='image'),
                                             dict(type='text', text='How many ships?')])]
    s.gt_answer = '3'
    fill_prediction(s, '2')
    vis = VLMVisualizer(name='t_vqa')  # default: the longer side becomes 512 px
    assert not draws_boxes(s)
    assert vis.title(s) == 'img2 | vqa | question img2_1'
    assert vis.text_lines(s) == ['user: How many ships?', 'answer:', '2', 'reference:', '3']
    out = tmp_path / 'vqa' / 'img2_1.png'
    picture = vis.add_datasample('img2_1', np.zeros((50, 80, 3), np.uint8), s,
                                 out_file=str(out))
    assert out.is_file() and picture.shape[1] == 512
    # a blank answer says so
    fill_prediction(s, '')
    assert vis.text_lines(s)[1:3] == ['answer:', '(blank)']
