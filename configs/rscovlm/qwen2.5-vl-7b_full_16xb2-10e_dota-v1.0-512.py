# RSCoVLM-style detection fine-tuning of Qwen2.5-VL-7B-Instruct on DOTA-v1.0 trainval split
# into 512 px patches (upstream scripts/train_dota-poly-trainval512_7b.sh): full fine-tuning,
# 16 GPUs x 2 images, lr 2e-6, 10 epochs, cosine, 5 % warm-up, weight decay 0.1, bf16,
# gradient checkpointing, min/max pixels 256*28*28 / 1296*28*28, polygon answers.
#   bash tools/dist_train.sh configs/rscovlm/qwen2.5-vl-7b_full_16xb2-10e_dota-v1.0-512.py 8 \
#       --cfg-options model.model.pretrained=... \
#       model.processor.pretrained=...
# DeepSpeed ZeRO-1 as upstream (needs `pip install deepspeed`): about 37-46 GiB per 80 GB GPU
# on 8-32 GPUs, where DDP would need 130 (tools/analysis_tools/estimate_memory.py); swap the
# strategy line for '../_base_/strategies/fsdp.py' to train without DeepSpeed.
_base_ = [
    '../_base_/models/qwen2.5-vl-7b-instruct.py', '../_base_/mixes/dota-v1.0-512_det.py',
    '../benchmarks/dota-v1.0_val.py', '../_base_/schedules/epoch-10e_adamw-2e-6_cosine.py',
    '../_base_/default_runtime.py', '../_base_/strategies/deepspeed_zero1.py'
]
model = dict(gradient_checkpointing=True)
train_dataloader = dict(batch_size=2, num_workers=8)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=1250, max_keep_ckpts=2))
log_processor = dict(by_epoch=True)
# the schedule is set for 16 GPUs x 2 images; mmengine rescales the lr for other sizes
auto_scale_lr = dict(enable=False, base_batch_size=32)
