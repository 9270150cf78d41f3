# RSCoVLM's 3B detection recipe (upstream scripts/train_dota-poly-trainval512_3b.sh):
# AdamW lr 5e-5, weight decay 0.1, cosine decay with 5 % linear warm-up, 20 epochs, bf16.
max_epochs = 20
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=5e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=0.05 * max_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=0.05 * max_epochs,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
