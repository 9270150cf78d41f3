"""Convert GeoChat-Bench's evaluation files into the rscovlm formats that the
``configs/benchmarks/geochat-bench_*.py`` overlays read.

    python tools/dataset_converters/geochat_bench.py aid data/GeoChat-Bench/aid.jsonl \
        --out data/GeoChat-Bench/aid_cls.json
    python tools/dataset_converters/geochat_bench.py ucmerced \
        data/GeoChat-Bench/UCmerced.jsonl --out data/GeoChat-Bench/ucmerced_cls.json
    python tools/dataset_converters/geochat_bench.py hrben data/GeoChat-Bench/hrben.jsonl \
        --answers data/RSVQA/HR/USGS_split_test_phili_answers.json \
        --out data/GeoChat-Bench/hrben_vqa.json
    python tools/dataset_converters/geochat_bench.py lrben data/GeoChat-Bench/lrben.jsonl \
        --answers data/RSVQA/LR/LR_split_test_answers.json \
        --out data/GeoChat-Bench/lrben_vqa.json
    python tools/dataset_converters/geochat_bench.py referring \
        data/GeoChat-Bench/referring.jsonl --out data/GeoChat-Bench/referring_grounding.jsonl
    python tools/dataset_converters/geochat_bench.py region-captioning \
        data/GeoChat-Bench/region_captioning.jsonl \
        --out data/GeoChat-Bench/region_captioning.json

Each output is the ``ann_file`` of its overlay, next to GeoChat's own files in
``data/GeoChat-Bench/`` (an output that would overwrite its input is refused).

* ``aid`` / ``ucmerced``: ``{"image", "text", "ground_truth", ...}`` -> classification JSON
  ``{"classes", "images": [{"image", "label"}]}``; ``classes`` is the class list after
  ``Classes:`` in ``text`` (up to the end of its line), stripped, lower-cased and split on
  ',' with each piece kept as written (spaces included); ``label`` is the piece equal to the
  lower-cased ``ground_truth`` once stripped, and where they differ but for spaces
  (``BareLand``), ``answer`` is that ground truth ('bareland'), which upstream scores;
* ``hrben`` / ``lrben``: ``{"image", "text", "category", "question_id"}`` + RSVQA's answers
  file -> VQA JSON ``{"image", "question", "answer", "type", "question_id"}``;
* ``referring``: ``{"question_id", "image_id", "ground_truth": [[[x, y] x 4], ...],
  "question", "type", "dataset", "obj_ids", "size_group"}`` -> grounding JSONL
  ``{"image_id": "<image_id>.png", "question", "question_id", "polys", "type",
  "size_group", "obj_ids"}``;
* ``region-captioning``: ``{"question_id", "image_id", "question": "{<x1><y1><x2><y2>|<a>}",
  "ground_truth", ...}`` -> caption JSON ``{"image": "<image_id>.png", "question",
  "question_id", "captions": [ground_truth]}``.
"""
import argparse
import os.path as osp
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple

from _common import (IMAGE_EXTS, ConverterError, GRID_BOX_RE, clean_num, cli, dump_json,
                     dump_jsonl, iter_jsonl, load_json, print_summary, progress,
                     require_fields)

# upstream RSCoVLM's format_geochat.py maps this AID ground truth (a class name glued to
# "gt") to the class it means
GT_FIXES = {'mediumresidentialgt': 'medium residential'}
CLASSES_RE = re.compile(r'Classes:([^\n]*)')


def _where(path: str, lineno: int, field: Optional[str] = None) -> str:
    return f'{path}:{lineno}' + (f' field "{field}"' if field else '')


def _png_name(image_id: Any, where: str) -> str:
    """GeoChat's ``image_id`` (no extension; an image extension, if any, replaced) +
    ``.png``, the name of the image in GeoChat_Instruct's images."""
    if not isinstance(image_id, (str, int)) or isinstance(image_id, bool) or \
            not str(image_id).strip():
        raise ConverterError(f'{where}: expected a non-empty image name, got {image_id!r}')
    image_id = str(image_id).strip()
    stem, ext = osp.splitext(image_id)
    return (stem if ext.lower() in IMAGE_EXTS else image_id) + '.png'


def _squash(name: str) -> str:
    """A class name without case, spaces, '_' and '-' (``Bare Land`` = ``bareland``)."""
    return re.sub(r'[\s_\-]+', '', name.lower())


# ---------------------------------------------------------------------------
# scene classification
# ---------------------------------------------------------------------------
def convert_cls(path: str, out: str, image_ext: Optional[str]) -> Dict[str, int]:
    """``aid.jsonl`` / ``UCmerced.jsonl`` -> classification JSON."""
    classes_str: Optional[str] = None
    classes: List[str] = []
    images: List[dict] = []
    stats = Counter(read=0)
    for lineno, rec in progress(list(iter_jsonl(path))):
        stats['read'] += 1
        require_fields(rec, ('image', 'text', 'ground_truth'), _where(path, lineno))
        m = CLASSES_RE.search(str(rec['text']))
        if m is None:
            raise ConverterError(
                f'{_where(path, lineno, "text")}: expected "Classes: <c1>, <c2>, ..." in the '
                f'question, got {str(rec["text"])[:120]!r}')
        this = m.group(1).strip().lower()
        if classes_str is None:
            classes_str, classes = this, this.split(',')
        elif this != classes_str:
            raise ConverterError(
                f'{_where(path, lineno, "text")}: the class list differs from the first '
                f'record\'s ({this!r} vs {classes_str!r}); one file must use one list')
        gt = str(rec['ground_truth']).strip().lower()
        if gt in GT_FIXES:
            gt = GT_FIXES[gt]
            stats['ground_truth_fixed'] += 1
        matches = [k for k, c in enumerate(classes) if c.strip() == gt]
        if not matches:
            matches = [k for k, c in enumerate(classes) if _squash(c) == _squash(gt)]
            if len(matches) == 1:
                stats['label_matched_without_spaces'] += 1
        if len(matches) != 1:
            raise ConverterError(
                f'{_where(path, lineno, "ground_truth")}: {rec["ground_truth"]!r} is '
                f'{"none" if not matches else "more than one"} of the classes '
                f'{[c.strip() for c in classes]}')
        image = str(rec['image']).strip()
        if image_ext:
            image = osp.splitext(image)[0] + image_ext
        label = classes[matches[0]]
        # upstream scores the ground truth as written (lower-cased), not the class name
        images.append(dict(image=image, label=label) if gt == label.strip() else
                      dict(image=image, label=label, answer=gt))
    if not images:
        raise ConverterError(f'{path}: no records')
    dump_json(dict(classes=classes, images=images), out)
    stats.update(written=len(images), classes=len(classes))
    return dict(stats)


# ---------------------------------------------------------------------------
# VQA (RSVQA HRBEN / LRBEN)
# ---------------------------------------------------------------------------
def load_answers(path: str) -> Dict[Any, str]:
    """RSVQA's answers file ``{"answers": [{"question_id", "answer", "active"?, ...}]}``
    as ``{question_id: answer}`` (entries with ``"active": false`` skipped)."""
    data = load_json(path)
    items = data.get('answers') if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ConverterError(f'{path}: expected RSVQA\'s {{"answers": [{{"question_id", '
                             f'"answer", ...}}, ...]}}')
    answers: Dict[Any, str] = {}
    for k, item in enumerate(items):
        where = f'{path} answers[{k}]'
        require_fields(item, ('question_id', 'answer'), where)
        if item.get('active', True) is False:
            continue
        qid = item['question_id']
        if qid in answers:
            raise ConverterError(f'{where}: a second active answer for question_id {qid!r}')
        answers[qid] = str(item['answer'])
    return answers


def convert_vqa(path: str, out: str, answers_path: str) -> Dict[str, int]:
    """``hrben.jsonl`` / ``lrben.jsonl`` + RSVQA answers -> VQA JSON."""
    answers = load_answers(answers_path)
    records = []
    for lineno, rec in progress(list(iter_jsonl(path))):
        require_fields(rec, ('image', 'text', 'category', 'question_id'),
                       _where(path, lineno))
        qid = rec['question_id']
        if qid not in answers:
            raise ConverterError(f'{_where(path, lineno, "question_id")}: {qid!r} has no '
                                 f'(active) answer in {answers_path}')
        question = str(rec['text']).split('\n')[0].strip().lower()
        if not question:
            raise ConverterError(f'{_where(path, lineno, "text")}: empty question')
        records.append(dict(image=str(rec['image']).strip(), question=question,
                            answer=answers[qid].lower(), type=rec['category'],
                            question_id=qid))
    dump_json(records, out)
    types = Counter(r['type'] for r in records)
    return dict(read=len(records), written=len(records), types=dict(types))


# ---------------------------------------------------------------------------
# referring
# ---------------------------------------------------------------------------
REFERRING_KEPT = ('question', 'question_id', 'type', 'size_group', 'obj_ids')


def check_polygons(value: Any, where: str) -> List[List[List[float]]]:
    """``ground_truth`` as one or more 4-point polygons ``[[[x, y] x 4], ...]``."""
    shape = 'a non-empty list of 4-point polygons [[[x, y], [x, y], [x, y], [x, y]], ...]'
    if not isinstance(value, list) or not value:
        raise ConverterError(f'{where}: expected {shape}, got {value!r}'[:300])
    polys = []
    for k, poly in enumerate(value):
        ok = (isinstance(poly, list) and len(poly) == 4 and all(
            isinstance(p, list) and len(p) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
            for p in poly))
        if not ok:
            raise ConverterError(f'{where}: polygon {k} is {poly!r}; expected {shape}'[:300])
        polys.append([[clean_num(x), clean_num(y)] for x, y in poly])
    return polys


def convert_referring(path: str, out: str) -> Dict[str, int]:
    """``referring.jsonl`` -> grounding JSONL (``polys`` in original pixels)."""
    records = []
    for lineno, rec in progress(list(iter_jsonl(path))):
        require_fields(rec, ('image_id', 'ground_truth') + REFERRING_KEPT,
                       _where(path, lineno))
        out_rec = dict(image_id=_png_name(rec['image_id'], _where(path, lineno, 'image_id')))
        out_rec.update((k, rec[k]) for k in ('question', 'question_id'))
        out_rec['polys'] = check_polygons(rec['ground_truth'],
                                          _where(path, lineno, 'ground_truth'))
        out_rec.update((k, rec[k]) for k in ('type', 'size_group', 'obj_ids'))
        records.append(out_rec)
    dump_jsonl(records, out)
    objects = sum(len(r['polys']) for r in records)
    return dict(read=len(records), written=len(records), objects=objects,
                single=sum(len(r['polys']) == 1 for r in records),
                multiple=sum(len(r['polys']) > 1 for r in records))


# ---------------------------------------------------------------------------
# region captioning
# ---------------------------------------------------------------------------
def check_region(value: Any, where: str) -> str:
    """The region exactly as GeoChat writes it: one ``{<x1><y1><x2><y2>|<angle>}``."""
    if not isinstance(value, str) or GRID_BOX_RE.fullmatch(value.strip()) is None:
        raise ConverterError(f'{where}: expected one region "{{<x1><y1><x2><y2>|<angle>}}" '
                             f'(0-100 grid), got {value!r}')
    return value.strip()


def convert_region_captioning(path: str, out: str) -> Dict[str, int]:
    """``region_captioning.jsonl`` -> caption JSON, one record per region."""
    records = []
    for lineno, rec in progress(list(iter_jsonl(path))):
        require_fields(rec, ('image_id', 'question', 'question_id', 'ground_truth'),
                       _where(path, lineno))
        gt = rec['ground_truth']
        captions = [gt] if isinstance(gt, str) else gt
        if not isinstance(captions, list) or not captions or not all(
                isinstance(c, str) and c.strip() for c in captions):
            raise ConverterError(f'{_where(path, lineno, "ground_truth")}: expected a '
                                 f'caption string (or a list of them), got {gt!r}')
        records.append(dict(
            image=_png_name(rec['image_id'], _where(path, lineno, 'image_id')),
            question=check_region(rec['question'], _where(path, lineno, 'question')),
            question_id=rec['question_id'], captions=[c.strip() for c in captions]))
    dump_json(records, out)
    return dict(read=len(records), written=len(records),
                images=len({r['image'] for r in records}))


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------
KINDS: Tuple[Tuple[str, str], ...] = (
    ('aid', 'aid.jsonl -> classification JSON (aid_cls.json)'),
    ('ucmerced', 'UCmerced.jsonl -> classification JSON (ucmerced_cls.json)'),
    ('hrben', "hrben.jsonl + RSVQA-HR's answers -> VQA JSON (hrben_vqa.json)"),
    ('lrben', "lrben.jsonl + RSVQA-LR's answers -> VQA JSON (lrben_vqa.json)"),
    ('referring', 'referring.jsonl -> grounding JSONL (referring_grounding.jsonl)'),
    ('region-captioning',
     'region_captioning.jsonl -> caption JSON (region_captioning.json)'))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='GeoChat-Bench jsonl files -> rscovlm classification / VQA / grounding '
        '/ caption files (configs/benchmarks/geochat-bench_*.py).')
    sub = parser.add_subparsers(dest='kind', required=True)
    for kind, help_text in KINDS:
        p = sub.add_parser(kind, help=help_text, description=help_text)
        p.add_argument('input', help="GeoChat-Bench's jsonl file")
        p.add_argument('--out', required=True, help='output file')
        if kind in ('aid', 'ucmerced'):
            p.add_argument(
                '--image-ext', default='.jpg' if kind == 'aid' else None,
                help='replace the extension of "image" (default: .jpg for aid, as '
                "upstream reads AID's images; kept for ucmerced); 'none' keeps it")
        if kind in ('hrben', 'lrben'):
            p.add_argument('--answers', required=True,
                           help="RSVQA's answers JSON ({\"answers\": [{\"question_id\", "
                           '"answer", ...}]}); GeoChat-Bench has no answers')
    args = parser.parse_args(argv)
    if getattr(args, 'image_ext', None) in ('none', ''):
        args.image_ext = None
    if getattr(args, 'image_ext', None) and not args.image_ext.startswith('.'):
        args.image_ext = '.' + args.image_ext
    return args


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    if osp.abspath(args.out) == osp.abspath(args.input):
        raise ConverterError(f'{args.out}: the output would overwrite the input')
    if args.kind in ('aid', 'ucmerced'):
        stats = convert_cls(args.input, args.out, args.image_ext)
    elif args.kind in ('hrben', 'lrben'):
        stats = convert_vqa(args.input, args.out, args.answers)
    elif args.kind == 'referring':
        stats = convert_referring(args.input, args.out)
    else:
        stats = convert_region_captioning(args.input, args.out)
    print_summary(f'geochat_bench {args.kind}: {args.input} -> {args.out}',
                  [(k, v) for k, v in stats.items()])
    return stats


if __name__ == '__main__':
    cli(main)
