"""Render training (or test) samples exactly as the model receives them.

    python tools/misc/browse_dataset.py CONFIG [--phase train] [--num 20] \
        [--per-dataset 4] [--output-dir DIR] [--cfg-options ...]

Each PNG shows the image at the size the model sees (after SmartResize, random resize
included), the boxes decoded back from the target text with the sample's own codec
(green), and under it every turn of the conversation: system prompt, user prompt and the
answer. For a mixture (``TaskMixDataset``), ``--per-dataset N`` takes N samples from each
source; otherwise ``--num`` samples are drawn at random from the whole dataset.
"""
import argparse
import os
import os.path as osp
import random
from collections import Counter

import cv2
import numpy as np
from mmengine.config import DictAction
from mmengine.registry import init_default_scope

from rscovlm.codecs import build_codec, normalize_class_name
from rscovlm.registry import DATASETS
from rscovlm.utils import complete_config, load_config
from rscovlm.visualization import draw_polygons, render_text


def parse_args():
    parser = argparse.ArgumentParser(description='Render dataset samples as the model sees them')
    parser.add_argument('config', help='config file')
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'],
                        help='which dataloader\'s dataset to browse')
    parser.add_argument('--num', type=int, default=20, help='samples to render')
    parser.add_argument('--per-dataset', type=int, default=None,
                        help='for a TaskMixDataset: samples from each source instead')
    parser.add_argument('--min-side', type=int, default=448,
                        help='upscale small images so their short side is at least this')
    parser.add_argument('--seed', type=int, default=0, help='which samples are drawn')
    parser.add_argument('--output-dir', default=None,
                        help='default: work_dirs/browse/<config name>/<phase>')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    return parser.parse_args()


def pick_indices(dataset, num: int, per_dataset, seed: int):
    rng = random.Random(seed)
    if per_dataset and hasattr(dataset, 'locate'):
        by_source = {}
        for i in range(len(dataset)):
            by_source.setdefault(dataset.locate(i)[0], []).append(i)
        return [i for source in sorted(by_source)
                for i in rng.sample(by_source[source], min(per_dataset, len(by_source[source])))]
    return sorted(rng.sample(range(len(dataset)), min(num, len(dataset))))


def turn_lines(messages):
    lines = []
    for message in messages:
        content = message['content']
        if isinstance(content, str):
            text = content
        else:
            text = ''.join('<image>' if c['type'] == 'image' else c['text'] for c in content)
        parts = text.splitlines() or ['']
        lines.append(f"{message['role']}: {parts[0]}")
        lines += [f'    {p}' for p in parts[1:]]
    return lines


def assistant_texts(messages):
    return [''.join(c['text'] for c in m['content'] if c['type'] == 'text')
            for m in messages if m['role'] == 'assistant' and not isinstance(m['content'], str)]


def render(sample, min_side: int) -> np.ndarray:
    """The resized image(s) side by side with the decoded target boxes, text below."""
    meta = sample.metainfo
    paths = meta.get('img_paths') or ([meta['img_path']] if meta.get('img_path') else [])
    shapes = [meta['img_shape']] if len(paths) == 1 else [None] * len(paths)
    panels = []
    for path, shape in zip(paths, shapes):
        img = cv2.imread(path)
        if img is None:
            raise FileNotFoundError(f'cannot read image {path!r}')
        if shape is not None:
            img = cv2.resize(img, (int(shape[1]), int(shape[0])), interpolation=cv2.INTER_CUBIC)
        panels.append(img)
    scale = 1.0
    if panels:
        scale = max(1.0, min_side / min(p.shape[0] for p in panels))
        panels = [cv2.resize(p, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
                  for p in panels]
    if panels:
        # decode the target text in the resized frame: what the answer says, drawn. Box
        # tasks name their codec; a conversation's answers may hold plain box lines
        # (GeoChat's grid boxes after conversion), read as horizontal boxes.
        classes = [normalize_class_name(c) for c in meta.get('classes', ())]
        codec = build_codec(meta.get('codec') or dict(type='HBoxCodec'))
        answers = [sample.gt_text] if meta.get('codec') else assistant_texts(sample.messages)
        for text in answers:
            parsed = codec.decode(text, classes or None)
            names = [classes[label] if label >= 0 else name
                     for label, name in zip(parsed.labels, parsed.names)]
            draw_polygons(panels[0], parsed.qboxes, names, (0, 200, 0), scale, 2)
    height = max((p.shape[0] for p in panels), default=0)
    image = np.concatenate(
        [cv2.copyMakeBorder(p, 0, height - p.shape[0], 0, 4, cv2.BORDER_CONSTANT,
                            value=(255, 255, 255)) for p in panels], axis=1) if panels else \
        np.full((1, 640, 3), 255, np.uint8)
    header = [f"task: {meta.get('task')}  dataset: {meta.get('dataset_name', '-')}  "
              f"image: {meta.get('img_id')}  size fed: {meta.get('img_shape')}"
              + (f"  source: {meta['source']}" if meta.get('source') else '')]
    text = render_text(header + turn_lines(sample.messages), max(image.shape[1], 640))
    if text.shape[1] > image.shape[1]:
        image = cv2.copyMakeBorder(image, 0, 0, 0, text.shape[1] - image.shape[1],
                                   cv2.BORDER_CONSTANT, value=(255, 255, 255))
    return np.concatenate([image, text], axis=0)


def main():
    args = parse_args()
    init_default_scope('rscovlm')
    cfg = complete_config(load_config(args.config, args.cfg_options))
    dataset = DATASETS.build(cfg[f'{args.phase}_dataloader']['dataset'])
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    if hasattr(dataset, 'summary'):
        print(dataset.summary())
    out_dir = args.output_dir or osp.join(
        'work_dirs', 'browse', osp.splitext(osp.basename(args.config))[0], args.phase)
    os.makedirs(out_dir, exist_ok=True)
    np.random.seed(args.seed)  # the random resize draws
    tasks = Counter()
    indices = pick_indices(dataset, args.num, args.per_dataset, args.seed)
    for k, idx in enumerate(indices):
        sample = dataset[idx]['data_samples']
        tasks[sample.metainfo.get('task')] += 1
        name = f"{k:03d}_{sample.metainfo.get('task')}_{sample.metainfo.get('img_id')}.png"
        cv2.imwrite(osp.join(out_dir, name.replace('/', '_')), render(sample, args.min_side))
    print(f'wrote {len(indices)} samples ({dict(tasks)}) to {out_dir}')


if __name__ == '__main__':
    main()
