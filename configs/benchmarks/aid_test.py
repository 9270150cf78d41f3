# AID scene classification (30 classes), test part of the seeded split written by
# tools/dataset_converters/scene_cls.py (20 % train, seed 0):
#   python tools/dataset_converters/scene_cls.py data/AID --train-ratio 0.2 --seed 0 \
#       --out-dir data/AID/splits/tr20_seed0
#   <data_root>/splits/tr20_seed0/test.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/<class folder>/<image>  (paths in the JSON are relative to data_root)
# For zero-shot scoring on every image convert with --train-ratio 0 (only test.json).
# Override the location with --cfg-options data_root=/path/to/AID/
# Prompt (RSCoVLM cls_*; prompt 'cls', no space after the colon, trailing period):
#   "Classify the image within one of the given classes:{class 1},{class 2},...,{class N}."
# Deviation from upstream RSCoVLM's cls_aid (eval/data/data_prepare/format_scene_cls.py):
# the class names are the converter's (BareLand -> bare land) where upstream prompts with
# the raw folder names (`Airport,BareLand,...`) and scores their lower-cased form; upstream's
# 20 % split is unseeded.
# Metric: contain-accuracy (%) (the normalised class name is a substring of the answer),
# per-class accuracy and their mean.
# Pixels: the model's processor.
aid_test_pipeline = [
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
        data_root='data/AID/',
        ann_file='splits/tr20_seed0/test.json',
        data_prefix=dict(img_path=''),
        prompt='cls',
        test_mode=True,
        pipeline=aid_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ClassificationMetric', rule='contain')
test_evaluator = val_evaluator
