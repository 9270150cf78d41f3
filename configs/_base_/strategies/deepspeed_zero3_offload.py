# DeepSpeed ZeRO-3 with the optimizer states (and their update) and the weights kept in
# CPU memory: the fewest GPUs, slower steps. Plan CPU memory for the fp32 optimizer states
# of the whole model (12 bytes per parameter, shared by the GPUs of a node). With a torch
# AdamW the update runs in torch on CPU; DeepSpeed's DeepSpeedCPUAdam is faster but is
# compiled on first use. See deepspeed_zero3.py.
strategy = dict(
    type='VLMDeepSpeedStrategy',
    bf16=dict(enabled=True),
    zero_optimization=dict(
        stage=3, overlap_comm=True, contiguous_gradients=True,
        stage3_gather_16bit_weights_on_model_save=False,
        offload_optimizer=dict(device='cpu', pin_memory=True),
        offload_param=dict(device='cpu', pin_memory=True)),
)
