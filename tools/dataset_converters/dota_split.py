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
import os
import os.path as osp
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress

from _common import ConverterError, cli, dota_line, list_images, print_summary
# the window geometry lives in the package, shared with the online split
# (rscovlm.datasets.PatchSplitDataset); re-exported here for the tool's users
from rscovlm.datasets.patch_windows import (PRESETS, SPLIT_DEFAULTS, TRUNCATED_DIFFICULTY,
                                          clip_polygon, crop_image, patch_name,
                                          resolve_window_scales, sliding_windows,
                                          window_iofs)

DEFAULTS = dict(SPLIT_DEFAULTS, save_ext='.png')
__all__ = ['PRESETS', 'DEFAULTS', 'sliding_windows', 'clip_polygon', 'window_iofs',
           'read_dota_txt', 'split_image', 'main']


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
        patch_id = patch_name(img_id, (x1, y1, x2, y2))
        patch = crop_image(img, (x1, y1, x2, y2), padding_value if padding else None)
        if not cv2.imwrite(osp.join(img_out, patch_id + save_ext), patch):
            raise ConverterError(f'cannot write {osp.join(img_out, patch_id + save_ext)}')
        stats['patches'] += 1
        if ann_out is None:
            continue
        lines = []
        for i in np.nonzero(iofs[:, j] >= iof_thr)[0]:
            poly = polys[i] - np.array([x1, y1] * 4, dtype=np.float64)
            truncated = iofs[i, j] < 1
            lines.append(dota_line(poly, classes[i],
                                   TRUNCATED_DIFFICULTY if truncated else diffs[i]))
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
    try:
        return resolve_window_scales(sizes, gaps, rates)
    except ValueError as e:
        raise ConverterError(f'--sizes / --gaps / --rates: {e}') from None


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
