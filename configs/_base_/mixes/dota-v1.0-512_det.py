# Detection only: DOTA-v1.0 trainval 512 px patches with polygon answers
# (_base_/datasets/dota-v1.0_split-512.py: data layout) with the pixels of RSCoVLM's
# detection recipe: min 256*28*28, max 1296*28*28, no random resize (the source config
# carries the multi-task recipe, so its pipeline is replaced here).
# A child changes the source by name, e.g. its pixels:
#   train_dataloader = dict(dataset=dict(datasets=dict(
#       dota_poly_trainval512=dict(pipeline=[...]))))
_base_ = ['../datasets/dota-v1.0_split-512.py']
dota512_det_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=256 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderDetTarget', codec=dict(type='QBoxCodec', clockwise=True),
         prompt='det_train'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(
        type='TaskMixDataset',
        datasets=dict(
            dota_poly_trainval512=dict(_base_.dota_poly_trainval512,
                                       pipeline=dota512_det_pipeline)),
        sampling=dict(dota_poly_trainval512='*1')))
