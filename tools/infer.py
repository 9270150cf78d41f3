"""Ask a model about your own images: the answer, a table of its boxes, a drawn picture.

    python tools/infer.py CONFIG [CHECKPOINT] IMAGE_OR_DIR [--task det] [--classes a b]
        [--question "..."] [--out-dir outputs/infer] [--tile 1024 --overlap 200]
        [--device cpu] [--scores]

Tasks: det (oriented boxes of --classes, default the config's), grounding (the box of
the object --question describes), caption, vqa (--question), cls (one of --classes),
chat (--question as typed). Any image file (PNG, JPEG, TIFF, ...; gray and RGBA are
converted); a folder is read image by image. For each image it prints the prompt, the
answer and the boxes (original-image pixels) and writes ``<out-dir>/<name>.png`` (the
boxes with their class names drawn on the image, the prompt and answer below) and
``<out-dir>/<name>.json`` (everything printed). ``--tile`` splits images larger than
the tile into overlapping windows and merges their boxes as the large-image evaluation
does (docs/large_images.md). The prompts, pipeline and answer parsing are those of
``tools/test.py`` on the config (``rscovlm.apis.VLMInferencer``, docs/inference.md).
"""
import argparse
import json
import math
import os
import os.path as osp
import sys

from mmengine.config import DictAction

from rscovlm.apis import TASKS, ImageReadError, list_images, read_image_header
from rscovlm.utils import markdown_table

BOX_COLUMNS = ('#', 'class', 'score', 'cx', 'cy', 'w', 'h', 'angle (deg)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Answer a task about your own images with an rscovlm model',
        usage='%(prog)s CONFIG [CHECKPOINT] IMAGE_OR_DIR [options]')
    parser.add_argument('paths', nargs='+', metavar='CONFIG [CHECKPOINT] IMAGE_OR_DIR',
                        help='the model config, optionally its checkpoint (leave out for '
                        'a model-zoo config with pretrained weights), and an image file or '
                        'a folder of images')
    parser.add_argument('--task', default='det', choices=TASKS, help='what to ask (det)')
    parser.add_argument('--question', help='the question (grounding: the object to find; '
                        'vqa; chat)')
    parser.add_argument('--classes', nargs='+', help='class names for det / cls (default: '
                        "the config's test-set classes); 'a,b' works too")
    parser.add_argument('--out-dir', default='outputs/infer',
                        help='where the PNG and JSON of each image go (outputs/infer)')
    parser.add_argument('--tile', type=int, help='split images larger than this many px '
                        "into windows (det only; default: the config's split settings, if "
                        'any; 0: never)')
    parser.add_argument('--overlap', type=int, help='overlap of the windows in px (200)')
    parser.add_argument('--device', help='cuda, cpu, ... (default: cuda when available)')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images or windows generated together (4)')
    parser.add_argument('--max-new-tokens', type=int,
                        help="the longest answer in tokens (default: the config's)")
    parser.add_argument('--scores', action='store_true',
                        help="score each box by its answer line's token probabilities")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.generation_cfg.'
                        'max_new_tokens=512')
    args = parser.parse_args(argv)
    if len(args.paths) not in (2, 3):
        parser.error('give CONFIG [CHECKPOINT] IMAGE_OR_DIR')
    args.config, args.images = args.paths[0], args.paths[-1]
    args.checkpoint = args.paths[1] if len(args.paths) == 3 else None
    if args.classes:
        args.classes = [c.strip() for item in args.classes for c in item.split(',')
                        if c.strip()]
    return args


def image_files(path: str) -> list:
    """The images to answer (a file or a folder's images), each checked to be one."""
    if not osp.exists(path):
        raise ImageReadError(f'{path}: no such file or folder')
    files = list_images(path) if osp.isdir(path) else [path]
    for f in files:
        read_image_header(f)
    return files


def output_names(files: list) -> list:
    """A file name stem per image, its extension added where stems repeat."""
    stems = [osp.splitext(osp.basename(f))[0] for f in files]
    return [s if stems.count(s) == 1 else f'{s}_{osp.splitext(f)[1].lstrip(".")}'
            for s, f in zip(stems, files)]


def box_rows(instances: dict) -> list:
    scores = instances.get('scores')
    rows = []
    for k, (box, name) in enumerate(zip(instances['bboxes'], instances['label_names'])):
        cx, cy, w, h, theta = box
        rows.append((k, name if name is not None else '?',
                     '-' if scores is None else f'{scores[k]:.2f}', f'{cx:.1f}', f'{cy:.1f}',
                     f'{w:.1f}', f'{h:.1f}', f'{math.degrees(theta):.1f}'))
    return rows


def report(pred: dict) -> str:
    """What is printed for one image."""
    lines = [f"== {pred['image']} ({pred['ori_shape'][1]} x {pred['ori_shape'][0]} px, "
             f"task {pred['task']}, {len(pred['windows'])} window(s))",
             f"prompt: {pred['prompt']}", 'answer:', pred['answer'].rstrip('\n') or '(blank)']
    inst = pred.get('instances')
    if inst is not None:
        lines += ['', f"{len(inst['labels'])} box(es), original-image pixels:"]
        if inst['labels']:
            lines.append(markdown_table(BOX_COLUMNS, box_rows(inst)))
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    try:
        files = image_files(args.images)
    except ImageReadError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    import mmcv

    from rscovlm.apis import VLMInferencer
    inferencer = VLMInferencer(args.config, args.checkpoint, device=args.device,
                               cfg_options=args.cfg_options, batch_size=args.batch_size)
    os.makedirs(args.out_dir, exist_ok=True)
    for path, name in zip(files, output_names(files)):
        try:
            result = inferencer(path, task=args.task, question=args.question,
                                classes=args.classes, tile=args.tile, overlap=args.overlap,
                                return_vis=True, with_scores=args.scores,
                                max_new_tokens=args.max_new_tokens)
        except ValueError as e:  # an unreadable image, a task without its question ...
            print(f'error: {e}', file=sys.stderr)
            return 2
        pred = result['predictions'][0]
        print(report(pred))
        png, js = osp.join(args.out_dir, name + '.png'), osp.join(args.out_dir, name + '.json')
        if not mmcv.imwrite(result['visualization'][0], png):
            raise OSError(f'could not write {png}')
        with open(js, 'w') as f:
            json.dump(pred, f, indent=2)
        print(f'written: {png}, {js}\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
