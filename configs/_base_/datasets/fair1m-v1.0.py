# FAIR1M train (37 fine-grained classes), XML converted to DOTA labelTxt and split into
# 1024 px patches (tools/dataset_converters/fair1m.md):
#   data/split_ss_fair1m_2_0/train/{images,annfiles}
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
    type='FAIR1MDataset',
    data_root='data/split_ss_fair1m_2_0/',
    ann_file='train/annfiles/',
    data_prefix=dict(img_path='train/images/'),
    region_types=('qbox', ),
    pipeline=fair1m_pipeline)
