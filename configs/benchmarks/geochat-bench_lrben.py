# GeoChat-Bench VQA, RSVQA-LRBEN (GeoChat's `lrben.jsonl`),
# in rscovlm's VQA JSON (docs/data_formats.md).
# No rscovlm converter reads GeoChat-Bench yet: turn each record of lrben.jsonl into
# {"image": <image_id>, "question": <question, verbatim>,
#  "answer": <ground truth>, "type": <question type>, "question_id"}:
#   <data_root>/lrben_vqa.json, <data_root>/images/LRBEN/<image_id>
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_lrben; prompt 'vqa'): "{question} Answer the question using a single
# word or a short phrase."
# Metric: contain-accuracy (%), overall and per question type (presence, comparison, rural/urban).
# Pixels: the model's processor.
geochat_lrben_pipeline = [
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
        ann_file='lrben_vqa.json',
        data_prefix=dict(img_path='images/LRBEN/'),
        prompt='vqa',
        test_mode=True,
        pipeline=geochat_lrben_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VQAMetric', rule='contain', per_type=True)
test_evaluator = val_evaluator
