# DOTA-v1.0 test submission at full size (test images only, no labels), split into 1024 px
# patches (gap 200, the ss_1024 preset) while testing, no split on disk:
#   <data_root>/test/images/*.png    the original test images (P0006.png, ...)
# Override the location with --cfg-options data_root=/path/to/DOTA/
# Each patch is one sample, img_id P0006__1024__0___824 (PatchSplitDataset; see
# docs/large_images.md).
# Prompt (upstream eval, trailing period; prompt 'det_eval'): system = the polygon detection
# system prompt, user = "find the baseball diamond, basketball court, ..., tennis court."
# Metric: none computed here (format_only). The answers of the patches are shifted by the
# patch offset, merged per image and class with rotated NMS at IoU 0.1 (mmrotate's
# DOTAMetric) and written as DOTA Task1 files, every score 1.0 (so the server's mAP is
# mAP_nc): work_dirs/dota-v1.0_test_online-split1024_submission/Task1/
#   Task1_<class>.txt  lines "P0006 1.0 x1 y1 x2 y2 x3 y3 x4 y4" (full-image pixels)
#   Task1.zip          the 15 files; upload it to the DOTA server (Task1, oriented boxes)
# If that folder exists, the files go to a fresh <...>/<timestamp>/Task1/ (logged).
# Pixels: as dota-v1.0_val1024.py (min 256*28*28, max 1296*28*28: 1024 px -> 1008 px).
dota_online1024_test_codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)
dota_online1024_test_pipeline = [
    dict(type='LoadImages'),  # crops the patch's window (record key 'crop')
    dict(type='SmartResize', min_pixels=256 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderDetTarget', codec=dota_online1024_test_codec, prompt='det_eval',
         with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(
        type='PatchSplitDataset',
        preset='ss_1024',
        patch_instances=False,  # test images have no labels
        dataset=dict(
            type='DOTADataset',
            data_root='data/DOTA/',
            ann_file='',  # test images without annotations
            data_prefix=dict(img_path='test/images/'),
            test_mode=True,
            pipeline=dota_online1024_test_pipeline)))
val_dataloader = test_dataloader
test_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=dota_online1024_test_codec, format_only=True,
    merge_patches=True, iou_thr=0.1,
    outfile_prefix='work_dirs/dota-v1.0_test_online-split1024_submission/Task1')
val_evaluator = test_evaluator
