"""Geometry helpers of rscovlm.codecs: exact upstream conventions."""
import numpy as np
import pytest

from rscovlm.codecs import (format_categories, hbox_to_poly, normalize_class_name,
                            normalize_polygon, poly_to_hbox, poly_to_rbox_deg,
                            rbox_deg_to_poly)

DOTA_CLASSES = ('plane', 'baseball-diamond', 'bridge', 'ground-track-field', 'small-vehicle',
                'large-vehicle', 'ship', 'tennis-court', 'basketball-court', 'storage-tank',
                'soccer-ball-field', 'roundabout', 'harbor', 'swimming-pool', 'helicopter')


def test_normalize_class_name():
    assert normalize_class_name('Small-Vehicle') == 'small vehicle'
    assert normalize_class_name('  ground-track-field ') == 'ground track field'
    assert normalize_class_name('ship') == 'ship'


def test_format_categories_dota():
    # the exact category list of the upstream DOTA prompts (reference section 4)
    assert format_categories(DOTA_CLASSES) == (
        'baseball diamond, basketball court, bridge, ground track field, harbor, helicopter, '
        'large vehicle, plane, roundabout, ship, small vehicle, soccer ball field, '
        'storage tank, swimming pool, tennis court')
    assert format_categories(['Ship', 'ship', 'a-b']) == 'a b, ship'


@pytest.mark.parametrize('start', range(4))
@pytest.mark.parametrize('reverse', [False, True])
def test_normalize_polygon_rectangle(start, reverse):
    # the same rectangle, given from any vertex in any direction
    pts = [(10, 20), (50, 20), (50, 40), (10, 40)]
    if reverse:
        pts = pts[::-1]
    pts = pts[start:] + pts[:start]
    poly = [c for p in pts for c in p]
    # clockwise on screen from the top-left vertex (min y, then min x)
    assert normalize_polygon(poly).tolist() == [10, 20, 50, 20, 50, 40, 10, 40]
    # counter-clockwise on screen (grounding), still from the top-left vertex
    assert normalize_polygon(poly, clockwise=False).tolist() == [10, 20, 10, 40, 50, 40, 50, 20]


def test_normalize_polygon_diamond():
    poly = [0, 10, 20, 30, 30, 20, 10, 0]
    assert normalize_polygon(poly).tolist() == [10, 0, 30, 20, 20, 30, 0, 10]
    assert normalize_polygon(poly, clockwise=False).tolist() == [10, 0, 0, 10, 20, 30, 30, 20]


def test_normalize_polygon_keeps_dtype_and_shape():
    out = normalize_polygon(np.array([[1.5, 2.5], [4.5, 2.5], [4.5, 6.5], [1.5, 6.5]]))
    assert out.shape == (8,) and out.dtype == np.float64
    assert out.tolist() == [1.5, 2.5, 4.5, 2.5, 4.5, 6.5, 1.5, 6.5]


def test_normalize_polygon_degenerate_does_not_raise():
    assert normalize_polygon([5, 5, 5, 5, 5, 5, 5, 5]).tolist() == [5] * 8
    # a line: the order is still a permutation of the input vertices
    out = normalize_polygon([0, 0, 10, 0, 10, 0, 0, 0]).reshape(4, 2).tolist()
    assert sorted(out) == [[0, 0], [0, 0], [10, 0], [10, 0]]


def test_poly_to_rbox_deg_axis_aligned():
    # 40 wide, 20 tall: long side horizontal -> angle 0
    assert poly_to_rbox_deg([10, 20, 50, 20, 50, 40, 10, 40]) == (30, 30, 40, 20, 0)
    # 20 wide, 40 tall: w >= h forces the long side, angle -90 (in [-90, 90))
    assert poly_to_rbox_deg([10, 20, 30, 20, 30, 60, 10, 60]) == (20, 40, 40, 20, -90)


def test_poly_to_rbox_deg_rotated():
    assert poly_to_rbox_deg([0, 10, 10, 0, 30, 20, 20, 30]) == (15, 15, 28, 14, 45)
    # exact integer rectangle: sides (40,-30) and (12,16), i.e. 50 x 20 at -36.87 deg,
    # centre (126, 93). minAreaRect works in float32 and returns 125.99998 / 49.999996,
    # which upstream's int() truncates: the exact upstream string is 125,93,49,19,-36.
    assert poly_to_rbox_deg([100, 100, 140, 70, 152, 86, 112, 116]) == (125, 93, 49, 19, -36)
    # the input polygon is int()-truncated first
    assert poly_to_rbox_deg([10.9, 20.9, 50.9, 20.2, 50.1, 40.7, 10.5, 40.1]) == (30, 30, 40, 20, 0)


def test_poly_to_rbox_deg_squares_follow_opencv4_convention():
    # a square's angle is defined modulo 90; the OpenCV >= 4.5.1 answer is kept
    assert poly_to_rbox_deg([0, 0, 10, 0, 10, 10, 0, 10]) == (5, 5, 10, 10, -90)
    assert poly_to_rbox_deg([0, 5, 5, 0, 10, 5, 5, 10]) == (5, 5, 7, 7, 45)
    assert poly_to_rbox_deg([0, 4, 3, 0, 7, 3, 4, 7]) == (3, 3, 5, 5, 36)


def test_poly_to_rbox_deg_invariants_random():
    rng = np.random.default_rng(0)
    for _ in range(500):
        cx, cy = rng.uniform(50, 950, 2)
        w, h = rng.uniform(2, 200, 2)
        a = rng.uniform(-360, 360)
        x, y, bw, bh, ba = poly_to_rbox_deg(rbox_deg_to_poly(cx, cy, w, h, a))
        assert all(isinstance(v, int) for v in (x, y, bw, bh, ba))
        assert bw >= bh and -90 <= ba < 90
        assert abs(x - cx) <= 2 and abs(y - cy) <= 2
        # int() of the corners moves each by < 1 px per axis, int() of w, h by < 1
        assert abs(bw - max(w, h)) <= 3.5 and abs(bh - min(w, h)) <= 3.5
        if max(w, h) > 50 and abs(w - h) > 10:
            # the long side direction, modulo 180 degrees
            long_dir = a if w >= h else a + 90
            diff = (ba - long_dir + 90) % 180 - 90
            assert abs(diff) <= 5


def test_rbox_deg_to_poly():
    np.testing.assert_allclose(rbox_deg_to_poly(30, 30, 40, 20, 0),
                               [10, 20, 50, 20, 50, 40, 10, 40], atol=1e-9)
    # 90 deg: the w side points down (+y); the first corner is top-right on screen
    np.testing.assert_allclose(rbox_deg_to_poly(0, 0, 4, 2, 90),
                               [1, -2, 1, 2, -1, 2, -1, -2], atol=1e-9)
    # an oriented box and its polygon describe the same rectangle
    poly = rbox_deg_to_poly(100, 200, 60, 20, 30)
    p = poly.reshape(4, 2)
    assert np.isclose(np.linalg.norm(p[1] - p[0]), 60)
    assert np.isclose(np.linalg.norm(p[2] - p[1]), 20)
    np.testing.assert_allclose(p.mean(0), [100, 200])
    assert np.isclose(np.degrees(np.arctan2(*(p[1] - p[0])[::-1])), 30)


def test_poly_to_hbox_and_back():
    assert poly_to_hbox([0, 10, 10, 0, 30, 20, 20, 30]).tolist() == [0, 0, 30, 30]
    assert poly_to_hbox(np.array([[1.5, 2], [3, -1]])).tolist() == [1.5, -1, 3, 2]
    assert hbox_to_poly(1, 2, 3, 4) == [1, 2, 3, 2, 3, 4, 1, 4]
