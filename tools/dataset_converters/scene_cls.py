"""Build classification JSON files with a seeded, per-class train/test split from a
folder-per-class scene dataset (AID, NWPU-RESISC45, UC Merced Land Use).

    python tools/dataset_converters/scene_cls.py data/AID --train-ratio 0.2 --seed 0 \
        --out-dir data/AID/splits/tr20

Writes ``{out_dir}/train.json`` and ``{out_dir}/test.json`` (a split left empty by the
ratio is not written): ``{"classes": [...], "images": [{"image": "Airport/airport_1.jpg",
"label": "Airport"}]}``, image paths relative to the dataset root. Classes are the
sub-folders in sorted order (the order of the folder-per-class layout). By default they
are named by the raw folder names (``Airport``, ``BareLand``, ``baseball_diamond``), as
upstream RSCoVLM's ``cls_aid`` / ``cls_resisc`` prompt with them
(``Classify the image within one of the given classes:Airport,BareLand,...``) and score
the lower-cased form with contain-accuracy. ``--readable-names`` names them by
:func:`normalize_scene_class` instead: CamelCase is split, ``_`` and ``-`` become spaces,
and the name is lower-cased (``BareLand`` -> ``bare land``, ``basketball_court`` ->
``basketball court``; UC Merced's ``denseresidential`` stays as it is); this is not
upstream's prompt. In each class the sorted file list is shuffled with
``random.Random(seed)`` and its first ``round(n * train_ratio)`` images (halves round up)
go to train, the rest to test.
"""
import argparse
import os
import os.path as osp
import random
import re
from typing import Dict, List, Optional, Sequence, Tuple

from _common import (ConverterError, cli, dump_json, list_images, print_summary,
                     progress)


def normalize_scene_class(folder: str) -> str:
    """Class name of a folder: CamelCase split, ``_``/``-`` -> space, lower-case."""
    name = re.sub(r'(?<=[a-z0-9])(?=[A-Z])', ' ', folder)
    return ' '.join(re.split(r'[\s_\-]+', name)).strip().lower()


def scan_classes(root: str,
                 readable_names: bool = False) -> List[Tuple[str, str, List[str]]]:
    """``(folder, class name, sorted image files)`` per class sub-folder of ``root``.

    The class name is the folder name, or :func:`normalize_scene_class` of it when
    ``readable_names``.
    """
    if not osp.isdir(root):
        raise ConverterError(f'{root}: no such folder')
    folders = sorted(d for d in os.listdir(root) if osp.isdir(osp.join(root, d)))
    classes, names = [], {}
    for folder in progress(folders):
        images = list_images(osp.join(root, folder))
        if not images:
            continue  # e.g. a splits/ folder written next to the class folders
        name = normalize_scene_class(folder) if readable_names else folder
        if name in names:
            raise ConverterError(f'{root}: folders {names[name]!r} and {folder!r} both '
                                 f'give the class name {name!r}')
        names[name] = folder
        classes.append((folder, name, images))
    if not classes:
        raise ConverterError(f'{root}: no sub-folder with images (expected one folder per '
                             'class)')
    return classes


def convert(root: str, out_dir: str, train_ratio: float, seed: int = 0,
            readable_names: bool = False) -> Dict[str, object]:
    """Write ``train.json`` / ``test.json``; returns counts per split and class.

    Classes are named by the raw folder names (upstream), or by
    :func:`normalize_scene_class` when ``readable_names``.
    """
    if not 0 <= train_ratio <= 1:
        raise ConverterError(f'--train-ratio must be in [0, 1], got {train_ratio}')
    classes = scan_classes(root, readable_names)
    rng = random.Random(seed)
    splits: Dict[str, list] = dict(train=[], test=[])
    per_class = {}
    for folder, name, images in classes:
        order = list(images)
        rng.shuffle(order)
        n_train = int(len(order) * train_ratio + 0.5)
        for k, file_name in enumerate(order):
            split = 'train' if k < n_train else 'test'
            splits[split].append(dict(image=f'{folder}/{file_name}', label=name))
        per_class[name] = (n_train, len(order) - n_train)
    class_names = [name for _, name, _ in classes]
    written = {}
    for split, items in splits.items():
        if items:
            items.sort(key=lambda item: item['image'])
            path = osp.join(out_dir, f'{split}.json')
            dump_json(dict(classes=class_names, images=items), path)
            written[split] = path
    return dict(classes=class_names, per_class=per_class, written=written,
                train=len(splits['train']), test=len(splits['test']))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Folder-per-class scene dataset -> classification JSON with a seeded '
        'per-class train/test split.')
    parser.add_argument('root', help='dataset root with one sub-folder of images per class')
    parser.add_argument('--out-dir', required=True, help='folder for train.json / test.json')
    parser.add_argument('--train-ratio', type=float, required=True,
                        help='fraction of each class for training (AID: 0.2 / 0.5, '
                        'NWPU-RESISC45: 0.1 / 0.2, UC Merced: 0.8)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the split')
    parser.add_argument('--readable-names', action='store_true',
                        help='name the classes BareLand -> "bare land", basketball_court -> '
                        '"basketball court" (split CamelCase, _/- to spaces, lower-case) '
                        'instead of the raw folder names that upstream RSCoVLM prompts with')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    stats = convert(args.root, args.out_dir, args.train_ratio, args.seed,
                    args.readable_names)
    rows = [('classes', len(stats['classes'])),
            ('train images', f"{stats['train']} ({stats['written'].get('train', 'not written')})"),
            ('test images', f"{stats['test']} ({stats['written'].get('test', 'not written')})")]
    rows += [(f'  {name}', f'{tr} train / {te} test')
             for name, (tr, te) in stats['per_class'].items()]
    print_summary(f'scene_cls: {args.root} (train ratio {args.train_ratio}, seed {args.seed})',
                  rows)
    return stats


if __name__ == '__main__':
    cli(main)
