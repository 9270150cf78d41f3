# AID scene classification (30 classes), test part of the seeded split written by
# tools/dataset_converters/scene_cls.py (20 % train, seed 0):
#   python tools/dataset_converters/scene_cls.py data/AID --train-ratio 0.2 --seed 0 \
#       --out-dir data/AID/splits/tr20_seed0
#   <data_root>/splits/tr20_seed0/test.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/<class folder>/<image>  (paths in the JSON are relative to data_root)
# For zero-shot scoring on every image convert with --train-ratio 0 (only test.json).
# Override the location with --cfg-options data_root=/path/to/AID/
# Prompt (RSCoVLM cls_*; prompt 'cls', no space after the colon, trailing period), with the
# raw class folder names as upstream (eval/data/data_prepare/format_scene_cls.py):
#   "Classify the image within one of the given classes:Airport,BareLand,...,Viaduct."
# (a split converted with --readable-names lists "airport,bare land,..." instead, which does
# not compare with upstream's numbers).
# Deviation from upstream RSCoVLM's cls_aid: upstream's 20 % split is unseeded.
# Metric: contain-accuracy (%) (the class name, lower-cased, is a substring of the lower-cased
# answer: "BareLand" / "bareland" score, "bare land" does not), per-class accuracy
# (cls/acc_bareland, ...) and their mean.
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
