# The Qwen2.5-VL side of the RSGPT comparison: Qwen2.5-VL-7B-Instruct with LoRA on every
# linear layer of the language model, trained on RSICap (configs/_base_/datasets/rsicap.py,
# converted by tools/dataset_converters/rsgpt.py; RSGPT's fixed caption prompt) with
# RSGPT's data budget: 8 GPUs x 8 images, 200 iterations (about 5 passes over RSICap).
# Tested on RSIEval captioning (configs/benchmarks/rsieval_caption.py); VQA with
# qwen2.5-vl-7b_lora_8xb8-200it_rsicap_rsieval-vqa.py. RSGPT's InstructBLIP counterpart is
# projects/rsgpt/configs/instructblip-vicuna-13b_qformer_8xb8-200it_rsicap.py.
# The LoRA hyper-parameters (r 16, alpha 32, lr 1e-4 with RSGPT's 40 warm-up iterations
# and cosine to 1e-5) are common LoRA settings, not tuned here; no run of this config has
# been measured yet.
#   bash tools/dist_train.sh configs/rsgpt/qwen2.5-vl-7b_lora_8xb8-200it_rsicap.py 8 \
#       --cfg-options model.model.pretrained=... model.processor.pretrained=...
#   python tools/test.py configs/rsgpt/qwen2.5-vl-7b_lora_8xb8-200it_rsicap.py \
#       work_dirs/qwen2.5-vl-7b_lora_8xb8-200it_rsicap/iter_200.pth \
#       --cfg-options data_root=data/RSIEval/
# Data parallel: with LoRA the frozen bf16 weights dominate, about 44 GiB per GPU for 8
# images of up to 2,320 tokens (tools/analysis_tools/estimate_memory.py CONFIG --gpus 8),
# and sharding the small adapter states saves under 1 GiB.
_base_ = [
    '../_base_/models/qwen2.5-vl-7b-instruct.py', '../_base_/datasets/rsicap.py',
    '../benchmarks/rsieval_caption.py', '../_base_/default_runtime.py',
    '../_base_/strategies/ddp.py'
]
model = dict(
    lora=dict(r=16, lora_alpha=32, lora_dropout=0.05), gradient_checkpointing=True)
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(type='TaskMixDataset', datasets=[{{_base_.rsicap}}]))
max_iters = 200
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1 / 30, by_epoch=False, begin=0, end=40),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=40, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=40, max_keep_ckpts=2))
randomness = dict(seed=42, diff_rank_seed=True)
auto_scale_lr = dict(enable=False, base_batch_size=64)
