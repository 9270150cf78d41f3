# AID scene classification (30 classes), a seeded train/test split written by
# tools/dataset_converters/scene_cls.py: data/aid/images/{class}/*.jpg, data/aid/{train,test}.json
aid_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
aid_cls = dict(
    name='aid_cls',
    type='ClassificationDataset',
    data_root='data/aid/',
    ann_file='train.json',
    data_prefix=dict(img_path='images/'),
    pipeline=aid_pipeline)
