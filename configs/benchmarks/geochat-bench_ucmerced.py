# GeoChat-Bench scene classification, UC Merced (GeoChat's `UCmerced.jsonl`), in rscovlm's
# classification JSON (docs/data_formats.md). No rscovlm converter reads GeoChat-Bench yet:
# write each record of UCmerced.jsonl as {"image": <image_id>, "label": <ground truth>} and list the
# classes in the order of the records' `classes` string:
#   <data_root>/ucmerced_cls.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/images/UCMerced/<image_id>   (UC Merced images, which GeoChat-Bench does not ship)
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_ucmerced, no trailing period):
#   "Classify the image within one of the given classes:{classes}", classes joined by ','
#   (upstream pastes the record's own `classes` string there).
# Metric: contain-accuracy (%): the normalised class name is a substring of the answer.
# Pixels: the model's processor.
geochat_ucmerced_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderConversation', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(
        type='ClassificationDataset',
        data_root='data/GeoChat-Bench/',
        ann_file='ucmerced_cls.json',
        data_prefix=dict(img_path='images/UCMerced/'),
        prompt='Classify the image within one of the given classes:{classes}',
        test_mode=True,
        pipeline=geochat_ucmerced_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ClassificationMetric', rule='contain')
test_evaluator = val_evaluator
