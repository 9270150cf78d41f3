# The embedded default: a tiny random-init Qwen2.5-VL co-trained on every task family of
# the generated demo data (detection, grounding, captioning, VQA, classification,
# multi-turn conversations) on a laptop CPU, with no download. The log reports loss_{task}
# and share_{task}; the test scores every task with its own metric.
#   python tools/misc/generate_demo_data.py data/demo
#   python tools/train.py configs/demo/qwen2.5-vl-tiny_full_1xb16-2k_demo-cotrain.py
_base_ = [
    '../_base_/models/qwen2.5-vl-tiny.py', '../_base_/mixes/demo_cotrain.py',
    '../benchmarks/demo_multitask.py', '../_base_/schedules/iter-3k_adamw-2e-3.py',
    '../_base_/default_runtime.py'
]
max_iters = 2000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=100, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=500))
randomness = dict(seed=0)
