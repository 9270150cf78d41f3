"""Tests of the task annotations of the synthetic demo data (captions, VQA, scene
classification, grounding, conversations), recomputed from ``meta.jsonl``."""
import filecmp
import hashlib
import json
import os
import os.path as osp
import re

import numpy as np
import pytest

from rscovlm.datasets.demo.generator import (BACKGROUNDS, CLASS_COLOURS, DEMO_CLASSES,
                                        GENERATOR_VERSION, dataset_is_complete,
                                        format_summary, generate_demo_dataset)
from rscovlm.datasets.demo.tasks import (TASK_FILES, captions_for, demo_vocabulary,
                                              referable_objects, vqa_for)

SPLITS = ('train', 'test')
PARAMS = dict(num_train=24, num_test=8, seed=1)  # as the `demo_data` fixture
SIZE = 112
NUMBERS = {'one': 1, 'two': 2, 'three': 3}
NAMES = {c.replace('-', ' '): c for c in DEMO_CLASSES}  # 'storage tank' -> 'storage-tank'
NAME_RE = '|'.join(NAMES)
POSITIONS = ('on the left', 'on the right', 'at the top', 'at the bottom')

# sha256 of the annotation files (name + content, splits train then test) and of
# meta.jsonl, written by generator version 1 with PARAMS: version 2 adds files only.
ANNFILES_SHA256 = '5c90ab17ec22d62facf60a19521e2b80eb0a20f90b706a91eb957cc0d2809eb0'
META_SHA256 = {'train': '4754179aa0463db76bf590e6c1a1be3c5939fa8c321add684890c06777c5ed6c',
               'test': '3379d2af6056baa3b7c7ce0b303471dda9a2d190d98027f2ee61c574a44975b7'}


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp('synthetic_tasks')
    summary = generate_demo_dataset(str(base / 'a'), **PARAMS)
    again = generate_demo_dataset(str(base / 'b'), **PARAMS)
    return {'root': str(base / 'a'), 'same': str(base / 'b'), 'summary': summary,
            'summary_again': again}


def _load(root, split, name):
    with open(osp.join(root, split, name), encoding='utf-8') as f:
        if name.endswith('.jsonl'):
            return [json.loads(line) for line in f]
        return json.load(f)


def _metas(root, split):
    return {r['img_id']: r for r in _load(root, split, 'meta.jsonl')}


def _hull(poly):
    xs, ys = poly[0::2], poly[1::2]
    return [min(xs), min(ys), max(xs), max(ys)]


def _resolve(expression, objects):
    """Indices of the objects an expression ("the red ship", "the ship on the left")
    denotes, by reading it back against the attributes."""
    m = re.fullmatch(rf'the (?:(\w+) )?({NAME_RE})(?: ({"|".join(POSITIONS)}))?', expression)
    assert m, expression
    colour, cls, position = m.group(1), NAMES[m.group(2)], m.group(3)
    same = [i for i, o in enumerate(objects) if o['class'] == cls]
    if colour is not None:
        assert colour == CLASS_COLOURS[cls]
    if position is None:
        return same  # only valid when it is a single object
    axis, sign = {'on the left': (0, 1), 'on the right': (0, -1), 'at the top': (1, 1),
                  'at the bottom': (1, -1)}[position]
    # the objects of the class strictly beyond every other one of them on that side
    return [i for i in same
            if all(sign * (objects[j]['center'][axis] - objects[i]['center'][axis]) > 0
                   for j in same if j != i)]


def _ann_hash(root):
    h = hashlib.sha256()
    for split in SPLITS:
        ann_dir = osp.join(root, split, 'annfiles')
        for name in sorted(os.listdir(ann_dir)):
            h.update(f'{split}/{name}\n'.encode())
            with open(osp.join(ann_dir, name), 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def test_detection_files_unchanged(demo):
    root = demo['root']
    assert _ann_hash(root) == ANNFILES_SHA256
    for split in SPLITS:
        with open(osp.join(root, split, 'meta.jsonl'), 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == META_SHA256[split]


def test_files_and_determinism(demo):
    root, same = demo['root'], demo['same']
    assert demo['summary'] == demo['summary_again']
    assert demo['summary']['parameters']['generator_version'] == GENERATOR_VERSION == 2
    for split in SPLITS:
        for name in TASK_FILES:
            assert filecmp.cmp(osp.join(root, split, name), osp.join(same, split, name),
                               shallow=False), (split, name)
            _load(root, split, name)  # valid JSON / JSONL


def test_other_seed_differs(tmp_path, demo):
    generate_demo_dataset(str(tmp_path), **dict(PARAMS, seed=2))
    for name in ('captions.json', 'vqa.json', 'grounding.jsonl'):
        assert not filecmp.cmp(osp.join(tmp_path, 'train', name),
                               osp.join(demo['root'], 'train', name), shallow=False)


def test_summary_counts(demo):
    root, summary = demo['root'], demo['summary']
    for split in SPLITS:
        stats = summary['splits'][split]
        assert stats['captions'] == sum(len(r['captions'])
                                        for r in _load(root, split, 'captions.json'))
        assert stats['vqa'] == len(_load(root, split, 'vqa.json'))
        assert stats['grounding'] == len(_load(root, split, 'grounding.jsonl'))
        assert stats['conversations'] == len(_load(root, split, 'conversations.json'))
    assert summary['splits']['train']['conversations'] == 6  # images 0, 4, ..., 20
    assert summary['splits']['test']['conversations'] == 2
    text = format_summary(summary)
    for word in ('captions', 'vqa', 'grounding', 'conversations', *DEMO_CLASSES):
        assert word in text


def test_exact_values_of_first_images(demo):
    root = demo['root']
    captions = {r['image_id']: r['captions'] for r in _load(root, 'train', 'captions.json')}
    assert captions['P0001__112__0___0'] == [
        'a farmland scene with a plane, a ship and a large vehicle.',
        'a white plane, a red ship and a yellow large vehicle on brown farmland.']
    assert captions['P0002__112__0___0'] == [
        'an aerial view of a desert area with two planes and a ship.',
        'two white planes and a red ship on tan desert sand.']
    assert captions['P0007__112__0___0'] == [
        'an urban scene with two storage tanks, crossed by three roads.',
        'grey urban ground with two cyan storage tanks.']
    assert captions['P0008__112__0___0'] == [
        'an aerial view of an empty farmland area.', 'brown farmland with no objects.']
    vqa = [(q['question'], q['answer'], q['type'], q['question_id'])
           for q in _load(root, 'train', 'vqa.json') if q['image'] == 'P0001__112__0___0.png']
    assert vqa == [
        ('How many storage tanks are there?', '0', 'count', 'P0001__112__0___0_0'),
        ('Does the image contain a plane?', 'yes', 'presence', 'P0001__112__0___0_1'),
        ('What is the colour of the large vehicle?', 'yellow', 'colour',
         'P0001__112__0___0_2')]
    grounding = _load(root, 'train', 'grounding.jsonl')
    assert grounding[0] == {
        'image_id': 'P0001__112__0___0.png', 'dataset': 'images',
        'question': 'white plane', 'question_id': 0, 'bbox': [65.1, 45.5, 105.9, 80.1],
        'poly': [[105.2, 80.1], [65.1, 79.2], [65.8, 45.5], [105.9, 46.4]],
        'image_width': 112, 'image_height': 112}
    by_image = {g['image_id']: g['question'] for g in grounding}
    assert by_image['P0007__112__0___0.png'] == 'storage tank at the top'
    conv = _load(root, 'test', 'conversations.json')
    assert conv[0]['conversations'] == [
        {'from': 'human', 'value': '<image>\nWhat is the scene type?'},
        {'from': 'gpt', 'value': 'grassland'},
        {'from': 'human', 'value': 'Where is the large vehicle on the right? '
                                   'Answer with a box.'},
        {'from': 'gpt', 'value': '[37, 42, 79, 80]'}]
    # P0029 has one difficult object only: no box question, no grounding record
    assert conv[1]['id'] == 'P0029__112__0___0' and len(conv[1]['conversations']) == 2
    assert 'P0029__112__0___0.png' not in {
        g['image_id'] for g in _load(root, 'test', 'grounding.jsonl')}


def _count_phrase_re(n, noun):
    return rf'\b(a|one) {noun}\b' if n == 1 else rf'\b{["", "", "two", "three"][n]} {noun}s\b'


def test_captions_match_meta(demo):
    root = demo['root']
    for split in SPLITS:
        metas = _metas(root, split)
        records = _load(root, split, 'captions.json')
        assert [r['image_id'] for r in records] == list(metas)
        for rec in records:
            meta = metas[rec['image_id']]
            assert rec['image'] == meta['img_id'] + '.png'
            first, second = rec['captions']
            for cap in rec['captions']:
                assert cap == cap.lower() and cap.endswith('.') and '-' not in cap
                assert meta['background'] in cap
            counts = {c: sum(o['class'] == c for o in meta['objects']) for c in DEMO_CLASSES}
            for cls, n in counts.items():
                name = cls.replace('-', ' ')
                if n:
                    assert re.search(_count_phrase_re(n, name), first), (first, cls, n)
                    assert re.search(_count_phrase_re(n, f'{CLASS_COLOURS[cls]} {name}'),
                                     second), (second, cls, n)
                else:
                    assert name not in first and name not in second
            assert meta['background_colour'] in second
            roads = meta['roads']
            if roads:
                assert re.search(_count_phrase_re(roads, 'road'), first), first
            else:
                assert 'road' not in first
            assert ('empty' in first and 'no objects' in second) == (not meta['objects'])


def test_vqa_matches_meta(demo):
    root = demo['root']
    count_re = re.compile(rf'(?:How many|What is the number of) ({NAME_RE})s')
    presence_re = re.compile(rf'(?:a|any) ({NAME_RE})(?: in|\?)')
    colour_re = re.compile(rf'the ({NAME_RE})\?$')
    seen_answers = set()
    for split in SPLITS:
        metas = _metas(root, split)
        qas = _load(root, split, 'vqa.json')
        per_image = {}
        for qa in qas:
            per_image.setdefault(qa['image'][:-4], []).append(qa)
        assert list(per_image) == list(metas)
        for img_id, items in per_image.items():
            objects = metas[img_id]['objects']
            counts = {c: sum(o['class'] == c for o in objects) for c in DEMO_CLASSES}
            assert 2 <= len(items) <= 3
            assert [q['question_id'] for q in items] == [f'{img_id}_{i}'
                                                         for i in range(len(items))]
            assert [q['type'] for q in items][:2] == ['count', 'presence']
            asked = []
            for qa in items:
                answer = qa['answer']
                assert answer == answer.lower() and ' ' not in answer
                if qa['type'] == 'count':
                    cls = NAMES[count_re.search(qa['question']).group(1)]
                    assert answer == str(counts[cls])
                elif qa['type'] == 'presence':
                    cls = NAMES[presence_re.search(qa['question']).group(1)]
                    assert answer == ('yes' if counts[cls] else 'no')
                else:
                    assert qa['type'] == 'colour'
                    cls = NAMES[colour_re.search(qa['question']).group(1)]
                    assert counts[cls] == 1
                    assert answer == CLASS_COLOURS[cls]
                    assert not next(o for o in objects if o['class'] == cls)['difficult']
                asked.append(cls)
                seen_answers.add((qa['type'], answer))
            assert asked[0] != asked[1]
            # a colour question whenever a class has exactly one (non-difficult) object
            single = [c for c in DEMO_CLASSES if counts[c] == 1 and not next(
                o for o in objects if o['class'] == c)['difficult']]
            assert (len(items) == 3) == bool(single)
    # both kinds of answers occur: present and absent classes are asked about
    assert {('presence', 'yes'), ('presence', 'no'), ('count', '0')} <= seen_answers
    assert any(t == 'count' and a not in ('0', ) for t, a in seen_answers)


def test_classification_matches_meta(demo):
    root = demo['root']
    for split in SPLITS:
        data = _load(root, split, 'cls.json')
        assert data['classes'] == sorted(BACKGROUNDS)
        assert data['images'] == [{'image': img_id + '.png', 'label': meta['background']}
                                  for img_id, meta in _metas(root, split).items()]


def test_grounding_resolves_to_one_object(demo):
    root = demo['root']
    for split in SPLITS:
        metas = _metas(root, split)
        records = _load(root, split, 'grounding.jsonl')
        assert [r['question_id'] for r in records] == list(range(len(records)))
        grounded = [r['image_id'][:-4] for r in records]
        assert grounded == [i for i, m in metas.items()
                            if any(not o['difficult'] for o in m['objects'])]
        for rec in records:
            meta = metas[rec['image_id'][:-4]]
            assert rec['dataset'] == 'images'
            assert osp.isfile(osp.join(root, split, rec['dataset'], rec['image_id']))
            assert (rec['image_width'], rec['image_height']) == (meta['width'],
                                                                 meta['height'])
            objects = meta['objects']
            # no article: the grounding prompt is "find the {question}"
            found = _resolve('the ' + rec['question'], objects)
            assert len(found) == 1, rec
            obj = objects[found[0]]
            assert not obj['difficult']
            assert rec['poly'] == np.array(obj['poly']).reshape(4, 2).tolist()
            assert rec['bbox'] == _hull(obj['poly'])
            same = [o for o in objects if o['class'] == obj['class'] and o is not obj]
            if not same:  # the only object of its class: named by colour
                assert rec['question'] == f"{obj['colour']} " + obj['class'].replace(
                    '-', ' ')
            else:  # the axis separating it from the others by the largest margin
                cx, cy = obj['center']
                margins = {
                    'on the left': min(o['center'][0] - cx for o in same),
                    'on the right': min(cx - o['center'][0] for o in same),
                    'at the top': min(o['center'][1] - cy for o in same),
                    'at the bottom': min(cy - o['center'][1] for o in same)}
                best = max(margins.values())
                assert best > 0 and rec['question'].endswith(
                    next(p for p in POSITIONS if margins[p] == best))


def test_conversations_grid_boxes(demo):
    root = demo['root']
    where_re = re.compile(r'Where is (the .+)\? Answer with a box\.')
    for split in SPLITS:
        metas = _metas(root, split)
        records = _load(root, split, 'conversations.json')
        assert [r['id'] for r in records] == list(metas)[::4]
        for rec in records:
            meta = metas[rec['id']]
            assert rec['image'] == rec['id'] + '.png' and rec['task'] == 'conversation'
            turns = rec['conversations']
            assert turns[:2] == [
                {'from': 'human', 'value': '<image>\nWhat is the scene type?'},
                {'from': 'gpt', 'value': meta['background']}]
            if not any(not o['difficult'] for o in meta['objects']):
                assert len(turns) == 2
                continue
            assert len(turns) == 4
            assert [t['from'] for t in turns[2:]] == ['human', 'gpt']
            found = _resolve(where_re.fullmatch(turns[2]['value']).group(1),
                             meta['objects'])
            assert len(found) == 1
            x1, y1, x2, y2 = _hull(meta['objects'][found[0]]['poly'])
            expected = [int(x1 * 100 / SIZE), int(y1 * 100 / SIZE), int(x2 * 100 / SIZE),
                        int(y2 * 100 / SIZE)]
            assert turns[3]['value'] == '[{}, {}, {}, {}]'.format(*expected)


def test_dataset_is_complete_needs_task_files(tmp_path):
    generate_demo_dataset(str(tmp_path), num_train=4, num_test=2, seed=0)
    assert dataset_is_complete(str(tmp_path), num_train=4, num_test=2, seed=0)
    os.remove(osp.join(tmp_path, 'test', 'grounding.jsonl'))
    assert not dataset_is_complete(str(tmp_path), num_train=4, num_test=2, seed=0)


def _meta(objects, background='urban', roads=0):
    return {'img_id': 'X', 'width': SIZE, 'height': SIZE, 'background': background,
            'background_colour': BACKGROUNDS[background][0], 'roads': roads,
            'objects': objects}


def _obj(cls, center, difficult=0):
    cx, cy = center
    return {'poly': [cx - 5, cy - 3, cx + 5, cy - 3, cx + 5, cy + 3, cx - 5, cy + 3],
            'class': cls, 'colour': CLASS_COLOURS[cls], 'difficult': difficult,
            'center': [cx, cy], 'size': [10.0, 6.0], 'angle': 0.0, 'heading': 0.0}


def test_pure_functions_on_hand_made_records():
    # three tanks on a diagonal: the middle one cannot be singled out
    tanks = [_obj('storage-tank', (20, 20)), _obj('storage-tank', (50, 52)),
             _obj('storage-tank', (80, 85))]
    meta = _meta(tanks + [_obj('ship', (90, 20), difficult=1)], roads=2)
    assert referable_objects(meta) == [(0, 'the storage tank at the top'),
                                       (2, 'the storage tank at the bottom')]
    rng = np.random.default_rng(0)
    first, second = captions_for(meta, rng)
    assert 'three storage tanks' in first and 'a ship' in first and 'two roads' in first
    assert 'three cyan storage tanks' in second and 'red ship' in second
    for qa in vqa_for(meta, np.random.default_rng(0)):  # the ship is difficult
        assert qa['type'] != 'colour'
    assert referable_objects(_meta([_obj('ship', (90, 20), difficult=1)])) == []


def test_demo_vocabulary_covers_the_files(demo):
    vocab = list(demo_vocabulary())
    assert vocab == list(demo_vocabulary()) and all(isinstance(v, str) for v in vocab)
    known = set(re.findall(r'[a-z]+', ' '.join(vocab).lower()))
    root = demo['root']
    texts = []
    for split in SPLITS:
        texts += [c for r in _load(root, split, 'captions.json') for c in r['captions']]
        texts += [q[k] for q in _load(root, split, 'vqa.json') for k in ('question', 'answer')]
        texts += [g['question'] for g in _load(root, split, 'grounding.jsonl')]
        texts += [t['value'] for r in _load(root, split, 'conversations.json')
                  for t in r['conversations']]
    words = set(re.findall(r'[a-z]+', ' '.join(texts).lower()))
    assert words and words <= known, words - known
    # every complete caption, question and expression is in the vocabulary verbatim
    phrases = set(vocab)
    for split in SPLITS:
        for q in _load(root, split, 'vqa.json'):
            assert q['question'] in phrases and q['answer'] in phrases
        for g in _load(root, split, 'grounding.jsonl'):
            assert 'the ' + g['question'] in phrases
        for c in _load(root, split, 'captions.json'):
            assert set(c['captions']) <= phrases, c


def test_records_independent_of_split_size(tmp_path, demo):
    # image k's task records depend on (seed, split, k) only (the grounding ids run)
    generate_demo_dataset(str(tmp_path), num_train=5, num_test=0, seed=1, splits=('train', ))
    for name in ('captions.json', 'vqa.json', 'cls.json', 'conversations.json'):
        small = _load(tmp_path, 'train', name)
        full = _load(demo['root'], 'train', name)
        if name == 'cls.json':
            small, full = small['images'], full['images']
        assert small and small == full[:len(small)], name
    small = _load(tmp_path, 'train', 'grounding.jsonl')
    assert small == _load(demo['root'], 'train', 'grounding.jsonl')[:len(small)]
