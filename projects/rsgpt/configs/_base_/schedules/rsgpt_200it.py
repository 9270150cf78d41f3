# RSGPT's optimisation (train_configs/rsgpt_train.yaml, LAVIS RunnerBase): AdamW
# (0.9, 0.999), lr 3e-5, weight decay 0.05 except for parameters with ndim < 2 or a name
# containing bias / ln / bn; linear warm-up from 1e-6 over 40 iterations, then a cosine
# to 1e-5 evaluated at the global iteration (it resumes at 2.81e-5); 5 "epochs" x 40
# iterations = 200 iterations; no gradient clipping. RSGPT trains with fp16 AMP: the GPU
# configs set type='AmpOptimWrapper' (tools/train.py --amp does the same).
max_iters = 200
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='LAVISOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=3e-5, betas=(0.9, 0.999), weight_decay=0.05))
param_scheduler = [
    dict(type='LinearWarmupCosineLR', min_lr=1e-5, warmup_lr=1e-6, warmup_steps=40,
         by_epoch=False, begin=0, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
