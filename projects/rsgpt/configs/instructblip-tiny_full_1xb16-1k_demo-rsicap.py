# The RSGPT project's demo: the tiny random-init InstructBLIP trained on the demo data
# exported as RSICap, with every part trained (RSGPT freezes the ViT and the LLM because
# they come pretrained; random ones must learn too), the schedule of rscovlm's tiny
# demos (AdamW 2e-3, 100 warm-up iterations, cosine), batch 16, 1,000 iterations.
# configs/rsgpt/qwen2.5-vl-tiny_full_1xb16-1k_demo-rsicap.py trains the tiny Qwen2.5-VL
# on the same files for the comparison in projects/rsgpt/README.md.
#   python tools/misc/generate_demo_data.py data/demo
#   python projects/rsgpt/tools/demo_to_rsgpt.py data/demo
#   python tools/train.py projects/rsgpt/configs/instructblip-tiny_full_1xb16-1k_demo-rsicap.py
#   python tools/test.py projects/rsgpt/configs/instructblip-tiny_demo-rsieval-vqa.py \
#       work_dirs/instructblip-tiny_full_1xb16-1k_demo-rsicap/iter_1000.pth
_base_ = [
    './_base_/models/instructblip-tiny.py', './_base_/datasets/rsicap.py',
    './_base_/datasets/rsieval_caption.py', './_base_/datasets/demo_rsgpt.py',
    '../../../configs/_base_/schedules/iter-3k_adamw-2e-3.py',
    '../../../configs/_base_/default_runtime.py'
]
model = dict(freeze_vision=False, freeze_merger=False, freeze_language=False)
train_dataloader = dict(batch_size=16, num_workers=1, dataset={{_base_.demo_rsicap}})
# the demo's RSIEval captions are scored at the end (rsgpt_caption.txt in the log folder)
val_dataloader = dict(batch_size=16, num_workers=1, dataset={{_base_.demo_rsieval}})
test_dataloader = val_dataloader
max_iters = 1000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=100, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=500))
randomness = dict(seed=0)
