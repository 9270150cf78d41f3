# RSIEval VQA in RSGPT's own format (<data_root>/annotations.json, <data_root>/images/).
# One sample per question (pairs with an empty question skipped, as RSGPT's test.py;
# question_id {filename}_{k}), the raw question as the prompt.
# Scores: accuracy (%) overall and per question type. RSGPT judged these open-ended answers
# by hand; contain-accuracy (the answer contains the normalised ground truth) is the
# automatic substitute, a deviation (as configs/benchmarks/rsieval_vqa.py): long ground
# truths ("There are seven planes in the image.") rarely match, so read the per-type
# numbers of yes/no and short answers. RSGPT's output file rsgpt_vqa.txt ([{"image_name",
# "qa_pairs": [{"question", "gt_answer", "pred_answer", "type"}]}]) is written into the
# run's log folder.
rsieval_test_pipeline = [
    dict(type='LoadImages'),
    dict(type='RenderConversation', with_answer=False),
    dict(type='ProcessInstructBlipInputs', processor=None, max_txt_len=160),
    dict(type='PackInstructBlipInputs'),
]
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.instructblip_collate', padding_side='left'),
    dataset=dict(
        type='RSIEvalVQADataset',
        data_root='data/RSIEval/',
        ann_file='annotations.json',
        data_prefix=dict(img_path='images/'),
        test_mode=True,
        pipeline=rsieval_test_pipeline))
val_evaluator = [
    dict(type='VQAMetric', rule='contain', per_type=True),
    dict(type='RSGPTOutputDump', task='vqa'),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
