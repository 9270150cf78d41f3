# UCM-captions test split (five reference captions per image), caption JSON written by
# tools/dataset_converters/ucm_captions.py:
#   python tools/dataset_converters/ucm_captions.py data/UCM_captions/dataset.json \
#       --split test --out data/UCM_captions/ucm_caption_test.json
#   <data_root>/ucm_caption_test.json, <data_root>/imgs/1.tif ...
# Override the location with --cfg-options data_root=/path/to/UCM_captions/
# Prompt (RSCoVLM cap_ucm_caption; prompt 'caption'): "Describe the image"
# Metric: BLEU-1..4, METEOR, ROUGE-L, CIDEr (pycocoevalcap, PTB tokenizer, x100: the
# captioning literature / RSGPT table) and CIDEr_raw (lower-cased raw strings, no tokenizer:
# RSCoVLM's number). METEOR and PTB need Java; without it use
# metrics=('BLEU', 'ROUGE_L', 'CIDEr'), tokenizer=None.
# Pixels: the model's processor.
ucm_captions_test_pipeline = [
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
        data_root='data/UCM_captions/',
        ann_file='ucm_caption_test.json',
        data_prefix=dict(img_path='imgs/'),
        prompt='caption',
        test_mode=True,
        pipeline=ucm_captions_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CaptionMetric')
test_evaluator = val_evaluator
