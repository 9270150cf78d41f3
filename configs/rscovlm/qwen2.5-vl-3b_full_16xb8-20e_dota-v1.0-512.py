# RSCoVLM-style detection fine-tuning of Qwen2.5-VL-3B-Instruct on DOTA-v1.0 trainval split
# into 512 px patches (upstream scripts/train_dota-poly-trainval512_3b.sh): full
# fine-tuning, 16 GPUs x 8 images, lr 5e-5, 20 epochs, cosine, 5 % warm-up, weight decay
# 0.1, bf16, gradient checkpointing, min/max pixels 256*28*28 / 1296*28*28, polygon answers.
#   bash tools/dist_train.sh configs/rscovlm/qwen2.5-vl-3b_full_16xb8-20e_dota-v1.0-512.py 8 \
#       --cfg-options model.model.pretrained=... model.processor.pretrained=...
# DeepSpeed ZeRO-1 (needs `pip install deepspeed`; upstream's 3B script runs without
# DeepSpeed): 8 images of up to 2,320 tokens per GPU are estimated at 81.2 GiB per GPU under
# DDP and 41.9 under ZeRO-1 on 16 GPUs (tools/analysis_tools/estimate_memory.py CONFIG
# --gpus 16); swap the strategy line for '../_base_/strategies/ddp.py' where the images
# are smaller or the GPUs larger, or 'fsdp.py' to train without DeepSpeed.
_base_ = [
    '../_base_/models/qwen2.5-vl-3b-instruct.py', '../_base_/mixes/dota-v1.0-512_det.py',
    '../benchmarks/dota-v1.0_val.py', '../_base_/schedules/epoch-20e_adamw-5e-5_cosine.py',
    '../_base_/default_runtime.py', '../_base_/strategies/deepspeed_zero1.py'
]
model = dict(gradient_checkpointing=True)
train_dataloader = dict(batch_size=8, num_workers=8)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=1250, max_keep_ckpts=5))
log_processor = dict(by_epoch=True)
# the schedule is set for 16 GPUs x 8 images; mmengine rescales the lr for other sizes
auto_scale_lr = dict(enable=False, base_batch_size=128)
