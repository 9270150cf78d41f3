# NWPU-RESISC45 scene classification (45 classes), test part of the seeded split written by
# tools/dataset_converters/scene_cls.py (10 % train, seed 0):
#   python tools/dataset_converters/scene_cls.py data/NWPU-RESISC45 --train-ratio 0.1 --seed 0 \
#       --out-dir data/NWPU-RESISC45/splits/tr10_seed0
#   <data_root>/splits/tr10_seed0/test.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/<class folder>/<image>  (paths in the JSON are relative to data_root)
# For zero-shot scoring on every image convert with --train-ratio 0 (only test.json).
# Override the location with --cfg-options data_root=/path/to/NWPU-RESISC45/
# Prompt (RSCoVLM cls_*; prompt 'cls', no space after the colon, trailing period):
#   "Classify the image within one of the given classes:{class 1},{class 2},...,{class N}."
# Deviations from upstream RSCoVLM's cls_resisc (eval/data/data_prepare/format_scene_cls.py):
# the class names are the converter's (baseball_diamond -> baseball diamond) where upstream
# prompts with, and scores, the raw folder names (`airplane,airport,baseball_diamond,...`),
# and upstream scores the images of an NWPU-Captions split, not a seeded 10 % split.
# Metric: contain-accuracy (%) (the normalised class name is a substring of the answer),
# per-class accuracy and their mean.
# Pixels: the model's processor.
nwpu_resisc45_test_pipeline = [
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
        data_root='data/NWPU-RESISC45/',
        ann_file='splits/tr10_seed0/test.json',
        data_prefix=dict(img_path=''),
        prompt='cls',
        test_mode=True,
        pipeline=nwpu_resisc45_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ClassificationMetric', rule='contain')
test_evaluator = val_evaluator
