# VRSBench training data: captions, VQA and referring (converted by
# tools/dataset_converters/vrsbench.py; referring boxes on its 0-100 grid become pixels):
#   data/vrsbench/Images_train/, data/vrsbench/{caption_train.json, vqa_train.json,
#   referring_train.jsonl}
vrsbench_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
vrsbench_caption = dict(
    name='vrsbench_caption',
    type='CaptionDataset',
    data_root='data/vrsbench/',
    ann_file='caption_train.json',
    data_prefix=dict(img_path='Images_train/'),
    pipeline=vrsbench_pipeline)
vrsbench_vqa = dict(
    name='vrsbench_vqa',
    type='VQADataset',
    data_root='data/vrsbench/',
    ann_file='vqa_train.json',
    data_prefix=dict(img_path='Images_train/'),
    pipeline=vrsbench_pipeline)
vrsbench_referring = dict(
    name='vrsbench_referring',
    type='GroundingDataset',
    data_root='data/vrsbench/',
    ann_file='referring_train.jsonl',
    # the converter writes dataset='Images_train' into every record
    data_prefix=dict(img_path=''),
    region_types=('hbox', ),
    pipeline=[
        dict(type='LoadImages'),
        dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
        dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'), prompt='ground'),
        dict(type='ProcessVLMInputs', processor=None),
        dict(type='PackVLMInputs'),
    ])
