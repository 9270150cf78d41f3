"""Shared text rendering and parsing of the box codecs.

A codec turns boxes into the assistant answer of the upstream RSCoVLM training
data (``encode``) and turns a model answer back into boxes (``decode``). The
subclasses only say how one quadrilateral becomes the codec's coordinates and
back; the line / JSON layout, the ordering of the objects, the "There are
none." answer and the tolerant parser live here.

Two text formats exist upstream (section 4.1 of the re-implementation notes):

* ``plain``: one ``'{c1},{c2},... {label}'`` line per object, joined with
  ``'\\n'`` plus a trailing ``'\\n'``;
* ``json``: ``'```json\\n[\\n\\t{item},\\n\\t{item}\\n]\\n```'`` with
  ``json.dumps`` items ``{"<box key>": [...], "label": "..."}``.
"""
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

EMPTY_ANSWER = 'There are none.'
FORMATS = ('plain', 'json')


def _empty_qboxes() -> np.ndarray:
    return np.zeros((0, 8), dtype=np.float32)


def _empty_labels() -> np.ndarray:
    return np.zeros((0,), dtype=np.int64)


def _empty_scores() -> np.ndarray:
    return np.zeros((0,), dtype=np.float32)


@dataclass
class ParsedBoxes:
    """Boxes parsed from one model answer.

    Attributes:
        qboxes: (N, 8) float32 quadrilateral corners in the original image
            frame, whatever the codec's box type.
        labels: (N,) int64 class indices (-1 when no class list was given).
        names: the N label texts as parsed (stripped, lowercased).
        scores: (N,) float32, all 1.0: the model gives no confidence, upstream
            uses a constant score (so the mAP is the paper's mAP_nc).
        num_lines: non-empty candidate lines (plain) or items (json) seen.
        num_skipped: candidates dropped because they were malformed.
        num_unknown_class: parsed boxes whose label text is not one of the
            ``class_names`` given to ``decode`` (they still get the closest
            class, as upstream; 0 when no class list was given).
        empty_answer: the text is the "There are none." answer.
        has_content: the text was not blank.
    """
    qboxes: np.ndarray = field(default_factory=_empty_qboxes)
    labels: np.ndarray = field(default_factory=_empty_labels)
    names: List[str] = field(default_factory=list)
    scores: np.ndarray = field(default_factory=_empty_scores)
    num_lines: int = 0
    num_skipped: int = 0
    num_unknown_class: int = 0
    empty_answer: bool = False
    has_content: bool = False

    def __len__(self) -> int:
        return len(self.names)

    @property
    def failed(self) -> bool:
        """The answer had content, is not the empty answer, and gave no box."""
        return self.has_content and not self.empty_answer and len(self) == 0


def is_empty_answer(text: str) -> bool:
    """Upstream's test for the "There are none." answer."""
    return text.lower().strip().rstrip('.') == 'there are none'


def _is_int(value) -> bool:
    # JSON ``true`` loads as a bool, which is an int subclass: not a coordinate.
    return isinstance(value, int) and not isinstance(value, bool)


class BaseBoxCodec:
    """Base class of the box <-> text codecs.

    Subclasses set the class attributes below and implement
    :meth:`poly_to_coords` and :meth:`coords_to_poly`.

    Args:
        fmt: ``'plain'`` (the format of the released runs) or ``'json'``.
    """
    #: 'qbox', 'rbox' or 'hbox'
    box_type: str = ''
    #: the key of the coordinates in a JSON item
    json_key: str = ''
    #: how many integers describe one box
    num_coords: int = 0
    #: upstream system prompts; None means the chat template default
    plain_system_prompt: Optional[str] = None
    json_system_prompt: Optional[str] = None

    empty_answer = EMPTY_ANSWER

    def __init__(self, fmt: str = 'plain'):
        if fmt not in FORMATS:
            raise ValueError(f'fmt must be one of {FORMATS}, got {fmt!r}')
        self.fmt = fmt

    def __repr__(self) -> str:
        return f'{type(self).__name__}(fmt={self.fmt!r})'

    @property
    def system_prompt(self) -> Optional[str]:
        """The upstream system prompt for this box type and format."""
        return self.plain_system_prompt if self.fmt == 'plain' else self.json_system_prompt

    # ------------------------------------------------------------------ #
    # box type specific parts
    # ------------------------------------------------------------------ #
    def poly_to_coords(self, int_poly: np.ndarray) -> List[int]:
        """The ``num_coords`` Python ints written for one int polygon (8,)."""
        raise NotImplementedError

    def coords_to_poly(self, coords: Sequence[int]) -> np.ndarray:
        """The (8,) float64 corners, in the resized frame, of parsed coords."""
        raise NotImplementedError

    # ------------------------------------------------------------------ #
    # encoding
    # ------------------------------------------------------------------ #
    def encode(self,
               polys,
               names: Sequence[str],
               ranks=None,
               sort: bool = True) -> str:
        """Render objects as the upstream assistant answer.

        Args:
            polys: (N, 8) quadrilaterals in the resized image frame (pixels).
                They are ``int()``-truncated first, as upstream does.
            names: the N label texts, already normalized by the caller.
            ranks: optional (N,) class ranks used for the ordering (0 if None).
            sort: order the objects by ``(rank, y1, x1)`` of the int
                axis-aligned box of each polygon, i.e. category by category,
                top to bottom, then left to right.

        Returns:
            str: the answer; exactly ``'There are none.'`` when N == 0.
        """
        polys = np.asarray(polys, dtype=np.float64).reshape(-1, 8)
        names = list(names)
        num = len(polys)
        if len(names) != num:
            raise ValueError(f'got {num} polygons but {len(names)} names')
        if num == 0:
            return EMPTY_ANSWER
        ranks = np.zeros(num, dtype=np.int64) if ranks is None else np.asarray(ranks).reshape(-1)
        if len(ranks) != num:
            raise ValueError(f'got {num} polygons but {len(ranks)} ranks')

        int_polys = np.trunc(polys).astype(np.int64)
        order = list(range(num))
        if sort:
            x1 = int_polys[:, 0::2].min(axis=1)
            y1 = int_polys[:, 1::2].min(axis=1)
            order.sort(key=lambda i: (ranks[i], y1[i], x1[i]))

        items = [(self.poly_to_coords(int_polys[i]), names[i]) for i in order]
        if self.fmt == 'plain':
            return ''.join(f'{",".join(map(str, coords))} {name}\n' for coords, name in items)
        dumped = [json.dumps({self.json_key: coords, 'label': name}) for coords, name in items]
        return '```json\n[\n\t' + ',\n\t'.join(dumped) + '\n]\n```'

    # ------------------------------------------------------------------ #
    # decoding
    # ------------------------------------------------------------------ #
    def decode(self,
               text: Optional[str],
               class_names: Optional[Sequence[str]] = None,
               scale: Tuple[float, float] = (1.0, 1.0)) -> ParsedBoxes:
        """Parse a model answer; never raises.

        Args:
            text: the generated answer (None is treated as '').
            class_names: normalized class names. A parsed label maps to the
                index of the identical name, else to the closest name by
                ``rapidfuzz.process.extractOne`` (default WRatio scorer, no
                cutoff), as upstream. None gives -1 labels.
            scale: ``(sx, sy)`` multiplying x and y, from the resized frame to
                the original one (``sx = ori_w / img_w``, ``sy = ori_h / img_h``).

        Returns:
            ParsedBoxes
        """
        try:
            return self._decode(text, class_names, scale)
        except Exception as e:  # a safety net: evaluation must go on
            warnings.warn(f'{type(self).__name__}.decode failed unexpectedly: {e!r}')
            return ParsedBoxes(has_content=True)

    def _decode(self, text, class_names, scale) -> ParsedBoxes:
        if text is None:
            text = ''
        elif isinstance(text, bytes):
            text = text.decode('utf-8', errors='replace')
        elif not isinstance(text, str):
            text = str(text)

        has_content = bool(text.strip())
        if is_empty_answer(text):
            return ParsedBoxes(empty_answer=True, has_content=has_content)

        if self.fmt == 'plain':
            candidates = self._plain_candidates(text)
        else:
            candidates = self._json_candidates(text)

        sx, sy = float(scale[0]), float(scale[1])
        polys, names = [], []
        num_lines = num_skipped = 0
        for coords, name in candidates:
            num_lines += 1
            poly = self._to_poly(coords, sx, sy)
            if poly is None:
                num_skipped += 1
                continue
            polys.append(poly)
            names.append(name)

        qboxes = np.asarray(polys, dtype=np.float32).reshape(-1, 8)
        known = set(class_names or ())
        return ParsedBoxes(
            qboxes=qboxes,
            labels=np.asarray(self._map_labels(names, class_names), dtype=np.int64),
            names=names,
            scores=np.ones(len(names), dtype=np.float32),
            num_lines=num_lines,
            num_skipped=num_skipped,
            num_unknown_class=0 if class_names is None else sum(n not in known
                                                                for n in names),
            has_content=has_content)

    def _to_poly(self, coords, sx: float, sy: float) -> Optional[np.ndarray]:
        """Corners in the original frame, or None for a malformed candidate.

        ``coords`` is None when the candidate could not be read at all.
        """
        if coords is None or len(coords) < self.num_coords:
            return None
        try:
            # extra coordinates are ignored, as upstream keeps the first 8
            poly = self.coords_to_poly(coords[:self.num_coords])
            poly = np.asarray(poly, dtype=np.float64).reshape(8) * np.array([sx, sy] * 4)
            with np.errstate(over='ignore', invalid='ignore'):
                poly = poly.astype(np.float32)  # overflow gives inf, dropped below
        except (OverflowError, ValueError, TypeError):
            return None  # e.g. integers too large for a float
        if not np.all(np.isfinite(poly)):
            return None
        return poly

    @staticmethod
    def _plain_candidates(text: str):
        """Yield ``(coords or None, name)`` per non-empty line, as upstream.

        A line is ``'{ints joined by ,} {label}'``; anything that fails the
        split or ``int()`` (floats, a missing space, ...) gives None coords.
        """
        for line in text.strip().splitlines():
            if not line.strip():
                continue
            try:
                coords, name = line.split(' ', 1)
                coords = [int(c) for c in coords.split(',')]
            except ValueError:
                yield None, ''
                continue
            yield coords, name.strip().lower()

    def _json_candidates(self, text: str):
        """Yield ``(coords or None, name)`` per JSON item."""
        for item in _load_json_items(text):
            if not isinstance(item, dict):
                yield None, ''
                continue
            coords, name = item.get(self.json_key), item.get('label')
            if not (isinstance(coords, list) and all(_is_int(c) for c in coords)
                    and isinstance(name, str)):
                yield None, ''
                continue
            yield coords, name.strip().lower()

    @staticmethod
    def _map_labels(names: List[str], class_names: Optional[Sequence[str]]) -> List[int]:
        if class_names is None:
            return [-1] * len(names)
        class_names = list(class_names)
        index = {}
        for i, n in enumerate(class_names):
            index.setdefault(n, i)
        labels = []
        for name in names:
            if name not in index:
                index[name] = _fuzzy_index(name, class_names)
            labels.append(index[name])
        return labels


def _fuzzy_index(name: str, class_names: List[str]) -> int:
    """Index of the closest class name; upstream maps every label to a class."""
    if not class_names:
        return -1
    from rapidfuzz import process
    try:
        match = process.extractOne(name, class_names)
    except Exception:
        return -1
    return -1 if match is None else int(match[2])


_FENCE_HEAD = re.compile(r'^\s*```(?:json)?')
_FENCE_TAIL = re.compile(r'```\s*$')


def _load_json_items(text: str) -> list:
    """The list of items of a JSON answer, repaired as upstream if needed."""
    text = _FENCE_TAIL.sub('', _FENCE_HEAD.sub('', text))
    try:
        return _as_items(json.loads(text))
    except (ValueError, RecursionError):
        pass

    # Usual mistakes of a generated answer, fixed as upstream does:
    # brackets written as parentheses,
    text = text.replace('(', '[').replace(')', ']')
    # repeated commas,
    text = re.sub(r'(, *)+', ', ', text)
    # missing commas between two numbers (the look-ahead also fixes '1 2 3'),
    text = re.sub(r'(\d)\s+(?=\d)', r'\1, ', text)
    # a repeated '"label":'.
    text = re.sub(r'("label":\s*)+', '"label": ', text)
    # A long answer may still hold a broken item: keep the lines that parse
    # on their own (upstream re-wraps them in '[ ]', which gives these items).
    items = []
    for line in text.splitlines():
        try:
            value = json.loads(line.strip().strip(','))
        except (ValueError, RecursionError):
            continue
        items.extend(_as_items(value))
    return items


def _as_items(value) -> list:
    # A lone object or value counts as one (possibly malformed) item.
    return value if isinstance(value, list) else [value]
