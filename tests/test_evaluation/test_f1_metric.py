"""ConfusionF1Metric against hand-computed LMMRotate confusion matrices (B8).

Classes plane (0) and small vehicle (1), background is index 2; rows are GT classes,
columns predicted classes. All boxes are axis-aligned, so the rotated IoUs are plain.
"""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from rscovlm.evaluation.metrics.f1_metric import (ConfusionF1Metric, confusion_matrix,
                                                  precision_recall_f1)
from rscovlm.structures import instances_to_gt

CLASSES = ('plane', 'small-vehicle')
PLANE, SV = 0, 1


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('rscovlm')


def box(x1, y1, x2, y2):
    return [x1, y1, x2, y1, x2, y2, x1, y2]


def line(poly, name):
    return ','.join(str(int(v)) for v in poly) + ' ' + name


def gt(poly, label, ignore=0):
    return dict(bbox=[float(v) for v in poly], bbox_label=label, ignore_flag=ignore)


def sample(img_id, lines, gts, **extra):
    gt_instances, ignored = instances_to_gt(gts)
    return dict(img_id=img_id, pred_text='\n'.join(line(*x) for x in lines),
                img_shape=(100, 100), ori_shape=(100, 100),
                gt_instances=gt_instances.to_dict(), ignored_instances=ignored.to_dict(),
                **extra)


def evaluate(samples, **kwargs):
    metric = ConfusionF1Metric(**kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(None, samples)
    return metric.evaluate(len(samples))


P1, S1 = box(10, 10, 30, 30), box(50, 50, 60, 56)
P2, S2 = box(10, 60, 30, 80), box(40, 85, 50, 91)
PLANE_FP, SV_FP = box(80, 80, 95, 95), box(0, 40, 8, 46)


def case(scores_a=None, scores_b=None):
    a = sample('a', [(P1, 'plane'),             # TP
                     (P1, 'plane'),             # duplicate: TP again
                     (S1, 'plane'),             # on a small vehicle: CM[sv, plane]
                     (PLANE_FP, 'plane')],      # nothing: CM[bg, plane]
               [gt(P1, PLANE), gt(S1, SV)])
    b = sample('b', [(S2, 'small vehicle'),     # TP
                     (SV_FP, 'small vehicle')],  # nothing: CM[bg, sv]; P2 missed
               [gt(P2, PLANE), gt(S2, SV)])
    if scores_a is not None:
        a['pred_scores'], b['pred_scores'] = scores_a, scores_b
    return [a, b]


def test_hand_computed_confusion_matrix():
    # image a: CM[p, p] += 2 (duplicate), CM[sv, p] += 1, CM[bg, p] += 1,
    #          S1 got no TP -> CM[sv, bg] += 1
    # image b: CM[sv, sv] += 1, CM[bg, sv] += 1, P2 missed -> CM[p, bg] += 1
    expected = np.array([[2, 0, 1],
                         [1, 1, 1],
                         [1, 1, 0]])
    res = evaluate(case())
    # TP 2 1 0; colsum 4 2 2 -> P = 2/4, 1/2, 0; rowsum 3 3 2 -> R = 2/3, 1/3, 0
    # mP = (1/2 + 1/2 + 0) / 3 = 1/3, mR = (2/3 + 1/3 + 0) / 3 = 1/3 -> F1 = 1/3
    # (without the background entry: mP = mR = 1/2, F1 = 1/2)
    for thr in ('0', '0.1', '0.5', '0.9'):
        assert res[f'f1/F1@{thr}'] == pytest.approx(1 / 3)
    for key in ('mF1', 'mF1_max', 'mF1_min'):
        assert res[f'f1/{key}'] == pytest.approx(1 / 3)
    assert res['f1/mP'] == pytest.approx(1 / 3) and res['f1/mR'] == pytest.approx(1 / 3)
    assert res['f1/best_score_thr'] == 0.0
    assert res['f1/parse/lines'] == 6

    metric = ConfusionF1Metric()
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(None, case())
    cm = confusion_matrix(metric.results, 2, score_thr=0.0)
    np.testing.assert_array_equal(cm, expected)
    precision, recall, m_p, m_r, f1 = precision_recall_f1(cm)
    np.testing.assert_allclose(precision, [1 / 2, 1 / 2, 0])
    np.testing.assert_allclose(recall, [2 / 3, 1 / 3, 0])


def test_score_threshold_sweep():
    # a: P1 .95, dup .35, S1-as-plane .85, PLANE_FP .65; b: S2 .95, SV_FP .45
    res = evaluate(case([0.95, 0.35, 0.85, 0.65], [0.95, 0.45]), score_mode='logprob')
    # tau 0 .. .3: everything -> 1/3 (above)
    # tau .4: dup dropped. CM [[1,0,1],[1,1,1],[1,1,0]]: P 1/3 1/2 0, R 1/2 1/3 0
    #   mP = mR = 5/18 -> F1 = 5/18
    # tau .5, .6: SV_FP dropped too. CM [[1,0,1],[1,1,1],[1,0,0]]: P 1/3 1 0,
    #   R 1/2 1/3 0 -> mP 4/9, mR 5/18 -> F1 = 2 (4/9)(5/18) / (13/18) = 40/117
    # tau .7, .8: PLANE_FP dropped. CM [[1,0,1],[1,1,1],[0,0,0]]: P 1/2 1 0,
    #   R 1/2 1/3 0 -> mP 1/2, mR 5/18 -> F1 = 5/14
    # tau .9: only P1 and S2. CM [[1,0,1],[0,1,1],[0,0,0]]: P 1 1 0, R 1/2 1/2 0
    #   -> mP 2/3, mR 1/3 -> F1 = 4/9
    f1s = [1 / 3] * 4 + [5 / 18, 40 / 117, 40 / 117, 5 / 14, 5 / 14, 4 / 9]
    for thr, f1 in zip(['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8',
                        '0.9'], f1s):
        assert res[f'f1/F1@{thr}'] == pytest.approx(f1), thr
    assert res['f1/mF1'] == pytest.approx(np.mean(f1s))
    assert res['f1/mF1_max'] == pytest.approx(4 / 9)
    assert res['f1/mF1_min'] == pytest.approx(5 / 18)
    assert res['f1/best_score_thr'] == 0.9
    assert res['f1/mP'] == pytest.approx(2 / 3) and res['f1/mR'] == pytest.approx(1 / 3)
    assert res['f1/P@0.5'] == pytest.approx(4 / 9)


def test_detection_over_two_gts_counts_twice():
    # one box with IoU 100/110 and 110/120 against two plane GTs: CM[p, p] += 2 and
    # both GTs have a TP -> CM [[2,0,0],[0,0,0],[0,0,0]]: P 1 0 0, R 1 0 0
    #   mP = mR = 1/3 -> F1 = 1/3 (C = 1 from GT would give 1/2; here C = 2)
    s = sample('a', [(box(0, 0, 10, 11), 'plane')],
               [gt(box(0, 0, 10, 10), PLANE), gt(box(0, 0, 10, 12), PLANE)])
    res = evaluate([s], num_classes='dataset')
    assert res['f1/F1@0'] == pytest.approx(1 / 3)
    # upstream C = max GT label + 1 = 1: entries plane, background -> mP = mR = 1/2
    assert evaluate([s])['f1/F1@0'] == pytest.approx(1 / 2)


def test_num_classes_and_parse_counts():
    # GT only planes (C = 1 upstream) but a small-vehicle prediction: label 1 >= C
    s = sample('a', [(P1, 'small vehicle')], [gt(P1, PLANE)])
    with pytest.raises(ValueError, match='num_classes'):
        evaluate([s])
    # C = 2: CM[p, sv] = 1, CM[p, bg] = 1 -> all TP 0 -> F1 0
    res = evaluate([s, sample('b', [], []), sample('c', [], [])], num_classes=2)
    assert res['f1/mF1'] == 0.0
    empty, failed = sample('e', [], []), sample('f', [], [gt(P1, PLANE)])
    empty['pred_text'], failed['pred_text'] = 'There are none.', 'no boxes here'
    res = evaluate([empty, failed])
    assert res['f1/parse/empty_answers'] == 1
    assert res['f1/parse/failed_samples'] == 1
    assert res['f1/mF1'] == 0.0


# --------------------------------------------------------------------------- #
# upstream quirks (lmmrotate/modules/f1_metric.py)
# --------------------------------------------------------------------------- #
def test_zero_area_ground_truth_is_clamped_as_rbbox_overlaps():
    import torch
    from mmcv.ops import box_iou_rotated
    from mmrotate.structures.bbox import rbbox_overlaps
    # a zero-width polygon (x = 20, y 15..25): rbox (20, 20, 10, 0, -pi/2)
    line_box = [20, 15, 20, 15, 20, 25, 20, 25]
    s = sample('a', [(line_box, 'plane')], [gt(line_box, PLANE)])
    rb = torch.as_tensor(s['gt_instances']['bboxes'])
    assert rb[0, 2:4].tolist() == [10.0, 0.0]
    # upstream's rbbox_overlaps clamps w, h to 1e-3 before box_iou_rotated: two equal
    # 10 x 0.001 boxes, IoU 1; the bare box_iou_rotated has a zero union and gives 0
    assert rbbox_overlaps(rb, rb).item() == pytest.approx(1.0)
    assert box_iou_rotated(rb, rb).item() == 0.0
    # so the answer on it is a TP: C = 1 (plane), CM [[1, 0], [0, 0]] -> P = R = (1, 0),
    # mP = mR = 1/2, F1 = 1/2 (unclamped: CM [[0, 1], [1, 0]], F1 0)
    assert evaluate([s])['f1/mF1'] == pytest.approx(1 / 2)


def test_score_on_a_threshold_is_compared_in_float32():
    import torch
    # upstream's taus are 0.1 * k (0.7000000000000001, 0.9) and its scores float32
    # tensors; torch compares a float32 tensor with a Python float in float32, where
    # float32(0.7) = 0.69999999 equals float32(0.1 * 7): the score is kept
    assert bool(torch.tensor(0.7, dtype=torch.float32) >= 0.1 * 7)
    assert bool(torch.tensor(0.9, dtype=torch.float32) >= 0.1 * 9)
    # in float64 the float32 score is below the threshold
    assert not float(np.float32(0.7)) >= 0.7 and not float(np.float32(0.9)) >= 0.9
    # P1 found with score 0.9, PLANE_FP with 0.7; one plane GT; C = 1
    s = sample('a', [(P1, 'plane'), (PLANE_FP, 'plane')], [gt(P1, PLANE)],
               pred_scores=[0.9, 0.7])
    # tau 0.7, both kept: CM [[1, 0], [1, 0]] -> P (1/2, 0), R (1, 0), mP 1/4, mR 1/2,
    #   F1 = 2 (1/8) / (3/4) = 1/3; tau 0.8 and 0.9, P1 only: P = R = (1, 0) -> 1/2
    res = evaluate([s], score_mode='logprob')
    assert res['f1/F1@0.7'] == pytest.approx(1 / 3)
    assert res['f1/F1@0.8'] == pytest.approx(1 / 2)
    assert res['f1/F1@0.9'] == pytest.approx(1 / 2)
    # the switch, float64: tau 0.7 drops PLANE_FP (F1 1/2), tau 0.9 drops P1 too: no
    # detection, the GT missed, CM [[0, 1], [0, 0]] -> F1 0
    res = evaluate([s], score_mode='logprob', score_dtype='float64')
    assert res['f1/F1@0.7'] == pytest.approx(1 / 2)
    assert res['f1/F1@0.8'] == pytest.approx(1 / 2)
    assert res['f1/F1@0.9'] == 0.0
    with pytest.raises(ValueError, match='score_dtype'):
        ConfusionF1Metric(score_dtype='float16')


def test_qbox_ground_truth_is_turned_into_rboxes_as_upstream():
    # upstream converts (N, 8) GT to rboxes (qbox2rbox) before the IoU
    gts, _ = instances_to_gt([gt(P1, PLANE), gt(S1, SV)], box_type='qbox')
    s = sample('a', [(P1, 'plane'), (S1, 'small vehicle')], [])
    s['gt_instances'] = gts.to_dict()
    # all TP: P = R = (1, 1, 0) -> mP = mR = 2/3
    assert evaluate([s])['f1/mF1'] == pytest.approx(2 / 3)


def test_dota_mf1_benchmark_keeps_difficult_objects():
    """configs/benchmarks/dota-v1.0_val1024_mf1.py scores LMMRotate's mF1 with difficult
    objects as ground truth (mmrotate DOTADataset's default diff_thr=100, as LMMRotate's
    lmmrotate/dataset.py builds it), on tests/data/dota/val with the exact answers."""
    import os.path as osp

    from mmengine.config import Config

    from rscovlm.registry import DATASETS, METRICS
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(repo, 'configs', 'benchmarks',
                                   'dota-v1.0_val1024_mf1.py'))
    assert cfg.test_dataloader.dataset.diff_thr == 100
    assert cfg.test_evaluator.type == 'ConfusionF1Metric'
    assert cfg.test_evaluator.score_dtype == 'float32'
    assert cfg.val_evaluator == cfg.test_evaluator

    def mf1(diff_thr):
        ds = DATASETS.build(dict(
            type='DOTADataset', data_root=osp.join(repo, 'tests', 'data', 'dota', 'val'),
            ann_file='annfiles/', data_prefix=dict(img_path='images/'), test_mode=True,
            diff_thr=diff_thr, pipeline=[dict(type='PackVLMInputs')]))
        classes = ds.metainfo['classes']
        samples = []
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            text = '\n'.join(line(inst['bbox'], classes[inst['bbox_label']].replace('-', ' '))
                             for inst in info['instances'])  # every object, difficult too
            d = ds[i]['data_samples'].to_dict()
            samples.append(dict(d, pred_text=text, img_shape=(128, 128),
                                ori_shape=(128, 128)))
        metric = METRICS.build(cfg.test_evaluator)
        metric.dataset_meta = ds.metainfo
        metric.process(None, samples)
        return metric.evaluate(len(samples))['f1/mF1']

    # objects: plane (label 0) x1, small vehicle (4) x3 (one difficult), ship (6) x1;
    # C = 6 + 1 = 7, 8 entries with the background.
    # diff_thr=100: every answer a TP, P = R = 1 for the 3 classes -> mP = mR = 3/8
    assert mf1(cfg.test_dataloader.dataset.diff_thr) == pytest.approx(3 / 8)
    # diff_thr=0 (DOTA's protocol, the mAP overlays'): the difficult vehicle is no GT,
    # its answer a background FP: P(sv) = 2/3 -> mP = (1 + 2/3 + 1) / 8 = 1/3, mR = 3/8,
    # F1 = 2 (1/3)(3/8) / (17/24) = 6/17
    assert mf1(0) == pytest.approx(6 / 17)
