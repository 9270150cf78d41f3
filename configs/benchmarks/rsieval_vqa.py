# RSIEval VQA (RSGPT; open-ended questions on 100 DOTA crops, 10 question types), VQA JSON
# written by tools/dataset_converters/rsgpt.py (pairs with an empty question skipped):
#   python tools/dataset_converters/rsgpt.py rsieval data/RSIEval/annotations.json \
#       --caption-out data/RSIEval/rsieval_caption.json --vqa-out data/RSIEval/rsieval_vqa.json
#   <data_root>/rsieval_vqa.json, <data_root>/images/P1384_0054.png ...
# Override the location with --cfg-options data_root=/path/to/RSIEval/
# Prompt (RSGPT test.py; prompt 'vqa_raw'): the raw question, nothing appended.
# Metric: accuracy (%) overall and per type (presence, quantity, color, ab_position,
# re_position, area_comp, road_ori, image, scene, reasoning). RSGPT judged these open-ended
# answers by hand; contain-accuracy (the answer contains the normalised ground truth) is the
# automatic substitute here, a deviation: long ground truths ("There are seven planes in the
# image.") rarely match, so read the per-type numbers of yes/no and short answers.
# Pixels: the model's processor.
rsieval_vqa_pipeline = [
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
        data_root='data/RSIEval/',
        ann_file='rsieval_vqa.json',
        data_prefix=dict(img_path='images/'),
        prompt='vqa_raw',
        test_mode=True,
        pipeline=rsieval_vqa_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VQAMetric', rule='contain', per_type=True)
test_evaluator = val_evaluator
