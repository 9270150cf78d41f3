"""Convert the RSICap and RSIEval annotations (RSGPT release) into caption and VQA JSON.

    python tools/dataset_converters/rsgpt.py rsicap data/RSICap/captions.json \
        --out data/RSICap/rsicap_caption.json
    python tools/dataset_converters/rsgpt.py rsieval data/RSIEval/annotations.json \
        --caption-out data/RSIEval/rsieval_caption.json \
        --vqa-out data/RSIEval/rsieval_vqa.json

* ``rsicap``: ``{"annotations": [{"image_id", "filename", "text_input", "text_output"}]}``
  -> caption JSON (``text_output`` is the caption; the instruction ``text_input`` is not
  kept; annotations of one image are merged);
* ``rsieval``: ``{"annotations": [{"filename", "caption", "qa_pairs": [{"question",
  "answer", "type"}]}]}`` -> caption JSON (one reference per image) and VQA JSON
  (``type`` kept, ``question_id`` = ``{filename}_{k}`` with ``k`` the pair's index in
  ``qa_pairs``, so ids do not move when pairs are skipped). Pairs with an empty question
  are skipped and counted, as the RSIEval benchmark does; exact duplicates are counted
  and kept.
"""
import argparse
import os.path as osp
from collections import Counter
from typing import Dict, Optional, Sequence

from _common import (ConverterError, cli, dump_json, load_json, print_summary, progress,
                     require_fields, require_list)


def convert_rsicap(path: str, out: str) -> Dict[str, int]:
    """RSICap ``captions.json`` -> caption JSON."""
    anns = require_list(load_json(path), path, 'annotations')
    by_image: Dict[str, dict] = {}
    for k, ann in enumerate(progress(anns)):
        require_fields(ann, ('filename', 'text_output'), f'{path} annotation {k}')
        image = str(ann['filename'])
        image_id = str(ann.get('image_id', osp.splitext(image)[0]))
        rec = by_image.setdefault(image, dict(image=image, captions=[], image_id=image_id))
        rec['captions'].append(str(ann['text_output']).strip())
    dump_json(list(by_image.values()), out)
    return dict(annotations=len(anns), images=len(by_image))


def convert_rsieval(path: str, caption_out: Optional[str],
                    vqa_out: Optional[str]) -> Dict[str, object]:
    """RSIEval ``annotations.json`` -> caption JSON and / or VQA JSON."""
    anns = require_list(load_json(path), path, 'annotations')
    captions, questions = [], []
    stats = Counter(images=len(anns))
    types = Counter()
    seen = set()
    for k, ann in enumerate(progress(anns)):
        where = f'{path} annotation {k}'
        require_fields(ann, ('filename', ), where)
        image = str(ann['filename'])
        if caption_out is not None:
            require_fields(ann, ('caption', ), where)
            captions.append(dict(image=image, captions=[str(ann['caption']).strip()],
                                 image_id=osp.splitext(image)[0]))
        for j, qa in enumerate(ann.get('qa_pairs') or []):
            require_fields(qa, ('question', 'answer'), f'{where} qa_pairs[{j}]')
            question = str(qa['question']).strip()
            if not question:
                stats['empty questions skipped'] += 1
                continue
            rec = dict(image=image, question=question, answer=str(qa['answer']).strip())
            if qa.get('type') is not None:
                rec['type'] = qa['type']
            rec['question_id'] = f'{image}_{j}'
            key = (image, question, rec['answer'])
            stats['duplicates kept'] += int(key in seen)
            seen.add(key)
            questions.append(rec)
            types[rec.get('type')] += 1
    if caption_out is not None:
        dump_json(captions, caption_out)
    if vqa_out is not None:
        dump_json(questions, vqa_out)
    stats['captions'] = len(captions)
    stats['questions'] = len(questions)
    return dict(stats, types=dict(types))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='RSICap / RSIEval annotations -> rscovlm caption and VQA JSON.')
    sub = parser.add_subparsers(dest='kind', required=True)
    p = sub.add_parser('rsicap', help='RSICap captions.json -> caption JSON')
    p.add_argument('input', help='RSICap captions.json')
    p.add_argument('--out', required=True, help='output caption JSON')
    p = sub.add_parser('rsieval', help='RSIEval annotations.json -> caption and VQA JSON')
    p.add_argument('input', help='RSIEval annotations.json')
    p.add_argument('--caption-out', default=None, help='output caption JSON')
    p.add_argument('--vqa-out', default=None, help='output VQA JSON')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    if args.kind == 'rsicap':
        stats = convert_rsicap(args.input, args.out)
        rows = [('annotations', stats['annotations']),
                ('images written', f"{stats['images']} ({args.out})")]
    else:
        if args.caption_out is None and args.vqa_out is None:
            raise ConverterError('rsieval: give --caption-out and / or --vqa-out')
        stats = convert_rsieval(args.input, args.caption_out, args.vqa_out)
        rows = [(k, v) for k, v in stats.items() if k != 'types']
        rows += [(f'type {k}', v) for k, v in sorted(stats['types'].items(), key=str)]
    print_summary(f'rsgpt {args.kind}: {args.input}', rows)
    return stats


if __name__ == '__main__':
    cli(main)
