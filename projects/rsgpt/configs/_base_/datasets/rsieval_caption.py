# RSIEval captioning in RSGPT's own format: <data_root>/annotations.json ({"annotations":
# [{"filename", "caption", "qa_pairs"}]}) and <data_root>/images/P1384_0054.png ...
# One sample per image (file-name order), the fixed prompt "Please provide a detailed
# description of the picture.", the image's caption as the one reference.
# Scores: BLEU-1..4, METEOR, ROUGE-L, CIDEr (pycocoevalcap, PTB tokenizer, x100; METEOR and
# PTB need Java); RSGPT's output file rsgpt_caption.txt ([{"image_name", "user_message",
# "output_caption"}]) is written into the run's log folder.
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
        type='RSIEvalCaptionDataset',
        data_root='data/RSIEval/',
        ann_file='annotations.json',
        data_prefix=dict(img_path='images/'),
        test_mode=True,
        pipeline=rsieval_test_pipeline))
val_evaluator = [
    dict(type='CaptionMetric'),
    dict(type='RSGPTOutputDump', task='caption'),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
