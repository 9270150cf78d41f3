# refGeo / GeoGround grounding benchmark, its seven evaluation splits (avvg_test,
# dior_rsvg_val, dior_rsvg_test, rsvg_val, rsvg_test, geochat_test, vrsbench_test), one
# grounding JSONL per split, written by tools/dataset_converters/refgeo.py from refGeo's
# metainfo file of that split, e.g.
#   python tools/dataset_converters/refgeo.py data/refGeo/metainfo_v2/rsvg_test_v2.jsonl \
#       --img-root data/refGeo/images --out data/refGeo/refgeo_rsvg_test.jsonl
#   <data_root>/refgeo_<split>.jsonl, <data_root>/images/<dataset>/<image_id>
# (each record's image is exactly images/<its `dataset`>/<its `image_id`>; upstream reads
# geochat_test's images from images/geochat_test/, trying .png when the .jpg is missing, so
# check that split's `dataset` and `image_id` against your copy: refgeo.py drops records
# whose image it cannot find, and counts them.)
# Override the location with --cfg-options data_root=/path/to/refGeo/
# Prompt (upstream GeoGround plain; prompt 'ground'): system = the horizontal-box detection
# system prompt, user = "find the {referring expression}"; answer "x1,y1,x2,y2 label".
# Metric: Acc@0.5 (%) per split (keys refgeo_<split>/Acc@0.5): the first line's box, mapped
# back to original pixels, is correct iff IoU > 0.5 (VLM-R1's "-1" pixel IoU, strict).
# Each split is its own task, so val and test of one source are scored apart; drop a split
# from both lists to skip it.
# Pixels: the model's processor (upstream `geoground_N` fixes min = max = N*N pixels).
refgeo_test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'), prompt='ground',
         with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left'),
    dataset=dict(
        type='TaskMixDataset',
        datasets=[
            dict(name='refgeo_avvg_test', type='GroundingDataset', data_root='data/refGeo/',
                 ann_file='refgeo_avvg_test.jsonl', data_prefix=dict(img_path='images/'),
                 task='grounding_avvg_test', region_types=('hbox', ), test_mode=True,
                 pipeline=refgeo_test_pipeline),
            dict(name='refgeo_dior_rsvg_val', type='GroundingDataset', data_root='data/refGeo/',
                 ann_file='refgeo_dior_rsvg_val.jsonl', data_prefix=dict(img_path='images/'),
                 task='grounding_dior_rsvg_val', region_types=('hbox', ), test_mode=True,
                 pipeline=refgeo_test_pipeline),
            dict(name='refgeo_dior_rsvg_test', type='GroundingDataset', data_root='data/refGeo/',
                 ann_file='refgeo_dior_rsvg_test.jsonl', data_prefix=dict(img_path='images/'),
                 task='grounding_dior_rsvg_test', region_types=('hbox', ), test_mode=True,
                 pipeline=refgeo_test_pipeline),
            dict(name='refgeo_rsvg_val', type='GroundingDataset', data_root='data/refGeo/',
                 ann_file='refgeo_rsvg_val.jsonl', data_prefix=dict(img_path='images/'),
                 task='grounding_rsvg_val', region_types=('hbox', ), test_mode=True,
                 pipeline=refgeo_test_pipeline),
            dict(name='refgeo_rsvg_test', type='GroundingDataset', data_root='data/refGeo/',
                 ann_file='refgeo_rsvg_test.jsonl', data_prefix=dict(img_path='images/'),
                 task='grounding_rsvg_test', region_types=('hbox', ), test_mode=True,
                 pipeline=refgeo_test_pipeline),
            dict(name='refgeo_geochat_test', type='GroundingDataset', data_root='data/refGeo/',
                 ann_file='refgeo_geochat_test.jsonl', data_prefix=dict(img_path='images/'),
                 task='grounding_geochat_test', region_types=('hbox', ), test_mode=True,
                 pipeline=refgeo_test_pipeline),
            dict(name='refgeo_vrsbench_test', type='GroundingDataset', data_root='data/refGeo/',
                 ann_file='refgeo_vrsbench_test.jsonl', data_prefix=dict(img_path='images/'),
                 task='grounding_vrsbench_test', region_types=('hbox', ), test_mode=True,
                 pipeline=refgeo_test_pipeline),
        ]))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='GroundingMetric', task='grounding_avvg_test', prefix='refgeo_avvg_test'),
    dict(type='GroundingMetric', task='grounding_dior_rsvg_val', prefix='refgeo_dior_rsvg_val'),
    dict(type='GroundingMetric', task='grounding_dior_rsvg_test', prefix='refgeo_dior_rsvg_test'),
    dict(type='GroundingMetric', task='grounding_rsvg_val', prefix='refgeo_rsvg_val'),
    dict(type='GroundingMetric', task='grounding_rsvg_test', prefix='refgeo_rsvg_test'),
    dict(type='GroundingMetric', task='grounding_geochat_test', prefix='refgeo_geochat_test'),
    dict(type='GroundingMetric', task='grounding_vrsbench_test', prefix='refgeo_vrsbench_test'),
]
test_evaluator = val_evaluator
