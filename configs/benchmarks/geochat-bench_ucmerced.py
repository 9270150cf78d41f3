# GeoChat-Bench scene classification, UC Merced (GeoChat's `UCmerced.jsonl`), in rscovlm's
# classification JSON (docs/data_formats.md), written by
#   python tools/dataset_converters/geochat_bench.py ucmerced data/GeoChat-Bench/UCmerced.jsonl \
#       --out data/GeoChat-Bench/ucmerced_cls.json
# (tools/dataset_converters/geochat_bench.md).
# Each record of UCmerced.jsonl has `image`, `ground_truth` and `text`, which holds
# "Classes: <the class list>" up to the end of a line; upstream (RSCoVLM's
# format_geochat.py) keeps that list, stripped and lower-cased, as the record's `classes`
# string and lower-cases the ground truth. The converter writes
#   <data_root>/ucmerced_cls.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/images/UCMerced/<image>   (UC Merced images, which GeoChat-Bench does not ship)
# with "classes" = that `classes` string split on ',' and each piece kept exactly as written,
# spaces included (e.g. ["airport", " bare land", " beach"] for "airport, bare land, beach"),
# so that ','.join(classes) gives the string back verbatim, and "label" = the piece that
# equals the lower-cased ground truth once stripped (' bare land').
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_ucmerced, no trailing period):
#   "Classify the image within one of the given classes:" + the record's `classes` string.
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
