# Detection only on the generated demo data: a tiny random-init Qwen2.5-VL learns oriented
# detection on a laptop CPU, with no download (the co-training demo's ablation).
#   python tools/misc/generate_demo_data.py data/demo
#   python tools/train.py configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py
_base_ = [
    '../_base_/models/qwen2.5-vl-tiny.py', '../_base_/mixes/demo_det.py',
    '../benchmarks/demo_det.py', '../_base_/schedules/iter-3k_adamw-2e-3.py',
    '../_base_/default_runtime.py'
]
default_hooks = dict(checkpoint=dict(interval=500))
randomness = dict(seed=0)
