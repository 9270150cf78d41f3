"""Convert FAIR1M 1.0 / 2.0 XML annotations into DOTA ``labelTxt`` or COCO-instances JSON.

    python tools/dataset_converters/fair1m.py data/FAIR1M2.0/train/labelXml \
        --format dota --out data/FAIR1M2.0/train/labelTxt
    python tools/dataset_converters/fair1m.py data/FAIR1M2.0/train/labelXml \
        --format coco --out data/FAIR1M2.0/train/train.json

Each ``<object>`` gives ``<possibleresult><name>`` and ``<points>`` (four ``x,y``
corners, the first repeated at the end to close the ring, which is dropped). Class
names are matched to the 37 FAIR1M classes ignoring case, spaces, dashes and
underscores. DOTA lines cannot hold spaces, so there the spaces become dashes
(``Small Car`` -> ``Small-Car``, difficulty 0); COCO categories keep the FAIR1M names.
rscovlm lower-cases names and turns dashes into spaces, so both read ``small car``.
The DOTA output pairs with the images (``{id}.tif``) for ``dota_split.py``.
"""
import argparse
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from _common import (CocoBuilder, ConverterError, cli, dota_line, dump_json, image_size,
                     parse_xml, print_summary, progress, xml_float, xml_text)

from rscovlm.datasets.dota import FAIR1M_CLASSES  # noqa: E402 (one class list)


def _key(name: str) -> str:
    return re.sub(r'[\s_-]+', '', name.lower())


CLASS_BY_KEY = {_key(c): c for c in FAIR1M_CLASSES}


def dota_class(name: str) -> str:
    """The DOTA-safe class name: spaces become dashes (``Small Car`` -> ``Small-Car``)."""
    return name.replace(' ', '-')


def parse_fair1m_xml(path: str) -> dict:
    """``{"file_name", "width", "height", "objects": [(class, poly8), ...]}``; unknown
    class names are returned as written (``class`` not in ``FAIR1M_CLASSES``)."""
    root = parse_xml(path)
    stem = osp.splitext(osp.basename(path))[0]
    source = root.find('source')
    file_name = f'{stem}.tif'
    if source is not None:
        file_name = xml_text(source, 'filename', f'{path} <source>', file_name)
    size = root.find('size')
    width = height = None
    if size is not None and size.find('width') is not None:
        width = int(xml_float(size, 'width', f'{path} <size>'))
        height = int(xml_float(size, 'height', f'{path} <size>'))
    objects: List[Tuple[str, List[float]]] = []
    for k, obj in enumerate(root.iter('object')):
        where = f'{path} object {k}'
        result = obj.find('possibleresult')
        if result is None:
            raise ConverterError(f'{where}: missing <possibleresult>')
        name = xml_text(result, 'name', f'{where} <possibleresult>')
        points = obj.find('points')
        if points is None:
            raise ConverterError(f'{where}: missing <points>')
        pts = []
        for p in points.findall('point'):
            try:
                x, y = (float(v) for v in (p.text or '').split(','))
            except ValueError:
                raise ConverterError(f'{where}: <point> is not "x,y": {p.text!r}') from None
            pts.append((x, y))
        if len(pts) == 5 and pts[0] == pts[-1]:
            pts = pts[:4]  # the ring is closed by repeating the first corner
        if len(pts) != 4:
            raise ConverterError(f'{where}: expected 4 corners (5 with the closing one), '
                                 f'got {len(pts)} points')
        objects.append((CLASS_BY_KEY.get(_key(name), name), [v for p in pts for v in p]))
    return dict(file_name=file_name, width=width, height=height, objects=objects)


def convert(xml_dir: str, fmt: str, out: str, img_dir: Optional[str] = None,
            skip_unknown: bool = False) -> Dict[str, int]:
    """Write DOTA files into folder ``out`` or a COCO JSON file ``out``; returns counts."""
    if not osp.isdir(xml_dir):
        raise ConverterError(f'{xml_dir}: no such folder')
    names = sorted(f for f in os.listdir(xml_dir) if f.lower().endswith('.xml'))
    if not names:
        raise ConverterError(f'{xml_dir}: no .xml files')
    if fmt == 'dota':
        if osp.isdir(out) and os.listdir(out):
            raise ConverterError(f'{out} is not empty; remove it or choose another --out')
        os.makedirs(out, exist_ok=True)
    coco = CocoBuilder(FAIR1M_CLASSES)
    stats = dict(images=0, objects=0, unknown=0, size_from_header=0)
    for name in progress(names):
        path = osp.join(xml_dir, name)
        info = parse_fair1m_xml(path)
        objects = []
        for cls, poly in info['objects']:
            if cls in FAIR1M_CLASSES:
                objects.append((cls, poly))
            elif skip_unknown:
                stats['unknown'] += 1
            else:
                raise ConverterError(f'{path}: unknown class {cls!r}; FAIR1M classes are '
                                     f'{FAIR1M_CLASSES} (--skip-unknown drops such objects)')
        if fmt == 'dota':
            txt = osp.join(out, osp.splitext(name)[0] + '.txt')
            with open(txt, 'w', encoding='utf-8') as f:
                f.write(''.join(dota_line(poly, dota_class(cls), 0) + '\n'
                                for cls, poly in objects))
        else:
            width, height = info['width'], info['height']
            if not width or not height:
                if img_dir is None:
                    raise ConverterError(f'{path}: no <size>; pass --img-dir to read the '
                                         'size from the image')
                width, height = image_size(osp.join(img_dir, info['file_name']))
                stats['size_from_header'] += 1
            image_id = coco.add_image(info['file_name'], width, height)
            for cls, poly in objects:
                coco.add_object(image_id, cls, poly)
        stats['images'] += 1
        stats['objects'] += len(objects)
    if fmt == 'coco':
        dump_json(coco.to_dict(), out)
    return stats


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='FAIR1M XML -> DOTA labelTxt folder or COCO-instances JSON.')
    parser.add_argument('xml_dir', help='folder of FAIR1M .xml files (labelXml/)')
    parser.add_argument('--format', choices=['dota', 'coco'], default='dota',
                        help='dota: a labelTxt folder; coco: one JSON file')
    parser.add_argument('--out', required=True,
                        help='output folder (dota) or JSON file (coco)')
    parser.add_argument('--img-dir', default=None,
                        help='image folder, read only for XMLs without <size> (coco)')
    parser.add_argument('--skip-unknown', action='store_true',
                        help='drop objects of unknown classes instead of stopping')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, int]:
    args = parse_args(argv)
    stats = convert(args.xml_dir, args.format, args.out, args.img_dir, args.skip_unknown)
    print_summary(f'fair1m: {args.xml_dir} -> {args.out} ({args.format})', [
        ('images', stats['images']),
        ('objects written', stats['objects']),
        ('objects of unknown classes dropped', stats['unknown']),
        ('sizes read from image headers', stats['size_from_header']),
    ])
    return stats


if __name__ == '__main__':
    cli(main)
