# NWPU-RESISC45 scene classification (45 classes), a seeded train/test split written by
# tools/dataset_converters/scene_cls.py (10 % train, seed 0):
#   data/NWPU-RESISC45/{airport,...}/*.jpg, data/NWPU-RESISC45/splits/tr10_seed0/{train,test}.json
# Classes and answers are the raw folder names (airport, baseball_diamond, ...), as
# upstream RSCoVLM prompts with them; --readable-names gives "baseball diamond" instead.
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
    data_root='data/NWPU-RESISC45/',
    ann_file='splits/tr10_seed0/train.json',
    data_prefix=dict(img_path=''),
    pipeline=nwpu_pipeline)
