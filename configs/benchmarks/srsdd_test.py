# SRSDD (SAR ship detection, 6 classes) test split as COCO instances with polygons
# (docs/data_formats.md), the layout LMMRotate uses:
#   <data_root>/test.json, <data_root>/test/images/*
# No rscovlm converter writes SRSDD yet: use LMMRotate's test.json, or convert SRSDD's DOTA
# labelTxt into COCO instances (segmentation = the 4 corners) with these category names.
# Override the location with --cfg-options data_root=/path/to/SRSDD/
# Classes (LMMRotate, B9): Cell-Container, Container, Dredger, Fishing, LawEnforce, ore-oil;
# a category of the file with another name is skipped, so the names must match.
# Prompt (prompt 'det_eval', trailing period): system = the polygon detection system prompt,
# user = "find the cell container, container, dredger, fishing, lawenforce, ore oil."
# Metric: mAP_nc (every box scores 1.0), rotated IoU 0.5, VOC07 11-point AP (DOTAMetric);
# LMMRotate's conventional-detector baselines on SRSDD used RotatedCocoMetric bbox_mAP_50
# instead. Pixels: the model's processor.
srsdd_test_codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)
srsdd_test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderDetTarget', codec=srsdd_test_codec, prompt='det_eval', with_answer=False),
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
        data_root='data/SRSDD/',
        ann_file='test.json',
        data_prefix=dict(img_path='test/images/'),
        metainfo=dict(classes=('Cell-Container', 'Container', 'Dredger', 'Fishing',
                               'LawEnforce', 'ore-oil')),
        test_mode=True,
        pipeline=srsdd_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=srsdd_test_codec)
test_evaluator = val_evaluator
