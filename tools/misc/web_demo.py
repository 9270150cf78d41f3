"""A web page to ask a model about an uploaded image (Gradio).

    pip install -r requirements/optional.txt
    python tools/misc/web_demo.py CONFIG [CHECKPOINT] [--port 7860] [--host 127.0.0.1]

Upload an image, choose the task, type a question or class names and press "Run": the
page shows the boxes drawn on the image, the answer text and a table of the boxes
(original-image pixels). Detection on images larger than ``--tile`` px (1024) runs on
overlapping windows merged as the large-image evaluation merges them. Everything goes
through ``rscovlm.apis.VLMInferencer``, the API of ``tools/infer.py``.

The page listens on 127.0.0.1 (this machine only) unless ``--host`` says otherwise
(``0.0.0.0``: every interface), makes no public share link and serves no file of this
machine: the only file it reads is the one uploaded, which must be an image of at most
``--max-mb`` MB (50) and ``--max-side`` px (20000) per side.
"""
import argparse
import math
import os
import os.path as osp
import sys

# no usage statistics sent from a local demo
os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')

import mmcv  # noqa: E402
import numpy as np  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from rscovlm.apis import TASKS, ImageReadError, read_image_header  # noqa: E402
from rscovlm.visualization.instances import draw_prediction  # noqa: E402

#: the upload limits (see --max-mb, --max-side)
MAX_MB, MAX_SIDE = 50, 20000
DEFAULT_TILE, DEFAULT_OVERLAP = 1024, 200
TABLE_HEADERS = ['#', 'class', 'score', 'cx', 'cy', 'w', 'h', 'angle (deg)']
TASK_HELP = {
    'det': 'boxes of the classes (comma-separated; empty: the config\'s)',
    'grounding': 'the box of the object the question describes',
    'caption': 'a description of the image',
    'vqa': 'a short answer to the question',
    'cls': 'one of the classes (comma-separated; empty: the config\'s)',
    'chat': 'the question asked as typed',
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='rscovlm web demo (Gradio)')
    parser.add_argument('paths', nargs='+', metavar='CONFIG [CHECKPOINT]',
                        help='the model config and, optionally, its checkpoint')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (127.0.0.1: this machine only)')
    parser.add_argument('--port', type=int, default=7860, help='port (7860)')
    parser.add_argument('--device', help='cuda, cpu, ... (default: cuda when available)')
    parser.add_argument('--tile', type=int, default=DEFAULT_TILE,
                        help='detection on images larger than this many px runs on '
                        'windows of this size (1024; 0: never)')
    parser.add_argument('--overlap', type=int, default=DEFAULT_OVERLAP,
                        help='overlap of the windows in px (200)')
    parser.add_argument('--max-mb', type=float, default=MAX_MB,
                        help='largest upload in MB (50)')
    parser.add_argument('--max-side', type=int, default=MAX_SIDE,
                        help='largest image side in px (20000)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.generation_cfg.'
                        'max_new_tokens=512')
    args = parser.parse_args(argv)
    if len(args.paths) > 2:
        parser.error('give CONFIG [CHECKPOINT]')
    args.config = args.paths[0]
    args.checkpoint = args.paths[1] if len(args.paths) == 2 else None
    return args


def check_upload(path, max_mb: float = MAX_MB, max_side: int = MAX_SIDE) -> str:
    """The uploaded file's path when it is an image within the limits, else
    ``ValueError`` with the reason (shown on the page)."""
    if not path:
        raise ValueError('upload an image first')
    path = str(path)
    size_mb = osp.getsize(path) / 2**20
    if size_mb > max_mb:
        raise ValueError(f'the upload is {size_mb:.1f} MB; this demo takes images of at most '
                         f'{max_mb:g} MB')
    try:
        width, height = read_image_header(path)
    except ImageReadError:
        raise ValueError(f'{osp.basename(path)} is not an image (PNG, JPEG, TIFF, ...)') \
            from None
    if max(width, height) > max_side:
        raise ValueError(f'the image is {width} x {height} px; this demo takes at most '
                         f'{max_side} px per side')
    return path


def box_table(pred: dict) -> list:
    """The rows of the box table of one prediction."""
    inst = pred.get('instances') or {}
    scores = inst.get('scores')
    rows = []
    for k, (box, name) in enumerate(zip(inst.get('bboxes', []), inst.get('label_names', []))):
        cx, cy, w, h, theta = box
        rows.append([k, name or '?', '-' if scores is None else round(scores[k], 2),
                     round(cx, 1), round(cy, 1), round(w, 1), round(h, 1),
                     round(math.degrees(theta), 1)])
    return rows


def make_answer_fn(inferencer, tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP,
                   max_mb: float = MAX_MB, max_side: int = MAX_SIDE):
    """The page's callback: ``(upload path, task, question, classes text) -> (RGB
    picture, answer text, box rows)``; a bad input raises ``ValueError``."""

    def answer(path, task, question, classes):
        path = check_upload(path, max_mb, max_side)
        classes = [c.strip() for c in (classes or '').split(',') if c.strip()] or None
        result = inferencer(
            path, task=task,
            question=(question or None) if task in ('grounding', 'vqa', 'chat') else None,
            classes=classes if task in ('det', 'cls') else None,
            tile=tile if task == 'det' else None, overlap=overlap, show_progress=False)
        pred = result['predictions'][0]
        # the boxes only: the page shows the answer beside the picture
        drawn = draw_prediction(mmcv.imread(path, 'color'), pred, with_text=False)
        picture = np.ascontiguousarray(drawn[..., ::-1])
        return picture, pred['answer'], box_table(pred)

    return answer


def build_demo(inferencer, **limits):
    """The Gradio page over ``inferencer`` (``limits``: see :func:`make_answer_fn`)."""
    import gradio as gr
    answer = make_answer_fn(inferencer, **limits)

    def run(path, task, question, classes):
        try:
            return answer(path, task, question, classes)
        except ValueError as e:
            raise gr.Error(str(e)) from None

    with gr.Blocks(title='rscovlm demo') as demo:
        gr.Markdown('## rscovlm: ask a model about an image\n'
                    'Upload an image, choose a task, press **Run**. ' + '; '.join(
                        f'**{t}**: {h}' for t, h in TASK_HELP.items()) + '.')
        with gr.Row():
            with gr.Column(scale=2):
                upload = gr.File(label='image', file_types=['image'], type='filepath',
                                 elem_id='upload')
                task = gr.Radio(list(TASKS), value='det', label='task', elem_id='task')
                question = gr.Textbox(label='question (grounding, vqa, chat)',
                                      elem_id='question')
                classes = gr.Textbox(label='classes (det, cls; comma-separated)',
                                     elem_id='classes')
                button = gr.Button('Run', variant='primary', elem_id='run')
                text = gr.Textbox(label='answer', lines=4, max_lines=10, interactive=False,
                                  elem_id='answer')
            with gr.Column(scale=3):
                picture = gr.Image(label='result', type='numpy', interactive=False,
                                   elem_id='picture')
                table = gr.Dataframe(headers=TABLE_HEADERS,
                                     label='boxes (original-image pixels)',
                                     interactive=False, elem_id='boxes')
        button.click(run, [upload, task, question, classes], [picture, text, table])
    return demo


def main(argv=None):
    args = parse_args(argv)
    from rscovlm.apis import VLMInferencer
    inferencer = VLMInferencer(args.config, args.checkpoint, device=args.device,
                               cfg_options=args.cfg_options)
    demo = build_demo(inferencer, tile=args.tile, overlap=args.overlap,
                      max_mb=args.max_mb, max_side=args.max_side)
    demo.queue(default_concurrency_limit=1)  # one generation at a time
    demo.launch(server_name=args.host, server_port=args.port, share=False,
                allowed_paths=None, max_file_size=f'{args.max_mb:g}mb', ssr_mode=False,
                show_error=True, inbrowser=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
