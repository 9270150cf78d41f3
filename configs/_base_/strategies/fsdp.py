# Fully sharded data parallel (torch FSDP2, fully_shard) through mmengine's FlexibleRunner: weights,
# gradients and optimizer states are split across the GPUs, each transformer block's
# weights gathered only while it runs. fp32 master weights, bf16 compute, fp32 gradient
# reduction. The recipe's schedule (AdamW, clip_grad, AMP) is kept: AMP becomes FSDP's
# mixed precision and the gradient norm is clipped over all shards.
# state_dict_cfg='full': one plain iter_N.pth (rank 0 gathers it; any world size resumes
# and reads it); 'sharded': an iter_N.pth/ directory, one shard per rank, no gather
# (for 32B and up, where rank 0 cannot hold the full optimizer state).
strategy = dict(
    type='VLMFSDPStrategy',
    state_dict_cfg='full',
    mixed_precision='bf16',
    master_dtype='fp32',
    wrap_blocks=True,
)
