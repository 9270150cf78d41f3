"""RotatedDetMetric against hand-computed VOC07 11-point APs.

How the numbers below come about (mmrotate's ``eval_rbbox_map``): per class, each
image's detections are marked TP (rotated IoU >= 0.5 with a not yet matched GT), FP,
or neither (best match is an ignored / difficult GT); images are stacked in the order
they were processed and sorted by score. Every parsed box scores 1.0 and numpy's
argsort keeps a constant array in order, so the order is: images as processed, boxes
as written. Then precision = cumTP / (cumTP + cumFP), recall = cumTP / #GT (ignored GT
not counted) and AP = mean over t in {0, 0.1, ..., 1} of max(precision | recall >= t).
mAP averages the classes that have GT.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from rscovlm.registry import METRICS
from rscovlm.structures import VLMDataSample, instances_to_gt

CLASSES = ('plane', 'small-vehicle')
PLANE, SV = 0, 1


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('rscovlm')


def box(x1, y1, x2, y2):
    """Axis-aligned quadrilateral, clockwise in image coordinates."""
    return [x1, y1, x2, y1, x2, y2, x1, y2]


def line(poly, name):
    return ','.join(str(int(v)) for v in poly) + ' ' + name


def gt(poly, label, ignore=0):
    return dict(bbox=[float(v) for v in poly], bbox_label=label, ignore_flag=ignore)


def sample(img_id, text, gts, img_shape=(100, 100), ori_shape=(100, 100), **extra):
    gt_instances, ignored = instances_to_gt(gts)
    return dict(img_id=img_id, pred_text=text, img_shape=img_shape, ori_shape=ori_shape,
                gt_instances=gt_instances.to_dict(), ignored_instances=ignored.to_dict(),
                **extra)


def build_metric(**kwargs):
    kwargs.setdefault('nproc', 1)
    metric = METRICS.build(dict(type='RotatedDetMetric', **kwargs))
    metric.dataset_meta = dict(classes=CLASSES)
    return metric


def evaluate(samples, **kwargs):
    metric = build_metric(**kwargs)
    metric.process(None, samples)
    return metric.evaluate(len(samples))


# Image 1: plane P1, small vehicle S1, difficult small vehicle D1 (ignored).
P1, S1, D1 = box(10, 10, 30, 30), box(50, 50, 60, 56), box(70, 70, 84, 78)
# Image 2: planes P2, P3, small vehicle S2.
P2, P3, S2 = box(10, 60, 30, 80), box(60, 10, 90, 30), box(40, 85, 50, 91)
PLANE_FP = box(80, 80, 95, 95)          # overlaps no plane
SV_FP = box(0, 40, 8, 46)               # overlaps no small vehicle
GTS_1 = [gt(P1, PLANE), gt(S1, SV), gt(D1, SV, ignore=1)]
GTS_2 = [gt(P2, PLANE), gt(P3, PLANE), gt(S2, SV)]


def test_hand_computed_map():
    text_1 = '\n'.join([
        line(D1, 'small vehicle'),      # on the difficult object: neither TP nor FP
        line(P1, 'plane'),              # TP
        line(S1, 'small vehicle'),      # TP
        line(PLANE_FP, 'plane'),        # FP
    ])
    text_2 = '\n'.join([
        line(P2, 'plane'),              # TP
        line(P3, 'plane'),              # TP
        line(SV_FP, 'small vehicle'),   # FP (S2 is missed)
    ])
    res = evaluate([sample('img1', text_1, GTS_1), sample('img2', text_2, GTS_2)])
    # plane, #GT 3, order TP FP TP TP:
    #   recall    1/3  1/3  2/3  1
    #   precision 1    1/2  2/3  3/4
    #   t = 0, .1, .2, .3 -> 1 (4 points); t = .4 ... 1.0 -> 3/4 (7 points)
    #   AP = (4 + 7 * 3/4) / 11 = 9.25 / 11
    # small vehicle, #GT 2 (D1 ignored), order ignored TP FP:
    #   cumTP 0 1 1, cumFP 0 0 1 -> recall 0 1/2 1/2, precision 0 1 1/2
    #   t = 0 ... .5 -> 1 (6 points); t = .6 ... 1 -> nothing -> 0
    #   AP = 6 / 11
    #   (had the D1 box counted as FP: precision 0 1/2 1/3 -> 3/11;
    #    had D1 counted as GT the D1 box would be a TP: 7/11)
    plane_ap, sv_ap = 9.25 / 11, 6 / 11
    assert res['dota/mAP'] == pytest.approx((plane_ap + sv_ap) / 2, abs=1e-6)
    assert res['dota/AP50'] == round((plane_ap + sv_ap) / 2, 3)  # mmrotate rounds AP50
    assert res['dota/parse/lines'] == 7
    assert res['dota/parse/skipped_lines'] == 0


def test_ignored_gt_is_not_a_miss():
    # S1 is found, the difficult D1 is neither predicted nor counted as missed:
    #   #GT 1 -> recall 1, precision 1 -> AP = 1 (6/11 had D1 counted: recall 1/2).
    res = evaluate([sample('img1', line(S1, 'small vehicle'),
                           [gt(S1, SV), gt(D1, SV, ignore=1)])])
    assert res['dota/mAP'] == pytest.approx(1.0, abs=1e-6)


def test_ignored_gt_alone_in_image_is_dropped_by_mmrotate():
    # mmrotate quirk kept as is: get_cls_results only reads ``bboxes_ignore`` when the
    # image has some regular GT, so a box on a difficult object of an image WITHOUT
    # regular GT is a false positive. img1: S1 TP; img2 (only D1, ignored): the D1 box.
    #   #GT 1, TP then FP -> recall 1 1, precision 1 1/2 -> AP = 1 (11 points at 1).
    # Put the image with only the difficult object first to see the FP:
    #   FP then TP -> recall 0 1, precision 0 1/2 -> AP = 11 * 1/2 / 11 = 1/2.
    samples = [
        sample('img_d', line(D1, 'small vehicle'), [gt(D1, SV, ignore=1)]),
        sample('img1', line(S1, 'small vehicle'), [gt(S1, SV)]),
    ]
    assert evaluate(samples)['dota/mAP'] == pytest.approx(0.5, abs=1e-6)
    # With a regular GT of another class in that image, D1 is honoured as ignored.
    samples[0] = sample('img_d', line(D1, 'small vehicle'),
                        [gt(D1, SV, ignore=1), gt(P1, PLANE)])
    samples[0]['pred_text'] += '\n' + line(P1, 'plane')
    assert evaluate(samples)['dota/mAP'] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize('cls', ['RotatedDetMetric', 'HBoxDetMetric'])
def test_ignore_mode_devkit_scores_perfect_answers_one(cls):
    # Perfect answers: a box on the difficult D1 (alone in img_d) and on S1 (img1).
    # 'mmrotate' (default): the D1 box is an FP (see the test above), so the value depends
    #   on the order: img_d first -> FP TP -> recall 0 1, precision 0 1/2 -> AP = 1/2;
    #   img1 first -> TP FP -> recall 1 1, precision 1 1/2 -> AP = 1.
    # 'devkit': D1 is ignored in img_d too -> only the TP -> AP = 1 in either order.
    # HBoxDetMetric (mmdet's eval_map reads every image's ignored boxes) follows the switch.
    prefix = 'dota' if cls == 'RotatedDetMetric' else 'dota_hbox'
    samples = [
        sample('img_d', line(D1, 'small vehicle'), [gt(D1, SV, ignore=1)]),
        sample('img1', line(S1, 'small vehicle'), [gt(S1, SV)]),
    ]

    def mean_ap(samples, **kwargs):
        metric = METRICS.build(dict(type=cls, nproc=1, **kwargs))
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process(None, samples)
        return metric.evaluate(len(samples))[f'{prefix}/mAP']

    assert mean_ap(samples) == pytest.approx(0.5, abs=1e-6)
    assert mean_ap(samples, ignore_mode='mmrotate') == pytest.approx(0.5, abs=1e-6)
    assert mean_ap(samples[::-1]) == pytest.approx(1.0, abs=1e-6)
    assert mean_ap(samples, ignore_mode='devkit') == 1.0
    assert mean_ap(samples[::-1], ignore_mode='devkit') == 1.0
    # devkit adds no ground truth: a miss of S1 still costs (recall 0 -> AP 0)
    missed = [samples[0], sample('img1', 'There are none.', [gt(S1, SV)])]
    assert mean_ap(missed, ignore_mode='devkit') == 0.0


def test_ignore_mode_is_checked():
    with pytest.raises(ValueError, match=r"ignore_mode must be one of \('mmrotate', "
                       r"'devkit'\), got 'dota'"):
        build_metric(ignore_mode='dota')


def test_perfect_answers_on_the_demo_split(demo_data):
    """The demo test split (tests/conftest.py: 8 images; P0029's only object is
    difficult): its own answers (gt_text, difficult objects included) score 1.0 under
    ``ignore_mode='devkit'`` in any order; under mmrotate's rule the P0029 box is a false
    positive, which costs as soon as it is ranked before a true positive of its class."""
    from rscovlm.evaluation import offline
    from rscovlm.utils import load_config
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = load_config(osp.join(repo, 'configs', 'benchmarks', 'demo_det.py'),
                      {'data_root': demo_data})
    assert cfg.test_evaluator['ignore_mode'] == 'mmrotate'  # the config names its rule
    dataset = offline.build_dataset(cfg)
    samples, _ = offline.read_samples(dataset, progress_interval=0)
    for s in samples:
        offline.set_prediction(s, dict(pred_text=s.gt_text))
    only_difficult = [s for s in samples if len(s.ignored_instances) and not len(
        s.gt_instances)]
    assert [s.img_id for s in only_difficult] == ['P0029__112__0___0']

    def mean_ap(samples, mode):
        cfg.test_evaluator['ignore_mode'] = mode
        evaluator = offline.build_evaluator(cfg, dataset.metainfo)
        return offline.evaluate(evaluator, samples, progress_interval=0)['dota/mAP']

    assert mean_ap(samples, 'devkit') == 1.0
    first = only_difficult + [s for s in samples if s not in only_difficult]
    assert mean_ap(first, 'devkit') == 1.0
    # mmrotate's rule, P0029 (a difficult large vehicle) first: large-vehicle (3 GT) ranks
    # FP TP TP TP -> precision 1/2 2/3 3/4 at recall 1/3 2/3 1 -> AP 3/4 at all 11 points;
    # the other three classes 1 -> mAP = (3 + 3/4) / 4. In dataset order (P0029 after the
    # other large vehicles) the FP comes last and costs nothing.
    assert mean_ap(first, 'mmrotate') == pytest.approx(3.75 / 4, abs=1e-6)
    assert mean_ap(samples, 'mmrotate') == 1.0


def test_perfect_answers_on_the_full_demo_test_split(tmp_path):
    """The demo's own test split (tools/misc/generate_demo_data.py data/demo: 200 images,
    ids P16001..P16200; written alone with ``only=('test', )``, identical to a full run):
    perfect answers score 1.0 under ``ignore_mode='devkit'`` and, under mmrotate's rule
    (the config's), the value the comments of demo_det.py and demo_multitask.py state,
    the five correct boxes of the images that hold only a difficult object being false
    positives."""
    import re
    from rscovlm.datasets.demo import generate_demo_dataset
    from rscovlm.evaluation import offline
    from rscovlm.utils import load_config
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    generate_demo_dataset(str(tmp_path), only=('test', ))  # the defaults of the tool
    documented = []
    for name in ('demo_det.py', 'demo_multitask.py'):
        with open(osp.join(repo, 'configs', 'benchmarks', name), encoding='utf-8') as f:
            documented += re.findall(r'perfect answers score (\d\.\d{4})\b', f.read())
    assert len(documented) == 2 and len(set(documented)) == 1, documented

    cfg = load_config(osp.join(repo, 'configs', 'benchmarks', 'demo_det.py'),
                      {'data_root': str(tmp_path)})
    assert cfg.test_evaluator['ignore_mode'] == 'mmrotate'
    dataset = offline.build_dataset(cfg)
    samples, _ = offline.read_samples(dataset, progress_interval=0)
    assert [s.img_id for s in samples] == [f'P{i}__112__0___0' for i in range(16001, 16201)]
    for s in samples:
        offline.set_prediction(s, dict(pred_text=s.gt_text))
    only_difficult = [s.img_id[1:6] for s in samples
                      if len(s.ignored_instances) and not len(s.gt_instances)]
    assert only_difficult == ['16006', '16040', '16049', '16153', '16194']

    def mean_ap(mode):
        cfg.test_evaluator['ignore_mode'] = mode
        evaluator = offline.build_evaluator(cfg, dataset.metainfo)
        return offline.evaluate(evaluator, samples, progress_interval=0)['dota/mAP']

    assert mean_ap('devkit') == 1.0
    assert round(mean_ap('mmrotate'), 4) == float(documented[0]) == 0.9902


def test_rescale_from_img_shape_to_ori_shape():
    gts = [gt(box(20, 20, 60, 40), PLANE)]
    # Written in a 50 x 50 (h, w) frame; the original is h=100, w=200:
    # x * 200/50 = 4x, y * 100/50 = 2y -> (5, 10, 15, 20) becomes (20, 20, 60, 40).
    text = line(box(5, 10, 15, 20), 'plane')
    assert evaluate([sample('a', text, gts, img_shape=(50, 50), ori_shape=(100, 200))
                     ])['dota/mAP'] == pytest.approx(1.0)
    # Same text read in the original frame: (5, 10, 15, 20) does not touch the GT.
    assert evaluate([sample('a', text, gts, img_shape=(100, 200), ori_shape=(100, 200))
                     ])['dota/mAP'] == pytest.approx(0.0)
    # h and w swapped: x * 2, y * 4 -> (10, 40, 30, 80), no overlap with y in [20, 40].
    assert evaluate([sample('a', text, gts, img_shape=(50, 50), ori_shape=(200, 100))
                     ])['dota/mAP'] == pytest.approx(0.0)


def test_parse_statistics_and_given_pred_instances():
    plane = box(10, 10, 30, 30)
    given = InstanceData(
        bboxes=instances_to_gt([gt(plane, PLANE)])[0].bboxes,
        labels=torch.tensor([PLANE]), scores=torch.ones(1))
    samples = [
        # 4 lines: 1 box, 3 malformed (6 coordinates, a float, no coordinates)
        sample('a', '\n'.join([line(plane, 'plane'), '1,2,3,4,5,6 plane',
                               '10.5,10,30,10,30,30,10,30 plane', 'not a box line']),
               [gt(plane, PLANE)]),
        # nothing parses at all: a failed sample (its one line is skipped)
        sample('b', 'Sorry, I cannot help with that.', [gt(plane, PLANE)]),
        # the empty answer
        sample('c', 'There are none.', []),
        # already parsed by the model: pred_text is NOT re-parsed, its stats are used
        sample('d', 'garbage the model did not mean', [gt(plane, PLANE)],
               pred_instances=given.to_dict(),
               parse_stats=dict(num_lines=3, num_skipped=1, failed=False)),
        # a blank answer is neither failed nor the empty answer
        sample('e', '', []),
    ]
    res = evaluate(samples)
    assert res['dota/parse/lines'] == 1 + 0 + 0 + 2 + 0
    assert res['dota/parse/skipped_lines'] == 3 + 1 + 0 + 1 + 0
    assert res['dota/parse/failed_samples'] == 1
    assert res['dota/parse/empty_answers'] == 1
    # plane: #GT 3 (a, b, d); TP in a, TP in d -> recall 1/3 2/3, precision 1 1
    #   t = 0 ... .6 -> 1 (7 points) -> AP = 7/11 (4/11 if d had been re-parsed)
    assert res['dota/mAP'] == pytest.approx(7 / 11, abs=1e-6)


def _warnings(monkeypatch):
    """The warnings the metric logs through mmengine's current logger."""
    from mmengine.logging import MMLogger
    logged = []
    monkeypatch.setattr(MMLogger.get_current_instance(), 'warning', logged.append)
    return logged


def test_parse_counts_unknown_classes_blank_answers_and_out_of_image(monkeypatch):
    from rscovlm.utils.table import format_metrics_table
    plane = box(10, 10, 30, 30)
    samples = [
        # 3 boxes: 'plane' is a class; 'car' and 'airplane' are not (scored as the
        # closest classes by fuzzy matching, as upstream, and counted)
        sample('a', '\n'.join([line(plane, 'plane'), line(S1, 'car'),
                               line(P2, 'airplane')]), [gt(plane, PLANE)]),
        # blank answers: empty, and white space only (neither failed nor empty answers)
        sample('b', '', [gt(plane, PLANE)]),
        sample('c', '  \n \n', []),
        # answered on a 0-1000 grid in a 100 x 100 image: (100, 100, 300, 300) has its
        # centre (200, 200) outside; (40, 40, 120, 120) (centre 80, 80) is inside
        sample('d', '\n'.join([line(box(100, 100, 300, 300), 'plane'),
                               line(box(40, 40, 120, 120), 'plane')]), [gt(plane, PLANE)]),
        sample('e', 'There are none.', []),
    ]
    logged = _warnings(monkeypatch)
    res = evaluate(samples)
    assert res['dota/parse/lines'] == 5
    assert res['dota/parse/unknown_class_lines'] == 2
    assert res['dota/parse/blank_answers'] == 2
    assert res['dota/parse/out_of_image_boxes'] == 1
    assert res['dota/parse/empty_answers'] == 1
    assert res['dota/parse/failed_samples'] == 0 and res['dota/parse/skipped_lines'] == 0
    # 1 of 5 boxes (20%) outside: warned once, naming the likely cause
    grid = [m for m in logged if 'outside the image' in str(m)]
    assert len(grid) == 1 and '1 of 5 parsed boxes (20%)' in grid[0]
    assert '0-1000 grid' in grid[0]
    # the results table shows every count
    table = format_metrics_table(res)
    for key in ('unknown_class_lines', 'blank_answers', 'out_of_image_boxes'):
        assert f'| dota/parse/{key} |' in table

    # fewer than 10 % of the boxes outside: no warning
    logged = _warnings(monkeypatch)
    inside = [sample(f'i{k}', line(plane, 'plane'), [gt(plane, PLANE)]) for k in range(10)]
    res = evaluate(inside + samples[3:4])
    assert res['dota/parse/out_of_image_boxes'] == 1 and res['dota/parse/lines'] == 12
    assert not [m for m in logged if 'outside the image' in str(m)]


def test_boxes_without_a_class_list_are_counted_as_unknown_class():
    """A sample parsed with no class list (its metainfo has none and no metric gave
    one) gets label -1 on every box, which no class's AP counts: all are counted."""
    from rscovlm.structures.prediction import count_out_of_image, parse_prediction
    meta = dict(codec=dict(type='QBoxCodec'), img_shape=(100, 100), ori_shape=(100, 100))
    text = '\n'.join([line(P1, 'plane'), line(S1, 'small vehicle')])
    pred, stats = parse_prediction(text, meta)
    assert pred.labels.tolist() == [-1, -1] and stats['num_unknown_class'] == 2
    pred, stats = parse_prediction(text, meta, classes=CLASSES)
    assert pred.labels.tolist() == [PLANE, SV] and stats['num_unknown_class'] == 0
    assert stats['blank'] is False and stats['num_out_of_image'] == 0
    # the centre decides: on the border counts as inside; no shape, no count
    assert count_out_of_image([box(90, 90, 110, 110), box(95, 95, 110, 110)],
                              (100, 100)) == 1
    assert count_out_of_image([box(500, 500, 600, 600)], None) == 0


def test_through_evaluator_with_data_samples():
    """The runner's path: VLMDataSample -> Evaluator (to_dict) -> metric."""
    # The model saw 50 x 50 resized images: coordinates are half the original ones.
    half_p1 = (np.array(P1) / 2).tolist()
    data_samples = []
    for img_id, text, gts in [('img1', line(half_p1, 'plane'), GTS_1),
                              ('img2', 'There are none.', GTS_2)]:
        ds = VLMDataSample(metainfo=dict(img_id=img_id, img_shape=(50, 50),
                                         ori_shape=(100, 100)))
        ds.gt_instances, ds.ignored_instances = instances_to_gt(gts)
        ds.pred_text = text
        data_samples.append(ds)
    evaluator = Evaluator(dict(type='RotatedDetMetric', nproc=1))
    evaluator.dataset_meta = dict(classes=CLASSES)
    evaluator.process(data_samples)
    res = evaluator.evaluate(2)
    # plane #GT 3, one TP -> recall 1/3, precision 1 -> 4/11; small vehicle #GT 2,
    # no detection -> 0. mAP = (4/11 + 0) / 2.
    assert res['dota/mAP'] == pytest.approx(2 / 11, abs=1e-6)
    assert res['dota/parse/lines'] == 1
    assert res['dota/parse/empty_answers'] == 1


def test_nproc(monkeypatch):
    """nproc=1 computes in-process; nproc>1 hands nproc to mmrotate's spawn pool.

    A real spawn pool costs ~10 s here (each worker imports torch and mmcv), so the pool
    is replaced by one that records how it was asked for and runs in this process.
    """
    from mmrotate.evaluation.functional import mean_ap

    from rscovlm.evaluation.functional import SerialPool

    calls = []

    class RecordingContext:

        def __init__(self, method):
            self.method = method

        def Pool(self, processes):  # noqa: N802
            calls.append((self.method, processes))
            return SerialPool()

    monkeypatch.setattr(mean_ap, 'get_context', RecordingContext)
    samples = [sample('img1', '\n'.join([line(P1, 'plane'), line(PLANE_FP, 'plane')]),
                      GTS_1),
               sample('img2', line(S2, 'small vehicle'), GTS_2)]
    # plane #GT 3, TP FP -> recall 1/3 1/3, precision 1 1/2 -> 4/11;
    # small vehicle #GT 2, TP -> recall 1/2 -> 6/11.
    expected = (4 / 11 + 6 / 11) / 2
    assert evaluate(samples, nproc=1)['dota/mAP'] == pytest.approx(expected, abs=1e-6)
    assert calls == []
    assert evaluate(samples, nproc=3)['dota/mAP'] == pytest.approx(expected, abs=1e-6)
    assert calls == [('spawn', 3)]
    # the swap is undone after compute_metrics
    assert mean_ap.get_context is RecordingContext


def test_in_process_pools_restores_both_libraries():
    """The one shim: mmrotate's spawn context and mmdet's Pool are swapped only inside the
    block and only for nproc <= 1."""
    from mmdet.evaluation.functional import mean_ap as mmdet_mean_ap
    from mmrotate.evaluation.functional import mean_ap as mmrotate_mean_ap

    from rscovlm.evaluation.functional import SerialPool, in_process_pools
    before = (mmrotate_mean_ap.get_context, mmdet_mean_ap.Pool)
    with in_process_pools(2):
        assert (mmrotate_mean_ap.get_context, mmdet_mean_ap.Pool) == before
    with pytest.raises(RuntimeError):
        with in_process_pools(1):
            assert isinstance(mmrotate_mean_ap.get_context('spawn').Pool(4), SerialPool)
            pool = mmdet_mean_ap.Pool(4)
            assert pool.starmap(max, [(1, 2), (4, 3)]) == [2, 4]
            raise RuntimeError
    assert (mmrotate_mean_ap.get_context, mmdet_mean_ap.Pool) == before


def test_merge_patches_format_only(tmp_path):
    prefix = tmp_path / 'dota_Task1'
    metric = build_metric(format_only=True, merge_patches=True,
                          outfile_prefix=str(prefix))
    # patch P0001__512__100___200 sits at x=100, y=200 of the original image P0001
    metric.process(None, [
        sample('P0001__512__100___200', line(P1, 'plane'), GTS_1),
        sample('P0001__512__0___0', 'There are none.', []),
    ])
    res = metric.evaluate(2)
    assert res['dota/parse/lines'] == 1
    assert (prefix / 'dota_Task1.zip').is_file()
    rows = (prefix / 'Task1_plane.txt').read_text().split()
    assert rows[:2] == ['P0001', '1.0']
    corners = np.array(rows[2:], dtype=float).reshape(4, 2)
    assert sorted(corners[:, 0].round(2).tolist()) == [110, 110, 130, 130]
    assert sorted(corners[:, 1].round(2).tolist()) == [210, 210, 230, 230]
    assert (prefix / 'Task1_small-vehicle.txt').read_text() == ''
