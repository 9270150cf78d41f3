# refGeo / GeoGround visual grounding (AVVG, DIOR-RSVG, GeoChat, RSVG, VRSBench):
#   python tools/dataset_converters/refgeo.py ...  (see its README)
#   data/refGeo/images/{dataset}/{image_id}, data/refGeo/refgeo_train.jsonl
# RSCoVLM trains a horizontal-box and a polygon copy (refgeo_hbb, refgeo_poly); the
# expression is echoed as the label, polygons counter-clockwise.
refgeo_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28,
         random_resize_prob=1.0),
    dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'), prompt='ground'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
refgeo_hbb = dict(
    name='refgeo_hbb',
    type='GroundingDataset',
    data_root='data/refGeo/',
    ann_file='refgeo_train.jsonl',
    data_prefix=dict(img_path='images/'),
    region_types=('hbox', ),
    pipeline=refgeo_pipeline)
refgeo_poly = dict(refgeo_hbb, name='refgeo_poly', region_types=('qbox', ))
