"""Online patch splitting (PatchSplitDataset + LoadImages crop) against hand-computed
windows and against the offline converter (tools/dataset_converters/dota_split.py).

The generated image ``big.png`` is 300 x 250 (w x h); 128 px windows with gap 32 step
by 96: x starts 0, 96, 192 -> the last moved back to 300 - 128 = 172; y starts 0, 96,
192 -> 250 - 128 = 122. Every window lies inside the image (image rate 1), so nine
windows, x-major. Objects (DOTA labelTxt, axis-aligned or rotated by 30 degrees):

  A plane          rotated, centre (40, 40)          only in window (0, 0)
  B small-vehicle  rotated, centre (110, 108)        in the four windows x, y in {0, 96}
  C ship           x 240..260, y 195..205            windows (172, 96) and (172, 122)
  D storage-tank   x 190..210, y 35..45              windows (96, 0) and (172, 0)
  F large-vehicle  x 100..136, y 20..30              window (96, 0) whole; window (0, 0)
                   holds 28 of its 36 px width (IoF 0.78 >= 0.7: kept, truncated ->
                   difficulty 2, ignored with diff_thr 0); window (172, 0) none
"""
import math
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from rscovlm.datasets import PatchSplitDataset
from rscovlm.datasets import patch_windows as ps
from rscovlm.datasets.transforms import LoadImages
from rscovlm.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONVERTER_DATA = osp.join(REPO, 'tests', 'data', 'converters', 'dota')
TOOLS = osp.join(REPO, 'tools', 'dataset_converters')
DOTA_CLASSES = ('plane', 'baseball-diamond', 'bridge', 'ground-track-field', 'small-vehicle',
                'large-vehicle', 'ship', 'tennis-court', 'basketball-court', 'storage-tank',
                'soccer-ball-field', 'roundabout', 'harbor', 'swimming-pool', 'helicopter')


def rotated(cx, cy, w, h, deg):
    """Corners of a rotated rectangle, rounded to 0.1 px (as a labelTxt would hold)."""
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    pts = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        pts += [round(cx + dx * c - dy * s, 1), round(cy + dx * s + dy * c, 1)]
    return pts


def box(x1, y1, x2, y2):
    return [x1, y1, x2, y1, x2, y2, x1, y2]


BIG_OBJECTS = {
    'A': (rotated(40, 40, 30, 16, 30), 'plane', 0),
    'B': (rotated(110, 108, 12, 8, 30), 'small-vehicle', 0),
    'C': (box(240, 195, 260, 205), 'ship', 1),
    'D': (box(190, 35, 210, 45), 'storage-tank', 0),
    'F': (box(100, 20, 136, 30), 'large-vehicle', 0),
}
BIG_WINDOWS = [(x, y) for x in (0, 96, 172) for y in (0, 96, 122)]
# objects per window (x, y): name -> truncated?
BIG_PATCH_OBJECTS = {
    (0, 0): {'A': False, 'B': False, 'F': True},
    (0, 96): {'B': False},
    (0, 122): {},
    (96, 0): {'B': False, 'D': False, 'F': False},
    (96, 96): {'B': False},
    (96, 122): {},
    (172, 0): {'D': False},
    (172, 96): {'C': False},
    (172, 122): {'C': False},
}


def write_dota(root, img_id, img, objects):
    """``root/images/<id>.png`` and ``root/labelTxt/<id>.txt`` (DOTA header lines too)."""
    (root / 'images').mkdir(parents=True, exist_ok=True)
    (root / 'labelTxt').mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(root / 'images' / f'{img_id}.png'), img)
    lines = ['imagesource:GoogleEarth', 'gsd:0.15']
    for poly, name, diff in objects:
        lines.append(' '.join(f'{v:g}' for v in poly) + f' {name} {diff}')
    (root / 'labelTxt' / f'{img_id}.txt').write_text('\n'.join(lines) + '\n')


def noise_image(height, width, seed):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.fixture
def big_root(tmp_path):
    write_dota(tmp_path, 'big', noise_image(250, 300, 0), BIG_OBJECTS.values())
    return tmp_path


def build(root, test_mode=True, ann=True, **kwargs):
    inner = dict(type='DOTADataset', data_root=str(root),
                 ann_file='labelTxt/' if ann else '', data_prefix=dict(img_path='images/'),
                 test_mode=test_mode, pipeline=[dict(type='LoadImages')])
    return DATASETS.build(dict(type='PatchSplitDataset', dataset=inner, **kwargs))


# ---------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------
def test_windows_of_the_hand_computed_cases_equal_the_converters():
    if TOOLS not in sys.path:
        sys.path.insert(0, TOOLS)
    import dota_split
    # the converter uses the package's geometry: one implementation
    assert dota_split.sliding_windows is ps.sliding_windows
    assert dota_split.window_iofs is ps.window_iofs
    assert dota_split.PRESETS is ps.PRESETS
    # 300 x 250, 128 / gap 32 (see the module docstring)
    expected = [(x, y, x + 128, y + 128) for x, y in BIG_WINDOWS]
    assert [tuple(w) for w in ps.sliding_windows(300, 250, [128], [32], 0.6).tolist()] == \
        expected
    # the converter test's P0001 (700 x 600) at ss_512: x 0, 312 -> 188; y 0, 312 -> 88
    sizes, gaps = ps.preset_scales('ss_512')
    assert (sizes, gaps) == ([512], [200])
    assert ps.sliding_windows(700, 600, sizes, gaps, 0.6).tolist() == [
        [0, 0, 512, 512], [0, 88, 512, 600], [188, 0, 700, 512], [188, 88, 700, 600]]
    # an image smaller than the window: its only window (rate 0.23) is kept as the best
    assert ps.sliding_windows(300, 200, sizes, gaps, 0.6).tolist() == [[0, 0, 512, 512]]
    # ss_1024 on 4000 x 4000 (a DOTA scene): step 824, starts 0, 824, 1648, 2472 and
    # 3296 -> 2976: 5 x 5 windows
    windows = ps.sliding_windows(4000, 4000, *ps.preset_scales('ss_1024'), 0.6)
    assert len(windows) == 25 and windows[-1].tolist() == [2976, 2976, 4000, 4000]
    # rates: window = size / rate
    assert ps.preset_scales('ss_1024', rates=[0.5, 1.0]) == ([2048, 1024], [400, 200])


def test_patch_names_round_trip_and_bad_settings():
    assert ps.patch_name('P0003', (824, 0, 1848, 1024)) == 'P0003__1024__824___0'
    assert ps.parse_patch_name('P0003__1024__824___0') == ('P0003', 824, 0)
    with pytest.raises(ValueError, match=r"'P0003' is not a patch name"):
        ps.parse_patch_name('P0003')
    with pytest.raises(ValueError, match='contains "__"'):
        ps.check_image_id('P0003__x')
    with pytest.raises(KeyError, match="unknown patch split preset 'ss_2048'"):
        ps.preset_scales('ss_2048')
    with pytest.raises(ValueError, match='window size 128 must be larger than the gap 200'):
        ps.preset_scales('ss_1024', sizes=128)


# ---------------------------------------------------------------------------
# the dataset
# ---------------------------------------------------------------------------
def test_big_image_patches_names_and_instances(big_root):
    dataset = build(big_root, patch_size=128, gap=32)
    assert isinstance(dataset, PatchSplitDataset) and len(dataset) == 9
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [i['img_id'] for i in infos] == [f'big__128__{x}___{y}' for x, y in BIG_WINDOWS]
    assert [i['crop'] for i in infos] == [(x, y, x + 128, y + 128) for x, y in BIG_WINDOWS]
    assert all(i['ori_img_id'] == 'big' and i['crop_padding'] == [104, 116, 124]
               for i in infos)
    classes = dataset.metainfo['classes']
    by_name = {name: (poly, cls) for (poly, cls, _), name in zip(BIG_OBJECTS.values(),
                                                                   BIG_OBJECTS)}
    for info, (x, y) in zip(infos, BIG_WINDOWS):
        expected = BIG_PATCH_OBJECTS[(x, y)]
        got = {}
        for inst in info['instances']:
            cls = classes[inst['bbox_label']]
            name = next(n for n, (_, c) in by_name.items() if c == cls)
            shifted = np.asarray(by_name[name][0], float) - [x, y] * 4
            np.testing.assert_allclose(inst['bbox'], shifted, atol=1e-9)
            got[name] = inst['ignore_flag']
        # truncated objects are difficult (2 > diff_thr 0: ignored); C is difficult (1)
        assert got == {n: int(t or n == 'C') for n, t in expected.items()}, (x, y)
    # the full-image ground truth rides in the metainfo for the merged evaluation
    full_gt = dataset.metainfo['full_gt']
    assert list(full_gt) == ['big'] and len(full_gt['big']) == 5
    assert dataset.metainfo['patch_split']['sizes'] == [128]


def test_crop_equals_the_slice_of_the_full_image(big_root):
    dataset = build(big_root, patch_size=128, gap=32)
    full = cv2.imread(str(big_root / 'images' / 'big.png'))
    for idx, (x, y) in enumerate(BIG_WINDOWS):
        out = dataset[idx]
        np.testing.assert_array_equal(out['img'], full[y:y + 128, x:x + 128])
        assert out['img_shape'] == out['ori_shape'] == (128, 128)
        assert out['img'].flags['C_CONTIGUOUS'] and out['img'].base is None  # not a view
    # header-only pass: the patch's shape, no pixels
    info = dataset.get_data_info(4)
    out = LoadImages()(dict(info, length_only=True))
    assert 'img' not in out and out['ori_shape'] == (128, 128)


def test_small_image_is_padded_like_the_converter(tmp_path):
    write_dota(tmp_path, 'small', noise_image(80, 100, 1), [])
    dataset = build(tmp_path, patch_size=128, gap=32)
    assert [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))] == \
        ['small__128__0___0']
    img = dataset[0]['img']
    full = cv2.imread(str(tmp_path / 'images' / 'small.png'))
    assert img.shape == (128, 128, 3)
    np.testing.assert_array_equal(img[:80, :100], full)
    assert (img[80:] == [104, 116, 124]).all() and (img[:, 100:] == [104, 116, 124]).all()
    assert LoadImages()(dict(dataset.get_data_info(0), length_only=True))['ori_shape'] == \
        (128, 128)
    # without padding the patch is the part inside the image, in both modes
    unpadded = build(tmp_path, patch_size=128, gap=32, padding=False)
    assert unpadded[0]['img'].shape == (80, 100, 3)
    assert LoadImages()(dict(unpadded.get_data_info(0), length_only=True))['ori_shape'] == \
        (80, 100)


def test_online_split_equals_the_offline_converter(tmp_path):
    """The converter's sample (P0001 700 x 600, P0002 300 x 200) at ss_512: same names,
    same pixels (P0002 padded) and the same objects as its annfiles read back."""
    if TOOLS not in sys.path:
        sys.path.insert(0, TOOLS)
    import dota_split
    out = tmp_path / 'split'
    dota_split.main(['--img-dirs', osp.join(CONVERTER_DATA, 'images'),
                     '--ann-dirs', osp.join(CONVERTER_DATA, 'labelTxt'),
                     '--out-dir', str(out), '--preset', 'ss_512'])
    online = DATASETS.build(dict(
        type='PatchSplitDataset', preset='ss_512',
        dataset=dict(type='DOTADataset', data_root=CONVERTER_DATA, ann_file='labelTxt/',
                     data_prefix=dict(img_path='images/'), test_mode=True, diff_thr=0,
                     pipeline=[dict(type='LoadImages')])))
    offline = DATASETS.build(dict(
        type='DOTADataset', data_root=str(out), ann_file='annfiles/',
        data_prefix=dict(img_path='images/'), test_mode=True, diff_thr=0))
    assert [online.get_data_info(i)['img_id'] for i in range(len(online))] == \
        [offline.get_data_info(i)['img_id'] for i in range(len(offline))] == [
            'P0001__512__0___0', 'P0001__512__0___88', 'P0001__512__188___0',
            'P0001__512__188___88', 'P0002__512__0___0']
    for i in range(len(online)):
        a, b = online.get_data_info(i), offline.get_data_info(i)
        assert len(a['instances']) == len(b['instances']) > 0
        assert sorted((inst['bbox_label'], [round(v, 6) for v in inst['bbox']],
                       inst['ignore_flag']) for inst in a['instances']) == \
            sorted((inst['bbox_label'], inst['bbox'], inst['ignore_flag'])
                   for inst in b['instances']), a['img_id']
        np.testing.assert_array_equal(online[i]['img'], cv2.imread(b['img_path']))


def test_test_images_without_labels_and_errors(tmp_path):
    write_dota(tmp_path, 'big', noise_image(250, 300, 0), [])
    dataset = build(tmp_path, ann=False, patch_size=128, gap=32, patch_instances=False)
    assert len(dataset) == 9 and dataset.get_data_info(8)['img_id'] == 'big__128__172___122'
    assert dataset.get_data_info(8)['instances'] == []
    assert dataset.metainfo['full_gt'] == {'big': []}
    # an image id that mmrotate's merge would cut at "__"
    (tmp_path / 'images' / 'big.png').rename(tmp_path / 'images' / 'a__b.png')
    with pytest.raises(ValueError, match=r"a__b.png: image id 'a__b' contains \"__\""):
        build(tmp_path, ann=False, patch_size=128, gap=32)
    with pytest.raises(KeyError, match="PatchSplitDataset: unknown patch split preset 'x'"):
        build(tmp_path, ann=False, preset='x')


def test_load_images_crop_errors_name_the_image(big_root):
    path = str(big_root / 'images' / 'big.png')
    with pytest.raises(ValueError, match=r"big.png: crop window \(300, 0, 428, 128\) does "
                       r'not start inside the image \(300 x 250\)'):
        LoadImages()(dict(img_path=path, crop=(300, 0, 428, 128)))
    with pytest.raises(ValueError, match=r"big.png: 'crop' must be \(x1, y1, x2, y2\)"):
        LoadImages()(dict(img_path=path, crop=(10, 0, 5, 128)))
    with pytest.raises(ValueError, match="needs a sample with one image"):
        LoadImages()(dict(img_paths=[path, path], crop=(0, 0, 128, 128)))


def test_consecutive_patches_decode_their_image_once(big_root, monkeypatch):
    dataset = build(big_root, patch_size=128, gap=32)
    loader = LoadImages()
    decoded = []
    real = loader._load
    monkeypatch.setattr(loader, '_load', lambda path: decoded.append(path) or real(path))
    full = cv2.imread(str(big_root / 'images' / 'big.png'))
    for idx, (x, y) in enumerate(BIG_WINDOWS):
        out = loader(dataset.get_data_info(idx))
        np.testing.assert_array_equal(out['img'], full[y:y + 128, x:x + 128])
    assert decoded == [str(big_root / 'images' / 'big.png')]
