"""Helpers shared by the dataset converters in this folder (not a public API).

Input problems raise :class:`ConverterError` with the file, record and field at fault;
:func:`cli` prints them without a traceback. Numbers written to annotation files go
through :func:`clean_num` (integers stay integers, other values are rounded to 0.01 px).
"""
import json
import os
import os.path as osp
import re
import sys
import xml.etree.ElementTree as ET
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence,
                    Tuple, Union)

import numpy as np
from mmengine.utils import track_iter_progress
from PIL import Image

from rscovlm.codecs import poly_to_hbox, rbox_deg_to_poly
from rscovlm.utils.fileio import iter_jsonl as read_jsonl

Image.MAX_IMAGE_PIXELS = None  # DOTA / FAIR1M scenes exceed PIL's bomb limit

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp')
Number = Union[int, float]


class ConverterError(Exception):
    """A problem with the input data, reported without a traceback."""


def cli(main: Callable[[Optional[Sequence[str]]], Any]) -> None:
    """Run a converter's ``main``; input errors exit with status 1 and one message."""
    try:
        main(None)
    except ConverterError as e:
        print(f'error: {e}', file=sys.stderr)
        sys.exit(1)


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------
def load_json(path: str) -> Any:
    """Read a JSON file; a missing or malformed file raises :class:`ConverterError`."""
    if not osp.isfile(path):
        raise ConverterError(f'{path}: no such file')
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ConverterError(f'{path}: not valid JSON ({e})') from None


def iter_jsonl(path: str) -> Iterator[Tuple[int, dict]]:
    """Yield ``(line_number, record)`` of a JSON Lines file, skipping blank lines."""
    if not osp.isfile(path):
        raise ConverterError(f'{path}: no such file')
    try:
        for lineno, rec in read_jsonl(path):
            if not isinstance(rec, dict):
                raise ConverterError(f'{path}:{lineno}: expected a JSON object, got '
                                     f'{type(rec).__name__}')
            yield lineno, rec
    except ValueError as e:  # a line that is not JSON
        raise ConverterError(str(e)) from None


def _prepare(path: str) -> None:
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)


def dump_json(obj: Any, path: str) -> None:
    """Write ``obj`` as UTF-8 JSON, creating the parent folder."""
    _prepare(path)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, ensure_ascii=False)


def dump_jsonl(records: Iterable[dict], path: str) -> int:
    """Write one JSON object per line; returns the number of lines."""
    _prepare(path)
    n = 0
    with open(path, 'w', encoding='utf-8') as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + '\n')
            n += 1
    return n


def require_list(data: Any, path: str, key: Optional[str] = None) -> list:
    """``data`` (or ``data[key]``) as a list, else an error naming the file and key."""
    if key is not None:
        if not isinstance(data, dict) or key not in data:
            raise ConverterError(f'{path}: expected a JSON object with a "{key}" list')
        data = data[key]
    if not isinstance(data, list):
        where = f'"{key}"' if key else 'the top level'
        raise ConverterError(f'{path}: expected a list at {where}, got {type(data).__name__}')
    return data


def require_fields(rec: Any, fields: Sequence[str], where: str) -> None:
    """Raise :class:`ConverterError` naming ``where`` if ``rec`` lacks one of ``fields``."""
    if not isinstance(rec, dict):
        raise ConverterError(f'{where}: expected a JSON object, got {type(rec).__name__}')
    missing = [k for k in fields if k not in rec]
    if missing:
        raise ConverterError(f'{where}: missing field(s) {missing} (has {sorted(rec)})')


def list_images(folder: str) -> List[str]:
    """Sorted file names of the images (``IMAGE_EXTS``, any case) in ``folder``."""
    if not osp.isdir(folder):
        raise ConverterError(f'{folder}: no such folder')
    return sorted(f for f in os.listdir(folder)
                  if osp.splitext(f)[1].lower() in IMAGE_EXTS
                  and osp.isfile(osp.join(folder, f)))


def image_size(path: str) -> Tuple[int, int]:
    """``(width, height)`` read from the image header (the pixels are not decoded)."""
    try:
        with Image.open(path) as img:
            return img.size
    except FileNotFoundError:
        raise ConverterError(f'{path}: no such image') from None
    except OSError as e:
        raise ConverterError(f'{path}: cannot read the image header ({e})') from None


def progress(items: Sequence) -> Iterable:
    """Iterate ``items`` with mmengine's progress bar (``[>>>  ] n/N, ... ETA``) on the
    current ``sys.stdout`` (a plain loop when empty)."""
    return track_iter_progress(list(items), file=sys.stdout) if len(items) else iter(())


def print_summary(title: str, rows: Sequence[Tuple[str, Any]]) -> None:
    """Print ``title`` and aligned ``name: value`` rows."""
    width = max((len(k) for k, _ in rows), default=0)
    print(f'\n{title}')
    for key, value in rows:
        print(f'  {key.ljust(width)}  {value}')


# ---------------------------------------------------------------------------
# numbers and geometry
# ---------------------------------------------------------------------------
def clean_num(v: Number, ndigits: int = 2) -> Number:
    """``v`` as an int when integral, else as a float rounded to ``ndigits``."""
    v = round(float(v), ndigits)
    return int(v) if v.is_integer() else v


def fmt_num(v: Number) -> str:
    """Text of :func:`clean_num` (``'10'``, ``'10.5'``), for DOTA lines."""
    return str(clean_num(v))


def dota_line(poly: Sequence[Number], cls: str, difficulty: int) -> str:
    """One DOTA ``labelTxt`` line: ``x1 y1 ... x4 y4 class difficulty``."""
    return ' '.join([fmt_num(v) for v in poly] + [cls, str(int(difficulty))])


def polygon_area(poly: Sequence[Number]) -> float:
    """Area (shoelace, absolute) of a polygon given as ``x1, y1, x2, y2, ...``."""
    pts = np.asarray(poly, dtype=np.float64).reshape(-1, 2)
    x, y = pts[:, 0], pts[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


# GeoChat / VRSBench text boxes: ``{<x1><y1><x2><y2>}`` or ``{<x1><y1><x2><y2>|<angle>}``
# (also ``|angle`` without brackets), numbers on a 0-100 grid.
_NUM = r'\s*<\s*(-?\d+(?:\.\d+)?)\s*>'
GRID_BOX_RE = re.compile(r'\{' + _NUM * 4 + r'\s*(?:\|\s*<?\s*(-?\d+(?:\.\d+)?)\s*>?\s*)?\}')
_MARK = '\x00'  # brackets the boxes written by rewrite_grid_boxes while it joins them
_ADJACENT_BOXES_RE = re.compile(_MARK + r'\s*(?:<delim>\s*)?' + _MARK)


def parse_grid_box(text: str) -> Optional[Tuple[List[float], Optional[float]]]:
    """The first ``{<x1><y1><x2><y2>(|<angle>)}`` of ``text``: ``([x1, y1, x2, y2],
    angle or None)``, or ``None`` when there is none."""
    m = GRID_BOX_RE.search(text)
    if m is None:
        return None
    angle = None if m.group(5) is None else float(m.group(5))
    return [float(m.group(i)) for i in range(1, 5)], angle


def clamp_grid(values: Sequence[float], grid: int = 100) -> Tuple[List[float], bool]:
    """``values`` clamped into ``[0, grid]``, and whether any was outside."""
    out = [min(max(float(v), 0.0), float(grid)) for v in values]
    return out, any(a != float(b) for a, b in zip(out, values))


def grid_to_pixels(box: Sequence[float], width: int, height: int,
                   grid: int = 100) -> List[Number]:
    """A box ``x1, y1, x2, y2`` (or a polygon) on a ``grid`` scale in pixels of a
    ``width`` x ``height`` image: ``v / grid * size`` per axis, rounded to 0.01."""
    return [clean_num(v / grid * (width if i % 2 == 0 else height))
            for i, v in enumerate(box)]


def rewrite_grid_boxes(text: str, stats: Dict[str, int], grid: int = 100) -> str:
    """Rewrite every ``{<x1><y1><x2><y2>(|<angle>)}`` of ``text`` as ``[x1, y1, x2, y2]``.

    The values stay on the 0-``grid`` scale (the text form that ``box_grid=100`` reads).
    A box with a non-zero angle (GeoChat: the rectangle before its rotation by ``angle``
    degrees about its centre) becomes the axis-aligned box enclosing the rotated
    rectangle. Values are rounded to integers and clamped into ``[0, grid]``. Adjacent
    boxes (``}{`` or ``}<delim>{``) become one list ``[..], [..]``. ``stats`` counts
    ``boxes``, ``rotated`` (non-zero angle) and ``clamped`` (a value outside the grid).
    """
    def convert(m: 're.Match') -> str:
        x1, y1, x2, y2 = (float(m.group(i)) for i in range(1, 5))
        angle = float(m.group(5) or 0)
        if angle:
            poly = rbox_deg_to_poly((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, angle)
            x1, y1, x2, y2 = poly_to_hbox(poly).tolist()
        values, clamped = clamp_grid([round(v) for v in (x1, y1, x2, y2)], grid)
        stats['boxes'] = stats.get('boxes', 0) + 1
        stats['rotated'] = stats.get('rotated', 0) + int(angle != 0)
        stats['clamped'] = stats.get('clamped', 0) + int(clamped)
        return _MARK + '[' + ', '.join(str(int(v)) for v in values) + ']' + _MARK

    if '{' not in text:
        return text
    text = _ADJACENT_BOXES_RE.sub(', ', GRID_BOX_RE.sub(convert, text))
    return text.replace(_MARK, '')


# ---------------------------------------------------------------------------
# conversations (GeoChat, VRSBench)
# ---------------------------------------------------------------------------
# MiniGPT-v2 / GeoChat task identifiers at the start of a question -> rscovlm task
TASK_TAGS = {'refer': 'grounding', 'grounding': 'grounding', 'detection': 'grounding',
             'identify': 'caption', 'caption': 'caption', 'vqa': 'vqa'}
_TAG_RE = re.compile(r'\[(' + '|'.join(TASK_TAGS) + r')\]\s*')
_CLS_HINT = re.compile(r'^\s*classify\b|\bclasses\s*:', re.IGNORECASE)
_VQA_HINT = re.compile(r'answer the question using a single word or phrase', re.IGNORECASE)
_CAPTION_HINT = re.compile(r'\bdescribe\b.*\b(image|picture|scene)\b|\bcaption\b',
                           re.IGNORECASE)


def guess_task(conversations: Sequence[dict]) -> Optional[str]:
    """The rscovlm task of a LLaVA conversation when it is obvious, else ``None``.

    In this order: a task identifier in the first question (``[refer]``/``[grounding]`` ->
    ``grounding``, ``[identify]``/``[caption]`` -> ``caption``, ``[vqa]`` -> ``vqa``);
    several questions -> ``conversation``; ``Classify ...``/``Classes: ...`` -> ``cls``;
    ``Answer the question using a single word or phrase`` -> ``vqa``; a request to
    describe the image -> ``caption``.
    """
    questions = [t.get('value', '') for t in conversations
                 if t.get('from') in ('human', 'user')]
    if not questions:
        return None
    tag = _TAG_RE.search(questions[0])
    if tag:
        return TASK_TAGS[tag.group(1)]
    if len(questions) > 1:
        return 'conversation'
    question = questions[0].replace('<image>', '').strip()
    if _CLS_HINT.search(question):
        return 'cls'
    if _VQA_HINT.search(question):
        return 'vqa'
    if _CAPTION_HINT.search(question):
        return 'caption'
    return None


def strip_task_tags(text: str) -> str:
    """Remove the task identifiers (``[refer] ``, ``[vqa] ``, ...) from a question."""
    return _TAG_RE.sub('', text)


def convert_conversation_record(rec: dict, where: str, stats: Dict[str, int],
                                strip_tags: bool = False) -> dict:
    """A LLaVA record with its text boxes rewritten (:func:`rewrite_grid_boxes`), task
    identifiers optionally stripped, and ``task`` set by :func:`guess_task` (kept when
    the record has one; absent when not obvious)."""
    require_fields(rec, ('conversations', ), where)
    turns = rec['conversations']
    if not isinstance(turns, list) or not turns:
        raise ConverterError(f'{where}: "conversations" must be a non-empty list')
    new_turns = []
    for k, turn in enumerate(turns):
        require_fields(turn, ('from', 'value'), f'{where} turn {k}')
        value = rewrite_grid_boxes(str(turn['value']), stats)
        if strip_tags and turn['from'] in ('human', 'user'):
            value = strip_task_tags(value)
        new_turns.append(dict(turn, value=value))
    out = dict(rec, conversations=new_turns)
    task = rec.get('task') or guess_task(turns)
    if task:
        out['task'] = task
    return out


# ---------------------------------------------------------------------------
# detection outputs
# ---------------------------------------------------------------------------
def xml_text(elem: ET.Element, tag: str, where: str, default: Optional[str] = None) -> str:
    """Text of the child ``tag`` of ``elem``; missing without a default is an error."""
    child = elem.find(tag)
    if child is None or child.text is None:
        if default is not None:
            return default
        raise ConverterError(f'{where}: missing <{tag}>')
    return child.text.strip()


def xml_float(elem: ET.Element, tag: str, where: str) -> float:
    """:func:`xml_text` as a float, with an error naming the field otherwise."""
    text = xml_text(elem, tag, where)
    try:
        return float(text)
    except ValueError:
        raise ConverterError(f'{where}: <{tag}> is not a number: {text!r}') from None


def parse_xml(path: str) -> ET.Element:
    """The root element of an XML file, with an error naming the file otherwise."""
    try:
        return ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        raise ConverterError(f'{path}: cannot parse the XML ({e})') from None


class CocoBuilder:
    """Accumulate a COCO-instances dict with one quadrilateral per object.

    Categories get ids ``1..N`` in the order of ``class_names``; images and annotations
    are numbered from 1 in insertion order. ``bbox`` is ``[x, y, w, h]`` of the polygon,
    ``area`` the polygon's area, ``segmentation`` ``[[x1, y1, ..., x4, y4]]``.
    """

    def __init__(self, class_names: Sequence[str]) -> None:
        self.cat_ids = {name: k + 1 for k, name in enumerate(class_names)}
        self.images: List[dict] = []
        self.annotations: List[dict] = []

    def add_image(self, file_name: str, width: int, height: int) -> int:
        image_id = len(self.images) + 1
        self.images.append(dict(id=image_id, file_name=file_name, width=int(width),
                                height=int(height)))
        return image_id

    def add_object(self, image_id: int, class_name: str, poly: Sequence[float],
                   ignore: int = 0) -> None:
        x1, y1, x2, y2 = poly_to_hbox(np.asarray(poly, dtype=np.float64)).tolist()
        self.annotations.append(dict(
            id=len(self.annotations) + 1, image_id=image_id,
            category_id=self.cat_ids[class_name],
            bbox=[clean_num(x1), clean_num(y1), clean_num(x2 - x1), clean_num(y2 - y1)],
            area=clean_num(polygon_area(poly)),
            segmentation=[[clean_num(v) for v in poly]],
            iscrowd=0, ignore=int(ignore)))

    def to_dict(self) -> dict:
        return dict(images=self.images, annotations=self.annotations,
                    categories=[dict(id=i, name=n) for n, i in self.cat_ids.items()])
