"""Split DOTA-format images (and their ``labelTxt``) into patches, as mmrotate's
``tools/data/dota/split/img_split.py`` does.

    python tools/dataset_converters/dota_split.py --preset ss_512 \
        --img-dirs data/DOTA/train/images data/DOTA/val/images \
        --ann-dirs data/DOTA/train/labelTxt data/DOTA/val/labelTxt \
        --out-dir data/split_ss_dota_512/trainval [--nproc 8]

Writes ``{out}/images/{img_id}__{size}__{x}___{y}.png`` and, with ``--ann-dirs``,
``{out}/annfiles/`` with the same names (``.txt``): one DOTA line per object kept in the
patch, coordinates relative to the patch. Semantics (mmrotate's):

* windows of ``size`` every ``size - gap`` pixels; the last window of a row / column is
  moved back to end at the image border; windows whose part inside the image is not more
  than ``img_rate_thr`` of the window are dropped (the best ones are kept if none
  passes); a window larger than the image is padded (bottom / right, ``padding_value``
  in BGR order);
* an object is kept in a window when IoF = area(polygon ∩ window) / area(polygon)
  >= ``iof_thr``; its polygon is translated, not clipped; an object not entirely inside
  (IoF < 1) gets difficulty ``2``, others keep theirs.

Deviations (documented in ``dota.md``): the IoF is computed in float64 with an exact
polygon clipping instead of shapely (identical for valid polygons); coordinates are
written as ``10`` / ``10.5`` (rounded to 0.01) instead of float32 text ``10.0``; without
``--ann-dirs`` (test images) no ``annfiles/`` folder is written.
"""
import argparse
import math
import os
import os.path as osp
from functools import partial
from itertools import product
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress

from _common import (ConverterError, cli, dota_line, list_images, polygon_area,
                     print_summary)

# single scale: mmrotate's split_configs/ss_*.json (1024) and the same with 512 px patches
PRESETS = {
    'ss_1024': dict(sizes=[1024], gaps=[200], rates=[1.0]),
    'ss_512': dict(sizes=[512], gaps=[200], rates=[1.0]),
}
DEFAULTS = dict(img_rate_thr=0.6, iof_thr=0.7, padding_value=[104, 116, 124],
                save_ext='.png')


def sliding_windows(width: int, height: int, sizes: Sequence[int], gaps: Sequence[int],
                    img_rate_thr: float) -> np.ndarray:
    """Windows ``(N, 4)`` as ``x_start, y_start, x_stop, y_stop`` (pixels), x-major
    (each size larger than its gap)."""
    windows = []
    for size, gap in zip(sizes, gaps):
        step = size - gap
        starts = []
        for length in (width, height):
            num = 1 if length <= size else math.ceil((length - size) / step + 1)
            start = [step * i for i in range(num)]
            if len(start) > 1 and start[-1] + size > length:
                start[-1] = length - size
            starts.append(start)
        start = np.array(list(product(*starts)), dtype=np.int64)
        windows.append(np.concatenate([start, start + size], axis=1))
    windows = np.concatenate(windows, axis=0)
    inside = windows.copy()
    inside[:, 0::2] = np.clip(inside[:, 0::2], 0, width)
    inside[:, 1::2] = np.clip(inside[:, 1::2], 0, height)
    img_rates = ((inside[:, 2] - inside[:, 0]) * (inside[:, 3] - inside[:, 1]) /
                 ((windows[:, 2] - windows[:, 0]) * (windows[:, 3] - windows[:, 1])))
    if not (img_rates > img_rate_thr).any():
        img_rates[abs(img_rates - img_rates.max()) < 0.01] = 1  # keep the best windows
    return windows[img_rates > img_rate_thr]


def clip_polygon(pts: np.ndarray, x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    """Sutherland-Hodgman clipping of a polygon ``(K, 2)`` by an axis-aligned box.

    Exact for any simple polygon (the clip region is convex); returns ``(M, 2)``.
    """
    # each edge: (axis, bound, keep points with coordinate >= bound if sign > 0)
    for axis, bound, sign in ((0, x1, 1), (0, x2, -1), (1, y1, 1), (1, y2, -1)):
        if len(pts) == 0:
            break
        out = []
        for k in range(len(pts)):
            cur, nxt = pts[k], pts[(k + 1) % len(pts)]
            cur_in = sign * (cur[axis] - bound) >= 0
            nxt_in = sign * (nxt[axis] - bound) >= 0
            if cur_in:
                out.append(cur)
            if cur_in != nxt_in:
                t = (bound - cur[axis]) / (nxt[axis] - cur[axis])
                out.append(cur + t * (nxt - cur))
        pts = np.asarray(out, dtype=np.float64).reshape(-1, 2)
    return pts


def window_iofs(polys: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """IoF ``(num_objects, num_windows)``: area of the polygon inside the window over
    the polygon's area (0 for degenerate polygons)."""
    iofs = np.zeros((len(polys), len(windows)), dtype=np.float64)
    if not len(polys) or not len(windows):
        return iofs
    pts = polys.reshape(len(polys), -1, 2)
    lo, hi = pts.min(axis=1), pts.max(axis=1)  # object hbbs
    areas = np.array([polygon_area(p) for p in polys])
    valid = areas > 0
    for j, (wx1, wy1, wx2, wy2) in enumerate(windows.tolist()):
        inside = (lo[:, 0] >= wx1) & (lo[:, 1] >= wy1) & (hi[:, 0] <= wx2) & (hi[:, 1] <= wy2)
        overlap = (lo[:, 0] < wx2) & (hi[:, 0] > wx1) & (lo[:, 1] < wy2) & (hi[:, 1] > wy1)
        iofs[inside & overlap & valid, j] = 1.0
        for i in np.nonzero(overlap & ~inside & valid)[0]:
            clipped = clip_polygon(pts[i], wx1, wy1, wx2, wy2)
            if len(clipped):
                iofs[i, j] = polygon_area(clipped.reshape(-1)) / areas[i]
    return iofs


def read_dota_txt(path: str) -> Tuple[np.ndarray, List[str], List[int]]:
    """Polygons ``(N, 8)``, classes and difficulties of a DOTA ``labelTxt`` file
    (``imagesource:`` / ``gsd:`` header lines and lines of < 9 fields are skipped)."""
    polys, classes, diffs = [], [], []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            items = line.split()
            if len(items) < 9 or ':' in items[0]:
                continue
            try:
                polys.append([float(v) for v in items[:8]])
                diffs.append(int(items[9]) if len(items) > 9 else 0)
            except ValueError as e:
                raise ConverterError(f'{path}:{lineno}: malformed DOTA line '
                                     f'{line.strip()!r} ({e})') from None
            classes.append(items[8])
    return np.asarray(polys, dtype=np.float64).reshape(-1, 8), classes, diffs


def split_image(task: Tuple[str, Optional[str]], sizes: Sequence[int], gaps: Sequence[int],
                img_rate_thr: float, iof_thr: float, padding: bool,
                padding_value: Sequence[int], img_out: str, ann_out: Optional[str],
                save_ext: str) -> Dict[str, int]:
    """Split one image (``task = (image path, labelTxt path or None)``); returns counts."""
    img_path, ann_path = task
    img = cv2.imread(img_path, cv2.IMREAD_COLOR)
    if img is None:
        raise ConverterError(f'{img_path}: cannot read the image')
    height, width = img.shape[:2]
    img_id = osp.splitext(osp.basename(img_path))[0]
    stats = dict(patches=0, objects=0, written=0, truncated=0, missing_ann=0)
    polys, classes, diffs = np.zeros((0, 8)), [], []
    if ann_out is not None:
        if ann_path is not None and osp.isfile(ann_path):
            polys, classes, diffs = read_dota_txt(ann_path)
        else:
            stats['missing_ann'] = 1  # mmrotate: an image without a file has no objects
    stats['objects'] = len(polys)
    windows = sliding_windows(width, height, sizes, gaps, img_rate_thr)
    iofs = window_iofs(polys, windows)
    for j, (x1, y1, x2, y2) in enumerate(windows.tolist()):
        patch_id = f'{img_id}__{x2 - x1}__{x1}___{y1}'
        patch = img[y1:y2, x1:x2]
        if padding and (patch.shape[0] < y2 - y1 or patch.shape[1] < x2 - x1):
            padded = np.empty((y2 - y1, x2 - x1, img.shape[2]), dtype=img.dtype)
            padded[...] = padding_value
            padded[:patch.shape[0], :patch.shape[1]] = patch
            patch = padded
        if not cv2.imwrite(osp.join(img_out, patch_id + save_ext), patch):
            raise ConverterError(f'cannot write {osp.join(img_out, patch_id + save_ext)}')
        stats['patches'] += 1
        if ann_out is None:
            continue
        lines = []
        for i in np.nonzero(iofs[:, j] >= iof_thr)[0]:
            poly = polys[i] - np.array([x1, y1] * 4, dtype=np.float64)
            truncated = iofs[i, j] < 1
            lines.append(dota_line(poly, classes[i], 2 if truncated else diffs[i]))
            stats['truncated'] += int(truncated)
        stats['written'] += len(lines)
        with open(osp.join(ann_out, patch_id + '.txt'), 'w', encoding='utf-8') as f:
            f.write(''.join(line + '\n' for line in lines))
    return stats


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Split DOTA-format images and labelTxt files into patches '
        '(mmrotate img_split semantics).')
    parser.add_argument('--img-dirs', nargs='+', required=True,
                        help='folders of images (.png/.jpg/.tif/.bmp)')
    parser.add_argument('--ann-dirs', nargs='+', default=None,
                        help='labelTxt folders, one per --img-dirs entry '
                        '(omit for test images without annotations)')
    parser.add_argument('--out-dir', required=True,
                        help='output folder; images/ and annfiles/ are created in it')
    parser.add_argument('--preset', choices=sorted(PRESETS), default=None,
                        help='mmrotate single-scale preset (default ss_1024); --sizes, '
                        '--gaps and --rates override it')
    parser.add_argument('--sizes', nargs='+', type=int, help='window sizes (pixels)')
    parser.add_argument('--gaps', nargs='+', type=int, help='window overlaps (pixels)')
    parser.add_argument('--rates', nargs='+', type=float,
                        help='image scale rates (window = size / rate)')
    parser.add_argument('--img-rate-thr', type=float, default=DEFAULTS['img_rate_thr'],
                        help='min fraction of a window covered by the image')
    parser.add_argument('--iof-thr', type=float, default=DEFAULTS['iof_thr'],
                        help='min IoF of an object with a window to keep it there')
    parser.add_argument('--no-padding', action='store_true',
                        help='do not pad windows larger than the image')
    parser.add_argument('--padding-value', nargs='+', type=int,
                        default=DEFAULTS['padding_value'], help='padding value, BGR order')
    parser.add_argument('--save-ext', default=DEFAULTS['save_ext'],
                        choices=['.png', '.jpg', '.bmp', '.tif'], help='patch image format')
    parser.add_argument('--nproc', type=int, default=1, help='worker processes')
    return parser.parse_args(argv)


def resolve_scales(args: argparse.Namespace) -> Tuple[List[int], List[int]]:
    """Window sizes and gaps after the preset, the explicit options and the rates."""
    preset = PRESETS[args.preset or 'ss_1024']
    sizes = args.sizes or preset['sizes']
    gaps = args.gaps or preset['gaps']
    rates = args.rates or preset['rates']
    if len(sizes) != len(gaps):
        raise ConverterError(f'--sizes {sizes} and --gaps {gaps} differ in length')
    if len(sizes) > 1 and len(rates) > 1:
        raise ConverterError('give several --sizes or several --rates, not both')
    for size, gap in zip(sizes, gaps):
        if size <= gap:
            raise ConverterError(f'window size {size} must be larger than the gap {gap}')
    out_sizes, out_gaps = [], []
    for rate in rates:
        out_sizes += [int(size / rate) for size in sizes]
        out_gaps += [int(gap / rate) for gap in gaps]
    return out_sizes, out_gaps


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, int]:
    args = parse_args(argv)
    sizes, gaps = resolve_scales(args)
    if not 0 <= args.iof_thr <= 1:
        raise ConverterError(f'--iof-thr must be in [0, 1], got {args.iof_thr}')
    if args.ann_dirs is not None and len(args.ann_dirs) != len(args.img_dirs):
        raise ConverterError(f'{len(args.img_dirs)} --img-dirs but {len(args.ann_dirs)} '
                             '--ann-dirs: give one labelTxt folder per image folder')
    tasks = []
    for k, img_dir in enumerate(args.img_dirs):
        ann_dir = None if args.ann_dirs is None else args.ann_dirs[k]
        if ann_dir is not None and not osp.isdir(ann_dir):
            raise ConverterError(f'{ann_dir}: no such folder')
        for name in list_images(img_dir):
            ann = None if ann_dir is None else osp.join(ann_dir, osp.splitext(name)[0] + '.txt')
            tasks.append((osp.join(img_dir, name), ann))
    if not tasks:
        raise ConverterError(f'no images in {args.img_dirs}')
    ids = [osp.splitext(osp.basename(t[0]))[0] for t in tasks]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise ConverterError(f'image ids occur twice across --img-dirs: {dup}')

    img_out = osp.join(args.out_dir, 'images')
    ann_out = None if args.ann_dirs is None else osp.join(args.out_dir, 'annfiles')
    for folder in (img_out, ann_out):
        if folder is None:
            continue
        if osp.isdir(folder) and os.listdir(folder):
            raise ConverterError(f'{folder} is not empty; remove it or choose another '
                                 '--out-dir (stale patches would mix with new ones)')
        os.makedirs(folder, exist_ok=True)
    padding_value = args.padding_value[0] if len(args.padding_value) == 1 \
        else args.padding_value
    worker = partial(split_image, sizes=sizes, gaps=gaps, img_rate_thr=args.img_rate_thr,
                     iof_thr=args.iof_thr, padding=not args.no_padding,
                     padding_value=padding_value, img_out=img_out, ann_out=ann_out,
                     save_ext=args.save_ext)
    if args.nproc > 1:
        results = track_parallel_progress(worker, tasks, args.nproc)
    else:
        results = track_progress(worker, tasks)
    summary = {k: sum(r[k] for r in results) for k in results[0]}
    summary['images'] = len(tasks)
    print_summary(f'dota_split: sizes {sizes}, gaps {gaps} -> {args.out_dir}', [
        ('images read', summary['images']),
        ('patches written', f"{summary['patches']} ({img_out})"),
        ('annotation files', f"{summary['patches']} ({ann_out})" if ann_out else
         'none (no --ann-dirs)'),
        ('objects read', summary['objects']),
        ('objects written', f"{summary['written']} ({summary['truncated']} truncated, "
         'difficulty 2)'),
        ('images without labelTxt', summary['missing_ann']),
    ])
    return summary


if __name__ == '__main__':
    cli(main)
