# RSCoVLM multi-task co-training of Qwen2.5-VL-7B-Instruct (upstream
# scripts/train_multitask_7b.sh): the co-training mixture of _base_/mixes/rscovlm_cotrain.py,
# full fine-tuning, 4 nodes x 8 GPUs x 1 sample, lr 2e-6, 1 epoch, cosine with 5 % warm-up,
# weight decay 0.1, bf16, gradient checkpointing, min/max pixels 64*28*28 / 1296*28*28,
# random resize on the box tasks, plain-text box answers, empty images kept.
#   NNODES=4 NODE_RANK=$RANK MASTER_ADDR=... bash tools/dist_train.sh \
#       configs/rscovlm/qwen2.5-vl-7b_full_32xb1-1e_rscovlm-cotrain.py 8 \
#       --cfg-options model.model.pretrained=... model.processor.pretrained=...
# The log reports loss_{task} and share_{task} (det, grounding, conversation, ...); the
# mixture table is logged at the start. Evaluated on DOTA-v1.0 val 512 by default.
# DeepSpeed ZeRO-1 as upstream (needs `pip install deepspeed`): about 37-46 GiB per 80 GB GPU
# on 8-32 GPUs, where DDP would need 130 (tools/analysis_tools/estimate_memory.py); swap the
# strategy line for '../_base_/strategies/fsdp.py' to train without DeepSpeed.
_base_ = [
    '../_base_/models/qwen2.5-vl-7b-instruct.py', '../_base_/mixes/rscovlm_cotrain.py',
    '../benchmarks/dota-v1.0_val.py', '../_base_/schedules/epoch-1e_adamw-2e-6_cosine.py',
    '../_base_/default_runtime.py', '../_base_/strategies/deepspeed_zero1.py'
]
model = dict(gradient_checkpointing=True)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=5000, max_keep_ckpts=2))
log_processor = dict(by_epoch=True)
# the schedule is set for 32 GPUs x 1 sample; mmengine rescales the lr for other sizes
auto_scale_lr = dict(enable=False, base_batch_size=32)
