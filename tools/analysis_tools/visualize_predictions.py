"""Draw a predictions file against a config's test set: one picture per sample, every task.

    python tools/analysis_tools/visualize_predictions.py CONFIG PREDICTIONS OUT_DIR \
        [--num 20] [--tasks det grounding ...] [--scale S] [--cfg-options data_root=...]

PREDICTIONS is a ``tools/test.py --out`` file (or any file ``eval_offline.py`` reads: the
samples are built and joined to their predictions the same way, ``img_shape`` optional).
For each task of the test set the first ``--num`` samples that have a prediction are
drawn by ``rscovlm.visualization.VLMVisualizer`` into ``OUT_DIR/<task>/<name>.png``, where
``<name>`` is the image id followed by the fields that tell the task's samples of one
image apart (e.g. ``question_id``), so no picture overwrites another. A picture has a
title (image id, task, question, box counts), the image with the ground truth (thick
green), ignored objects (dashed orange) and the boxes parsed from the answer (thin red,
with their scores when the file carries ``pred_scores``) and a legend for box tasks, and
the conversation, the answer and the reference text under it.
"""
import argparse
import os.path as osp
import re
import sys
from collections import defaultdict

import mmcv
from mmengine.config import DictAction
from mmengine.registry import init_default_scope

from rscovlm.evaluation import offline
from rscovlm.evaluation.predictions import KEY_FIELDS, read_predictions
from rscovlm.utils import load_config
from rscovlm.visualization import VLMVisualizer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Visualize predictions against ground truth')
    parser.add_argument('config', help='config whose test set produced the predictions')
    parser.add_argument('predictions', help='predictions file (.jsonl) from tools/test.py --out')
    parser.add_argument('out_dir', help='where to write the pictures (one folder per task)')
    parser.add_argument('--num', type=int, default=20, help='how many samples per task')
    parser.add_argument('--tasks', nargs='+', default=None,
                        help='only these tasks (default: every task of the test set)')
    parser.add_argument('--scale', type=float, default=None,
                        help='upscaling factor (default: the longer side becomes 512 px)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    return parser.parse_args(argv)


def detection_classes(dataset):
    """The class names of the test set's detection source (a mixture has several)."""
    classes = dataset.metainfo.get('classes')
    if classes:
        return classes
    sources = getattr(dataset, 'datasets', [])
    sources = sources.values() if isinstance(sources, dict) else sources
    return next((d.metainfo['classes'] for d in sources if d.metainfo.get('classes')), None)


def picture_names(samples):
    """``{index: '<task>/<name>.png'}``: the name is the image id and each key field
    (``KEY_FIELDS``) that differs between samples of that task."""
    by_task = defaultdict(list)
    for i, sample in samples:
        by_task[sample.metainfo.get('task') or 'none'].append((i, sample.metainfo))
    names = {}
    for task, metas in by_task.items():
        fields = [k for k in KEY_FIELDS if k not in ('img_id', 'task')
                  and len({m.get(k) for _, m in metas}) > 1]
        for i, meta in metas:
            parts = [str(meta.get('img_id'))]
            for value in (str(meta[k]) for k in fields if meta.get(k) is not None):
                # an id that starts with the image id (P0001_3) replaces it
                parts = [value] if value.startswith(parts[0]) and len(parts) == 1 else \
                    parts + [value]
            name = re.sub(r'[^\w.-]+', '-', '_'.join(parts))
            names[i] = osp.join(re.sub(r'[^\w.-]+', '-', task), f'{name}.png')
    if len(set(names.values())) != len(names):  # the join keeps one sample per key
        raise RuntimeError('two samples of one task got the same picture name')
    return names


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('rscovlm')
    cfg = load_config(args.config, args.cfg_options)
    try:
        predictions = read_predictions(args.predictions)
        dataset = offline.build_dataset(cfg)
        samples, grid_indices = offline.read_samples(dataset)
        missing = set(offline.fill_predictions(samples, predictions, args.predictions,
                                               grid_indices=grid_indices)['missing'])
    except (offline.EvalOfflineError, ValueError, OSError) as e:
        raise SystemExit(f'error: {e}')
    classes = detection_classes(dataset)

    chosen, per_task = [], defaultdict(int)
    for i, sample in enumerate(samples):
        task = sample.metainfo.get('task') or 'none'
        if i in missing or (args.tasks and task not in args.tasks):
            continue
        if per_task[task] < args.num:
            per_task[task] += 1
            chosen.append((i, sample))
    names = picture_names(chosen)

    visualizer = VLMVisualizer(name='visualize_predictions', scale=args.scale)
    written = defaultdict(int)
    for i, sample in chosen:
        path = sample.metainfo.get('img_path') or (sample.metainfo.get('img_paths') or [None])[0]
        try:
            image = mmcv.imread(path, channel_order='rgb')
        except (FileNotFoundError, TypeError) as e:
            raise SystemExit(f'error: cannot read the image of {sample.metainfo.get("img_id")!r} '
                             f'({path!r}): {e}')
        visualizer.add_datasample(names[i], image, sample, classes=classes,
                                  out_file=osp.join(args.out_dir, names[i]))
        written[osp.dirname(names[i])] += 1  # add_datasample raises when it cannot write
    total = sum(written.values())
    counts = ', '.join(f'{task} {n}' for task, n in sorted(written.items()))
    print(f'wrote {total} pictures to {args.out_dir} ({counts})')
    return dict(written)


if __name__ == '__main__':
    main(sys.argv[1:])
