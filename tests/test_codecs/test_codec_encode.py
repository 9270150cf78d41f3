"""Encoding boxes into the exact upstream RSCoVLM answer strings."""
import json

import numpy as np
import pytest

import rscovlm.codecs  # noqa: F401  (registers the codecs)
from rscovlm.codecs import EMPTY_ANSWER, HBoxCodec, QBoxCodec, RBoxCodec
from rscovlm.registry import CODECS

RECT = [10, 50, 10, 30, 50, 30, 50, 50]  # 40 x 20, given bottom-left first, ccw on screen
DIAMOND = [0, 10, 20, 30, 30, 20, 10, 0]

QBOX_PLAIN_PROMPT = ("As an AI assistant, you specialize in accurate oriented object detection, "
                     "delivering coordinates of the polygon vertices in plain text format "
                     "'x1,y1,x2,y2,x3,y3,x4,y4 object'.")
RBOX_PLAIN_PROMPT = ("As an AI assistant, you specialize in accurate oriented object detection, "
                     "delivering coordinates in plain text format 'x,y,w,h,a object'.")
HBOX_PLAIN_PROMPT = ("As an AI assistant, you specialize in accurate image object detection, "
                     "delivering coordinates in plain text format 'x1,y1,x2,y2 object'.")
QBOX_JSON_PROMPT = ("You are an AI assistant specializing in oriented object detection. Represent "
                    "objects with quadrant bbox: the corrdinates of each vertices of the oriented "
                    "bounding boxes in clock-wise order.")
RBOX_JSON_PROMPT = ("You are an AI assistant specializing in oriented object detection. Represent "
                    "objects with: center (x,y), width (w), height (h), and rotation angle.")


@pytest.mark.parametrize('cfg, cls, prompt', [
    (dict(type='QBoxCodec'), QBoxCodec, QBOX_PLAIN_PROMPT),
    (dict(type='QBoxCodec', fmt='json'), QBoxCodec, QBOX_JSON_PROMPT),
    (dict(type='QBoxCodec', fmt='plain', clockwise=False), QBoxCodec, QBOX_PLAIN_PROMPT),
    (dict(type='RBoxCodec', fmt='plain'), RBoxCodec, RBOX_PLAIN_PROMPT),
    (dict(type='RBoxCodec', fmt='json'), RBoxCodec, RBOX_JSON_PROMPT),
    (dict(type='HBoxCodec', fmt='plain'), HBoxCodec, HBOX_PLAIN_PROMPT),
    (dict(type='HBoxCodec', fmt='json'), HBoxCodec, None),
])
def test_registry_and_system_prompts(cfg, cls, prompt):
    codec = CODECS.build(cfg)
    assert type(codec) is cls
    assert codec.system_prompt == prompt
    assert codec.empty_answer == 'There are none.'


def test_bad_format_rejected():
    with pytest.raises(ValueError):
        QBoxCodec(fmt='xml')


def test_qbox_plain_clockwise():
    codec = QBoxCodec()
    assert codec.encode([RECT], ['ship']) == '10,30,50,30,50,50,10,50 ship\n'
    assert codec.encode([DIAMOND], ['small vehicle']) == '10,0,30,20,20,30,0,10 small vehicle\n'


def test_qbox_plain_counter_clockwise_for_grounding():
    codec = QBoxCodec(clockwise=False)
    assert codec.encode([RECT], ['the red car']) == '10,30,10,50,50,50,50,30 the red car\n'
    assert codec.encode([DIAMOND], ['the ship']) == '10,0,0,10,20,30,30,20 the ship\n'


def test_coordinates_are_truncated_first():
    # int() truncation, as upstream: 10.99 -> 10 and -0.7 -> 0 (towards zero)
    poly = [10.99, 30.5, 50.2, 30.99, 50.7, 50.01, -0.7, 50.6]
    assert QBoxCodec().encode([poly], ['ship']) == '10,30,50,30,50,50,0,50 ship\n'
    assert HBoxCodec().encode([poly], ['ship']) == '0,30,50,50 ship\n'


def test_rbox_plain():
    codec = RBoxCodec()
    assert codec.encode([RECT], ['ship']) == '30,40,40,20,0 ship\n'
    assert codec.encode([[10, 20, 30, 20, 30, 60, 10, 60]], ['ship']) == '20,40,40,20,-90 ship\n'
    assert codec.encode([DIAMOND], ['plane']) == '15,15,28,14,45 plane\n'


def test_hbox_plain():
    assert HBoxCodec().encode([DIAMOND, RECT], ['plane', 'ship']) == (
        '0,0,30,30 plane\n10,30,50,50 ship\n')


@pytest.mark.parametrize('codec', [
    QBoxCodec(), QBoxCodec(fmt='json'), QBoxCodec(clockwise=False), RBoxCodec(),
    RBoxCodec(fmt='json'), HBoxCodec(), HBoxCodec(fmt='json')])
def test_empty_image(codec):
    assert codec.encode([], []) == 'There are none.'
    assert codec.encode(np.zeros((0, 8)), []) == EMPTY_ANSWER


def test_sorted_by_rank_then_top_then_left():
    polys = np.array([
        [100, 100, 120, 100, 120, 110, 100, 110],  # rank 1, y1=100
        [50, 5, 60, 5, 60, 15, 50, 15],            # rank 1, y1=5, x1=50
        [10, 5, 20, 5, 20, 15, 10, 15],            # rank 1, y1=5, x1=10
        [200, 300, 210, 300, 210, 310, 200, 310],  # rank 0, y1=300
        [300, 0, 310, 0, 310, 10, 300, 10],        # rank 2, y1=0
    ])
    names = ['ship', 'ship', 'ship', 'plane', 'storage tank']
    ranks = [1, 1, 1, 0, 2]
    assert HBoxCodec().encode(polys, names, ranks) == (
        '200,300,210,310 plane\n'
        '10,5,20,15 ship\n'
        '50,5,60,15 ship\n'
        '100,100,120,110 ship\n'
        '300,0,310,10 storage tank\n')
    # without ranks: top to bottom, then left to right
    assert HBoxCodec().encode(polys, names) == (
        '300,0,310,10 storage tank\n'
        '10,5,20,15 ship\n'
        '50,5,60,15 ship\n'
        '100,100,120,110 ship\n'
        '200,300,210,310 plane\n')
    # sort=False keeps the input order
    assert HBoxCodec().encode(polys[:2], names[:2], ranks[:2], sort=False) == (
        '100,100,120,110 ship\n50,5,60,15 ship\n')


def test_sort_uses_the_int_hbox():
    # y1 = 5.9 and 5.1 both truncate to 5: the tie is broken by x1
    polys = [[30, 5.1, 40, 5.1, 40, 9, 30, 9], [10, 5.9, 20, 5.9, 20, 9, 10, 9]]
    assert HBoxCodec().encode(polys, ['a', 'b']) == '10,5,20,9 b\n30,5,40,9 a\n'


def test_qbox_json_exact():
    text = QBoxCodec(fmt='json').encode([DIAMOND, RECT], ['small vehicle', 'ship'], [1, 0])
    assert text == (
        '```json\n[\n'
        '\t{"quadrant bbox": [10, 30, 50, 30, 50, 50, 10, 50], "label": "ship"},\n'
        '\t{"quadrant bbox": [10, 0, 30, 20, 20, 30, 0, 10], "label": "small vehicle"}\n'
        ']\n```')


def test_rbox_json_exact():
    assert RBoxCodec(fmt='json').encode([DIAMOND], ['plane']) == (
        '```json\n[\n\t{"oriented bbox": [15, 15, 28, 14, 45], "label": "plane"}\n]\n```')


def test_hbox_json_exact():
    assert HBoxCodec(fmt='json').encode([RECT, DIAMOND], ['ship', 'plane']) == (
        '```json\n[\n'
        '\t{"bbox_2d": [0, 0, 30, 30], "label": "plane"},\n'
        '\t{"bbox_2d": [10, 30, 50, 50], "label": "ship"}\n'
        ']\n```')


def test_grounding_json_matches_upstream_string_building():
    # upstream refGeo builds the JSON answer by string concatenation
    question = 'the large white ship on the left'
    x1, y1, x2, y2, x3, y3, x4, y4 = 10, 0, 0, 10, 20, 30, 30, 20
    upstream = ('```json\n[\n\t{"quadrant bbox": [' +
                f'{x1}, {y1}, {x2}, {y2}, {x3}, {y3}, {x4}, {y4}' + '], "label": "' + question +
                '"}\n]\n```')
    assert QBoxCodec(fmt='json', clockwise=False).encode([DIAMOND], [question]) == upstream


def test_json_items_are_valid_json():
    rng = np.random.default_rng(3)
    polys = rng.uniform(0, 1000, (20, 8))
    text = QBoxCodec(fmt='json').encode(polys, ['a "quoted" name'] * 20)
    items = json.loads(text[len('```json\n'):-len('\n```')])
    assert len(items) == 20
    assert all(len(it['quadrant bbox']) == 8 and it['label'] == 'a "quoted" name' for it in items)


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError):
        QBoxCodec().encode([RECT], ['a', 'b'])
    with pytest.raises(ValueError):
        QBoxCodec().encode([RECT], ['a'], ranks=[0, 1])
