"""Draw ground truth (green) and parsed predictions (red) on the test images.

    python tools/analysis_tools/visualize_predictions.py CONFIG PREDICTIONS OUT_DIR \
        [--num 20] [--scale 4] [--cfg-options data_root=...]

PREDICTIONS is a ``tools/test.py --out`` file; its detection answers are drawn (a
co-training test set's other tasks are skipped). Each PNG shows the image upscaled by
``--scale``, the ground-truth polygons in green (ignored objects as corner dots), the
boxes parsed from the model's answer in red, and the answer text under the image.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.config import DictAction
from mmengine.registry import init_default_scope

from rscovlm.codecs import normalize_class_name
from rscovlm.evaluation import load_predictions
from rscovlm.registry import CODECS
from rscovlm.utils import build_gt_dataset, load_config
from rscovlm.visualization import draw_polygons, render_text


def parse_args():
    parser = argparse.ArgumentParser(description='Visualize predictions against ground truth')
    parser.add_argument('config', help='config whose test set and codec produced the predictions')
    parser.add_argument('predictions', help='predictions file (.jsonl) from tools/test.py --out')
    parser.add_argument('out_dir', help='where to write the PNGs')
    parser.add_argument('--num', type=int, default=20, help='how many images')
    parser.add_argument('--scale', type=float, default=4.0, help='upscaling factor')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    return parser.parse_args()


def main():
    args = parse_args()
    init_default_scope('rscovlm')
    cfg = load_config(args.config, args.cfg_options)
    dataset = build_gt_dataset(cfg)
    # the detection records of the test set (a co-training test set holds other tasks'
    # records of the same images too)
    records = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if info.get('task', 'det') == 'det':
            records[info['img_id']] = info
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
        else [cfg.test_evaluator]
    codec_cfg = next((e['codec'] for e in evaluators if e.get('codec')), dict(type='QBoxCodec'))
    codec = CODECS.build(codec_cfg)
    classes = dataset.metainfo.get('classes')
    if classes is None:  # a mixture: the detection source's classes
        sources = getattr(dataset, 'datasets', [])
        sources = sources.values() if isinstance(sources, dict) else sources
        classes = next((d.metainfo['classes'] for d in sources
                        if d.metainfo.get('classes') and getattr(d, 'task', 'det') == 'det'), None)
    if classes is None:
        raise SystemExit(f'{args.config}: its test set has no detection classes to draw')
    classes = [normalize_class_name(c) for c in classes]
    os.makedirs(args.out_dir, exist_ok=True)

    preds = [p for p in load_predictions(args.predictions)
             if p.get('task', 'det') == 'det'][:args.num]
    for pred in preds:
        record = records.get(pred['img_id'])
        if record is None:
            raise KeyError(f"{args.predictions}: img_id {pred['img_id']!r} is not in the "
                           'config\'s test set')
        img = cv2.imread(record['img_path'])
        ori_h, ori_w = img.shape[:2]
        img_h, img_w = pred.get('img_shape') or (ori_h, ori_w)
        parsed = codec.decode(pred['pred_text'], classes, scale=(ori_w / img_w, ori_h / img_h))
        canvas = cv2.resize(img, None, fx=args.scale, fy=args.scale,
                            interpolation=cv2.INTER_NEAREST)
        instances = record['instances']
        draw_polygons(canvas, [i['bbox'] for i in instances],
                      [classes[i['bbox_label']] for i in instances], (0, 200, 0),
                      args.scale, 2, dashed=[bool(i['ignore_flag']) for i in instances])
        draw_polygons(canvas, parsed.qboxes, [classes[l] for l in parsed.labels],
                      (0, 0, 255), args.scale, 1)
        text = render_text(['answer:'] + pred['pred_text'].splitlines(), canvas.shape[1])
        cv2.imwrite(osp.join(args.out_dir, f"{pred['img_id']}.png"),
                    np.concatenate([canvas, text], axis=0))
    print(f'wrote {len(preds)} images to {args.out_dir}')


if __name__ == '__main__':
    main()
