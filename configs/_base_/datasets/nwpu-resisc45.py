# NWPU-RESISC45 scene classification (45 classes), a seeded train/test split written by
# tools/dataset_converters/scene_cls.py: data/nwpu/images/{class}/*.jpg, data/nwpu/{train,test}.json
nwpu_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
nwpu_cls = dict(
    name='nwpu_cls',
    type='ClassificationDataset',
    data_root='data/nwpu/',
    ann_file='train.json',
    data_prefix=dict(img_path='images/'),
    pipeline=nwpu_pipeline)
