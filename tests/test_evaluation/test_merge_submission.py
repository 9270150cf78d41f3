"""Merged evaluation of patches (RotatedDetMetric(merge_patches=True)) and the DOTA Task1
submission files, with hand-computed values.

Two generated images split online into 128 px patches with gap 32 (PatchSplitDataset):

* ``big`` 300 x 250: windows x 0, 96, 172 x y 0, 96, 122 (9). Its objects and the
  patches that keep them (IoF >= 0.7): A plane 1 patch, B small vehicle 4 (it sits in the
  overlap of four windows), C ship (difficult) 2, D storage tank 2, F large vehicle 2
  (truncated in one of them): 11 patch boxes for 5 objects;
* ``other`` 200 x 150: windows x 0, 72 x y 0, 22 (4). One plane P, x 60..90: in the
  windows at x 0 (y 0 and 22); the windows at x 72 hold 18 of its 30 px (IoF 0.6 < 0.7):
  2 patch boxes.

"Predictions" are every patch's ground truth in patch pixels, so each duplicate on an
overlap is the same box: the merge (shift by the patch offset of the name, per-class
rotated NMS at IoU 0.1) leaves 6 boxes of 13, equal to the full-image ground truth, and
the mAP on the full images is 1.0 (ship has only a difficult object: no AP of its own).
"""
import math
import os.path as osp
import sys
import zipfile

import cv2
import numpy as np
import pytest
import torch

from rscovlm.evaluation.metrics.rotated_det_metric import merge_patch_predictions
from rscovlm.registry import CODECS, DATASETS, METRICS
from rscovlm.structures import instances_to_gt

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def rotated(cx, cy, w, h, deg):
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    pts = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        pts += [round(cx + dx * c - dy * s, 1), round(cy + dx * s + dy * c, 1)]
    return pts


def box(x1, y1, x2, y2):
    return [x1, y1, x2, y1, x2, y2, x1, y2]


BIG = [(rotated(40, 40, 30, 16, 30), 'plane', 0),
       (rotated(110, 108, 12, 8, 30), 'small-vehicle', 0),
       (box(240, 195, 260, 205), 'ship', 1),
       (box(190, 35, 210, 45), 'storage-tank', 0),
       (box(100, 20, 136, 30), 'large-vehicle', 0)]
OTHER = [(box(60, 40, 90, 60), 'plane', 0)]


def write_dota(root, split, img_id, shape, objects, seed=0):
    img_dir, ann_dir = root / split / 'images', root / split / 'labelTxt'
    img_dir.mkdir(parents=True, exist_ok=True)
    ann_dir.mkdir(parents=True, exist_ok=True)
    img = np.random.default_rng(seed).integers(0, 256, shape + (3, ), dtype=np.uint8)
    assert cv2.imwrite(str(img_dir / f'{img_id}.png'), img)
    lines = ['imagesource:GoogleEarth', 'gsd:0.15'] + [
        ' '.join(f'{v:g}' for v in poly) + f' {name} {diff}' for poly, name, diff in objects]
    (ann_dir / f'{img_id}.txt').write_text('\n'.join(lines) + '\n')


@pytest.fixture
def root(tmp_path):
    write_dota(tmp_path, 'val', 'big', (250, 300), BIG)
    write_dota(tmp_path, 'val', 'other', (150, 200), OTHER, seed=1)
    return tmp_path


def split_dataset(root, **kwargs):
    return DATASETS.build(dict(
        type='PatchSplitDataset', patch_size=128, gap=32,
        dataset=dict(type='DOTADataset', data_root=str(root), ann_file='val/labelTxt/',
                     data_prefix=dict(img_path='val/images/'), test_mode=True), **kwargs))


def gt_predictions(dataset, box_type='rbox', skip=()):
    """One sample per patch whose prediction is the patch's every object (patch pixels,
    score 1.0), as a perfect model would answer."""
    samples = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if info['ori_img_id'] in skip:
            continue
        pred, _ = instances_to_gt([dict(o, ignore_flag=0) for o in info['instances']],
                                  box_type)
        gt, ignored = instances_to_gt(info['instances'])
        samples.append(dict(
            img_id=info['img_id'], task='det', gt_instances=gt.to_dict(),
            ignored_instances=ignored.to_dict(),
            pred_instances=dict(bboxes=pred.bboxes, labels=pred.labels,
                                scores=torch.ones(len(pred.labels)))))
    return samples


def evaluate(dataset, samples, **kwargs):
    metric = METRICS.build(dict(type='RotatedDetMetric', merge_patches=True, **kwargs))
    metric.dataset_meta = dataset.metainfo
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def test_merged_map_is_one_and_the_duplicates_are_suppressed(root):
    dataset = split_dataset(root)
    assert len(dataset) == 9 + 4
    samples = gt_predictions(dataset)
    assert sum(len(s['pred_instances']['labels']) for s in samples) == 11 + 2
    res = evaluate(dataset, samples)
    assert res['dota/mAP'] == pytest.approx(1.0)
    assert res['dota/AP50'] == pytest.approx(1.0)
    assert res['dota/merge/images'] == 2
    assert res['dota/merge/patch_boxes'] == 13
    assert res['dota/merge/boxes'] == 6  # 7 duplicates removed by NMS

    # the merged boxes are the full-image ground truth, one per object
    merged, total = merge_patch_predictions(
        [dict(img_id=s['img_id'], **{k: v.numpy() for k, v in s['pred_instances'].items()})
         for s in samples], len(dataset.metainfo['classes']), 'rbox', 0.1)
    assert total == 13 and list(merged) == ['big', 'other']
    classes = dataset.metainfo['classes']
    for img_id, objects in (('big', BIG), ('other', OTHER)):
        full, _ = instances_to_gt([dict(bbox=p, bbox_label=classes.index(c), ignore_flag=0)
                                   for p, c, _ in objects])
        for gt_box, label in zip(full.bboxes.numpy(), full.labels.tolist()):
            dets = merged[img_id][label]
            assert dets.shape == (1, 6), (img_id, classes[label])
            np.testing.assert_allclose(dets[0, :5], gt_box, atol=1e-4)
            assert dets[0, 5] == 1.0


def test_an_image_without_predictions_counts_its_full_ground_truth(root):
    dataset = split_dataset(root)
    res = evaluate(dataset, gt_predictions(dataset, skip=('other', )))
    # plane: GT A (big) and P (other), only A found -> recall 1/2, precision 1 -> 6/11;
    # small vehicle, storage tank, large vehicle 1.0; ship has no non-difficult GT
    assert res['dota/mAP'] == pytest.approx((6 / 11 + 3) / 4, abs=1e-6)
    assert res['dota/merge/images'] == 1 and res['dota/merge/boxes'] == 5


def test_qbox_merge_and_task1_lines_exactly(tmp_path):
    """Hand-made qbox predictions: the Task1 lines are the shifted polygons, NMS keeps the
    higher-scored copy of the ship, scores are rounded to 0.01 (mmrotate's format)."""
    prefix = tmp_path / 'sub' / 'Task1'
    metric = METRICS.build(dict(type='RotatedDetMetric', predict_box_type='qbox',
                                merge_patches=True, format_only=True,
                                outfile_prefix=str(prefix)))
    metric.dataset_meta = dict(classes=('plane', 'ship'))

    def sample(img_id, polys, labels, scores):
        empty = dict(bboxes=torch.zeros(0, 8), labels=torch.zeros(0, dtype=torch.long))
        return dict(img_id=img_id, gt_instances=empty, ignored_instances=empty,
                    pred_instances=dict(bboxes=torch.tensor(polys, dtype=torch.float32),
                                        labels=torch.tensor(labels),
                                        scores=torch.tensor(scores)))

    metric.process(None, [
        sample('img1__128__0___0', [box(10, 10, 30, 20), box(100, 50, 120, 60)], [0, 1],
               [0.9, 0.8]),
        # the same ship seen from the patch at x 96 (lower score: suppressed), a plane
        sample('img1__128__96___0', [box(4, 50, 24, 60), box(50.5, 70.25, 60.5, 80.25)],
               [1, 0], [0.75, 0.456]),
        sample('img2__128__0___32', [box(1, 2, 11, 12)], [0], [1.0]),
    ])
    res = metric.evaluate(3)
    assert 'dota/mAP' not in res  # format_only: files, no metric
    assert (res['dota/merge/patch_boxes'], res['dota/merge/boxes']) == (5, 4)
    assert (prefix / 'Task1_plane.txt').read_text().splitlines() == [
        'img1 0.9 10.00 10.00 30.00 10.00 30.00 20.00 10.00 20.00',
        'img1 0.46 146.50 70.25 156.50 70.25 156.50 80.25 146.50 80.25',
        'img2 1.0 1.00 34.00 11.00 34.00 11.00 44.00 1.00 44.00']
    assert (prefix / 'Task1_ship.txt').read_text().splitlines() == [
        'img1 0.8 100.00 50.00 120.00 50.00 120.00 60.00 100.00 60.00']
    with zipfile.ZipFile(prefix / 'Task1.zip') as z:
        assert z.namelist() == ['Task1_plane.txt', 'Task1_ship.txt']
        assert z.read('Task1_ship.txt').decode() == (prefix / 'Task1_ship.txt').read_text()


def test_rbox_submission_matches_the_merge_and_keeps_an_existing_folder(root, tmp_path):
    dataset = split_dataset(root, patch_instances=True)
    prefix = tmp_path / 'out' / 'Task1'
    prefix.mkdir(parents=True)  # an earlier run's folder: kept, the files go elsewhere
    (prefix / 'old.txt').write_text('x')
    res = evaluate(dataset, gt_predictions(dataset), outfile_prefix=str(prefix))
    assert res['dota/mAP'] == pytest.approx(1.0)  # format_only=False: files and mAP
    assert sorted(p.name for p in prefix.iterdir()) == ['old.txt']
    [folder] = [p for p in (tmp_path / 'out').iterdir() if p.name != 'Task1']
    written = folder / 'Task1'
    classes = dataset.metainfo['classes']
    with zipfile.ZipFile(written / 'Task1.zip') as z:
        assert z.namelist() == [f'Task1_{c}.txt' for c in classes]
    lines = {c: (written / f'Task1_{c}.txt').read_text().splitlines() for c in classes}
    assert sum(len(v) for v in lines.values()) == res['dota/merge/boxes'] == 6
    # mmrotate's files hold the same boxes: corners of the ground-truth polygons
    for img_id, objects in (('big', BIG), ('other', OTHER)):
        for poly, name, _ in objects:
            [row] = [r.split() for r in lines[name] if r.split()[0] == img_id]
            assert row[1] == '1.0'
            corners = sorted(np.array(row[2:], float).reshape(4, 2).tolist())
            # minAreaRect of the 0.1 px-rounded polygon, back to corners: within 0.1 px
            np.testing.assert_allclose(
                corners, sorted(np.array(poly, float).reshape(4, 2).tolist()), atol=0.1)


def test_errors_name_the_cause(root):
    dataset = split_dataset(root)
    samples = gt_predictions(dataset)[:1]
    metric = METRICS.build(dict(type='RotatedDetMetric', merge_patches=True))
    metric.dataset_meta = dict(classes=dataset.metainfo['classes'])  # no full_gt
    with pytest.raises(ValueError, match="dataset_meta has no 'full_gt'.*PatchSplitDataset"):
        metric.process(None, samples)
    metric.dataset_meta = dataset.metainfo
    with pytest.raises(ValueError, match="img_id 'big' is not a patch name"):
        metric.process(None, [dict(samples[0], img_id='big')])


def _dota_split(argv):
    tools = osp.join(REPO, 'tools', 'dataset_converters')
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import dota_split
    return dota_split.main(argv)


def _text_samples(dataset, codec_cfg, answers):
    """Samples with generated text: ``answers[img_id] = [(poly in patch pixels, name)]``;
    the answer frame is the patch (img_shape = ori_shape = the patch size)."""
    from rscovlm.codecs import normalize_class_name
    codec = CODECS.build(codec_cfg)
    samples = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        objects = answers.get(info['img_id'], [])
        text = codec.encode(np.array([p for p, _ in objects], float).reshape(-1, 8),
                            [normalize_class_name(n) for _, n in objects])
        gt, ignored = instances_to_gt(info.get('instances', []))
        samples.append(dict(img_id=info['img_id'], task='det', pred_text=text,
                            img_shape=(1024, 1024), ori_shape=(1024, 1024),
                            gt_instances=gt.to_dict(), ignored_instances=ignored.to_dict()))
    return samples


def _config_parts(config, data_root, **options):
    from mmengine.evaluator import Evaluator

    from rscovlm.utils import build_gt_dataset, load_config
    cfg = load_config(osp.join(REPO, 'configs', 'benchmarks', config),
                      dict(data_root=str(data_root), **options))
    dataset = build_gt_dataset(cfg)
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = dataset.metainfo
    return cfg, dataset, evaluator


def test_online_split_val_config_scores_the_merged_images(tmp_path):
    """configs/benchmarks/dota-v1.0_val_online-split1024.py on a 1100 x 900 image: ss_1024
    gives windows x 0 and 1100 - 1024 = 76 (y: one window, padded to 1024). The plane
    x 500..540 is in both patches, the ship x 1050..1080 only in the second."""
    plane, ship = box(500, 100, 540, 120), box(1050, 300, 1080, 320)
    write_dota(tmp_path, 'val', 'P0001', (900, 1100), [(plane, 'plane', 0), (ship, 'ship', 0)])
    cfg, dataset, evaluator = _config_parts('dota-v1.0_val_online-split1024.py', tmp_path)
    ids = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]
    assert ids == ['P0001__1024__0___0', 'P0001__1024__76___0']
    shift = lambda poly, x: [v - x if k % 2 == 0 else v for k, v in enumerate(poly)]  # noqa
    samples = _text_samples(dataset, cfg.test_evaluator.codec, {
        ids[0]: [(plane, 'plane')],
        ids[1]: [(shift(plane, 76), 'plane'), (shift(ship, 76), 'ship')]})
    evaluator.process(samples)
    res = evaluator.evaluate(len(samples))
    assert res['dota/mAP'] == pytest.approx(1.0)
    assert (res['dota/merge/patch_boxes'], res['dota/merge/boxes']) == (3, 2)
    assert res['dota/parse/lines'] == 3


@pytest.mark.parametrize('config, split', [
    ('dota-v1.0_test512_submission.py', 'offline'),
    ('dota-v1.0_test_online-split1024_submission.py', 'online'),
])
def test_submission_configs_write_task1_files(tmp_path, config, split):
    """The test-set configs: format_only + merge_patches -> Task1 files in full-image
    pixels. The offline one reads patches written by dota_split.py (ss_512 on 700 x 600:
    windows x 0, 188 x y 0, 88); the online one splits the raw image (ss_1024: one
    padded window)."""
    data_root = tmp_path / 'data'
    write_dota(tmp_path / 'raw', 'test', 'P0006', (600, 700), [])
    if split == 'offline':
        _dota_split(['--img-dirs', str(tmp_path / 'raw' / 'test' / 'images'),
                     '--out-dir', str(data_root / 'test'), '--preset', 'ss_512'])
    else:
        data_root = tmp_path / 'raw'
    out = tmp_path / 'work' / 'Task1'
    cfg, dataset, evaluator = _config_parts(
        config, data_root, **{'test_evaluator.outfile_prefix': str(out)})
    ids = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]
    if split == 'offline':
        assert ids == ['P0006__512__0___0', 'P0006__512__0___88', 'P0006__512__188___0',
                       'P0006__512__188___88']
    else:
        assert ids == ['P0006__1024__0___0']
    # the same answer in every patch: a plane at x 10..40, y 10..30 of the patch
    samples = _text_samples(dataset, cfg.test_evaluator.codec,
                            {i: [(box(10, 10, 40, 30), 'plane')] for i in ids})
    evaluator.process(samples)
    res = evaluator.evaluate(len(samples))
    assert 'dota/mAP' not in res and res['dota/merge/boxes'] == len(ids)
    rows = [r.split() for r in (out / 'Task1_plane.txt').read_text().splitlines()]
    assert [r[:2] for r in rows] == [['P0006', '1.0']] * len(ids)
    offsets = sorted(ps_offset(i) for i in ids)
    found = sorted(tuple(np.array(r[2:], float).reshape(4, 2).min(axis=0).round(2) - 10)
                   for r in rows)
    assert found == offsets
    with zipfile.ZipFile(out / 'Task1.zip') as z:
        assert len(z.namelist()) == 15 and 'Task1_plane.txt' in z.namelist()


def ps_offset(name):
    from rscovlm.datasets.patch_windows import parse_patch_name
    _, x, y = parse_patch_name(name)
    return (float(x), float(y))


def test_tools_test_runs_the_online_split_config(tmp_path):
    """tools/test.py end to end: the tiny random-init model on two generated full-size
    images, configs/benchmarks/dota-v1.0_val_online-split1024.py split at 128 px (gap 32):
    13 patches answered, merged back into 2 images, scored against their labelTxt."""
    import json

    from tool_runner import run
    write_dota(tmp_path, 'val', 'P0001', (250, 300), BIG)
    write_dota(tmp_path, 'val', 'P0002', (150, 200), OTHER, seed=1)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(
        f"_base_ = ['{REPO}/configs/_base_/models/qwen2.5-vl-tiny.py',\n"
        f"          '{REPO}/configs/benchmarks/dota-v1.0_val_online-split1024.py',\n"
        f"          '{REPO}/configs/_base_/default_runtime.py']\n"
        "test_cfg = dict(type='TestLoop')\nval_dataloader = None\nval_evaluator = None\n"
        "val_cfg = None\n")
    preds = tmp_path / 'preds.jsonl'
    log = run([sys.executable, 'tools/test.py', str(cfg), '--work-dir', str(tmp_path / 'w'),
               '--out', str(preds), '--cfg-options', f'data_root={tmp_path}',
               'test_dataloader.dataset.patch_size=128', 'test_dataloader.dataset.gap=32',
               'test_dataloader.num_workers=0', 'test_dataloader.batch_size=4',
               'model.generation_cfg.max_new_tokens=8'])
    assert '| dota/merge/images | 2 |' in log
    lines = [json.loads(line) for line in preds.read_text().splitlines()]
    assert [p['img_id'] for p in lines[:3]] == ['P0001__128__0___0', 'P0001__128__0___96',
                                                'P0001__128__0___122']
    assert len(lines) == 13 and lines[0]['ori_shape'] == [128, 128]
    results = json.loads(sorted((tmp_path / 'w').glob('*/results.json'))[-1].read_text())
    assert 0.0 <= results['metrics']['dota/mAP'] <= 1.0
