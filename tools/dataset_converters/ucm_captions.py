"""Convert a Karpathy-style caption file (UCM-captions, Sydney-captions, RSICD) into
rscovlm's caption JSON, one split per run.

    python tools/dataset_converters/ucm_captions.py data/UCM_captions/dataset.json \
        --split test --out data/UCM_captions/ucm_caption_test.json

Input: ``{"images": [{"filename", "split", "sentences": [{"raw", "tokens"}, ...]}]}``
(``filepath``, when present, is prefixed to ``filename``). Each image of the split gives
``{"image": filename, "captions": [raw, ...], "image_id": stem}``; a sentence without
``raw`` is its ``tokens`` joined with spaces. Captions are stripped of surrounding
whitespace and otherwise kept verbatim (the datasets' own lower-case text, with the
final `` .`` where it has one), duplicates included: they are the references.
"""
import argparse
import os.path as osp
from collections import Counter
from typing import Dict, Optional, Sequence

from _common import (ConverterError, cli, dump_json, load_json, print_summary, progress,
                     require_fields, require_list)

SPLITS = ('train', 'val', 'test')


def sentence_text(sentence: dict, where: str) -> str:
    """The caption of one Karpathy sentence: ``raw``, else the joined ``tokens``."""
    if isinstance(sentence, dict) and sentence.get('raw') is not None:
        return str(sentence['raw']).strip()
    if isinstance(sentence, dict) and sentence.get('tokens'):
        return ' '.join(str(t) for t in sentence['tokens']).strip()
    raise ConverterError(f'{where}: a sentence has neither "raw" nor "tokens": {sentence!r}')


def convert(path: str, split: str, out: str) -> Dict[str, object]:
    """Write the caption JSON of ``split``; returns counts (also per split in the file)."""
    images = require_list(load_json(path), path, 'images')
    records, splits = [], Counter()
    for k, img in enumerate(progress(images)):
        where = f'{path} images[{k}]'
        require_fields(img, ('filename', 'split', 'sentences'), where)
        splits[img['split']] += 1
        if img['split'] != split:
            continue
        name = osp.join(img.get('filepath') or '', str(img['filename']))
        captions = [sentence_text(s, where) for s in img['sentences']]
        if not captions:
            raise ConverterError(f'{where}: no sentences')
        records.append(dict(image=name, captions=captions,
                            image_id=osp.splitext(osp.basename(name))[0]))
    if not records:
        raise ConverterError(f'{path}: no image of split {split!r} (splits in the file: '
                             f'{dict(splits)})')
    dump_json(records, out)
    return dict(images=len(records), captions=sum(len(r['captions']) for r in records),
                splits=dict(splits))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Karpathy-style dataset.json (UCM / Sydney / RSICD captions) -> '
        'caption JSON of one split.')
    parser.add_argument('input', help='dataset.json (e.g. dataset_rsicd.json)')
    parser.add_argument('--split', required=True, choices=SPLITS, help='split to write')
    parser.add_argument('--out', required=True, help='output caption JSON')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    stats = convert(args.input, args.split, args.out)
    print_summary(f'ucm_captions: {args.input} split {args.split} -> {args.out}', [
        ('images', stats['images']), ('captions', stats['captions']),
        ('images per split in the file', stats['splits'])])
    return stats


if __name__ == '__main__':
    cli(main)
