# DeepSpeed ZeRO-3: weights, gradients and optimizer states split across the GPUs. The
# model is partitioned while transformers builds it (HfDeepSpeedConfig) and generation in
# validation / testing runs with synced_gpus=True, so ranks that finish early do not hang.
# See deepspeed_zero1.py for what is kept from the recipe and how checkpoints are read.
strategy = dict(
    type='VLMDeepSpeedStrategy',
    bf16=dict(enabled=True),
    zero_optimization=dict(stage=3, overlap_comm=True, contiguous_gradients=True,
                           stage3_gather_16bit_weights_on_model_save=False),
)
