# The tiny random-init Qwen2.5-VL on the demo data exported as RSICap / RSIEval
# (projects/rsgpt/tools/demo_to_rsgpt.py, then through tools/dataset_converters/rsgpt.py as
# with the real data): the Qwen2.5-VL counterpart of
# projects/rsgpt/configs/instructblip-tiny_full_1xb16-1k_demo-rsicap.py, with the same
# images, captions, schedule (AdamW 2e-3, 100 warm-up iterations, cosine), batch and
# length; RSGPT's fixed caption prompt; tested on the demo's RSIEval captions.
#   python tools/misc/generate_demo_data.py data/demo
#   python projects/rsgpt/tools/demo_to_rsgpt.py data/demo
#   python tools/train.py configs/rsgpt/qwen2.5-vl-tiny_full_1xb16-1k_demo-rsicap.py
#   python tools/test.py configs/rsgpt/qwen2.5-vl-tiny_full_1xb16-1k_demo-rsicap.py \
#       work_dirs/qwen2.5-vl-tiny_full_1xb16-1k_demo-rsicap/iter_1000.pth
_base_ = [
    '../_base_/models/qwen2.5-vl-tiny.py', '../benchmarks/rsieval_caption.py',
    '../_base_/schedules/iter-3k_adamw-2e-3.py', '../_base_/default_runtime.py'
]
demo_rsicap_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=112 * 112, max_pixels=112 * 112),
    dict(type='RenderConversation'),
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
        type='CaptionDataset',
        data_root='data/demo/',
        ann_file='rsgpt/RSICap/rsicap_caption.json',
        data_prefix=dict(img_path='train/images/'),
        prompt='caption_detailed',
        pipeline=demo_rsicap_pipeline))
demo_rsieval = dict(
    data_root='data/demo/',
    ann_file='rsgpt/RSIEval/rsieval_caption.json',
    data_prefix=dict(img_path='test/images/'))
val_dataloader = dict(batch_size=50, num_workers=1, dataset=demo_rsieval)
test_dataloader = dict(batch_size=50, num_workers=1, dataset=demo_rsieval)
max_iters = 1000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=100, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=500))
randomness = dict(seed=0)
