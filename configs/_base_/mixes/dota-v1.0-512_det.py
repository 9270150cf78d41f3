# Detection only: DOTA-v1.0 trainval 512 px patches with polygon answers, with the pixels of
# RSCoVLM's detection recipe (min 256*28*28, max 1296*28*28, no random resize) — which is
# why the dataset is written out here rather than taken from _base_/datasets/ (that one
# carries the multi-task recipe). Data layout: _base_/datasets/dota-v1.0_split-512.py.
train_dataloader = dict(
    batch_size=2,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(
        type='TaskMixDataset',
        datasets=[
            dict(
                name='dota_poly_trainval512',
                type='DOTADataset',
                data_root='data/split_ss_dota_512/',
                ann_file='trainval/annfiles/',
                data_prefix=dict(img_path='trainval/images/'),
                region_types=('qbox', ),
                pipeline=[
                    dict(type='LoadImages'),
                    dict(type='SmartResize', min_pixels=256 * 28 * 28,
                         max_pixels=1296 * 28 * 28),
                    dict(type='RenderDetTarget', codec=dict(type='QBoxCodec', clockwise=True),
                         prompt='det_train'),
                    dict(type='ProcessVLMInputs', processor=None),
                    dict(type='PackVLMInputs'),
                ])
        ],
        sampling=dict(dota_poly_trainval512='*1')))
