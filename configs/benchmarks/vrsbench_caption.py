# VRSBench captioning (val images), caption JSON written by tools/dataset_converters/vrsbench.py:
#   python tools/dataset_converters/vrsbench.py caption data/VRSBench/VRSBench_EVAL_Cap.json \
#       --out data/VRSBench/vrsbench_caption_test.json
#   <data_root>/vrsbench_caption_test.json, <data_root>/Images_val/*.png
# Override the location with --cfg-options data_root=/path/to/VRSBench/
# Prompt: "Describe the image in detail" (no trailing period). Upstream asks each record's
# own `question` from VRSBench_EVAL_Cap.json, which the converter does not keep; VRSBench
# writes that same question for every image (lx709/VRSBench prepare_eval_all.ipynb), so it
# is fixed here.
# Metric: one reference per image. CaptionMetric with the PTB tokenizer (BLEU-1..4, METEOR,
# ROUGE-L, CIDEr: VRSBench's official scores) plus CIDEr_raw (lower-cased raw strings, no
# tokenizer: the number RSCoVLM reports). METEOR and PTB need Java; without it use
# metrics=('BLEU', 'ROUGE_L', 'CIDEr'), tokenizer=None.
# Pixels: the model's processor.
vrsbench_caption_pipeline = [
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
        data_root='data/VRSBench/',
        ann_file='vrsbench_caption_test.json',
        data_prefix=dict(img_path='Images_val/'),
        prompt='Describe the image in detail',
        test_mode=True,
        pipeline=vrsbench_caption_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CaptionMetric', raw_cider=True)
test_evaluator = val_evaluator
