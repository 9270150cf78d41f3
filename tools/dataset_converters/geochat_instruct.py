"""Convert GeoChat_Instruct.json (LLaVA format) into rscovlm's conversation JSON.

    python tools/dataset_converters/geochat_instruct.py data/GeoChat/GeoChat_Instruct.json \
        --out data/GeoChat/geochat_instruct.json [--strip-task-tags]

Boxes written ``{<x1><y1><x2><y2>|<angle>}`` (0-100 grid) become ``[x1, y1, x2, y2]`` on
the same grid, the text form that ``ConversationDataset(box_grid=100)`` converts into
pixels: a box with a non-zero angle (degrees) becomes the axis-aligned box enclosing the
rotated rectangle (counted), values are rounded to integers and clamped into 0-100
(counted), adjacent boxes are joined as ``[..], [..]``. Each record gets a ``task``
when it is obvious (``[refer]``/``[grounding]`` -> grounding, ``[identify]`` -> caption,
several questions -> conversation, ``Classify ...`` -> cls, ``Answer the question using a
single word or phrase`` -> vqa, ``Describe the image ...`` -> caption); otherwise none is
written and the dataset's default applies. Everything else is kept as it is.
"""
import argparse
from collections import Counter
from typing import Dict, Optional, Sequence

from _common import (cli, convert_conversation_record, dump_json, load_json, print_summary,
                     progress, require_list)


def convert(path: str, out: str, strip_tags: bool = False) -> Dict[str, object]:
    """Convert the GeoChat instruction file ``path`` into ``out``; returns counts."""
    items = require_list(load_json(path), path)
    box_stats: Dict[str, int] = {}
    records = [convert_conversation_record(item, f'{path} record {k}', box_stats, strip_tags)
               for k, item in enumerate(progress(items))]
    dump_json(records, out)
    return dict(read=len(items), written=len(records),
                tasks=dict(Counter(r.get('task', '(none)') for r in records)),
                boxes=box_stats.get('boxes', 0), rotated=box_stats.get('rotated', 0),
                clamped=box_stats.get('clamped', 0))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='GeoChat_Instruct.json -> LLaVA conversations with [x1, y1, x2, y2] '
        'boxes on the 0-100 grid and a task per record.')
    parser.add_argument('input', help='GeoChat_Instruct.json')
    parser.add_argument('--out', required=True, help='output JSON file')
    parser.add_argument('--strip-task-tags', action='store_true',
                        help='remove [refer] / [grounding] / [identify] from the questions')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    stats = convert(args.input, args.out, args.strip_task_tags)
    rows = [('records', f"{stats['written']} ({args.out})"),
            ('boxes rewritten', f"{stats['boxes']} ({stats['rotated']} rotated -> enclosing box, "
             f"{stats['clamped']} clamped into 0-100)")]
    rows += [(f'task {k}', v) for k, v in sorted(stats['tasks'].items())]
    print_summary(f'geochat_instruct: {args.input}', rows)
    return stats


if __name__ == '__main__':
    cli(main)
