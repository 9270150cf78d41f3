# DOTA-v1.0 val, split into 1024 px patches (gap 200) by tools/dataset_converters/dota_split.py:
#   python tools/dataset_converters/dota_split.py --preset ss_1024 --nproc 8 \
#       --img-dirs data/DOTA/val/images --ann-dirs data/DOTA/val/labelTxt \
#       --out-dir data/split_ss_dota_1024/val
#   <data_root>/val/annfiles/*.txt   DOTA labelTxt (x1 y1 ... x4 y4 class difficulty)
#   <data_root>/val/images/*.png     patches named P0003__1024__0___0.png
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_1024/
# Prompt (upstream eval, trailing period; prompt 'det_eval'): system = the polygon detection
# system prompt, user = "find the baseball diamond, basketball court, ..., tennis court."
# Metric: mAP_nc (every box scores 1.0), rotated IoU 0.5, VOC07 11-point AP through mmrotate's
# DOTAMetric; difficult objects ignored (diff_thr=0), as dota-v1.0_val.py.
# Pixels: RSCoVLM's detection recipe, as dota-v1.0_val.py (min 256*28*28, max 1296*28*28:
# a 1024 px patch becomes 1008 px).
dota1024_val_codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)
dota1024_val_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=256 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderDetTarget', codec=dota1024_val_codec, prompt='det_eval', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(
        type='DOTADataset',
        data_root='data/split_ss_dota_1024/',
        ann_file='val/annfiles/',
        data_prefix=dict(img_path='val/images/'),
        test_mode=True,
        pipeline=dota1024_val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=dota1024_val_codec)
test_evaluator = val_evaluator
