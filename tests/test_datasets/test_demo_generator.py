"""Tests of the synthetic DOTA-format demo data generator."""
import filecmp
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from rscovlm.datasets.demo.generator import (BACKGROUNDS, CLASS_COLOURS, DEMO_CLASSES,
                                        dataset_is_complete, generate_demo_dataset)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPLITS = ('train', 'test')
NUM = {'train': 20, 'test': 8}
SIZE = 112
ID_RE = re.compile(r'^P(\d{4,})__112__0___0$')


def _generate(root, seed=0, **kwargs):
    params = dict(num_train=NUM['train'], num_test=NUM['test'], img_size=SIZE, seed=seed)
    params.update(kwargs)
    return generate_demo_dataset(str(root), **params)


@pytest.fixture(scope='module')
def datasets(tmp_path_factory):
    base = tmp_path_factory.mktemp('synthetic')
    start = time.time()
    summary = _generate(base / 'a', seed=0)
    elapsed = time.time() - start
    return {
        'root': base / 'a', 'summary': summary, 'elapsed': elapsed,
        'same': (base / 'b', _generate(base / 'b', seed=0)),
        'other': (base / 'c', _generate(base / 'c', seed=1)),
    }


def _ids(root, split):
    return sorted(f[:-4] for f in os.listdir(osp.join(root, split, 'annfiles')))


def _read_image(root, split, img_id):
    img = cv2.imread(osp.join(root, split, 'images', img_id + '.png'), cv2.IMREAD_UNCHANGED)
    assert img is not None
    return img[..., ::-1]  # RGB


def _parse_annfile(path):
    objects = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            assert len(parts) == 10, line
            poly = [float(v) for v in parts[:8]]
            assert parts[8] in DEMO_CLASSES
            assert parts[9] in ('0', '1')
            objects.append({'poly': poly, 'class': parts[8], 'difficult': int(parts[9])})
    return objects


def _read_meta(root, split):
    with open(osp.join(root, split, 'meta.jsonl')) as f:
        return [json.loads(line) for line in f]


def test_layout_and_ids(datasets):
    root = datasets['root']
    all_ids = []
    for split in SPLITS:
        ids = _ids(root, split)
        assert len(ids) == NUM[split]
        pngs = sorted(f[:-4] for f in os.listdir(osp.join(root, split, 'images')))
        assert pngs == ids
        for img_id in ids:
            assert ID_RE.match(img_id), img_id
        all_ids += ids
    assert len(set(all_ids)) == len(all_ids)  # unique over the splits
    assert 'P0001__112__0___0' in all_ids
    assert osp.isfile(osp.join(root, 'generation.json'))


def test_determinism(datasets):
    root = datasets['root']
    same, _ = datasets['same']
    other, _ = datasets['other']
    assert datasets['summary'] == datasets['same'][1]
    any_pixels_differ = any_ann_differ = False
    for split in SPLITS:
        for img_id in _ids(root, split):
            for name in (f'annfiles/{img_id}.txt', ):
                assert filecmp.cmp(osp.join(root, split, name), osp.join(same, split, name),
                                   shallow=False)
                any_ann_differ |= not filecmp.cmp(
                    osp.join(root, split, name), osp.join(other, split, name), shallow=False)
            img = _read_image(root, split, img_id)
            np.testing.assert_array_equal(img, _read_image(same, split, img_id))
            any_pixels_differ |= not np.array_equal(img, _read_image(other, split, img_id))
        assert filecmp.cmp(osp.join(root, split, 'meta.jsonl'),
                           osp.join(same, split, 'meta.jsonl'), shallow=False)
    assert any_pixels_differ and any_ann_differ


def test_image_independent_of_split_size(tmp_path, datasets):
    # image k of a split depends on (seed, split, k) only, not on the number of images
    _generate(tmp_path, num_train=5, num_test=0, splits=('train', ))
    for img_id in _ids(tmp_path, 'train'):
        assert filecmp.cmp(osp.join(tmp_path, 'train', 'annfiles', img_id + '.txt'),
                           osp.join(datasets['root'], 'train', 'annfiles', img_id + '.txt'),
                           shallow=False)


def test_only_the_test_split(tmp_path, datasets):
    """``only=('test', )`` writes the test split of a full run, byte for byte (the ids
    after the train split's), and nothing of train; the record says which split it holds."""
    summary = _generate(tmp_path, only=('test', ))
    assert sorted(os.listdir(tmp_path)) == ['generation.json', 'test']
    full = datasets['root']
    for sub in ('', 'images', 'annfiles'):
        ours, theirs = osp.join(tmp_path, 'test', sub), osp.join(full, 'test', sub)
        names = sorted(os.listdir(ours))
        assert names == sorted(os.listdir(theirs))
        files = [n for n in names if osp.isfile(osp.join(ours, n))]
        match, mismatch, errors = filecmp.cmpfiles(ours, theirs, files, shallow=False)
        assert match == files and not mismatch and not errors, (sub, mismatch, errors)
        assert len(files) == (6 if sub == '' else NUM['test'])  # meta.jsonl + 5 task files
    assert _ids(tmp_path, 'test')[0] == f'P{NUM["train"] + 1:04d}__112__0___0'
    assert summary['splits'] == {'test': datasets['summary']['splits']['test']}
    assert summary['parameters'] == datasets['summary']['parameters']
    params = dict(num_train=NUM['train'], num_test=NUM['test'], img_size=SIZE, seed=0)
    assert dataset_is_complete(str(tmp_path), **params, only=('test', ))
    assert not dataset_is_complete(str(tmp_path), **params)  # no train split
    with pytest.raises(ValueError, match=r"names split\(s\) \['val'\] that are not in"):
        _generate(tmp_path / 'x', only=('val', ))


def test_counts_match_summary(datasets):
    root, summary = datasets['root'], datasets['summary']
    assert set(summary['splits']) == set(SPLITS)
    for split in SPLITS:
        stats = summary['splits'][split]
        per_class = {c: 0 for c in DEMO_CLASSES}
        num_objects = num_difficult = num_empty = 0
        for img_id in _ids(root, split):
            objects = _parse_annfile(osp.join(root, split, 'annfiles', img_id + '.txt'))
            num_empty += not objects
            num_objects += len(objects)
            num_difficult += sum(o['difficult'] for o in objects)
            for o in objects:
                per_class[o['class']] += 1
        assert stats['images'] == NUM[split]
        assert stats['empty_images'] == num_empty
        assert stats['objects'] == num_objects
        assert stats['difficult'] == num_difficult
        assert stats['per_class'] == per_class


def test_polygons_inside_and_rectangular(datasets):
    root = datasets['root']
    for split in SPLITS:
        for img_id in _ids(root, split):
            height, width = _read_image(root, split, img_id).shape[:2]
            assert (height, width) == (SIZE, SIZE)
            for obj in _parse_annfile(osp.join(root, split, 'annfiles', img_id + '.txt')):
                pts = np.array(obj['poly']).reshape(4, 2)
                assert (pts >= 0).all() and (pts[:, 0] <= width).all()
                assert (pts[:, 1] <= height).all()
                sides = np.linalg.norm(pts - np.roll(pts, -1, axis=0), axis=1)
                # opposite sides equal and diagonals equal: a rectangle (up to rounding)
                assert abs(sides[0] - sides[2]) < 0.3 and abs(sides[1] - sides[3]) < 0.3
                diag = np.linalg.norm(pts[0] - pts[2]), np.linalg.norm(pts[1] - pts[3])
                assert abs(diag[0] - diag[1]) < 0.3
                # large enough for IoU 0.5 at coarse localisation (difficult ones smaller)
                assert max(sides) >= (16 if obj['difficult'] else 27)
                assert max(sides) <= 61


def test_meta_agrees_with_annfiles(datasets):
    root = datasets['root']
    for split in SPLITS:
        records = _read_meta(root, split)
        assert [r['img_id'] for r in records] == _ids(root, split)
        for rec in records:
            assert list(rec)[:5] == ['img_id', 'width', 'height', 'background',
                                     'background_colour']
            assert rec['width'] == rec['height'] == SIZE
            assert rec['background'] in BACKGROUNDS
            assert rec['background_colour'] == BACKGROUNDS[rec['background']][0]
            ann = _parse_annfile(osp.join(root, split, 'annfiles', rec['img_id'] + '.txt'))
            assert len(ann) == len(rec['objects'])
            for a, m in zip(ann, rec['objects']):
                assert a['poly'] == m['poly']
                assert a['class'] == m['class']
                assert a['difficult'] == m['difficult']
                assert m['colour'] == CLASS_COLOURS[m['class']]
                assert 0 <= m['angle'] < 180 and 0 <= m['heading'] < 360
                assert abs(m['angle'] - m['heading'] % 180) < 0.11
                # the first polygon side runs along the heading, the box's long side
                pts = np.array(m['poly']).reshape(4, 2)
                first = np.degrees(np.arctan2(*(pts[1] - pts[0])[::-1])) % 360
                assert min(abs(first - m['heading']), 360 - abs(first - m['heading'])) < 2
                assert m['size'][0] >= m['size'][1] > 0


def test_objects_are_drawn_where_annotated(datasets):
    root = datasets['root']
    rgb = {'white': (242, 242, 238), 'red': (225, 30, 30), 'cyan': (20, 215, 230),
           'yellow': (250, 215, 20)}
    for split in SPLITS:
        for rec in _read_meta(root, split):
            img = _read_image(root, split, rec['img_id']).astype(int)
            masks = []
            for obj in rec['objects']:
                cx, cy = np.array(obj['poly']).reshape(4, 2).mean(0)
                assert np.allclose((cx, cy), obj['center'], atol=0.2)
                if not obj['difficult']:  # the centre pixel has the class colour
                    pixel = img[int(cy), int(cx)]
                    assert np.abs(pixel - rgb[obj['colour']]).max() <= 16, (rec, obj)
                mask = np.zeros((SIZE, SIZE), np.uint8)
                pts = np.round(np.array(obj['poly']).reshape(4, 2)).astype(np.int32)
                cv2.fillPoly(mask, [pts], 1)
                masks.append(mask)
            if len(masks) > 1:  # objects do not overlap
                assert np.sum(masks, axis=0).max() == 1


def test_empty_images_and_difficult(tmp_path, datasets):
    root, summary = datasets['root'], datasets['summary']
    assert summary['splits']['train']['empty_images'] >= 1
    empty = [i for i in _ids(root, 'train')
             if osp.getsize(osp.join(root, 'train', 'annfiles', i + '.txt')) == 0]
    assert len(empty) == summary['splits']['train']['empty_images']
    # object counts and the difficult fraction on a larger sample
    big = _generate(tmp_path, num_train=200, num_test=0, splits=('train', ))
    stats = big['splits']['train']
    assert 5 <= stats['empty_images'] <= 15
    assert 1.5 <= stats['objects'] / stats['images'] <= 2.2
    assert 0.01 <= stats['difficult'] / stats['objects'] <= 0.12
    assert min(stats['per_class'].values()) >= 0.15 * stats['objects']
    for rec in _read_meta(tmp_path, 'train'):
        assert len(rec['objects']) <= 3


def test_runtime(datasets):
    assert datasets['elapsed'] < 5.0  # 28 images; the defaults (2,200) take ~7 s


def test_regenerate_removes_stale_files(tmp_path):
    _generate(tmp_path, num_train=6, num_test=2)
    assert dataset_is_complete(str(tmp_path), num_train=6, num_test=2, img_size=SIZE)
    assert not dataset_is_complete(str(tmp_path), num_train=6, num_test=2, seed=1,
                                   img_size=SIZE)
    _generate(tmp_path, num_train=3, num_test=2)
    assert len(_ids(tmp_path, 'train')) == 3
    assert len(os.listdir(osp.join(tmp_path, 'train', 'images'))) == 3
    assert len(_read_meta(tmp_path, 'train')) == 3
    assert dataset_is_complete(str(tmp_path), num_train=3, num_test=2, img_size=SIZE)
    os.remove(osp.join(tmp_path, 'test', 'images', _ids(tmp_path, 'test')[0] + '.png'))
    assert not dataset_is_complete(str(tmp_path), num_train=3, num_test=2, img_size=SIZE)


def test_other_image_size(tmp_path):
    summary = _generate(tmp_path, num_train=6, num_test=0, splits=('train', ), img_size=64)
    assert summary['parameters']['img_size'] == 64
    for rec in _read_meta(tmp_path, 'train'):
        assert rec['img_id'].endswith('__64__0___0')
        img = _read_image(tmp_path, 'train', rec['img_id'])
        assert img.shape == (64, 64, 3)
        for obj in rec['objects']:
            assert 0 <= min(obj['poly']) and max(obj['poly']) <= 64


def test_cli_is_idempotent(tmp_path):
    tool = osp.join(REPO_ROOT, 'tools', 'misc', 'generate_demo_data.py')
    cmd = [sys.executable, tool, str(tmp_path), '--num-train', '4', '--num-test', '2',
           '--seed', '5']
    first = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'Generated' in first.stdout
    for word in (*DEMO_CLASSES, 'captions', 'vqa', 'grounding', 'conversations'):
        assert word in first.stdout
    record = json.load(open(osp.join(tmp_path, 'generation.json')))
    assert record['parameters']['seed'] == 5
    assert record['parameters']['num_images'] == {'train': 4, 'test': 2}
    second = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'already holds' in second.stdout
    third = subprocess.run(cmd[:-1] + ['6'], capture_output=True, text=True, check=True)
    assert 'Generated' in third.stdout
