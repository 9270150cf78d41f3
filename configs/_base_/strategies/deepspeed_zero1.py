# DeepSpeed ZeRO-1 through mmengine's FlexibleRunner (the upstream RSCoVLM 7B recipe).
# Needs `pip install deepspeed` on GPU machines; bf16 with AdamW (0.9, 0.999), eps 1e-8.
# Note: FlexibleRunner writes checkpoints with DeepSpeed's own saver, not VLMRunner's
# atomic one.
runner_type = 'FlexibleRunner'
strategy = dict(
    type='DeepSpeedStrategy',
    gradient_clipping=1.0,
    bf16=dict(enabled=True),
    zero_optimization=dict(stage=1, overlap_comm=True, contiguous_gradients=True),
)
optim_wrapper = dict(_delete_=True, type='DeepSpeedOptimWrapper',
                     optimizer=dict(type='AdamW', lr=2e-6, betas=(0.9, 0.999), eps=1e-8,
                                    weight_decay=0.1))
