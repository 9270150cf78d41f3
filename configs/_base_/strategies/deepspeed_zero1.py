# DeepSpeed ZeRO-1 through mmengine's FlexibleRunner (the upstream RSCoVLM 7B recipe):
# optimizer states (fp32 Adam moments and master weights) are split across the GPUs;
# weights and gradients are whole on every GPU. bf16 with fp32 master weights.
# Needs `pip install deepspeed`. The recipe's optimizer, lr schedule and clip_grad are
# kept (clip_grad.max_norm becomes DeepSpeed's gradient_clipping); a torch AdamW needs
# no compiled DeepSpeed op. Checkpoints are iter_N.pth/ directories: resume on the same
# number of GPUs; load_from, tools/test.py and the HF export read them on any.
strategy = dict(
    type='VLMDeepSpeedStrategy',
    bf16=dict(enabled=True),
    zero_optimization=dict(stage=1, overlap_comm=True, contiguous_gradients=True),
)
