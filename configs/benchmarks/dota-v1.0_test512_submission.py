# DOTA-v1.0 test submission (test images only, no labels), 512 px patches (gap 200):
#   python tools/dataset_converters/dota_split.py --preset ss_512 --nproc 8 \
#       --img-dirs data/DOTA/test/images --out-dir data/split_ss_dota_512/test
#   <data_root>/test/images/*.png    patches named P0006__512__0___0.png (no annfiles/)
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_512/
# Prompt (upstream eval, trailing period; prompt 'det_eval'): system = the polygon detection
# system prompt, user = "find the baseball diamond, basketball court, ..., tennis court."
# Metric: none computed here. RotatedDetMetric passes format_only / merge_patches /
# outfile_prefix to mmrotate's DOTAMetric: patch answers are shifted by the patch offset in
# their name, merged per original image with rotated NMS (iou 0.1), and written as DOTA
# Task1 files (every score 1.0, so the server's mAP is mAP_nc):
# work_dirs/dota-v1.0_test512_submission/Task1/{Task1_<class>.txt, Task1.zip} (upload the zip
# to the DOTA server); lines "P0006 1.0 x1 y1 ... x4 y4" in full-image pixels. If that folder
# exists (mmrotate does not write into one), the files go to a fresh <...>/<timestamp>/Task1/
# (logged). Without splitting on disk: dota-v1.0_test_online-split1024_submission.py.
# Pixels: as dota-v1.0_val.py (min 256*28*28, max 1296*28*28: 512 px -> 504 px).
dota512_test_codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)
dota512_test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=256 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderDetTarget', codec=dota512_test_codec, prompt='det_eval', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(
        type='DOTADataset',
        data_root='data/split_ss_dota_512/',
        ann_file='',  # test images without annotations
        data_prefix=dict(img_path='test/images/'),
        test_mode=True,
        pipeline=dota512_test_pipeline))
val_dataloader = test_dataloader
test_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=dota512_test_codec, format_only=True, merge_patches=True,
    outfile_prefix='work_dirs/dota-v1.0_test512_submission/Task1')
val_evaluator = test_evaluator
