"""A deterministic generator of a small remote-sensing-like dataset in DOTA format.

It is the data of the embedded demo: small square images with a few large, rotated,
brightly coloured objects of four classes on low-contrast textured backgrounds, written
in the layout that mmrotate's image-split tool produces::

    root/
      generation.json              parameters + summary (written last: marks completion)
      {split}/images/{img_id}.png
      {split}/annfiles/{img_id}.txt  DOTA lines "x1 y1 x2 y2 x3 y3 x4 y4 class difficulty"
      {split}/meta.jsonl           one JSON record per image (see below)
      {split}/captions.json        caption JSON: two templated captions per image
      {split}/vqa.json             VQA JSON: 2-3 count/presence/colour questions per image
      {split}/cls.json             classification JSON: scene label = background type
      {split}/grounding.jsonl      refGeo-style grounding JSONL (dataset "images"): one
                                   referring expression per image with a non-difficult object
      {split}/conversations.json   LLaVA JSON, every 4th image: scene type, then a box of one
                                   object on GeoChat's 0-100 grid

The formats are those of ``docs/data_formats.md``; the captions, questions, expressions
and conversations are derived from the ``meta.jsonl`` records alone by
:mod:`rscovlm.datasets.demo.tasks` (templates and rules documented there). Every
annotation path is relative to the split's ``images/`` folder, except grounding's, which is
``{split}/{dataset}/{image_id}`` (``img_path`` = the split folder).

Image ids look like DOTA split patches, ``P{index:04d}__{img_size}__0___0``; the index is
1-based and unique over all splits (train first, then test, ...). ``only=('test', )`` writes
the test split alone, byte-identical to that of a full run (the train split is not drawn,
only counted for the ids).

All coordinates and sizes are in pixels of the image frame: x to the right, y down, the
top-left corner of the top-left pixel is (0, 0), so a polygon lies inside the image when
every coordinate is within ``[0, img_size]``.

Each object is a rotated rectangle; its annotated polygon is exactly the rectangle the
object fills (the drawn shape touches all four sides), so a perfect rotated-box
prediction has rotated IoU ~1. Appearance per class (sizes for ``img_size=112``; they
scale with the image):

=============  ==========  ================================================  ===========
class          colour      shape                                             long side
=============  ==========  ================================================  ===========
plane          white       fuselage with pointed nose, swept wings and tail  36-60 px
                           (aspect ~1.2:1, wingspan = short side)
ship           red         hull with a pointed bow, dark-red bridge          36-60 px
                           (aspect ~3:1)
storage-tank   cyan        filled square-ish box with a dark ring            28-44 px
                           (aspect 1-1.2)
large-vehicle  yellow      filled box with a darker cab at one end           28-48 px
                           (aspect ~2:1)
=============  ==========  ================================================  ===========

About 5% of the objects are *difficult* (``difficulty=1``): they are drawn at 0.6x the
usual size and half faded into the background. About 5% of the images have no objects
(their annotation file is empty); the others have 1-3 non-overlapping objects.

``meta.jsonl`` record (one per image, keys in this order)::

    {"img_id": "P0001__112__0___0", "width": 112, "height": 112,
     "background": "grassland", "background_colour": "green", "roads": 1,
     "objects": [{"poly": [x1, y1, ..., x4, y4], "class": "ship", "colour": "red",
                  "difficult": 0, "center": [cx, cy], "size": [long, short],
                  "angle": deg, "heading": deg}, ...]}

``poly`` is identical to the annotation file's polygon (same rounding, same corner
order: clockwise on screen, starting at the rear-left corner of the long axis);
``center`` and ``size`` (long side, short side) are in pixels; ``heading`` is the
direction from the rear to the front of the object (the nose of a plane, the bow of a
ship, the cab of a vehicle; uniform over [0, 360)) and ``angle = heading % 180`` the
direction of the box's long side, both in degrees from +x towards +y (clockwise on
screen; 90 points down the image).
"""
import functools
import json
import os
import os.path as osp
import shutil
import zlib
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'DEMO_CLASSES', 'CLASS_COLOURS', 'BACKGROUNDS', 'GENERATOR_VERSION',
    'generate_demo_dataset', 'demo_img_id', 'read_generation_record',
    'dataset_is_complete', 'format_summary'
]

#: Bump when the generated content changes, so cached datasets are regenerated.
GENERATOR_VERSION = 2  # 2: + captions, VQA, cls, grounding, conversations

#: Class names as written in the DOTA annotation files.
DEMO_CLASSES: Tuple[str, ...] = ('plane', 'ship', 'storage-tank', 'large-vehicle')

#: Colour name of each class (one saturated colour per class).
CLASS_COLOURS: Dict[str, str] = {
    'plane': 'white',
    'ship': 'red',
    'storage-tank': 'cyan',
    'large-vehicle': 'yellow',
}

# RGB of the colour names; each object gets a small random jitter around it.
_RGB = {
    'white': (242, 242, 238),
    'red': (225, 30, 30),
    'cyan': (20, 215, 230),
    'yellow': (250, 215, 20),
}

# Per class, at img_size=112: (long side range in px, long/short aspect range).
_SHAPES = {
    'plane': ((36.0, 60.0), (1.1, 1.35)),
    'ship': ((36.0, 60.0), (2.7, 3.3)),
    'storage-tank': ((28.0, 44.0), (1.0, 1.2)),
    'large-vehicle': ((28.0, 48.0), (1.8, 2.2)),
}

#: Background type -> (colour name, base RGB, low-frequency amplitude, roads probability).
BACKGROUNDS: Dict[str, Tuple[str, Tuple[int, int, int], float, float]] = {
    'grassland': ('green', (78, 112, 62), 14.0, 0.3),
    'farmland': ('brown', (122, 102, 74), 10.0, 0.4),
    'urban': ('grey', (108, 108, 104), 10.0, 1.0),
    'desert': ('tan', (160, 140, 104), 12.0, 0.2),
    'water': ('blue', (36, 62, 92), 8.0, 0.0),
}

_DIFFICULT_PROB = 0.05  # probability that an object is small and faded (difficult=1)
_EMPTY_EVERY = 20  # image k of a split is empty when k % 20 == 7 (5% of the images)
_NUM_OBJECTS_P = (0.35, 0.35, 0.30)  # probabilities of 1, 2, 3 objects
_MAX_TRIES = 40  # placement attempts per object before giving it up
_GAP = 2  # minimal gap between objects, px
_SHIFT = 4  # cv2 sub-pixel drawing: coordinates carry 4 fractional bits
_REF_SIZE = 112.0  # sizes in _SHAPES are for this image size


def demo_img_id(index: int, img_size: int) -> str:
    """DOTA-split-style image id of the 1-based global image ``index``."""
    return f'P{index:04d}__{img_size}__0___0'


# --------------------------------------------------------------------------- drawing
def _to_image(local: np.ndarray, center: Tuple[float, float],
              angle: float) -> np.ndarray:
    """Map (N, 2) points (u along the long side, v across; px) to the image frame."""
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return local @ rot.T + np.asarray(center)


def _fill(img: np.ndarray, pts: np.ndarray, colour) -> None:
    """Fill an (N, 2) polygon (float px) with anti-aliased, sub-pixel edges."""
    # Pixel centres are at integer + 0.5 in our frame, at integers in cv2's.
    fixed = np.round((pts - 0.5) * (1 << _SHIFT)).astype(np.int32)
    cv2.fillPoly(img, [fixed], tuple(int(v) for v in colour), cv2.LINE_AA, _SHIFT)


def _shade(rgb: np.ndarray, factor: float) -> np.ndarray:
    return np.clip(rgb * factor, 0, 255)


def _draw_object(img: np.ndarray, cls: str, center, angle: float, length: float,
                 width: float, rgb: np.ndarray) -> None:
    """Draw one object filling the rotated rectangle (length x width px)."""
    L, W = length / 2.0, width / 2.0  # half sizes

    def draw(local, colour):  # local: (u, v) corners in px, u along the long side
        _fill(img, _to_image(np.asarray(local, float), center, angle), colour)

    if cls == 'plane':
        f = max(0.07 * length, 1.5)  # half width of the fuselage
        # fuselage with a pointed nose at +L
        draw([(-L, -f), (0.7 * L, -f), (L, 0), (0.7 * L, f), (-L, f)], rgb)
        for side in (-1, 1):  # swept wings reaching the long sides, tailplanes
            draw([(0.25 * L, 0), (-0.25 * L, side * W), (-0.5 * L, side * W),
                  (-0.15 * L, 0)], rgb)
            draw([(-0.7 * L, 0), (-0.92 * L, side * 0.4 * W), (-L, side * 0.4 * W),
                  (-L, 0)], rgb)
    elif cls == 'ship':
        bow = min(0.25 * length, 1.2 * width)
        draw([(-L, -W), (L - bow, -W), (L, 0), (L - bow, W), (-L, W)], rgb)
        draw([(-0.75 * L, -0.55 * W), (-0.35 * L, -0.55 * W), (-0.35 * L, 0.55 * W),
              (-0.75 * L, 0.55 * W)], _shade(rgb, 0.5))
    elif cls == 'storage-tank':
        draw([(-L, -W), (L, -W), (L, W), (-L, W)], rgb)
        cx, cy = (int(round((v - 0.5) * (1 << _SHIFT))) for v in center)
        radius = int(round(0.32 * width * (1 << _SHIFT)))
        thick = max(1, int(round(width / 14)))
        cv2.circle(img, (cx, cy), radius, tuple(int(v) for v in _shade(rgb, 0.45)),
                   thick, cv2.LINE_AA, _SHIFT)
    elif cls == 'large-vehicle':
        draw([(-L, -W), (L, -W), (L, W), (-L, W)], rgb)
        gap = max(0.04 * length, 1.0)
        draw([(0.45 * L, -W), (0.45 * L + gap, -W), (0.45 * L + gap, W),
              (0.45 * L, W)], _shade(rgb, 0.35))
        draw([(0.45 * L + gap, -W), (L, -W), (L, W), (0.45 * L + gap, W)],
             _shade(rgb, 0.75))
    else:
        raise ValueError(f'unknown class {cls!r}')


def _background(rng: np.random.Generator, size: int, kind: str) -> Tuple[np.ndarray, int]:
    """Smooth low-contrast texture of ``kind``; returns (H x W x 3 uint8 RGB, #roads)."""
    _, base, amp, road_p = BACKGROUNDS[kind]
    # low-frequency luminance noise plus a little colour drift, upsampled smoothly
    grid = rng.standard_normal((6, 6, 1)) * amp + rng.standard_normal((6, 6, 3)) * amp * 0.3
    img = cv2.resize(grid.astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    img = img + np.asarray(base, np.float32)
    if kind == 'farmland':  # a few rectangular fields of a slightly different shade
        for _ in range(rng.integers(3, 7)):
            x0, y0 = rng.uniform(-0.2, 0.9, 2) * size
            w, h = rng.uniform(0.2, 0.6, 2) * size
            x0, y0, x1, y1 = (int(np.clip(v, 0, size)) for v in (x0, y0, x0 + w, y0 + h))
            img[y0:y1, x0:x1] += rng.uniform(-14, 14)
    num_roads = 0
    if rng.random() < road_p:
        num_roads = int(rng.integers(2, 4)) if kind == 'urban' else 1
        sign = 1.0 if kind == 'urban' else rng.choice([-1.0, 1.0])
        for _ in range(num_roads):  # straight lines across the whole image
            p = rng.uniform(0, size)
            if rng.random() < 0.5:
                a, b = (p, 0.0), (p + rng.uniform(-0.3, 0.3) * size, float(size))
            else:
                a, b = (0.0, p), (float(size), p + rng.uniform(-0.3, 0.3) * size)
            thick = int(rng.integers(3, 6)) * size // 112 or 1
            road = np.zeros((size, size), np.uint8)  # uint8: cv2 anti-aliases only 8-bit
            cv2.line(road, tuple(int(v) for v in a), tuple(int(v) for v in b), 255, thick,
                     cv2.LINE_AA)
            img += road[..., None] * (sign * rng.uniform(14, 24) / 255.0)
    img += rng.standard_normal((size, size, 1)).astype(np.float32) * 3.0  # grain
    return np.clip(np.round(img), 0, 255).astype(np.uint8), num_roads


# ------------------------------------------------------------------------ one image
def _box_corners(center, angle: float, length: float, width: float) -> np.ndarray:
    L, W = length / 2.0, width / 2.0
    return _to_image(np.array([(-L, -W), (L, -W), (L, W), (-L, W)]), center, angle)


def _make_image(rng: np.random.Generator, size: int,
                empty: bool) -> Tuple[np.ndarray, dict]:
    """Draw one image; returns (H x W x 3 uint8 RGB, meta record without img_id)."""
    kind = str(rng.choice(list(BACKGROUNDS)))
    canvas, num_roads = _background(rng, size, kind)
    num = 0 if empty else int(rng.choice([1, 2, 3], p=_NUM_OBJECTS_P))
    scale = size / _REF_SIZE
    occupied = np.zeros((size, size), np.uint8)
    objects = []
    for _ in range(num):
        cls = str(rng.choice(DEMO_CLASSES))
        difficult = int(rng.random() < _DIFFICULT_PROB)
        (lo, hi), (alo, ahi) = _SHAPES[cls]
        for _ in range(_MAX_TRIES):
            length = rng.uniform(lo, hi) * scale * (0.6 if difficult else 1.0)
            width = length / rng.uniform(alo, ahi)
            heading = round(float(rng.uniform(0, 360)), 1) % 360.0  # front direction
            angle = np.deg2rad(heading)
            half_w = (abs(np.cos(angle)) * length + abs(np.sin(angle)) * width) / 2
            half_h = (abs(np.sin(angle)) * length + abs(np.cos(angle)) * width) / 2
            margin = 1.0
            if half_w + margin > size / 2 or half_h + margin > size / 2:
                continue
            center = (round(float(rng.uniform(half_w + margin, size - half_w - margin)), 1),
                      round(float(rng.uniform(half_h + margin, size - half_h - margin)), 1))
            poly = np.round(_box_corners(center, angle, length, width), 1)
            mask = np.zeros_like(occupied)
            cv2.fillPoly(mask, [np.round((poly - 0.5) * (1 << _SHIFT)).astype(np.int32)],
                         1, cv2.LINE_8, _SHIFT)
            if _GAP:
                mask = cv2.dilate(mask, np.ones((2 * _GAP + 1, 2 * _GAP + 1), np.uint8))
            if (mask & occupied).any():
                continue
            occupied |= mask
            break
        else:
            continue  # no free place: drop this object
        colour = CLASS_COLOURS[cls]
        rgb = np.clip(np.asarray(_RGB[colour], float) + rng.uniform(-10, 10, 3), 0, 255)
        if difficult:  # faded: drawn on a copy and half blended into the background
            layer = canvas.copy()
            _draw_object(layer, cls, center, angle, length, width, rgb)
            canvas = ((canvas.astype(np.uint16) + layer) // 2).astype(np.uint8)
        else:
            _draw_object(canvas, cls, center, angle, length, width, rgb)
        objects.append({
            'poly': [float(v) for v in poly.reshape(-1)],
            'class': cls,
            'colour': colour,
            'difficult': difficult,
            'center': [float(center[0]), float(center[1])],
            'size': [round(float(length), 1), round(float(width), 1)],
            'angle': round(heading % 180.0, 1),
            'heading': heading,
        })
    meta = {
        'width': size, 'height': size, 'background': kind,
        'background_colour': BACKGROUNDS[kind][0], 'roads': num_roads,
        'objects': objects,
    }
    return canvas, meta


def _dota_lines(objects: Sequence[dict]) -> str:
    """DOTA labelTxt content: one ``x1 y1 ... x4 y4 class difficulty`` line per object."""
    return ''.join(' '.join(f'{v:.1f}' for v in obj['poly']) +
                   f" {obj['class']} {obj['difficult']}\n" for obj in objects)


# -------------------------------------------------------------------------- dataset
def _split_seed(seed: int, split: str, index: int) -> np.random.SeedSequence:
    # crc32 (not hash()) so that the stream is stable across processes.
    return np.random.SeedSequence([seed, zlib.crc32(split.encode()), index])


def _task_rng(seed: int, split: str, index: int, task: str) -> np.random.Generator:
    """The rng of ``task`` (one of ``tasks.TASKS``) for image ``index``.

    Same entropy as the image's rng, under the spawn key ``(1, task number)``: streams
    independent of the image's (which they leave untouched) and of each other.
    """
    from .tasks import TASKS
    return np.random.default_rng(np.random.SeedSequence(
        [seed, zlib.crc32(split.encode()), index], spawn_key=(1, TASKS.index(task))))


def _parameters(num_images: Dict[str, int], img_size: int, seed: int) -> dict:
    return {'generator_version': GENERATOR_VERSION, 'img_size': int(img_size),
            'seed': int(seed), 'num_images': {k: int(v) for k, v in num_images.items()},
            'classes': list(DEMO_CLASSES)}


def _num_images(num_train: int, num_test: int, splits: Iterable[str],
                num_images: Optional[Dict[str, int]]) -> Dict[str, int]:
    counts = dict(num_images or {})
    counts.setdefault('train', num_train)
    counts.setdefault('test', num_test)
    missing = [s for s in splits if s not in counts]
    if missing:
        raise ValueError(f'no image count for split(s) {missing}: pass num_images')
    return {s: int(counts[s]) for s in splits}


def generate_demo_dataset(root: str,
                          num_train: int = 16000,
                          num_test: int = 200,
                          img_size: int = 112,
                          seed: int = 0,
                          splits: Sequence[str] = ('train', 'test'),
                          num_images: Optional[Dict[str, int]] = None,
                          only: Optional[Sequence[str]] = None) -> dict:
    """Write the demo dataset under ``root`` and return its summary.

    Args:
        root: output directory; ``root/{split}/{images,annfiles,meta.jsonl}``, the
            task files of ``tasks.TASK_FILES`` and ``root/generation.json``
            are (re)written, stale files there removed.
        num_train: number of images of the ``train`` split.
        num_test: number of images of the ``test`` split.
        img_size: side of the square images, in pixels.
        seed: random seed; the same arguments give byte-identical annotation files
            and identical pixels. Image ``k`` of a split depends only on
            ``(seed, split, k, img_size)``, not on the number of images.
        splits: the splits to write, in this order (it fixes the global image ids).
        num_images: image counts of other splits (``{'val': 100}``); overrides
            ``num_train`` / ``num_test`` when it names those.
        only: write only these of ``splits`` (default: all). The others are not
            generated, only counted, so the image ids and files of the written ones are
            those of a full run; ``generation.json`` records the parameters of the
            full run and the summaries of the written splits.

    Returns:
        ``{'parameters': {...}, 'splits': {split: {'images', 'empty_images',
        'objects', 'difficult', 'per_class': {class: objects}, 'captions', 'vqa',
        'grounding', 'conversations'}}}`` (the last four: numbers of captions, question
        and answer pairs, grounding records and conversations).
    """
    from .tasks import TaskAnnotations
    if img_size < 32:
        raise ValueError(f'img_size must be >= 32 px, got {img_size}')
    counts = _num_images(num_train, num_test, splits, num_images)
    written = _written_splits(splits, only)
    os.makedirs(root, exist_ok=True)
    record_path = osp.join(root, 'generation.json')
    if osp.exists(record_path):
        os.remove(record_path)  # incomplete until rewritten at the end
    summary = {'parameters': _parameters(counts, img_size, seed), 'splits': {}}
    next_index = 1
    for split in splits:
        if split not in written:
            next_index += counts[split]  # image ids as in a full run
            continue
        split_dir = osp.join(root, split)
        img_dir, ann_dir = osp.join(split_dir, 'images'), osp.join(split_dir, 'annfiles')
        for d in (img_dir, ann_dir):
            if osp.isdir(d):
                shutil.rmtree(d)
            os.makedirs(d)
        stats = {'images': 0, 'empty_images': 0, 'objects': 0, 'difficult': 0,
                 'per_class': {c: 0 for c in DEMO_CLASSES}}
        tasks = TaskAnnotations()
        with open(osp.join(split_dir, 'meta.jsonl'), 'w', encoding='utf-8') as meta_file:
            for k in range(counts[split]):
                img_id = demo_img_id(next_index, img_size)
                next_index += 1
                rng = np.random.default_rng(_split_seed(seed, split, k))
                image, meta = _make_image(rng, img_size, empty=k % _EMPTY_EVERY == 7)
                cv2.imwrite(osp.join(img_dir, img_id + '.png'),
                            np.ascontiguousarray(image[..., ::-1]))
                with open(osp.join(ann_dir, img_id + '.txt'), 'w', encoding='utf-8') as f:
                    f.write(_dota_lines(meta['objects']))
                record = {'img_id': img_id, **meta}
                meta_file.write(json.dumps(record) + '\n')
                tasks.add(record, k, functools.partial(_task_rng, seed, split, k))
                stats['images'] += 1
                stats['empty_images'] += not meta['objects']
                for obj in meta['objects']:
                    stats['objects'] += 1
                    stats['difficult'] += obj['difficult']
                    stats['per_class'][obj['class']] += 1
        tasks.write(split_dir)
        stats.update(tasks.counts())
        summary['splits'][split] = stats
    with open(record_path, 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    return summary


def _written_splits(splits: Sequence[str], only: Optional[Sequence[str]]) -> Sequence[str]:
    if only is None:
        return splits
    unknown = [s for s in only if s not in splits]
    if unknown:
        raise ValueError(f'only={list(only)} names split(s) {unknown} that are not in '
                         f'splits={list(splits)}')
    return only


def read_generation_record(root: str) -> Optional[dict]:
    """The summary saved by :func:`generate_demo_dataset` in ``root``, or None."""
    try:
        with open(osp.join(root, 'generation.json'), encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def dataset_is_complete(root: str,
                        num_train: int = 16000,
                        num_test: int = 200,
                        img_size: int = 112,
                        seed: int = 0,
                        splits: Sequence[str] = ('train', 'test'),
                        num_images: Optional[Dict[str, int]] = None,
                        only: Optional[Sequence[str]] = None) -> bool:
    """Whether ``root`` holds a complete dataset generated with these parameters.

    Checks the saved parameters, that every split (of ``only`` when given) was written
    and has the right number of images, annotation files and meta records, and that its
    task files exist (it does not re-read their contents).
    """
    from .tasks import TASK_FILES
    record = read_generation_record(root)
    counts = _num_images(num_train, num_test, splits, num_images)
    if record is None or record.get('parameters') != _parameters(counts, img_size, seed):
        return False
    for split in _written_splits(splits, only):
        n = counts[split]
        if split not in record.get('splits', {}):  # left out by an `only` run
            return False
        split_dir = osp.join(root, split)
        try:
            pngs = [f for f in os.listdir(osp.join(split_dir, 'images')) if f.endswith('.png')]
            txts = [f for f in os.listdir(osp.join(split_dir, 'annfiles')) if f.endswith('.txt')]
            with open(osp.join(split_dir, 'meta.jsonl'), encoding='utf-8') as f:
                num_meta = sum(1 for line in f if line.strip())
        except OSError:
            return False
        if not len(pngs) == len(txts) == num_meta == n:
            return False
        if not all(osp.isfile(osp.join(split_dir, name)) for name in TASK_FILES):
            return False
    return True


def format_summary(summary: dict) -> str:
    """Plain-text tables of images and objects per split and class, and of the task
    annotations (captions, VQA pairs, grounding records, conversations) per split."""
    splits = summary['splits']
    cols = ['images', 'empty', 'objects', 'difficult', *DEMO_CLASSES]
    rows = [[split, s['images'], s['empty_images'], s['objects'], s['difficult'],
             *(s['per_class'][c] for c in DEMO_CLASSES)] for split, s in splits.items()]
    lines = _table(['split', *cols], rows)
    task_cols = ['captions', 'vqa', 'grounding', 'conversations']
    if all(c in s for s in splits.values() for c in task_cols):  # absent in version 1
        rows = [[split, *(s[c] for c in task_cols)] for split, s in splits.items()]
        lines += ['', *_table(['split', *task_cols], rows)]
    return '\n'.join(lines)


def _table(header: List[str], rows: List[list]) -> List[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: '  '.join(str(v).ljust(w) if i == 0 else str(v).rjust(w)  # noqa: E731
                              for i, (v, w) in enumerate(zip(r, widths)))
    lines: List[str] = [fmt(header), '  '.join('-' * w for w in widths)]
    return lines + [fmt(r) for r in rows]
