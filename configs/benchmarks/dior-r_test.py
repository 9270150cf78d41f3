# DIOR-R test (11,738 images, 800 px, 20 classes) as COCO instances with polygons, written by
# tools/dataset_converters/dior_r.py (see dior_r.md):
#   python tools/dataset_converters/dior_r.py data/DIOR --split test \
#       --out data/DIOR/Annotations/test.json
#   <data_root>/Annotations/test.json, <data_root>/JPEGImages-test/*.jpg
# Override the location with --cfg-options data_root=/path/to/DIOR/
# Prompt (upstream eval prompt 'det_eval', trailing period): system = the polygon detection
# system prompt, user = "find the airplane, airport, baseballfield, ..., windmill." (the 20
# classes of the file's categories, '-' read as a space, sorted as RSCoVLM writes them).
# Metric: mAP_nc (every box scores 1.0), rotated IoU 0.5, VOC07 11-point AP (mmrotate's
# DOTAMetric); no object is ignored (mmrotate's DIOR protocol does not use <difficult>).
# Pixels: the model's processor (800 px stays 812 px under RSCoVLM's 1296*28*28 maximum).
dior_r_test_codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)
dior_r_test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderDetTarget', codec=dior_r_test_codec, prompt='det_eval', with_answer=False),
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
        type='CocoDetDataset',
        data_root='data/DIOR/',
        ann_file='Annotations/test.json',
        data_prefix=dict(img_path='JPEGImages-test/'),
        test_mode=True,
        pipeline=dior_r_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=dior_r_test_codec)
test_evaluator = val_evaluator
