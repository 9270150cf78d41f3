# FAIR1M-1.0 train (37 fine-grained classes), XML converted to DOTA labelTxt and split into
# patches (see tools/dataset_converters/fair1m.md), read as COCO-instances JSON:
#   data/fair1m/split_ss_1024/train/{images/, train.json}
fair1m_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28,
         random_resize_prob=1.0),
    dict(type='RenderDetTarget', codec=dict(type='QBoxCodec', clockwise=True),
         prompt='det_train'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
fair1m_poly_train = dict(
    name='fair1m_poly_train',
    type='CocoDetDataset',
    data_root='data/fair1m/split_ss_1024/',
    ann_file='train/train.json',
    data_prefix=dict(img_path='train/images/'),
    region_types=('qbox', ),
    pipeline=fair1m_pipeline)
