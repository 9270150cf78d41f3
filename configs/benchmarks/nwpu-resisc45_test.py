# NWPU-RESISC45 scene classification (45 classes), test part of the seeded split written by
# tools/dataset_converters/scene_cls.py (10 % train, seed 0):
#   python tools/dataset_converters/scene_cls.py data/NWPU-RESISC45 --train-ratio 0.1 --seed 0 \
#       --out-dir data/NWPU-RESISC45/splits/tr10_seed0
#   <data_root>/splits/tr10_seed0/test.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/<class folder>/<image>  (paths in the JSON are relative to data_root)
# For zero-shot scoring on every image convert with --train-ratio 0 (only test.json).
# Override the location with --cfg-options data_root=/path/to/NWPU-RESISC45/
# Prompt (RSCoVLM cls_*; prompt 'cls', no space after the colon, trailing period), with the
# raw class folder names as upstream (eval/data/data_prepare/format_scene_cls.py):
#   "Classify the image within one of the given classes:airplane,airport,baseball_diamond,...."
# (a split converted with --readable-names lists "baseball diamond" instead, which does not
# compare with upstream's numbers).
# Deviation from upstream RSCoVLM's cls_resisc: upstream scores the images of an
# NWPU-Captions split, not a seeded 10 % split.
# Metric: contain-accuracy (%) (the class name, lower-cased, is a substring of the lower-cased
# answer: "baseball_diamond" scores, "baseball diamond" does not), per-class accuracy
# (cls/acc_baseball_diamond, ...) and their mean.
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
