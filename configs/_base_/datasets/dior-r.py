# DIOR-R oriented detection (20 classes, 800 px) as COCO-instances JSON with polygons:
#   python tools/dataset_converters/dior_r.py ...  (see its README)
#   data/DIOR/{JPEGImages-trainval,JPEGImages-test}/, data/DIOR/Annotations/{trainval,test}.json
dior_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28,
         random_resize_prob=1.0),
    dict(type='RenderDetTarget', codec=dict(type='QBoxCodec', clockwise=True),
         prompt='det_train'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
dior_poly_trainval800 = dict(
    name='dior_poly_trainval800',
    type='CocoDetDataset',
    data_root='data/DIOR/',
    ann_file='Annotations/trainval.json',
    data_prefix=dict(img_path='JPEGImages-trainval/'),
    region_types=('qbox', ),
    pipeline=dior_pipeline)
