# GeoChat-Bench VQA, RSVQA-HRBEN (GeoChat's `hrben.jsonl`),
# in rscovlm's VQA JSON (docs/data_formats.md).
# No rscovlm converter reads GeoChat-Bench yet: turn each record of hrben.jsonl into
# {"image": <image_id>, "question": <question, verbatim>,
#  "answer": <ground truth>, "type": <question type>, "question_id"}:
#   <data_root>/hrben_vqa.json, <data_root>/images/HRBEN/<image_id>
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_hrben; prompt 'vqa'): "{question} Answer the question using a single
# word or a short phrase."
# Metric: contain-accuracy (%), overall and per question type (presence, comparison).
# Pixels: the model's processor.
geochat_hrben_pipeline = [
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
        type='VQADataset',
        data_root='data/GeoChat-Bench/',
        ann_file='hrben_vqa.json',
        data_prefix=dict(img_path='images/HRBEN/'),
        prompt='vqa',
        test_mode=True,
        pipeline=geochat_hrben_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VQAMetric', rule='contain', per_type=True)
test_evaluator = val_evaluator
