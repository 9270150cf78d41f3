# DeepSpeed ZeRO-2 (LMMRotate's recipe): optimizer states and gradients split across the
# GPUs, weights whole on every GPU. See deepspeed_zero1.py for what is kept from the
# recipe and how checkpoints are read.
strategy = dict(
    type='VLMDeepSpeedStrategy',
    bf16=dict(enabled=True),
    zero_optimization=dict(stage=2, overlap_comm=True, contiguous_gradients=True,
                           reduce_scatter=True),
)
