# DOTA-v1.0 val at full size: the original images are split into 1024 px patches (gap 200,
# the ss_1024 preset of tools/dataset_converters/dota_split.py) while testing, no split on disk:
#   <data_root>/val/images/*.png     the original val images (P0003.png, 4000 x 4000 px and so)
#   <data_root>/val/labelTxt/*.txt   DOTA labelTxt (imagesource / gsd header lines skipped)
# Override the location with --cfg-options data_root=/path/to/DOTA/
# Each patch is one sample, img_id P0003__1024__0___824 (PatchSplitDataset: the image header
# gives the windows, LoadImages crops the window when the patch is loaded, pixel-identical
# to the converter's patches; see docs/large_images.md).
# Prompt (upstream eval, trailing period; prompt 'det_eval'): system = the polygon detection
# system prompt, user = "find the baseball diamond, basketball court, ..., tennis court."
# Metric: mAP_nc of the merged full images: the answers of the patches are shifted by the
# patch offset, merged per image and class with rotated NMS at IoU 0.1 (mmrotate's
# DOTAMetric / the RSCoVLM protocol) and scored against the full-image labelTxt (rotated
# IoU 0.5, VOC07 11-point AP, every box scores 1.0, difficult objects ignored: diff_thr=0).
# Also reported: merge/images, merge/patch_boxes (before NMS), merge/boxes (after).
# Pixels: as dota-v1.0_val1024.py (min 256*28*28, max 1296*28*28: 1024 px -> 1008 px).
dota_online1024_val_codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)
dota_online1024_val_pipeline = [
    dict(type='LoadImages'),  # crops the patch's window (record key 'crop')
    dict(type='SmartResize', min_pixels=256 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderDetTarget', codec=dota_online1024_val_codec, prompt='det_eval',
         with_answer=False),
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
        type='PatchSplitDataset',
        preset='ss_1024',  # or patch_size=..., gap=..., rates=[...]
        dataset=dict(
            type='DOTADataset',
            data_root='data/DOTA/',
            ann_file='val/labelTxt/',
            data_prefix=dict(img_path='val/images/'),
            test_mode=True,
            pipeline=dota_online1024_val_pipeline)))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=dota_online1024_val_codec, merge_patches=True,
    iou_thr=0.1)
test_evaluator = val_evaluator
