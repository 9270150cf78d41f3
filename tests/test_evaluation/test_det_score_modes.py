"""Score modes of RotatedDetMetric, eval_mode='area', and HBoxDetMetric.

All APs are hand-computed as in ``test_rotated_det_metric.py``: per class the
detections of all images are sorted by score (ties keep images as processed, boxes as
written), precision = cumTP / (cumTP + cumFP), recall = cumTP / #GT, and
* '11points': mean over t in {0, .1, ..., 1} of max(precision | recall >= t);
* 'area': sum over recall steps of (delta recall) * (precision envelope), where the
  envelope is the running max of precision from the right.
"""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from rscovlm.evaluation.metrics.hbox_det_metric import HBoxDetMetric, to_hbox
from rscovlm.evaluation.metrics.rotated_det_metric import RotatedDetMetric
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


def sample(img_id, lines, gts, shape=(100, 100), **extra):
    gt_instances, ignored = instances_to_gt(gts)
    return dict(img_id=img_id, pred_text='\n'.join(line(*x) for x in lines),
                img_shape=shape, ori_shape=shape, gt_instances=gt_instances.to_dict(),
                ignored_instances=ignored.to_dict(), **extra)


def evaluate(samples, cls=RotatedDetMetric, **kwargs):
    metric = cls(nproc=1, **kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(None, samples)
    return metric.evaluate(len(samples))


P1, S1, D1 = box(10, 10, 30, 30), box(50, 50, 60, 56), box(70, 70, 84, 78)
P2, P3, S2 = box(10, 60, 30, 80), box(60, 10, 90, 30), box(40, 85, 50, 91)
PLANE_FP = box(80, 80, 95, 95)
GTS_1 = [gt(P1, PLANE), gt(S1, SV), gt(D1, SV, ignore=1)]
GTS_2 = [gt(P2, PLANE), gt(P3, PLANE), gt(S2, SV)]


def two_images(**extra_2):
    # img1 emits S1 (TP), PLANE_FP (FP), P1 (TP); img2 emits P2 (TP), P3 (TP).
    return [sample('img1', [(S1, 'small vehicle'), (PLANE_FP, 'plane'), (P1, 'plane')],
                   GTS_1),
            sample('img2', [(P2, 'plane'), (P3, 'plane')], GTS_2, **extra_2)]


# small vehicle in every mode: one TP (S1), #GT 2 (D1 ignored) -> recall 1/2, precision 1
SV_11, SV_AREA = 6 / 11, 1 / 2


def test_constant_is_emission_order_across_images():
    # plane, #GT 3, images as processed: FP TP TP TP
    #   recall 0 1/3 2/3 1, precision 0 1/2 2/3 3/4 -> 3/4 at every t -> AP 3/4
    res = evaluate(two_images(), score_mode='constant')
    assert res['dota/mAP'] == pytest.approx((3 / 4 + SV_11) / 2, abs=1e-6)


def test_order_mode():
    # scores 1 - k/n: img1 S1 1, PLANE_FP 2/3, P1 1/3; img2 P2 1, P3 1/2.
    # plane by score: P2 (1) TP, PLANE_FP (2/3) FP, P3 (1/2) TP, P1 (1/3) TP
    #   recall 1/3 1/3 2/3 1, precision 1 1/2 2/3 3/4
    #   11 points: t = 0 .. .3 -> 1 (4), t = .4 .. 1 -> 3/4 (7) -> 9.25/11
    #   area: 1/3 * 1 + 2/3 * 3/4 = 5/6
    res = evaluate(two_images(), score_mode='order')
    assert res['dota/mAP'] == pytest.approx((9.25 / 11 + SV_11) / 2, abs=1e-6)
    assert res['dota/parse/lines'] == 5
    res = evaluate(two_images(), score_mode='order', eval_mode='area')
    assert res['dota/mAP'] == pytest.approx((5 / 6 + SV_AREA) / 2, abs=1e-6)


def test_eval_mode_area_and_iou_thrs_pass_through():
    # constant, area: plane envelope 3/4 over recall 0..1 -> 3/4
    res = evaluate(two_images(), eval_mode='area')
    assert res['dota/mAP'] == pytest.approx((3 / 4 + SV_AREA) / 2, abs=1e-6)
    # exact boxes: IoU 1 >= 0.9, so AP90 == AP50 and mAP is their mean
    res = evaluate(two_images(), eval_mode='area', iou_thrs=[0.5, 0.9])
    assert res['dota/AP50'] == res['dota/AP90'] == round((3 / 4 + SV_AREA) / 2, 3)


def test_order_scores_formula():
    from rscovlm.structures import read_prediction
    pred = dict(bboxes=torch.zeros(4, 5), labels=torch.zeros(4, dtype=torch.long),
                scores=torch.ones(4))
    assert read_prediction(dict(pred_instances=pred), 'order')[0]['scores'].tolist() == [
        1.0, 0.75, 0.5, 0.25]
    empty = {k: v[:0] for k, v in pred.items()}
    assert read_prediction(dict(pred_instances=empty), 'order')[0]['scores'].tolist() == []


def test_logprob_mode():
    samples = two_images(pred_scores=[0.7, 0.6])
    samples[0]['pred_scores'] = [0.9, 0.2, 0.8]
    # plane by score: P1 .8, P2 .7, P3 .6 (TP TP TP), PLANE_FP .2 -> AP 1
    res = evaluate(samples, score_mode='logprob')
    assert res['dota/mAP'] == pytest.approx((1 + SV_11) / 2, abs=1e-6)
    # reversed plane scores in img1: PLANE_FP .9 first -> FP TP TP TP -> 3/4
    samples[0]['pred_scores'] = [0.5, 0.9, 0.1]
    res = evaluate(samples, score_mode='logprob')
    assert res['dota/mAP'] == pytest.approx((3 / 4 + SV_11) / 2, abs=1e-6)


def test_logprob_errors_name_the_sample():
    samples = two_images()
    samples[0]['pred_scores'] = [0.9, 0.2, 0.8]
    with pytest.raises(ValueError, match="'img2'"):
        evaluate(samples, score_mode='logprob')
    samples[1]['pred_scores'] = [0.5]  # two boxes parsed
    with pytest.raises(ValueError, match="img2.*2 finite floats"):
        evaluate(samples, score_mode='logprob')
    with pytest.raises(ValueError, match='score_mode'):
        RotatedDetMetric(score_mode='random')


def test_logprob_with_given_pred_instances():
    gt_boxes = instances_to_gt([gt(PLANE_FP, PLANE), gt(P1, PLANE)])[0].bboxes
    pred = InstanceData(bboxes=gt_boxes, labels=torch.tensor([PLANE, PLANE]),
                        scores=torch.ones(2))
    s = sample('img1', [], [gt(P1, PLANE)], pred_instances=pred.to_dict(),
               pred_scores=[0.1, 0.9])
    # P1 (.9) TP before PLANE_FP (.1) FP -> AP 1; constant: FP TP -> 1/2 at all t
    assert evaluate([s], score_mode='logprob')['dota/mAP'] == pytest.approx(1.0)
    assert evaluate([s])['dota/mAP'] == pytest.approx(0.5)


# --------------------------------------------------------------------------- #
# horizontal boxes
# thin rectangle along the diagonal: its axis-aligned box is (20, 20, 80, 80)
STICK = [20, 22, 22, 20, 80, 78, 78, 80]
G2 = box(100, 100, 140, 120)


def hbox_case():
    return [sample('a', [(box(100, 150, 140, 170), 'plane'),   # FP in both
                         (box(20, 20, 80, 80), 'plane'),      # TP only as hbox
                         (G2, 'plane')],                      # TP in both
                   [gt(STICK, PLANE), gt(G2, PLANE)], shape=(200, 200))]


def test_to_hbox():
    np.testing.assert_allclose(to_hbox([STICK]), [[20, 20, 80, 80]])
    rbox = instances_to_gt([gt(STICK, PLANE)])[0].bboxes.numpy()
    np.testing.assert_allclose(to_hbox(rbox), [[20, 20, 80, 80]], atol=1e-3)
    np.testing.assert_allclose(to_hbox([[1, 2, 3, 4]]), [[1, 2, 3, 4]])
    assert to_hbox(np.zeros((0, 5))).shape == (0, 4)


def test_hbox_map_hand_computed():
    # hbox IoU: FP TP TP, #GT 2 -> recall 0 1/2 1, precision 0 1/2 2/3 -> 2/3
    # (11 points: 2/3 at every t; area: envelope 2/3 over recall 0..1)
    res = evaluate(hbox_case(), cls=HBoxDetMetric)
    assert res['dota_hbox/mAP'] == pytest.approx(2 / 3, abs=1e-6)
    assert res['dota_hbox/AP50'] == round(2 / 3, 3)
    assert res['dota_hbox/parse/lines'] == 3
    res = evaluate(hbox_case(), cls=HBoxDetMetric, eval_mode='area')
    assert res['dota_hbox/mAP'] == pytest.approx(2 / 3, abs=1e-6)
    # rotated IoU: the stick covers ~5% of the axis-aligned box -> FP FP TP
    #   recall 0 0 1/2, precision 0 0 1/3 -> t = 0 .. .5 -> 1/3 (6 points) -> 2/11
    res = evaluate(hbox_case())
    assert res['dota/mAP'] == pytest.approx(2 / 11, abs=1e-6)


def test_hbox_ignored_and_multi_image():
    # same data as test_constant_is_emission_order_across_images (axis-aligned boxes,
    # so hbox IoU == rotated IoU) -> same mAP; the D1 ignore is honoured by mmdet too.
    samples = two_images()
    samples[0]['pred_text'] += '\n' + line(D1, 'small vehicle')
    res = evaluate(samples, cls=HBoxDetMetric)
    assert res['dota_hbox/mAP'] == pytest.approx((3 / 4 + SV_11) / 2, abs=1e-6)
    samples = two_images()
    res = evaluate(samples, cls=HBoxDetMetric, score_mode='order')
    assert res['dota_hbox/mAP'] == pytest.approx((9.25 / 11 + SV_11) / 2, abs=1e-6)
