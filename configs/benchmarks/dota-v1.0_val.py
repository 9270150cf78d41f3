# DOTA-v1.0 val, split into patches by mmrotate's img_split tool (512 px, gap 200):
#   <data_root>/val/annfiles/*.txt   DOTA labelTxt (x1 y1 ... x4 y4 class difficulty)
#   <data_root>/val/images/*.png     patches named P0003__512__0___0.png
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_512/
# Prompt (upstream eval, note the trailing period): system = the polygon detection system
# prompt, user = "find the baseball diamond, basketball court, ..., tennis court."
# Metric: mAP_nc as the RSCoVLM paper: every parsed box scores 1.0, rotated IoU 0.5,
# VOC07 11-point AP, through mmrotate's DOTAMetric. Difficult objects are ignored
# (diff_thr=0, DOTA's protocol); upstream's own val kept them (diff_thr=100).
dataset_type = 'DOTADataset'
data_root = 'data/split_ss_dota_512/'
# Upstream RSCoVLM det recipe: min 256*28*28, max 1296*28*28 pixels (512 px patches -> 504 px).
min_pixels = 256 * 28 * 28
max_pixels = 1296 * 28 * 28
codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)

test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=min_pixels, max_pixels=max_pixels),
    dict(type='RenderDetTarget', codec=codec, prompt='det_eval', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val/annfiles/',
        data_prefix=dict(img_path='val/images/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=codec)
test_evaluator = val_evaluator
