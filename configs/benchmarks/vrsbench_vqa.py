# VRSBench VQA (val images), VQA JSON written by tools/dataset_converters/vrsbench.py:
#   python tools/dataset_converters/vrsbench.py vqa data/VRSBench/VRSBench_EVAL_vqa.json \
#       --out data/VRSBench/vrsbench_vqa_test.json
#   <data_root>/vrsbench_vqa_test.json, <data_root>/Images_val/*.png
# Override the location with --cfg-options data_root=/path/to/VRSBench/
# Prompt (upstream; prompt 'vqa'): "{question} Answer the question using a single word or a
# short phrase."
# Metric: contain-accuracy (%) (the normalised answer contains the normalised ground truth),
# overall and per question type (acc_<type>, mean_type_acc).
# Pixels: the model's processor.
vrsbench_vqa_pipeline = [
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
        data_root='data/VRSBench/',
        ann_file='vrsbench_vqa_test.json',
        data_prefix=dict(img_path='Images_val/'),
        prompt='vqa',
        test_mode=True,
        pipeline=vrsbench_vqa_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VQAMetric', rule='contain', per_type=True)
test_evaluator = val_evaluator
