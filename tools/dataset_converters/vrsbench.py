"""Convert the VRSBench release files into rscovlm's caption, VQA, grounding and
conversation formats.

    python tools/dataset_converters/vrsbench.py caption data/VRSBench/VRSBench_EVAL_Cap.json \
        --out data/VRSBench/vrsbench_caption_test.json
    python tools/dataset_converters/vrsbench.py vqa data/VRSBench/VRSBench_EVAL_vqa.json \
        --out data/VRSBench/vrsbench_vqa_test.json
    python tools/dataset_converters/vrsbench.py referring \
        data/VRSBench/VRSBench_EVAL_referring.json --img-dir data/VRSBench/Images_val \
        --out data/VRSBench/vrsbench_referring_test.jsonl
    python tools/dataset_converters/vrsbench.py train data/VRSBench/VRSBench_train.json \
        --out data/VRSBench/vrsbench_train.json

* ``caption``: ``[{"image_id", "ground_truth", ...}]`` -> caption JSON (captions of one
  image merged);
* ``vqa``: ``[{"image_id", "question", "ground_truth", "type", "question_id"}]`` -> VQA
  JSON (``type`` and ``question_id`` kept);
* ``referring``: ``ground_truth`` ``{<x1><y1><x2><y2>}`` on a 0-100 grid -> grounding JSONL
  with ``bbox`` in pixels of the original image (``v / 100 * size``, sizes from the image
  headers in ``--img-dir``, values outside 0-100 clamped and counted); ``obj_corner``
  (4 corners as fractions 0-1 of the image) becomes ``poly`` in pixels (``--no-poly``
  leaves it out); ``question`` (the referring expression) is cleaned as upstream
  RSCoVLM does (:func:`referring_expression`: a leading "the " of any case is dropped and
  then, in that case, the trailing "."s), so that the prompt ``find the {question}, ...`` reads
  "find the white car at the top, ..."; ``dataset`` is ``--dataset`` (the image
  sub-folder of the grounding dataset's ``img_path``); other fields (``unique``,
  ``obj_cls``, ``size_group``, ...) are kept; records whose image is missing are dropped
  and counted;
* ``train``: LLaVA records; ``{<x1><y1><x2><y2>}`` boxes become ``[x1, y1, x2, y2]``
  (still on the 0-100 grid, for ``box_grid=100``) and ``task`` is set from ``[caption]``,
  ``[vqa]`` or ``[refer]``.
"""
import argparse
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from _common import (ConverterError, clamp_grid, cli, convert_conversation_record,
                     dump_json, dump_jsonl, grid_to_pixels, image_size, load_json,
                     parse_grid_box, print_summary, progress, require_fields, require_list)

DROPPED_REFERRING_FIELDS = ('image_id', 'question', 'ground_truth', 'dataset',
                            'question_id', 'obj_corner')


def convert_caption(path: str, out: str) -> Dict[str, int]:
    """``VRSBench_EVAL_Cap.json`` -> caption JSON."""
    items = require_list(load_json(path), path)
    by_image: Dict[str, dict] = {}
    for k, item in enumerate(progress(items)):
        require_fields(item, ('image_id', 'ground_truth'), f'{path} record {k}')
        image = str(item['image_id'])
        rec = by_image.setdefault(image, dict(image=image, captions=[],
                                              image_id=osp.splitext(image)[0]))
        rec['captions'].append(str(item['ground_truth']).strip())
    dump_json(list(by_image.values()), out)
    return dict(read=len(items), images=len(by_image))


def convert_vqa(path: str, out: str) -> Dict[str, int]:
    """``VRSBench_EVAL_vqa.json`` -> VQA JSON."""
    items = require_list(load_json(path), path)
    records, types = [], Counter()
    for k, item in enumerate(progress(items)):
        require_fields(item, ('image_id', 'question', 'ground_truth'), f'{path} record {k}')
        rec = dict(image=str(item['image_id']), question=str(item['question']).strip(),
                   answer=str(item['ground_truth']).strip())
        for key in ('type', 'question_id'):
            if key in item:
                rec[key] = item[key]
        records.append(rec)
        types[rec.get('type')] += 1
    dump_json(records, out)
    return dict(read=len(items), written=len(records), types=dict(types))


def referring_expression(question) -> str:
    """A VRSBench referring sentence as upstream RSCoVLM's ``normal_caption``.

    As ``process_rsbench_referring_test_data`` (eval/data/data_prepare/format_vrsbench.py):
    ``<image>\\n`` is removed and the text stripped; if it then starts with "the " (any
    case), those 4 characters are dropped and so are the trailing "."s. A sentence
    without a leading "the " is kept as it is, trailing "." included (upstream's
    ``rstrip('.')`` sits inside the ``if``).

    >>> referring_expression('The white car at the top.')
    'white car at the top'
    """
    text = str(question).replace('<image>\n', '').strip()
    if text.lower().startswith('the '):
        text = text[4:].rstrip('.')
    return text


def corner_poly(corners, width: int, height: int,
                where: str) -> List[List[float]]:
    """``obj_corner`` (8 fractions of the image size) as 4 ``[x, y]`` pixel points."""
    try:
        values = [float(v) for v in corners]
    except (TypeError, ValueError):
        values = []
    if len(values) != 8:
        raise ConverterError(f'{where}: "obj_corner" must hold 8 numbers, got {corners!r}')
    pixels = grid_to_pixels(values, width, height, grid=1)
    return [pixels[i:i + 2] for i in range(0, 8, 2)]


def convert_referring(path: str, out: str, img_dir: str, dataset: str = 'vrsbench',
                      with_poly: bool = True) -> Dict[str, int]:
    """``VRSBench_EVAL_referring.json`` -> grounding JSONL in original pixels."""
    if not osp.isdir(img_dir):
        raise ConverterError(f'{img_dir}: no such folder (the VRSBench Images_val folder)')
    items = require_list(load_json(path), path)
    sizes: Dict[str, Optional[Tuple[int, int]]] = {}
    records, stats = [], Counter(read=len(items))
    for k, item in enumerate(progress(items)):
        where = f'{path} record {k}'
        require_fields(item, ('image_id', 'question', 'ground_truth'), where)
        image = str(item['image_id'])
        if image not in sizes:
            img_path = osp.join(img_dir, image)
            sizes[image] = image_size(img_path) if osp.isfile(img_path) else None
        if sizes[image] is None:
            stats['image missing'] += 1
            continue
        parsed = parse_grid_box(str(item['ground_truth']))
        if parsed is None:
            raise ConverterError(f'{where}: "ground_truth" is not {{<x1><y1><x2><y2>}}: '
                                 f'{item["ground_truth"]!r}')
        grid_box, clamped = clamp_grid(parsed[0])
        stats['clamped'] += int(clamped)
        width, height = sizes[image]
        bbox = grid_to_pixels(grid_box, width, height)
        stats['degenerate'] += int(bbox[2] <= bbox[0] or bbox[3] <= bbox[1])
        rec = dict(image_id=image, dataset=dataset,
                   question=referring_expression(item['question']),
                   question_id=item.get('question_id', k), bbox=bbox)
        if with_poly and item.get('obj_corner') is not None:
            rec['poly'] = corner_poly(item['obj_corner'], width, height, where)
        rec.update(image_width=width, image_height=height)
        rec.update((key, v) for key, v in item.items() if key not in DROPPED_REFERRING_FIELDS)
        records.append(rec)
    stats['written'] = dump_jsonl(records, out)
    return dict(stats)


def convert_train(path: str, out: str, strip_tags: bool = False) -> Dict[str, object]:
    """``VRSBench_train.json`` (LLaVA) -> LLaVA JSON with ``[x1, y1, x2, y2]`` boxes."""
    items = require_list(load_json(path), path)
    box_stats: Dict[str, int] = {}
    records = [convert_conversation_record(item, f'{path} record {k}', box_stats, strip_tags)
               for k, item in enumerate(progress(items))]
    dump_json(records, out)
    tasks = Counter(r.get('task', '(none)') for r in records)
    return dict(read=len(items), written=len(records), tasks=dict(tasks), **box_stats)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='VRSBench release files -> rscovlm caption / VQA / grounding / '
        'conversation files.')
    sub = parser.add_subparsers(dest='kind', required=True)
    for kind, help_text in (('caption', 'VRSBench_EVAL_Cap.json -> caption JSON'),
                            ('vqa', 'VRSBench_EVAL_vqa.json -> VQA JSON'),
                            ('referring', 'VRSBench_EVAL_referring.json -> grounding JSONL'),
                            ('train', 'VRSBench_train.json -> LLaVA conversations JSON')):
        p = sub.add_parser(kind, help=help_text, description=help_text)
        p.add_argument('input', help='the VRSBench JSON file')
        p.add_argument('--out', required=True, help='output file')
        if kind == 'referring':
            p.add_argument('--img-dir', required=True,
                           help='folder of the images (Images_val), for their sizes')
            p.add_argument('--dataset', default='vrsbench',
                           help='"dataset" field: the image sub-folder under the grounding '
                           "dataset's img_path ('' for none)")
            p.add_argument('--no-poly', action='store_true',
                           help='do not write "poly" from "obj_corner"')
        if kind == 'train':
            p.add_argument('--strip-task-tags', action='store_true',
                           help='remove [caption] / [vqa] / [refer] from the questions')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    if args.kind == 'caption':
        stats = convert_caption(args.input, args.out)
    elif args.kind == 'vqa':
        stats = convert_vqa(args.input, args.out)
    elif args.kind == 'referring':
        stats = convert_referring(args.input, args.out, args.img_dir, args.dataset,
                                  not args.no_poly)
    else:
        stats = convert_train(args.input, args.out, args.strip_task_tags)
    print_summary(f'vrsbench {args.kind}: {args.input} -> {args.out}',
                  [(k, v) for k, v in stats.items()])
    return stats


if __name__ == '__main__':
    cli(main)
