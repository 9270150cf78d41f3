# AID scene classification (30 classes), a seeded train/test split written by
# tools/dataset_converters/scene_cls.py (20 % train, seed 0):
#   data/AID/{Airport,BareLand,...}/*.jpg, data/AID/splits/tr20_seed0/{train,test}.json
# Classes and answers are the raw folder names (Airport, BareLand, ...), as
# upstream RSCoVLM prompts with them; --readable-names gives "bare land" instead.
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
    data_root='data/AID/',
    ann_file='splits/tr20_seed0/train.json',
    data_prefix=dict(img_path=''),
    pipeline=aid_pipeline)
