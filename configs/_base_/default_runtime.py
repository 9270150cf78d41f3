default_scope = 'rscovlm'
runner_type = 'VLMRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# DatasetEpochHook logs the training mixture and lets a balanced TaskMixDataset redraw
# every epoch; ProgressBarHook draws a progress bar with ETA over validation and testing
# when the output is a terminal (log files keep the logger's eta lines)
custom_hooks = [dict(type='DatasetEpochHook'), dict(type='ProgressBarHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl for GPU runs; without a GPU the tools switch a distributed run to gloo
    # (rscovlm.utils.setup_cpu_distributed, called by load_run_config).
    dist_cfg=dict(backend='nccl'),
)

# loss_{task} and share_{task} (the model's per-task log values) are averaged over the
# window like the loss: the share is then the task's fraction of the last 50 batches
log_processor = dict(
    type='LogProcessor',
    window_size=50,
    by_epoch=False,
    mean_pattern=r'.*(loss|share|time|data_time|grad_norm).*')
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')
log_level = 'INFO'
load_from = None
resume = False
