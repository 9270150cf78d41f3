# The generated demo data: python tools/misc/generate_demo_data.py data/demo
# (4 classes, 112 px images, 16000 train / 200 test). Images stay at 112 x 112 (16 visual
# tokens after the 2x2 merge). Answers are polygons, as the DOTA configs; the demo leaves
# out the codec's long system prompt (the chat template's default stays), which makes a
# CPU step about 15 % cheaper without changing the task.
dataset_type = 'DemoDOTADataset'
data_root = 'data/demo/'
min_pixels = max_pixels = 112 * 112
codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)

train_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=min_pixels, max_pixels=max_pixels),
    dict(type='RenderDetTarget', codec=codec, prompt='det_train', system_prompt=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=min_pixels, max_pixels=max_pixels),
    dict(type='RenderDetTarget', codec=codec, prompt='det_eval', with_answer=False,
         system_prompt=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train/annfiles/',
        data_prefix=dict(img_path='train/images/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=50,
    num_workers=1,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test/annfiles/',
        data_prefix=dict(img_path='test/images/'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=codec)
test_evaluator = val_evaluator
