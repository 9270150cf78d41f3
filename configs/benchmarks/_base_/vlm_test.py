# What every benchmark overlay shares: the test loader (in order, no sample dropped, left
# padding for generation) and the default test pipeline, which asks the record's own
# question (classification, VQA, captioning: RenderConversation). Pixels: the model's
# processor (processor=None is filled from the model config by complete_config).
#
# A leaf says where its data is with the top-level `data_root` and merges the rest into
# the dataset:
#   _base_ = ['./_base_/vqa.py']
#   data_root = 'data/VRSBench/'
#   test_dataloader = dict(dataset=dict(data_root=data_root, ann_file='vqa.json', ...))
#   val_dataloader = test_dataloader
# mmengine evaluates each file on its own, so a dict of a base never sees a variable a
# child sets: every file that changes test_dataloader / test_evaluator writes the change
# (`data_root=data_root`, `pipeline=test_pipeline`) itself and repeats
# `val_dataloader = test_dataloader` (val_evaluator likewise), so that validation during
# training sees the same set. The tools' `--cfg-options data_root=...` reaches every
# dataset of the overlay (rscovlm.utils.set_data_root).
test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderConversation', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(test_mode=True, pipeline=test_pipeline))
val_dataloader = test_dataloader
