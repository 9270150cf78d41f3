# RSIEval captioning (RSGPT; 100 DOTA crops, one human-written reference caption each),
# caption JSON written by tools/dataset_converters/rsgpt.py:
#   python tools/dataset_converters/rsgpt.py rsieval data/RSIEval/annotations.json \
#       --caption-out data/RSIEval/rsieval_caption.json --vqa-out data/RSIEval/rsieval_vqa.json
#   <data_root>/rsieval_caption.json, <data_root>/images/P1384_0054.png ...
# Override the location with --cfg-options data_root=/path/to/RSIEval/
# Prompt (RSGPT test.py, fixed; prompt 'caption_detailed'):
#   "Please provide a detailed description of the picture."
# Metric: BLEU-1..4, METEOR, ROUGE-L, CIDEr (pycocoevalcap with the PTB tokenizer, x100) as
# RSGPT, plus CIDEr_raw. METEOR and PTB need Java; without it use
# metrics=('BLEU', 'ROUGE_L', 'CIDEr'), tokenizer=None. (RSGPT also rated captions by hand.)
# Pixels: the model's processor.
rsieval_caption_pipeline = [
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
        type='CaptionDataset',
        data_root='data/RSIEval/',
        ann_file='rsieval_caption.json',
        data_prefix=dict(img_path='images/'),
        prompt='caption_detailed',
        test_mode=True,
        pipeline=rsieval_caption_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CaptionMetric')
test_evaluator = val_evaluator
