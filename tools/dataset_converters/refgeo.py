"""Validate refGeo / GeoGround metainfo JSONL into rscovlm's grounding JSONL.

    python tools/dataset_converters/refgeo.py \
        data/refGeo/metainfo_v2/*_train_v2.jsonl --img-root data/refGeo/images \
        --out data/refGeo/refgeo_train.jsonl [--datasets dior_rsvg rsvg]

Every record must have ``image_id``, ``dataset``, ``question`` and ``bbox`` ``[x1, y1,
x2, y2]`` (pixels of the original image); a missing field or a malformed line stops the
conversion with the file and line. Per record:

* ``poly`` (4 ``[x, y]`` points, or 8 numbers) is kept, or filled with the ``bbox``
  corners when absent; a poly of another shape drops the record (counted);
* a ``bbox`` with ``x2 <= x1`` or ``y2 <= y1`` drops the record (counted);
* with ``--img-root`` the image ``{img_root}/{dataset}/{image_id}`` must exist (else the
  record is dropped and counted), missing ``image_width`` / ``image_height`` are read from
  its header, and sizes that disagree with the header drop the record (counted);
  without ``--img-root`` both sizes are required.

``bbox`` / ``poly`` numbers are written as integers when integral, else rounded to
0.01 px; other fields (``question_id``, ``mask_exists``, ...) are kept as they are.
"""
import argparse
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from rscovlm.codecs import hbox_to_poly

from _common import (ConverterError, clean_num, cli, dump_jsonl, image_size, iter_jsonl,
                     print_summary, progress)

REQUIRED = ('image_id', 'dataset', 'question', 'bbox')
FIELD_ORDER = ('image_id', 'dataset', 'question', 'question_id', 'bbox', 'poly',
               'image_width', 'image_height')


def _numbers(values, n: int, where: str, field: str) -> List[float]:
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        raise ConverterError(f'{where}: "{field}" must hold {n} numbers, got '
                             f'{values!r}') from None
    if len(out) != n:
        raise ConverterError(f'{where}: "{field}" must hold {n} numbers, got {values!r}')
    return out


def normalize_poly(poly) -> Optional[List[List[float]]]:
    """4 ``[x, y]`` points from 4 pairs or 8 numbers, else ``None``."""
    if not isinstance(poly, (list, tuple)):
        return None
    flat = [v for p in poly for v in (p if isinstance(p, (list, tuple)) else [p])]
    try:
        values = [clean_num(float(v)) for v in flat]
    except (TypeError, ValueError):
        return None
    if len(values) != 8:
        return None
    return [values[i:i + 2] for i in range(0, 8, 2)]


def _size(rec: dict, key: str, where: str) -> Optional[int]:
    if rec.get(key) is None:
        return None
    try:
        value = int(rec[key])
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        raise ConverterError(f'{where}: "{key}" must be a positive integer, got {rec[key]!r}')
    return value


def convert_record(rec: dict, where: str, img_root: Optional[str],
                   sizes: Dict[str, Optional[Tuple[int, int]]]) -> Tuple[Optional[dict], str]:
    """The output record, or ``(None, reason)`` for a dropped one."""
    missing = [k for k in REQUIRED if k not in rec]
    if missing:
        raise ConverterError(f'{where}: missing field(s) {missing}')
    x1, y1, x2, y2 = _numbers(rec['bbox'], 4, where, 'bbox')
    if x2 <= x1 or y2 <= y1:
        return None, 'degenerate bbox'
    out = dict(rec, bbox=[clean_num(v) for v in (x1, y1, x2, y2)])
    if rec.get('poly') is None:
        corners = hbox_to_poly(*out['bbox'])
        out['poly'] = [corners[i:i + 2] for i in range(0, 8, 2)]
    else:
        poly = normalize_poly(rec['poly'])
        if poly is None:
            return None, 'poly not 4 points'
        out['poly'] = poly
    width, height = _size(rec, 'image_width', where), _size(rec, 'image_height', where)
    if img_root is not None:
        path = osp.join(img_root, str(rec['dataset']), str(rec['image_id']))
        if path not in sizes:
            sizes[path] = image_size(path) if osp.isfile(path) else None
        if sizes[path] is None:
            return None, 'image missing'
        if width is None or height is None:
            width, height = sizes[path]
        elif (width, height) != sizes[path]:
            return None, 'size mismatch'
    elif width is None or height is None:
        raise ConverterError(f'{where}: no image_width / image_height; pass --img-root to '
                             'read them from the images')
    out['image_width'], out['image_height'] = width, height
    ordered = {k: out[k] for k in FIELD_ORDER if k in out}
    ordered.update((k, v) for k, v in out.items() if k not in ordered)
    return ordered, ''


def convert(inputs: Sequence[str], out: str, img_root: Optional[str] = None,
            datasets: Optional[Sequence[str]] = None) -> Dict[str, object]:
    """Validate ``inputs`` into ``out``; returns counts (``dropped`` by reason)."""
    if img_root is not None and not osp.isdir(img_root):
        raise ConverterError(f'{img_root}: no such folder')
    records = [(f'{path}:{lineno}', rec) for path in inputs
               for lineno, rec in iter_jsonl(path)]
    outputs, dropped, per_dataset = [], Counter(), Counter()
    sizes: Dict[str, Optional[Tuple[int, int]]] = {}
    for where, rec in progress(records):
        if datasets and rec.get('dataset') not in datasets:
            dropped['other dataset'] += 1
            continue
        new, reason = convert_record(rec, where, img_root, sizes)
        if new is None:
            dropped[reason] += 1
            continue
        outputs.append(new)
        per_dataset[new['dataset']] += 1
    dump_jsonl(outputs, out)
    return dict(read=len(records), written=len(outputs), dropped=dict(dropped),
                per_dataset=dict(per_dataset))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='refGeo / GeoGround metainfo JSONL -> validated grounding JSONL.')
    parser.add_argument('inputs', nargs='+', help='metainfo JSONL file(s)')
    parser.add_argument('--out', required=True, help='output JSONL file')
    parser.add_argument('--img-root', default=None,
                        help='folder holding {dataset}/{image_id}: checks the images and '
                        'reads missing sizes')
    parser.add_argument('--datasets', nargs='+', default=None,
                        help='keep only these sub-datasets (the "dataset" field)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    stats = convert(args.inputs, args.out, args.img_root, args.datasets)
    rows = [('records read', stats['read']), ('records written', f"{stats['written']} "
                                                                 f'({args.out})')]
    rows += [(f'dropped: {k}', v) for k, v in sorted(stats['dropped'].items())]
    rows += [(f'dataset {k}', v) for k, v in sorted(stats['per_dataset'].items())]
    print_summary('refgeo', rows)
    return stats


if __name__ == '__main__':
    cli(main)
