"""Grounding metrics against hand-computed IoUs / F1s (upstream section 6.4)."""
import json
import logging
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from rscovlm.codecs import box_to_quad, parse_all_boxes, parse_first_box
from rscovlm.evaluation.metrics.grounding_metric import (giou_matrix, greedy_f1, rotated_iou,
                                                         standard_iou, upstream_iou)
from rscovlm.registry import DATASETS, METRICS
from rscovlm.structures import VLMDataSample, instances_to_gt

TEST_DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
CODEC = dict(hbox=dict(type='HBoxCodec'), qbox=dict(type='QBoxCodec', clockwise=False),
             rbox=dict(type='RBoxCodec'))


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('rscovlm')


def box(x1, y1, x2, y2):
    return [x1, y1, x2, y1, x2, y2, x1, y2]


def sample(text, polys, region_type='hbox', img_shape=(100, 100), ori_shape=(100, 100),
           task='grounding', as_element=False, **extra):
    gt, _ = instances_to_gt([dict(bbox=[float(v) for v in p], bbox_label=0, ignore_flag=0)
                             for p in polys])
    d = dict(pred_text=text, task=task, img_shape=img_shape, ori_shape=ori_shape,
             region_type=region_type, codec=extra.pop('codec', CODEC[region_type]),
             gt_instances=gt.to_dict(), **extra)
    if as_element:
        d.pop('gt_instances')
        pred_text = d.pop('pred_text')
        el = VLMDataSample(metainfo=d)
        el.gt_instances, el.pred_text = gt, pred_text
        return el
    return d


def evaluate(samples, type='GroundingMetric', **kwargs):
    metric = METRICS.build(dict(type=type, **kwargs))
    metric.process(None, samples)
    return metric.evaluate(len(metric.results))


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def test_iou_upstream_vs_standard():
    a = [0, 0, 10, 10]
    # an ordinary overlap: both give 50 / 150
    assert upstream_iou(a, [5, 0, 15, 10]) == pytest.approx(1 / 3)
    assert standard_iou(a, [5, 0, 15, 10]) == pytest.approx(1 / 3)
    # 1 px of overlap: the "-1" rule drops it, continuous IoU = 10 / 190
    assert upstream_iou(a, [9, 0, 19, 10]) == 0.0
    assert standard_iou(a, [9, 0, 19, 10]) == pytest.approx(10 / 190)
    # 1.5 px of overlap counts: (9 - 8.5 + 1) * 10 = 15 = 1.5 * 10, union 185
    assert upstream_iou(a, [8.5, 0, 18.5, 10]) == pytest.approx(15 / 185)
    # identical 1x1 boxes: upstream 0, standard 1
    assert upstream_iou([3, 3, 4, 4], [3, 3, 4, 4]) == 0.0
    assert standard_iou([3, 3, 4, 4], [3, 3, 4, 4]) == 1.0
    # the [0, 0, 0, 0] fallback never scores, and a zero union gives 0
    assert upstream_iou([0, 0, 0, 0], a) == 0.0
    assert upstream_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0
    # exactly 0.5
    assert upstream_iou(a, [0, 0, 10, 20]) == 0.5


def test_parse_first_box():
    assert parse_first_box('10,8,43,26 plane at the top left\n') == ([10, 8, 43, 26], False)
    # only the first line counts, and it must start with the box and carry a label
    assert parse_first_box('the box is\n10,8,43,26 plane') == (None, False)
    assert parse_first_box('10,8,43,26') == (None, False)
    assert parse_first_box('  10,8,43,26 plane  \n5,5,9,9 plane') == ([10, 8, 43, 26], False)
    assert parse_first_box('I cannot find it.') == (None, False)
    assert parse_first_box(None) == (None, False)
    # an 8-int polygon is no hbox for the upstream regex
    assert parse_first_box('10,8,10,26,43,26,43,8 plane') == (None, False)
    assert parse_first_box('10,8,10,26,43,26,43,8 plane', 'qbox')[0] == [
        10, 8, 10, 26, 43, 26, 43, 8]
    assert parse_first_box('14,21,28,14,-90 ship', 'rbox')[0] == [14, 21, 28, 14, -90]
    # all values <= 1: normalised, x1000
    assert parse_first_box('0,0,1,1 plane') == ([0, 0, 1000, 1000], True)
    text = '```json\n[\n\t{"bbox_2d": [0.1, 0.2, 0.5, 0.75], "label": "plane"}\n]\n```'
    assert parse_first_box(text, fmt='json') == ([100, 200, 500, 750], True)
    assert parse_first_box('{"bbox_2d": [10, 8.5, 43, 26]}', fmt='json') == (
        [10, 8.5, 43, 26], False)


def test_rotated_iou_of_diamonds():
    diamond = np.array([50, 30, 70, 50, 50, 70, 30, 50], np.float64)
    gt = torch.tensor([50, 50, 20 * 2 ** 0.5, 20 * 2 ** 0.5, np.pi / 4])
    assert rotated_iou(diamond, gt) == pytest.approx(1.0, abs=1e-4)
    # shifted 10 px in x: the overlap is a rhombus with half-diagonals 15, 15 -> 450;
    # union 1600 - 450
    shifted = diamond + np.array([10, 0] * 4)
    assert rotated_iou(shifted, gt) == pytest.approx(450 / 1150, abs=1e-4)
    # shifted 5 px: half-diagonals 17.5 -> 612.5
    assert rotated_iou(diamond + np.array([5, 0] * 4), gt) == pytest.approx(
        612.5 / 987.5, abs=1e-4)


def test_box_to_quad_and_giou():
    # 4 values -> axis-aligned quad, scaled
    assert box_to_quad([1, 2, 3, 4], 2, 10).tolist() == [[2, 20], [6, 20], [6, 40], [2, 40]]
    # 8 values -> points by descending angle around their mean (a bow tie gets fixed)
    assert box_to_quad([10, 10, 20, 20, 20, 10, 10, 20]).tolist() == [
        [10, 20], [20, 20], [20, 10], [10, 10]]
    sq = box_to_quad([0, 0, 2, 2])
    g = giou_matrix([sq, box_to_quad([1, 0, 3, 2])],
                    [sq, box_to_quad([4, 0, 6, 2]), box_to_quad([0, 0, 2, 2, 2, 0, 0, 2])])
    # overlap: IoU 2/6, hull 6 = union; disjoint: 0 - (hull - union 8) / hull with hull
    # 12 (from x=0) or 10 (from x=1); the bow tie, once sorted, is the square
    assert g == pytest.approx(np.array([[1, -4 / 12, 1], [1 / 3, -2 / 10, 1 / 3]]))
    assert giou_matrix([], [sq]).shape == (0, 1)


def test_giou_disjoint_values():
    sq = box_to_quad([0, 0, 1, 1])
    assert giou_matrix([sq], [box_to_quad([2, 0, 3, 1])])[0, 0] == pytest.approx(-1 / 3)
    # an unsorted 8-value quad is not sorted by giou_matrix: invalid polygon -> 0
    bow_tie = np.array([[0, 0], [1, 1], [1, 0], [0, 1]], np.float64)
    assert giou_matrix([bow_tie], [sq])[0, 0] == 0.0


def test_greedy_f1_order_ties_and_threshold():
    # greedy takes 0.9 first, then only 0.1 is left: TP 1, although 0.8 + 0.7 would pair all
    assert greedy_f1(np.array([[0.9, 0.8], [0.7, 0.1]])) == (1, 1, 1, 0.5)
    # ties: the first in row-major order, (0, 0); (1, 1) = 0 is left
    assert greedy_f1(np.array([[0.6, 0.6], [0.6, 0.0]])) == (1, 1, 1, 0.5)
    # >= threshold matches
    assert greedy_f1(np.array([[0.5]])) == (1, 0, 0, 1.0)
    assert greedy_f1(np.array([[0.49]])) == (0, 1, 1, 0.0)
    # extra predictions are false positives
    assert greedy_f1(np.array([[0.9], [0.8]])) == (1, 1, 0, 2 / 3)
    assert greedy_f1(np.zeros((0, 2))) == (0, 0, 2, 0.0)
    assert greedy_f1(np.zeros((0, 0))) == (0, 0, 0, 1.0)


def test_parse_all_boxes():
    assert parse_all_boxes('1,2,3,4 a\n5,6,7,8 b') == [[1, 2, 3, 4], [5, 6, 7, 8]]
    # any 8-int match wins over the 4-int ones
    assert parse_all_boxes('1,2,3,4 a\n1,2,3,4,5,6,7,8 b') == [[1, 2, 3, 4, 5, 6, 7, 8]]
    assert parse_all_boxes('nothing') == [] and parse_all_boxes(None) == []
    # a polygon past the border: upstream's unsigned parser takes a 4-int run of the digits
    # after the minus sign; signed=True reads the polygon
    text = '20,-4,13,62,83,69,90,2 building\n1,2,3,4,5,6,7,8 building'
    assert parse_all_boxes(text) == [[1, 2, 3, 4, 5, 6, 7, 8]]  # the first one is lost
    assert parse_all_boxes('20,-4,13,62,83,69,90,2 building') == [[4, 13, 62, 83]]
    assert parse_all_boxes(text, signed=True) == [[20, -4, 13, 62, 83, 69, 90, 2],
                                                  [1, 2, 3, 4, 5, 6, 7, 8]]
    assert parse_all_boxes('-5,0,10,10 a', signed=True) == [[-5, 0, 10, 10]]


# --------------------------------------------------------------------------- #
# GroundingMetric
# --------------------------------------------------------------------------- #
def test_strict_threshold_and_iou_mode():
    s = sample('0,0,10,10 plane', [box(0, 0, 10, 20)])  # IoU exactly 0.5
    assert evaluate([s])['grounding/Acc@0.5'] == 0.0
    assert evaluate([s], strict=False)['grounding/Acc@0.5'] == 100.0
    # identical 1 px box: upstream IoU 0, standard 1
    s = sample('3,3,4,4 dot', [box(3, 3, 4, 4)])
    assert evaluate([s])['grounding/mean_iou'] == 0.0
    res = evaluate([s], iou_mode='standard')
    assert res['grounding/Acc@0.5'] == 100.0 and res['grounding/mean_iou'] == 1.0


def test_normalised_boxes():
    ori = (96, 128)  # (h, w); normalised on a 0-1000 frame of the ORIGINAL image
    json = dict(type='HBoxCodec', fmt='json')
    s = sample('[{"bbox_2d": [0.25, 0.25, 0.5, 0.5], "label": "plane"}]',
               [box(32, 24, 64, 48)], img_shape=(84, 140), ori_shape=ori, codec=json)
    res = evaluate([s])
    assert res['grounding/Acc@0.5'] == 100.0 and res['grounding/mean_iou'] == 1.0
    s = sample('0,0,1,1 plane', [box(0, 0, 128, 96)], img_shape=(84, 140), ori_shape=ori)
    assert evaluate([s])['grounding/mean_iou'] == 1.0


def test_unparsed_counts_and_is_wrong():
    samples = [sample('I cannot find it.', [box(0, 0, 10, 10)]),
               sample('0,0,10,10 plane', [box(0, 0, 10, 10)]),
               sample('0,0,10,10 plane', [box(0, 0, 10, 10)], task='det')]  # skipped
    res = evaluate(samples)
    # no 'source' in the samples: no per-source keys
    assert res == {'grounding/Acc@0.5': 50.0, 'grounding/mean_iou': 0.5,
                   'grounding/num_samples': 2, 'grounding/num_unparsed': 1}
    assert evaluate(samples, task=None)['grounding/num_samples'] == 3


def test_resize_back_mapping():
    # resized 84 x 140 (h, w) frame, original 96 x 128: x * 128/140, y * 96/84
    resized, ori = (84, 140), (96, 128)
    # the bottom-right quarter of the resized frame is that of the original one
    s = sample('70,42,140,84 plane', [box(64, 48, 128, 96)], img_shape=resized,
               ori_shape=ori)
    assert evaluate([s])['grounding/mean_iou'] == pytest.approx(1.0)
    # read as original pixels it would be [70, 42, 140, 84]: 58 x 36 of overlap
    unmapped = upstream_iou([70, 42, 140, 84], [64, 48, 128, 96])
    assert unmapped == pytest.approx(58 * 36 / (70 * 42 + 64 * 48 - 58 * 36))
    # the upstream training answer of tests/data/tasks/grounding.jsonl's first record
    s = sample('10,8,43,26 plane at the top left', [box(10, 10, 40, 30)],
               img_shape=resized, ori_shape=ori)
    x1, x2, y1, y2 = 10 * 128 / 140, 43 * 128 / 140, 8 * 96 / 84, 26 * 96 / 84
    inter = (min(x2, 40) - 10) * (min(y2, 30) - 10)
    expected = inter / ((x2 - x1) * (y2 - y1) + 30 * 20 - inter)
    assert evaluate([s])['grounding/mean_iou'] == pytest.approx(expected)
    assert expected == pytest.approx(0.899, abs=1e-3)


def test_rotated_polygon_answers():
    diamond = [50, 30, 70, 50, 50, 70, 30, 50]
    # 10 px off: rotated IoU 450/1150 (wrong) although the hbox IoU would be 0.6
    off10 = '60,30,40,50,60,70,80,50 tilted court'  # any vertex order parses
    off5 = '55,30,35,50,55,70,75,50 tilted court'
    res = evaluate([sample(off10, [diamond], 'qbox'), sample(off5, [diamond], 'qbox')])
    assert res['grounding/Acc@0.5'] == 50.0
    assert res['grounding/mean_iou'] == pytest.approx((450 / 1150 + 612.5 / 987.5) / 2,
                                                      abs=1e-4)
    assert evaluate([sample('35,30,75,70 court', [diamond])], iou_mode='standard')[
        'grounding/mean_iou'] == pytest.approx(1400 / 1800)
    # an rbox answer (degrees), scaled x2 from a 50 x 50 frame
    s = sample('30,25,20,10,0 car', [box(40, 40, 80, 60)], 'rbox', img_shape=(50, 50),
               ori_shape=(100, 100), as_element=True)
    assert evaluate([s])['grounding/mean_iou'] == pytest.approx(1.0, abs=1e-4)


def test_per_source_and_codec_parse():
    ok, bad = '0,0,10,10 a', '50,50,60,60 a'
    samples = [sample(ok, [box(0, 0, 10, 10)], source='rsvg'),
               sample(bad, [box(0, 0, 10, 10)], source='rsvg'),
               sample(ok, [box(0, 0, 10, 10)], source='dior_rsvg')]
    res = evaluate(samples, prefix='rg')
    assert res['rg/Acc@0.5'] == pytest.approx(200 / 3)
    assert res['rg/Acc@0.5_rsvg'] == 50.0 and res['rg/Acc@0.5_dior_rsvg'] == 100.0
    # the first line is junk: upstream fails, the codec skips it
    s = sample('here it is:\n0,0,10,10 a', [box(0, 0, 10, 10)])
    assert evaluate([s])['grounding/num_unparsed'] == 1
    res = evaluate([s], parse='codec')
    assert res['grounding/num_unparsed'] == 0 and res['grounding/Acc@0.5'] == 100.0


def test_pipeline_targets_score_full():
    """The real pipeline's training answers (without tokenisation), fed back as the
    predictions, are all correct."""
    ds = DATASETS.build(dict(
        type='GroundingDataset', ann_file=osp.join(TEST_DATA, 'tasks/grounding.jsonl'),
        data_prefix=dict(img_path=osp.join(TEST_DATA, 'dota/val')),
        region_types=('hbox', 'qbox', 'rbox'),
        pipeline=[dict(type='LoadImages'),
                  dict(type='SmartResize', min_pixels=56 * 56, max_pixels=112 * 112),
                  dict(type='RenderGroundingTarget'), dict(type='PackVLMInputs')]))
    samples = []
    for i in range(len(ds)):
        el = ds[i]['data_samples']
        el.pred_text = el.gt_text
        samples.append(el.to_dict())
    assert samples[0]['img_shape'] == (84, 140) and samples[0]['ori_shape'] == (96, 128)
    assert samples[2]['pred_text'] == '26,17,33,18,0 plane at the top left\n'
    res = evaluate(samples)
    assert res['grounding/num_samples'] == 6 and res['grounding/num_unparsed'] == 0
    assert res['grounding/Acc@0.5'] == 100.0 and res['grounding/Acc@0.5_images'] == 100.0
    assert res['grounding/mean_iou'] > 0.8


# --------------------------------------------------------------------------- #
# GeoChatReferringMetric
# --------------------------------------------------------------------------- #
def test_geochat_referring_f1_rule_and_groups():
    two = [box(10, 10, 20, 20), box(70, 70, 80, 80)]
    kw = dict(region_type='hbox', img_shape=(50, 50), ori_shape=(100, 100),
              task='referring')
    samples = [
        # x2: [10,10,20,20] right, [50,50,60,60] wrong -> TP 1, FP 1, FN 1, F1 0.5
        sample('5,5,10,10 car\n25,25,30,30 car', two, size_group='small', type='car', **kw),
        # both right, as 8-int polygons in any order
        sample('5,5,10,5,10,10,5,10 car\n40,40,35,35,40,35,35,40 car', two,
               size_group='small', type='car', **kw),
        # one object, an extra prediction -> F1 2/3, wrong
        sample('5,5,10,10 ship 35,35,40,40 ship', [box(10, 10, 20, 20)],
               size_group='large', **kw),
        sample('no box', [box(10, 10, 20, 20)], size_group='large', type='ship', **kw),
        sample('5,5,10,10 ship', [box(10, 10, 20, 20)], size_group='large', type='ship',
               obj_ids=[3], **kw),
        sample('5,5,10,10 ship', [box(10, 10, 20, 20)], task='grounding'),  # skipped
    ]
    res = evaluate(samples, type='GeoChatReferringMetric')
    p = 'referring/Acc@0.5'
    assert res[p] == 40.0
    assert res['referring/num_samples'] == 5 and res['referring/num_unparsed'] == 1
    assert res[p + '_size_small'] == 50.0 and res[p + '_size_large'] == pytest.approx(100 / 3)
    assert res[p + '_type_car'] == 50.0 and res[p + '_type_ship'] == 50.0
    assert res[p + '_type_unknown'] == 0.0
    assert res[p + '_count_multiple'] == 50.0 and res[p + '_count_single'] == pytest.approx(
        100 / 3)
    # no groups in the samples -> only the count split
    res = evaluate([sample('5,5,10,10 ship', [box(10, 10, 20, 20)], **kw)],
                   type='GeoChatReferringMetric', prefix='gc')
    assert res == {'gc/Acc@0.5': 100.0, 'gc/num_samples': 1, 'gc/num_unparsed': 0,
                   'gc/Acc@0.5_count_single': 100.0}


def test_geochat_referring_records_with_several_objects_and_groups(tmp_path):
    """GeoChat-Bench referring records (several polygons per expression, ``type`` /
    ``size_group``) go through the pipeline to the metric's groups."""
    records = [
        dict(image_id='P0001__128__0___0.png', dataset='images', question='planes',
             question_id='r0', type='plane', size_group='small', obj_ids=[1, 2],
             polys=[[[10, 10], [40, 10], [40, 30], [10, 30]],
                    [[60, 50], [90, 50], [90, 80], [60, 80]]]),
        dict(image_id='P0001__128__0___0.png', dataset='images', question='plane',
             question_id='r1', type='plane', size_group='large', bbox=[10, 10, 40, 30]),
    ]
    ann = tmp_path / 'referring.jsonl'
    ann.write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    ds = DATASETS.build(dict(
        type='GroundingDataset', ann_file=str(ann), task='referring', region_types=('qbox', ),
        data_prefix=dict(img_path=osp.join(TEST_DATA, 'dota/val')),
        pipeline=[dict(type='LoadImages'),
                  dict(type='SmartResize', min_pixels=128 * 96, max_pixels=128 * 96),
                  dict(type='RenderGroundingTarget', with_answer=False),
                  dict(type='PackVLMInputs')]))
    first, second = ds[0]['data_samples'], ds[1]['data_samples']
    assert len(first.gt_instances) == 2 and len(second.gt_instances) == 1
    assert (first.type, first.size_group, first.obj_ids) == ('plane', 'small', [1, 2])
    # 128 x 96 -> 140 x 112 (factor 28, at least 128 * 96 pixels): answers in that frame
    assert first.img_shape == (112, 140)
    first.pred_text = '11,12,44,12,44,35,11,35 planes\n66,58,98,58,98,93,66,93 planes'
    second.pred_text = '66,58,98,58,98,93,66,93 plane'  # the other plane: wrong
    res = evaluate([first.to_dict(), second.to_dict()], type='GeoChatReferringMetric')
    p = 'referring/Acc@0.5'
    assert res[p] == 50.0
    assert res[p + '_size_small'] == 100.0 and res[p + '_size_large'] == 0.0
    assert res[p + '_type_plane'] == 50.0
    assert res[p + '_count_multiple'] == 100.0 and res[p + '_count_single'] == 0.0
    bad = tmp_path / 'bad.jsonl'
    bad.write_text(json.dumps(dict(image_id='a.png', question='x')) + '\n')
    with pytest.raises(KeyError, match='bad.jsonl record 0: record has no box'):
        DATASETS.build(dict(type='GroundingDataset', ann_file=str(bad)))


# --------------------------------------------------------------------------- #
# GeoChatReferringMetric: the ground-truth polygon as given (upstream polygon_giou)
# --------------------------------------------------------------------------- #
# A right trapezoid, GeoChat-style: parallel sides 100 (y = 0) and 4 (y = 100), area
# (100 + 4) / 2 * 100 = 5200. Its minimum-area rectangle is the square (0, 0, 100, 100).
TRAPEZOID = [0, 0, 100, 0, 100, 100, 96, 100]
REFERRING = dict(region_type='qbox', task='referring', codec=CODEC['qbox'])


def qbox_sample(text, polys, **extra):
    """A referring sample whose GT is packed as qboxes (PackVLMInputs(box_type='qbox'))."""
    gt, _ = instances_to_gt([dict(bbox=[float(v) for v in p], bbox_label=0, ignore_flag=0)
                             for p in polys], box_type='qbox')
    return dict(pred_text=text, img_shape=(120, 120), ori_shape=(120, 120),
                gt_instances=gt.to_dict(), **REFERRING, **extra)


def shapely_giou(a, b):
    """GIoU as upstream's polygon_giou computes it: shapely intersection / union of the
    two polygons and the convex hull of their 8 points."""
    from shapely.geometry import MultiPoint, Polygon
    pa, pb = Polygon(np.reshape(a, (4, 2))), Polygon(np.reshape(b, (4, 2)))
    union = pa.union(pb).area
    hull = MultiPoint(np.concatenate([np.reshape(a, (4, 2)),
                                      np.reshape(b, (4, 2))])).convex_hull.area
    return pa.intersection(pb).area / union - (hull - union) / hull


def test_geochat_referring_scores_the_polygon_as_given():
    # the answer is the square shifted 5 px down: (0, 5, 100, 105)
    answer = '0,5,100,5,100,105,0,105 building'
    # upstream, against the trapezoid: the part of it below y = 5 is 5200 - 488 = 4712
    # (the strip y < 5 holds 500 - 0.48 * 25 = 488), union 10000 + 5200 - 4712 = 10488,
    # hull (0, 0, 100, 105) = 10500 -> GIoU 4712 / 10488 - 12 / 10500 = 0.448 < 0.5
    upstream = 4712 / 10488 - 12 / 10500
    assert shapely_giou(box(0, 5, 100, 105), TRAPEZOID) == pytest.approx(upstream)
    assert upstream == pytest.approx(0.4481, abs=1e-4)
    # against its minimum-area rectangle (the square): 9500 / 10500 = 0.905 >= 0.5
    assert shapely_giou(box(0, 5, 100, 105), box(0, 0, 100, 100)) == pytest.approx(
        9500 / 10500)
    s = qbox_sample(answer, [TRAPEZOID])
    res = evaluate([s], type='GeoChatReferringMetric')
    assert res['referring/Acc@0.5'] == 0.0  # upstream: F1 = 0
    # the switch: rscovlm's earlier rule, the GT as its minimum-area rectangle
    res = evaluate([s], type='GeoChatReferringMetric', gt_min_area_rect=True)
    assert res['referring/Acc@0.5'] == 100.0
    # the exact polygon answer scores 1 under upstream's rule, and 5200 / 10000 (>= 0.5)
    # under the rectangle rule
    metric = METRICS.build(dict(type='GeoChatReferringMetric'))
    polys = metric.gt_polygons(s)
    assert giou_matrix([box_to_quad(TRAPEZOID)], polys)[0, 0] == pytest.approx(1.0)
    rect = METRICS.build(dict(type='GeoChatReferringMetric', gt_min_area_rect=True))
    assert giou_matrix([box_to_quad(TRAPEZOID)], rect.gt_polygons(s))[0, 0] == \
        pytest.approx(0.52, abs=1e-6)


def test_geochat_referring_rbox_ground_truth_is_a_rectangle_with_a_warning(monkeypatch):
    # GT packed as rboxes (PackVLMInputs' default) has become the square already: the
    # polygon rule cannot be applied, the metric says so (once) and scores the rectangle
    from rscovlm.evaluation.metrics import grounding_metric
    logged = []
    monkeypatch.setattr(grounding_metric, 'print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs.get('level'))))
    s = sample('0,5,100,5,100,105,0,105 building', [TRAPEZOID], region_type='qbox',
               task='referring', img_shape=(120, 120), ori_shape=(120, 120))
    res = evaluate([s, s], type='GeoChatReferringMetric')
    assert res['referring/Acc@0.5'] == 100.0
    assert len(logged) == 1 and logged[0][1] == logging.WARNING
    assert "PackVLMInputs(box_type='qbox')" in logged[0][0]
    # the rectangle switch asks for the rectangle: no warning
    logged.clear()
    evaluate([s], type='GeoChatReferringMetric', gt_min_area_rect=True)
    assert logged == []


def test_geochat_referring_config_packs_the_polygons(tmp_path):
    """configs/benchmarks/geochat-bench_referring.py keeps upstream's polygon: its
    pipeline packs qboxes and its metric leaves the rectangle switch off."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))), 'configs', 'benchmarks', 'geochat-bench_referring.py'))
    pack = cfg.test_dataloader.dataset.pipeline[-1]
    assert pack == dict(type='PackVLMInputs', box_type='qbox')
    assert cfg.test_evaluator.gt_min_area_rect is False
    ann = tmp_path / 'referring.jsonl'
    ann.write_text(json.dumps(dict(
        image_id='a.png', question='building', question_id='r0', type='ref',
        size_group='large', obj_ids=[1],
        polys=[np.reshape(TRAPEZOID, (4, 2)).tolist()])) + '\n')
    ds = DATASETS.build(dict(type='GroundingDataset', ann_file=str(ann), task='referring',
                             region_types=('qbox', ), pipeline=[pack]))
    el = ds[0]['data_samples']
    assert el.gt_instances.bboxes.tolist() == [TRAPEZOID]  # the polygon as given
    el.pred_text = '0,5,100,5,100,105,0,105 building'
    d = dict(el.to_dict(), img_shape=(120, 120), ori_shape=(120, 120))
    assert evaluate([d], **cfg.test_evaluator)['referring/Acc@0.5'] == 0.0
    assert evaluate([d], **dict(cfg.test_evaluator, gt_min_area_rect=True))[
        'referring/Acc@0.5'] == 100.0
