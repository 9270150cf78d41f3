"""Captions, VQA, scene labels, grounding and conversations of the synthetic demo data.

Pure functions of one image's ``meta.jsonl`` record (see :mod:`rscovlm.datasets.demo.generator`)
and a :class:`numpy.random.Generator` that picks the wording and the object asked about;
the generator calls them once per image with an rng of its own per task, so the same
arguments give byte-identical files. The files, per split (formats in
``docs/data_formats.md``):

=====================  ====================================================================
file                   content
=====================  ====================================================================
captions.json          caption JSON, two templated reference captions per image
vqa.json               VQA JSON, 2-3 questions per image, ``type`` count/presence/colour
cls.json               classification JSON, the scene label is the background type
grounding.jsonl        refGeo-style JSONL, one referring expression per image that has a
                       non-difficult object it can single out
conversations.json     LLaVA JSON, every 4th image: the scene type, then a box on the
                       0-100 grid (GeoChat style) of one object
=====================  ====================================================================

Counts, presence and captions include the difficult (small, faded) objects: they are in the
image. Colours and boxes are only asked about non-difficult objects. Every expression names
exactly one object of the image: "the {colour} {class}" when it is the only object of its
class, else "the {class} on the left" (right, at the top, at the bottom) along the axis whose
centre coordinate separates it from the other objects of its class by the largest margin;
an object in the middle of others of its class (no positive margin) is not referred to.
"""
import itertools
import json
import os.path as osp
from collections import Counter
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from rscovlm.datasets.demo.generator import BACKGROUNDS, CLASS_COLOURS, DEMO_CLASSES

__all__ = [
    'TASKS', 'TASK_FILES', 'CONVERSATION_EVERY', 'class_name', 'plural', 'hull',
    'grid_box', 'captions_for', 'caption_record', 'vqa_for', 'cls_record',
    'referable_objects', 'referring_for', 'grounding_record', 'conversation_for',
    'TaskAnnotations', 'demo_vocabulary'
]

#: The per-image random streams, one per task (their order fixes the streams' keys).
TASKS: Tuple[str, ...] = ('caption', 'vqa', 'grounding', 'conversation')

#: Files written per split next to ``images/``, ``annfiles/`` and ``meta.jsonl``.
TASK_FILES: Tuple[str, ...] = ('captions.json', 'vqa.json', 'cls.json', 'grounding.jsonl',
                               'conversations.json')

#: Image ``k`` of a split gets a conversation when ``k % CONVERSATION_EVERY == 0``.
CONVERSATION_EVERY = 4

#: The box-grid of the conversations' boxes (GeoChat: 0-100).
BOX_GRID = 100

NUMBER_WORDS = ('no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')

# What the ground of each background is called after its colour ("on green grassland").
_SURFACES = {
    'grassland': 'grassland',
    'farmland': 'farmland',
    'urban': 'urban ground',
    'desert': 'desert sand',
    'water': 'water',
}

# ----------------------------------------------------------------------- templates
# Captions. Placeholders: {a_scene} "a grassland" / "an urban", {scene} "grassland",
# {objects} "two planes and a ship", {roads} ", crossed by a road" or "", {surface}
# "green grassland", {cobjects} "two white planes and a red ship", {be} "is" / "are"
# (agreeing with the first object phrase).
_SCENE_CAPTIONS = (  # scene first; they mention the roads
    '{a_scene} scene with {objects}{roads}.',
    'an aerial view of {a_scene} area with {objects}{roads}.',
    '{objects} in {a_scene} scene{roads}.',
)
_OBJECT_CAPTIONS = (  # objects first, with their colours
    '{cobjects} on {surface}.',
    '{surface} with {cobjects}.',
    'there {be} {cobjects} on the {surface}.',
)
_EMPTY_SCENE_CAPTIONS = (
    'an empty {scene} scene{roads}.',
    'an aerial view of an empty {scene} area{roads}.',
)
_EMPTY_OBJECT_CAPTIONS = (
    '{surface} with no objects.',
    'there are no objects on the {surface}.',
)

# VQA. {cls} "storage tank", {plural} "storage tanks".
_COUNT_QUESTIONS = (
    'How many {plural} are there?',
    'How many {plural} are in the image?',
    'What is the number of {plural}?',
)
_PRESENCE_QUESTIONS = (
    'Is there a {cls} in the image?',
    'Is there any {cls} in this image?',
    'Does the image contain a {cls}?',
)
_COLOUR_QUESTIONS = (
    'What colour is the {cls}?',
    'What is the colour of the {cls}?',
)

# Referring expressions and conversations.
_POSITIONS = ('on the left', 'on the right', 'at the top', 'at the bottom')
_UNIQUE_EXPRESSION = 'the {colour} {cls}'
_POSITION_EXPRESSION = 'the {cls} {position}'
_SCENE_QUESTION = 'What is the scene type?'
_WHERE_QUESTION = 'Where is {expression}? Answer with a box.'


# ------------------------------------------------------------------------- helpers
def class_name(cls: str) -> str:
    """The class as a phrase: ``'storage-tank'`` -> ``'storage tank'``."""
    return cls.replace('-', ' ')


def plural(name: str) -> str:
    return name + 's'  # enough for the demo's nouns (plane, ship, tank, vehicle, road)


def _a(phrase: str) -> str:
    """``phrase`` with its indefinite article."""
    return ('an ' if phrase[:1] in 'aeiou' else 'a ') + phrase


def _count_phrase(n: int, noun: str, one: str = 'a') -> str:
    """``'a ship'`` / ``'one ship'`` / ``'two ships'``."""
    if n == 1:
        return _a(noun) if one == 'a' else f'one {noun}'
    return f'{NUMBER_WORDS[n]} {plural(noun)}'


def _join(items: Sequence[str]) -> str:
    """``'x'``, ``'x and y'``, ``'x, y and z'``."""
    return items[0] if len(items) == 1 else ', '.join(items[:-1]) + ' and ' + items[-1]


def _pick(rng: np.random.Generator, items: Sequence):
    return items[int(rng.integers(len(items)))]


def _class_counts(meta: dict) -> Counter:
    return Counter(obj['class'] for obj in meta['objects'])


def hull(poly: Sequence[float]) -> List[float]:
    """Horizontal hull ``[x1, y1, x2, y2]`` of a flat polygon, rounded to 0.1 px."""
    xs, ys = poly[0::2], poly[1::2]
    return [round(float(v), 1) for v in (min(xs), min(ys), max(xs), max(ys))]


def grid_box(bbox: Sequence[float], width: int, height: int,
             grid: int = BOX_GRID) -> List[int]:
    """``bbox`` (pixels) on the ``0..grid`` grid: ``int(v * grid / side)``."""
    x1, y1, x2, y2 = bbox
    return [int(x1 * grid / width), int(y1 * grid / height), int(x2 * grid / width),
            int(y2 * grid / height)]


def _image(meta: dict) -> str:
    return meta['img_id'] + '.png'


# ------------------------------------------------------------------------ captions
def _fill_caption(template: str, meta: dict, one: str = 'a') -> str:
    scene = meta['background']
    counts = _class_counts(meta)
    present = [c for c in DEMO_CLASSES if counts[c]]
    roads = meta.get('roads', 0)
    return template.format(
        scene=scene,
        a_scene=_a(scene),
        objects=_join([_count_phrase(counts[c], class_name(c)) for c in present])
        if present else '',
        cobjects=_join([_count_phrase(counts[c], f'{CLASS_COLOURS[c]} {class_name(c)}', one)
                        for c in present]) if present else '',
        be='is' if present and counts[present[0]] == 1 else 'are',  # "there is a ship, ..."
        surface=f"{meta['background_colour']} {_SURFACES[scene]}",
        roads=f', crossed by {_count_phrase(roads, "road")}' if roads else '',
    )


def captions_for(meta: dict, rng: np.random.Generator) -> List[str]:
    """Two reference captions: scene first (with the roads), then objects with colours."""
    if meta['objects']:
        first, second = _pick(rng, _SCENE_CAPTIONS), _pick(rng, _OBJECT_CAPTIONS)
        one = _pick(rng, ('a', 'one'))
    else:
        first, second = _pick(rng, _EMPTY_SCENE_CAPTIONS), _pick(rng, _EMPTY_OBJECT_CAPTIONS)
        one = 'a'
    return [_fill_caption(first, meta), _fill_caption(second, meta, one)]


def caption_record(meta: dict, rng: np.random.Generator) -> dict:
    """A caption-JSON record of the image."""
    return {'image': _image(meta), 'captions': captions_for(meta, rng),
            'image_id': meta['img_id']}


# ----------------------------------------------------------------------------- VQA
def _pick_class(rng: np.random.Generator, counts: Counter,
                exclude: Sequence[str] = ()) -> str:
    """A class present in the image or not, each half of the time when both exist."""
    classes = [c for c in DEMO_CLASSES if c not in exclude]
    present = [c for c in classes if counts[c]]
    absent = [c for c in classes if not counts[c]]
    if present and (not absent or rng.random() < 0.5):
        return _pick(rng, present)
    return _pick(rng, absent)


def vqa_for(meta: dict, rng: np.random.Generator) -> List[dict]:
    """VQA-JSON records of the image: a count and a presence question about two
    different classes, and a colour question when a class has exactly one object (a
    non-difficult one). Answers are lower case: a number, ``yes``/``no`` or a colour."""
    counts = _class_counts(meta)
    qas = []
    cls = _pick_class(rng, counts)
    qas.append(('count', _pick(rng, _COUNT_QUESTIONS).format(plural=plural(class_name(cls))),
                str(counts[cls])))
    cls = _pick_class(rng, counts, exclude=(cls, ))
    qas.append(('presence', _pick(rng, _PRESENCE_QUESTIONS).format(cls=class_name(cls)),
                'yes' if counts[cls] else 'no'))
    single = [obj for obj in meta['objects']
              if counts[obj['class']] == 1 and not obj['difficult']]
    if single:
        obj = _pick(rng, single)
        qas.append(('colour',
                    _pick(rng, _COLOUR_QUESTIONS).format(cls=class_name(obj['class'])),
                    obj['colour']))
    return [{'image': _image(meta), 'question': q, 'answer': a, 'type': t,
             'question_id': f"{meta['img_id']}_{i}"} for i, (t, q, a) in enumerate(qas)]


# -------------------------------------------------------------------- classification
def cls_record(meta: dict) -> dict:
    """A classification-JSON image entry: the scene label is the background type."""
    return {'image': _image(meta), 'label': meta['background']}


# ---------------------------------------------------------------------- grounding
def _position(obj: dict, others: Sequence[dict]) -> Tuple[Optional[str], float]:
    """The side (``'on the left'``...) along which ``obj``'s centre is beyond all the
    ``others``' centres by the largest margin, and that margin (None, <= 0: none)."""
    cx, cy = obj['center']
    margins = (min(o['center'][0] - cx for o in others),  # left
               min(cx - o['center'][0] for o in others),  # right
               min(o['center'][1] - cy for o in others),  # top (y points down)
               min(cy - o['center'][1] for o in others))  # bottom
    best = int(np.argmax(margins))  # the first of equal margins
    if margins[best] <= 0:
        return None, margins[best]
    return _POSITIONS[best], margins[best]


def referable_objects(meta: dict) -> List[Tuple[int, str]]:
    """``(index, expression)`` of every non-difficult object that an expression singles
    out among all the objects of the image (difficult ones included)."""
    out = []
    for i, obj in enumerate(meta['objects']):
        if obj['difficult']:
            continue
        others = [o for j, o in enumerate(meta['objects'])
                  if j != i and o['class'] == obj['class']]
        name = class_name(obj['class'])
        if not others:
            out.append((i, _UNIQUE_EXPRESSION.format(colour=obj['colour'], cls=name)))
            continue
        position, _ = _position(obj, others)
        if position is not None:
            out.append((i, _POSITION_EXPRESSION.format(cls=name, position=position)))
    return out


def referring_for(meta: dict, rng: np.random.Generator) -> Optional[Tuple[int, str]]:
    """One ``(object index, referring expression)`` picked by ``rng``, or None."""
    candidates = referable_objects(meta)
    return _pick(rng, candidates) if candidates else None


def grounding_record(meta: dict, rng: np.random.Generator,
                     question_id: int) -> Optional[dict]:
    """A refGeo-style record (image ``{img_path}/images/{img_id}.png``), or None."""
    picked = referring_for(meta, rng)
    if picked is None:
        return None
    index, expression = picked
    poly = meta['objects'][index]['poly']
    # refGeo expressions carry no article: the grounding prompt is "find the {question}"
    question = expression[len('the '):] if expression.startswith('the ') else expression
    return {'image_id': _image(meta), 'dataset': 'images', 'question': question,
            'question_id': int(question_id), 'bbox': hull(poly),
            'poly': [[float(poly[i]), float(poly[i + 1])] for i in range(0, 8, 2)],
            'image_width': meta['width'], 'image_height': meta['height']}


# -------------------------------------------------------------------- conversations
def conversation_for(meta: dict, rng: np.random.Generator) -> dict:
    """A LLaVA record: the scene type, then (when an object can be referred to) the box
    of one object on the 0-100 grid, ``[x1, y1, x2, y2]``."""
    turns = [{'from': 'human', 'value': '<image>\n' + _SCENE_QUESTION},
             {'from': 'gpt', 'value': meta['background']}]
    picked = referring_for(meta, rng)
    if picked is not None:
        index, expression = picked
        obj = meta['objects'][index]
        if _class_counts(meta)[obj['class']] == 1:
            expression = 'the ' + class_name(obj['class'])
        box = grid_box(hull(obj['poly']), meta['width'], meta['height'])
        turns += [{'from': 'human', 'value': _WHERE_QUESTION.format(expression=expression)},
                  {'from': 'gpt', 'value': '[{}, {}, {}, {}]'.format(*box)}]
    return {'id': meta['img_id'], 'image': _image(meta), 'task': 'conversation',
            'conversations': turns}


# ------------------------------------------------------------------------- writing
def _dump_list(records: Sequence[dict], path: str) -> None:
    """A JSON list with one record per line (valid JSON, easy to grep and diff)."""
    with open(path, 'w', encoding='utf-8') as f:
        f.write('[\n' + ',\n'.join(json.dumps(r) for r in records) + '\n]\n'
                if records else '[]\n')


class TaskAnnotations:
    """Collects the task records of one split, image by image, and writes the files."""

    def __init__(self):
        self.captions: List[dict] = []
        self.vqa: List[dict] = []
        self.cls: List[dict] = []
        self.grounding: List[dict] = []
        self.conversations: List[dict] = []

    def add(self, meta: dict, k: int, rng_for: Callable[[str], np.random.Generator]):
        """Add image ``k`` of the split (``meta`` with ``img_id``); ``rng_for(task)`` is
        the image's rng of each task of :data:`TASKS`."""
        self.captions.append(caption_record(meta, rng_for('caption')))
        self.vqa += vqa_for(meta, rng_for('vqa'))
        self.cls.append(cls_record(meta))
        if any(not obj['difficult'] for obj in meta['objects']):
            record = grounding_record(meta, rng_for('grounding'), len(self.grounding))
            if record is not None:
                self.grounding.append(record)
        if k % CONVERSATION_EVERY == 0:
            self.conversations.append(conversation_for(meta, rng_for('conversation')))

    def counts(self) -> Dict[str, int]:
        return {'captions': sum(len(r['captions']) for r in self.captions),
                'vqa': len(self.vqa), 'grounding': len(self.grounding),
                'conversations': len(self.conversations)}

    def write(self, split_dir: str) -> None:
        _dump_list(self.captions, osp.join(split_dir, 'captions.json'))
        _dump_list(self.vqa, osp.join(split_dir, 'vqa.json'))
        with open(osp.join(split_dir, 'cls.json'), 'w', encoding='utf-8') as f:
            f.write('{"classes": ' + json.dumps(sorted(BACKGROUNDS)) + ',\n "images": ')
            f.write('[\n' + ',\n'.join(json.dumps(r) for r in self.cls) + '\n]}\n'
                    if self.cls else '[]}\n')
        with open(osp.join(split_dir, 'grounding.jsonl'), 'w', encoding='utf-8') as f:
            f.writelines(json.dumps(r) + '\n' for r in self.grounding)
        _dump_list(self.conversations, osp.join(split_dir, 'conversations.json'))


# ---------------------------------------------------------------------- vocabulary
def demo_vocabulary() -> Iterator[str]:
    """Every word and phrase the task templates can write, each once: the questions,
    answers and referring expressions complete, and every caption of every scene, road
    count and set of (up to three) objects; for the tiny test tokenizer's corpus."""
    seen = set()
    for text in _vocabulary():
        if text not in seen:
            seen.add(text)
            yield text


def _vocabulary() -> Iterator[str]:
    yield from NUMBER_WORDS
    yield from (str(n) for n in range(10))
    yield from ('yes', 'no', '[12, 34, 56, 78]', '<image>\n' + _SCENE_QUESTION,
                _SCENE_QUESTION)
    for cls in DEMO_CLASSES:
        name = class_name(cls)
        yield from (cls, name, plural(name), CLASS_COLOURS[cls])
        yield from (q.format(plural=plural(name)) for q in _COUNT_QUESTIONS)
        yield from (q.format(cls=name) for q in (*_PRESENCE_QUESTIONS, *_COLOUR_QUESTIONS))
        expressions = [_UNIQUE_EXPRESSION.format(colour=CLASS_COLOURS[cls], cls=name),
                       'the ' + name]
        expressions += [_POSITION_EXPRESSION.format(cls=name, position=p) for p in _POSITIONS]
        yield from expressions
        yield from (_WHERE_QUESTION.format(expression=e) for e in expressions)
    object_sets = [objs for n in (1, 2, 3)
                   for objs in itertools.combinations_with_replacement(DEMO_CLASSES, n)]
    for scene, (colour, *_) in BACKGROUNDS.items():
        yield from (scene, colour, f'{colour} {_SURFACES[scene]}')
        for roads in range(4):
            base = {'img_id': '', 'width': 1, 'height': 1, 'background': scene,
                    'background_colour': colour, 'roads': roads, 'objects': []}
            for template in (*_EMPTY_SCENE_CAPTIONS, *_EMPTY_OBJECT_CAPTIONS):
                yield _fill_caption(template, base)
            for objs in object_sets:
                meta = dict(base, objects=[{'class': c} for c in objs])
                yield from (_fill_caption(t, meta) for t in _SCENE_CAPTIONS)
                if roads == 0:  # the object captions do not mention roads
                    yield from (_fill_caption(t, meta, one) for t in _OBJECT_CAPTIONS
                                for one in ('a', 'one'))
