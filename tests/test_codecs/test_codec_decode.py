"""Parsing model answers back into boxes (upstream metric/dense_det.py rules)."""
import numpy as np
import pytest

from rscovlm.codecs import (HBoxCodec, ParsedBoxes, QBoxCodec, RBoxCodec, normalize_polygon,
                            poly_to_rbox_deg, rbox_deg_to_poly)

DOTA = ['baseball diamond', 'basketball court', 'bridge', 'ground track field', 'harbor',
        'helicopter', 'large vehicle', 'plane', 'roundabout', 'ship', 'small vehicle',
        'soccer ball field', 'storage tank', 'swimming pool', 'tennis court']


def check_types(res: ParsedBoxes):
    n = len(res.names)
    assert res.qboxes.shape == (n, 8) and res.qboxes.dtype == np.float32
    assert res.labels.shape == (n,) and res.labels.dtype == np.int64
    assert res.scores.shape == (n,) and res.scores.dtype == np.float32
    assert all(isinstance(name, str) for name in res.names)


def random_rects(rng, num, max_size=120):
    if num == 0:
        return np.zeros((0, 8))
    cx, cy = rng.uniform(60, 900, (2, num))
    w, h = rng.uniform(4, max_size, (2, num))
    a = rng.uniform(-180, 180, num)
    return np.stack([rbox_deg_to_poly(*p) for p in zip(cx, cy, w, h, a)])


def test_plain_qbox_basic():
    res = QBoxCodec().decode('10,0,30,20,20,30,0,10 small vehicle\n10,30,50,30,50,50,10,50 ship\n',
                             DOTA)
    check_types(res)
    np.testing.assert_array_equal(res.qboxes, [[10, 0, 30, 20, 20, 30, 0, 10],
                                               [10, 30, 50, 30, 50, 50, 10, 50]])
    assert res.labels.tolist() == [10, 9]
    assert res.names == ['small vehicle', 'ship']
    assert res.scores.tolist() == [1.0, 1.0]
    assert (res.num_lines, res.num_skipped, res.empty_answer, res.failed) == (2, 0, False, False)


def test_scale_back_to_original_frame():
    # resized 448 x 224 from an original 1024 x 512 -> sx = 1024/448, sy = 512/224
    sx, sy = 1024 / 448, 512 / 224
    res = QBoxCodec().decode('10,20,40,20,40,60,10,60 ship\n', DOTA, scale=(sx, sy))
    np.testing.assert_allclose(res.qboxes[0], np.array([10, 20, 40, 20, 40, 60, 10, 60]) *
                               np.array([sx, sy] * 4), rtol=1e-6)
    res = HBoxCodec().decode('10,20,40,60 ship', scale=(2.0, 0.5))
    np.testing.assert_array_equal(res.qboxes, [[20, 10, 80, 10, 80, 30, 20, 30]])
    res = RBoxCodec().decode('30,30,40,20,0 ship', scale=(2.0, 0.5))
    np.testing.assert_allclose(res.qboxes, [[20, 10, 100, 10, 100, 20, 20, 20]], atol=1e-4)


def test_rbox_and_hbox_decode_to_corners():
    res = RBoxCodec().decode('30,30,40,20,0 plane\n20,40,40,20,-90 ship\n', DOTA)
    np.testing.assert_allclose(res.qboxes, [[10, 20, 50, 20, 50, 40, 10, 40],
                                            [10, 60, 10, 20, 30, 20, 30, 60]], atol=1e-4)
    assert res.labels.tolist() == [7, 9]
    res = HBoxCodec().decode('1,2,3,4 harbor', DOTA)
    np.testing.assert_array_equal(res.qboxes, [[1, 2, 3, 2, 3, 4, 1, 4]])
    assert res.labels.tolist() == [4]


def test_fuzzy_label_mapping():
    text = ('1,2,3,4,5,6,7,8 small vehicles\n1,2,3,4,5,6,7,8 Large-Vehicle\n'
            '1,2,3,4,5,6,7,8   SHIP  \n1,2,3,4,5,6,7,8 storage-tanks\n')
    res = QBoxCodec().decode(text, DOTA)
    assert res.names == ['small vehicles', 'large-vehicle', 'ship', 'storage-tanks']
    assert res.labels.tolist() == [DOTA.index('small vehicle'), DOTA.index('large vehicle'),
                                   DOTA.index('ship'), DOTA.index('storage tank')]
    # no class list: labels are -1, names still parsed
    res = QBoxCodec().decode(text)
    assert res.labels.tolist() == [-1] * 4 and len(res.names) == 4
    # no cutoff, as upstream: anything maps to some class
    assert QBoxCodec().decode('1,2,3,4,5,6,7,8 zzzz', ['a', 'b']).labels.tolist()[0] in (0, 1)
    assert QBoxCodec().decode('1,2,3,4,5,6,7,8 zzzz', []).labels.tolist() == [-1]


def test_plain_malformed_lines_skipped_and_counted():
    text = '\n'.join([
        '10,0,30,20,20,30,0,10 plane',          # ok
        '10.5,0,30,20,20,30,0,10 plane',        # float -> skip
        '10,0,30,20,20,30,0,10',                # no label (no space) -> skip
        '10,0,30,20,20,30,0 plane',             # 7 coords -> skip
        '10,0,30,20,20,30,0,10,99,98 ship',     # 10 coords -> first 8
        '10,0,30,20,20,30,0,10 ',               # empty label (kept, as upstream)
        '',                                     # blank, not counted
        '   ',                                  # blank, not counted
        'a,b,c plane',                          # not ints -> skip
        'the answer is 3 planes',               # prose -> skip
        '10,0,30,20,20,30,0,10 ',  # last line: the text is stripped first -> no space -> skip
    ])
    res = QBoxCodec().decode(text, DOTA)
    check_types(res)
    assert (res.num_lines, res.num_skipped) == (9, 6)
    assert res.names == ['plane', 'ship', '']
    np.testing.assert_array_equal(res.qboxes, [[10, 0, 30, 20, 20, 30, 0, 10]] * 3)
    assert res.labels.tolist()[:2] == [7, 9]
    # rbox keeps the first 5 values, hbox the first 4
    res = RBoxCodec().decode('30,30,40,20,0,7,7 plane\n30,30,40,20 plane\n', DOTA)
    assert (len(res), res.num_lines, res.num_skipped) == (1, 2, 1)
    res = HBoxCodec().decode('1,2,3,4,5 plane\n1,2,3 plane\n', DOTA)
    assert (len(res), res.num_skipped) == (1, 1)
    np.testing.assert_array_equal(res.qboxes, [[1, 2, 3, 2, 3, 4, 1, 4]])


def test_empty_answer_and_failed():
    for text in ['There are none.', 'there are none', '  THERE ARE NONE..\n']:
        res = QBoxCodec().decode(text, DOTA)
        check_types(res)
        assert res.empty_answer and not res.failed and len(res) == 0
    for text in [None, '', '   \n ']:
        res = QBoxCodec().decode(text, DOTA)
        assert not res.empty_answer and not res.failed and len(res) == 0
    res = QBoxCodec().decode('I cannot see any plane here.', DOTA)
    assert res.failed and not res.empty_answer and (res.num_lines, res.num_skipped) == (1, 1)
    assert not QBoxCodec().decode('1,2,3,4,5,6,7,8 plane', DOTA).failed


def test_huge_numbers_are_skipped():
    big = '9' * 400  # fits a Python int, not a float
    res = QBoxCodec().decode(f'{big},1,2,3,4,5,6,7 plane\n1,2,3,4,5,6,7,8 ship', DOTA)
    assert res.names == ['ship'] and res.num_skipped == 1
    # 1e60 is inf in float32; an angle of 1e400 is not a float at all
    res = RBoxCodec().decode(f'1,1,{"9" * 60},1,0 plane\n1,1,1,1,{big} ship', DOTA)
    assert len(res) == 0 and res.num_skipped == 2 and res.failed
    assert len(QBoxCodec().decode('9' * 5000 + ',1,2,3,4,5,6,7 plane')) == 0


def test_json_decode():
    text = ('```json\n[\n\t{"quadrant bbox": [10, 0, 30, 20, 20, 30, 0, 10], "label": "Plane"},\n'
            '\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8, 9], "label": "ship"},\n'
            '\t{"quadrant bbox": [1.5, 2, 3, 4, 5, 6, 7, 8], "label": "ship"},\n'
            '\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7], "label": "ship"},\n'
            '\t{"bbox_2d": [1, 2, 3, 4], "label": "ship"},\n'
            '\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8]},\n'
            '\t[1, 2]\n]\n```')
    res = QBoxCodec(fmt='json').decode(text, DOTA)
    check_types(res)
    assert res.names == ['plane', 'ship'] and res.labels.tolist() == [7, 9]
    np.testing.assert_array_equal(res.qboxes, [[10, 0, 30, 20, 20, 30, 0, 10],
                                               [1, 2, 3, 4, 5, 6, 7, 8]])
    assert (res.num_lines, res.num_skipped) == (7, 5)
    # without fences, and a lone object
    res = HBoxCodec(fmt='json').decode('{"bbox_2d": [1, 2, 3, 4], "label": "ship"}', DOTA)
    np.testing.assert_array_equal(res.qboxes, [[1, 2, 3, 2, 3, 4, 1, 4]])
    res = RBoxCodec(fmt='json').decode('[{"oriented bbox": [30, 30, 40, 20, 0], "label": "x"}]')
    np.testing.assert_allclose(res.qboxes, [[10, 20, 50, 20, 50, 40, 10, 40]], atol=1e-4)


@pytest.mark.parametrize('text, names', [
    # parentheses instead of brackets
    ('```json\n[\n\t{"quadrant bbox": (1, 2, 3, 4, 5, 6, 7, 8), "label": "ship"}\n]\n```',
     ['ship']),
    # repeated commas and missing commas between numbers
    ('```json\n[\n\t{"quadrant bbox": [1,, 2, 3 4, 5,,, 6, 7 8], "label": "ship"}\n]\n```',
     ['ship']),
    # a repeated "label":
    ('```json\n[\n\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8], "label": "label": "plane"}\n]\n```',
     ['plane']),
    # a truncated answer: the complete lines survive
    ('```json\n[\n\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8], "label": "ship"},\n'
     '\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8], "label": "plane"},\n\t{"quadrant bbox": [1, 2',
     ['ship', 'plane']),
    # one broken item in the middle
    ('```json\n[\n\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8], "label": "ship"},\n'
     '\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8] "label": "harbor"},\n'
     '\t{"quadrant bbox": [1, 2, 3, 4, 5, 6, 7, 8], "label": "plane"}\n]\n```',
     ['ship', 'plane']),
])
def test_json_repair(text, names):
    res = QBoxCodec(fmt='json').decode(text, DOTA)
    check_types(res)
    assert res.names == names
    np.testing.assert_array_equal(res.qboxes, [[1, 2, 3, 4, 5, 6, 7, 8]] * len(names))
    assert res.labels.tolist() == [DOTA.index(n) for n in names]


def test_json_garbage_fails_cleanly():
    for text in ['```json\n[\n\t{"quadrant bbox": [1, 2', 'not json at all', '```json\n```']:
        res = QBoxCodec(fmt='json').decode(text, DOTA)
        check_types(res)
        assert len(res) == 0 and res.failed
    assert QBoxCodec(fmt='json').decode('There are none.', DOTA).empty_answer


@pytest.mark.parametrize('fmt', ['plain', 'json'])
@pytest.mark.parametrize('clockwise', [True, False])
def test_round_trip_qbox(fmt, clockwise):
    rng = np.random.default_rng(0)
    codec = QBoxCodec(fmt=fmt, clockwise=clockwise)
    for _ in range(30):
        num = int(rng.integers(1, 25))
        polys = np.concatenate([random_rects(rng, num // 2),
                                rng.uniform(0, 1000, (num - num // 2, 8))])  # arbitrary quads too
        labels = rng.integers(0, len(DOTA), num)
        res = codec.decode(codec.encode(polys, [DOTA[i] for i in labels], ranks=labels), DOTA)
        check_types(res)
        assert len(res) == num and res.num_skipped == 0
        # same objects in the encoded order: (rank, y1, x1) of the int polygons
        int_polys = np.trunc(polys).astype(np.int64)
        order = sorted(range(num), key=lambda i: (labels[i], int_polys[i, 1::2].min(),
                                                  int_polys[i, 0::2].min()))
        assert res.labels.tolist() == labels[order].tolist()
        expected = [normalize_polygon(int_polys[i], clockwise) for i in order]
        np.testing.assert_array_equal(res.qboxes, expected)
        # the decoded vertices are the int vertices, in another order
        for got, i in zip(res.qboxes, order):
            assert sorted(got.reshape(4, 2).tolist()) == sorted(int_polys[i].reshape(4, 2).tolist())


@pytest.mark.parametrize('fmt', ['plain', 'json'])
def test_round_trip_rbox(fmt):
    rng = np.random.default_rng(1)
    codec = RBoxCodec(fmt=fmt)
    polys = random_rects(rng, 300)
    labels = rng.integers(0, len(DOTA), 300)
    res = codec.decode(codec.encode(polys, [DOTA[i] for i in labels], sort=False), DOTA)
    check_types(res)
    assert len(res) == 300 and res.labels.tolist() == labels.tolist()
    for got, poly in zip(res.qboxes, polys):
        ref = np.trunc(poly).reshape(4, 2)
        # each corner close to a corner of the int polygon: int() of cx, cy, w, h and of
        # the angle (< 1 deg) move the corners by a few pixels at most
        dist = np.linalg.norm(got.reshape(4, 2)[:, None] - ref[None], axis=2).min(axis=1)
        assert dist.max() < 3.5
        # re-encoding the decoded corners gives back (almost) the same text values
        a, b = np.array(poly_to_rbox_deg(got)), np.array(poly_to_rbox_deg(ref))
        assert np.abs(a[:4] - b[:4]).max() <= 2
        if a[2] >= 30 and a[2] - a[3] >= 10:  # the angle of a near-square is unstable
            assert abs((a[4] - b[4] + 90) % 180 - 90) <= 2


@pytest.mark.parametrize('fmt', ['plain', 'json'])
def test_round_trip_hbox(fmt):
    rng = np.random.default_rng(2)
    codec = HBoxCodec(fmt=fmt)
    polys = rng.uniform(0, 1000, (100, 8))
    res = codec.decode(codec.encode(polys, ['ship'] * 100, sort=False), DOTA, scale=(1.0, 1.0))
    ip = np.trunc(polys)
    x1, y1, x2, y2 = ip[:, 0::2].min(1), ip[:, 1::2].min(1), ip[:, 0::2].max(1), ip[:, 1::2].max(1)
    np.testing.assert_array_equal(res.qboxes, np.stack([x1, y1, x2, y1, x2, y2, x1, y2], 1))
    assert res.labels.tolist() == [DOTA.index('ship')] * 100


def test_round_trip_with_scale():
    # boxes in an original 1000 x 800 frame, resized to 560 x 448 for the model
    rng = np.random.default_rng(4)
    sx, sy = 1000 / 560, 800 / 448
    polys = rng.uniform(0, 1, (50, 8)) * np.tile([560, 448], 4)
    codec = QBoxCodec()
    res = codec.decode(codec.encode(polys, ['plane'] * 50, sort=False), DOTA, scale=(sx, sy))
    expected = [normalize_polygon(p) * np.array([sx, sy] * 4) for p in np.trunc(polys)]
    np.testing.assert_allclose(res.qboxes, expected, rtol=1e-6)
