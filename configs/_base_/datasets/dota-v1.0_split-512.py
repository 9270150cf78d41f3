# DOTA-v1.0 split into 512 px patches with gap 200 by mmrotate's img_split tool
# (tools/dataset_converters/README.md): <data_root>/{trainval,val}/{images,annfiles}.
# Training side here; the evaluation side (val/test) is the benchmark overlay.
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_512/
_base_ = ['../../benchmarks/dota-v1.0_val.py']

train_pipeline = [
    dict(type='LoadImages'),
    dict(
        type='SmartResize',
        min_pixels={{_base_.min_pixels}},
        max_pixels={{_base_.max_pixels}}),
    dict(type='RenderDetTarget', codec={{_base_.codec}}, prompt='det_train'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(
        type={{_base_.dataset_type}},
        data_root={{_base_.data_root}},
        ann_file='trainval/annfiles/',
        data_prefix=dict(img_path='trainval/images/'),
        pipeline=train_pipeline))
