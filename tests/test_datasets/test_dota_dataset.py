import os.path as osp

import numpy as np
import pytest

from rscovlm.datasets import DOTADataset

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'dota', 'val')


def read_lines(img_id):
    with open(osp.join(DATA, 'annfiles', f'{img_id}.txt')) as f:
        return [l.split() for l in f if len(l.split()) >= 10 and ':' not in l.split()[0]]


def build(**kwargs):
    return DOTADataset(
        data_root=DATA, ann_file='annfiles/', data_prefix=dict(img_path='images/'),
        pipeline=[], **kwargs)


def test_loads_every_file_sorted_with_patch_ids():
    ds = build()
    ids = [ds.get_data_info(i)['img_id'] for i in range(len(ds))]
    assert ids == ['P0001__128__0___0', 'P0002__64__0___0', 'P0003__64__0___0']
    info = ds.get_data_info(0)
    assert info['img_path'] == osp.join(DATA, 'images', 'P0001__128__0___0.png')
    assert info['task'] == 'det'
    assert info['classes'] == ds.metainfo['classes']


def test_instances_match_files_and_difficult_is_ignored():
    ds = build()
    classes = ds.metainfo['classes']
    n_ignored = 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        lines = read_lines(info['img_id'])
        assert len(info['instances']) == len(lines)
        for inst, line in zip(info['instances'], lines):
            np.testing.assert_allclose(inst['bbox'], [float(v) for v in line[:8]])
            assert classes[inst['bbox_label']] == line[8]
            assert inst['ignore_flag'] == int(int(line[9]) > 0)
            n_ignored += inst['ignore_flag']
    assert n_ignored >= 1  # the tiny set has a difficult object
    # diff_thr=100 keeps every object as ground truth (upstream's own val)
    keep_all = build(diff_thr=100)
    assert sum(inst['ignore_flag'] for i in range(len(keep_all))
               for inst in keep_all.get_data_info(i)['instances']) == 0


def test_empty_annotation_file_gives_empty_instances():
    ds = build()
    assert any(len(ds.get_data_info(i)['instances']) == 0 for i in range(len(ds)))


def test_unknown_class_names_the_file(tmp_path):
    (tmp_path / 'ann').mkdir()
    (tmp_path / 'ann' / 'x.txt').write_text('0 0 1 0 1 1 0 1 not-a-class 0\n')
    with pytest.raises(KeyError, match=r'x\.txt:1.*not-a-class'):
        DOTADataset(ann_file=str(tmp_path / 'ann'), data_prefix=dict(img_path=''), pipeline=[])


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='data_root'):
        DOTADataset(ann_file=str(tmp_path), data_prefix=dict(img_path=''), pipeline=[])
