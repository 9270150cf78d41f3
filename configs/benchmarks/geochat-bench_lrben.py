# GeoChat-Bench VQA, RSVQA-LRBEN (GeoChat's `lrben.jsonl`),
# in rscovlm's VQA JSON (docs/data_formats.md).
# Written by
#   python tools/dataset_converters/geochat_bench.py lrben data/GeoChat-Bench/lrben.jsonl \
#       --answers data/RSVQA/LR/LR_split_test_answers.json \
#       --out data/GeoChat-Bench/lrben_vqa.json
# (tools/dataset_converters/geochat_bench.md). Each record of lrben.jsonl has `image`,
# `text` (the question, a newline and GeoChat's answer instruction), `category` and
# `question_id`, but no answer: take it from RSVQA's answers file by `question_id`, as
# upstream (RSCoVLM's format_geochat.py) does. The converter writes
#   <data_root>/lrben_vqa.json, <data_root>/images/LRBEN/<image>
# with one {"image": <image>, "question": <the first line of `text`, stripped and
# lower-cased>, "answer": <the answer, lower-cased>, "type": <category>, "question_id"} per
# record (upstream lower-cases both).
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_lrben; prompt 'vqa'): "{question} Answer the question
# using a single word or a short phrase."
# Metric: contain-accuracy (%), overall and per question type (the records' `category`,
# RSVQA's presence, comp, rural_urban).
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
