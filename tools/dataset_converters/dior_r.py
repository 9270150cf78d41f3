"""Convert DIOR-R (VOC-style XML with oriented boxes) into a COCO-instances JSON.

    python tools/dataset_converters/dior_r.py data/DIOR --split trainval \
        --out data/DIOR/Annotations/trainval.json

Reads the image ids of ``{root}/ImageSets/Main/{split}.txt`` (``trainval`` falls back to
``train.txt`` + ``val.txt``) and ``{root}/{--ann-subdir}/{id}.xml``. Each ``<object>``
gives its class (``<name>``, lower-cased, one of the 20 DIOR-R classes) and the four
corners of ``<robndbox>`` (``x_left_top, y_left_top, ..., x_left_bottom,
y_left_bottom``; an object with only a ``<bndbox>`` uses its corners). The image size
comes from ``<size>``, or from the image header (``--img-dir``) when absent. ``file_name``
is ``{id}.jpg``, relative to the image folder (``JPEGImages-trainval`` /
``JPEGImages-test``). ``<difficult>`` is ignored, as by mmrotate's ``DIORDataset``,
unless ``--difficult-as-ignore`` sets ``ignore: 1`` for difficult objects.
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional, Sequence

from rscovlm.codecs import hbox_to_poly

from _common import (CocoBuilder, ConverterError, cli, dump_json, image_size, parse_xml,
                     print_summary, progress, xml_float, xml_text)

# same names and order as mmrotate's DIORDataset
DIOR_CLASSES = ('airplane', 'airport', 'baseballfield', 'basketballcourt', 'bridge',
                'chimney', 'expressway-service-area', 'expressway-toll-station', 'dam',
                'golffield', 'groundtrackfield', 'harbor', 'overpass', 'ship', 'stadium',
                'storagetank', 'tenniscourt', 'trainstation', 'vehicle', 'windmill')
ROBNDBOX_FIELDS = ('x_left_top', 'y_left_top', 'x_right_top', 'y_right_top',
                   'x_right_bottom', 'y_right_bottom', 'x_left_bottom', 'y_left_bottom')


def read_split(root: str, split: str) -> List[str]:
    """Image ids of ``ImageSets/Main/{split}.txt`` (``trainval``: train + val)."""
    folder = osp.join(root, 'ImageSets', 'Main')
    path = osp.join(folder, f'{split}.txt')
    if not osp.isfile(path) and split == 'trainval':
        return read_split(root, 'train') + read_split(root, 'val')
    if not osp.isfile(path):
        raise ConverterError(f'{path}: no such file (expected DIOR layout '
                             '{root}/ImageSets/Main/{train,val,test}.txt)')
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


def parse_dior_xml(path: str) -> dict:
    """``{"width", "height", "objects": [(class, poly8, difficult)]}`` of one XML
    (width / height ``None`` without ``<size>``)."""
    root = parse_xml(path)
    size = root.find('size')
    width = height = None
    if size is not None:
        width = int(xml_float(size, 'width', f'{path} <size>'))
        height = int(xml_float(size, 'height', f'{path} <size>'))
    objects = []
    for k, obj in enumerate(root.findall('object')):
        where = f'{path} object {k}'
        name = xml_text(obj, 'name', where).lower()
        if name not in DIOR_CLASSES:
            raise ConverterError(f'{where}: unknown class {name!r}; DIOR-R classes are '
                                 f'{DIOR_CLASSES}')
        box = obj.find('robndbox')
        if box is not None:
            poly = [xml_float(box, tag, f'{where} <robndbox>') for tag in ROBNDBOX_FIELDS]
        elif obj.find('bndbox') is not None:
            box = obj.find('bndbox')
            poly = hbox_to_poly(*[xml_float(box, tag, f'{where} <bndbox>')
                                  for tag in ('xmin', 'ymin', 'xmax', 'ymax')])
        else:
            raise ConverterError(f'{where}: has neither <robndbox> nor <bndbox>')
        difficult = int(xml_float(obj, 'difficult', where)) if obj.find('difficult') \
            is not None else 0
        objects.append((name, poly, difficult))
    return dict(width=width, height=height, objects=objects)


def convert(root: str, split: str, out: str, ann_subdir: str, img_dir: Optional[str],
            difficult_as_ignore: bool = False) -> Dict[str, int]:
    """Write the COCO JSON of one split; returns counts."""
    ids = read_split(root, split)
    if img_dir is None:
        img_dir = osp.join(root, 'JPEGImages-test' if split == 'test'
                           else 'JPEGImages-trainval')
    coco = CocoBuilder(DIOR_CLASSES)
    stats = dict(images=0, objects=0, difficult=0, empty=0, size_from_header=0)
    for img_id in progress(ids):
        info = parse_dior_xml(osp.join(root, ann_subdir, f'{img_id}.xml'))
        file_name = f'{img_id}.jpg'
        width, height = info['width'], info['height']
        if not width or not height:
            width, height = image_size(osp.join(img_dir, file_name))
            stats['size_from_header'] += 1
        image_id = coco.add_image(file_name, width, height)
        for name, poly, difficult in info['objects']:
            coco.add_object(image_id, name, poly,
                            ignore=int(difficult_as_ignore and difficult > 0))
            stats['difficult'] += int(difficult > 0)
        stats['images'] += 1
        stats['objects'] += len(info['objects'])
        stats['empty'] += int(not info['objects'])
    dump_json(coco.to_dict(), out)
    return stats


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='DIOR-R XML (oriented boxes) -> COCO-instances JSON with polygons.')
    parser.add_argument('root', help='DIOR root (ImageSets/, Annotations/, JPEGImages-*/)')
    parser.add_argument('--split', default='trainval',
                        help='ImageSets/Main/{split}.txt: train, val, trainval or test')
    parser.add_argument('--out', required=True, help='output COCO JSON file')
    parser.add_argument('--ann-subdir', default='Annotations/Oriented Bounding Boxes',
                        help='XML folder relative to root')
    parser.add_argument('--img-dir', default=None,
                        help='image folder, read only for XMLs without <size> (default '
                        'root/JPEGImages-trainval, or JPEGImages-test for test)')
    parser.add_argument('--difficult-as-ignore', action='store_true',
                        help='mark <difficult>1 objects as ignored ground truth')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, int]:
    args = parse_args(argv)
    stats = convert(args.root, args.split, args.out, args.ann_subdir, args.img_dir,
                    args.difficult_as_ignore)
    print_summary(f'dior_r: split {args.split} -> {args.out}', [
        ('images', f"{stats['images']} ({stats['empty']} without objects)"),
        ('objects', f"{stats['objects']} ({stats['difficult']} difficult, "
         f"{'ignored' if args.difficult_as_ignore else 'kept as ground truth'})"),
        ('categories', len(DIOR_CLASSES)),
        ('sizes read from image headers', stats['size_from_header']),
    ])
    return stats


if __name__ == '__main__':
    cli(main)
