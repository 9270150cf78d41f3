# DIOR-RSVG test (refGeo / GeoGround's `dior_rsvg_test`), grounding JSONL written by
# tools/dataset_converters/refgeo.py from refGeo's metainfo file of that split:
#   python tools/dataset_converters/refgeo.py data/refGeo/metainfo_v2/dior_rsvg_test_v2.jsonl \
#       --img-root data/refGeo/images --out data/refGeo/refgeo_dior_rsvg_test.jsonl
#   <data_root>/refgeo_dior_rsvg_test.jsonl, <data_root>/images/dior_rsvg/<image_id>
# Override the location with --cfg-options data_root=/path/to/refGeo/
# Prompt (upstream GeoGround plain; prompt 'ground'): system = the horizontal-box detection
# system prompt, user = "find the {referring expression}"; answer "x1,y1,x2,y2 label".
# Metric: Acc@0.5 (%): the first line's box, mapped back to original pixels, is correct iff
# IoU > 0.5 (VLM-R1's "-1" pixel IoU, strict), as upstream.
# Pixels: the model's processor (upstream `geoground_N` fixes min = max = N*N pixels).
dior_rsvg_test_pipeline = [
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
        type='GroundingDataset',
        data_root='data/refGeo/',
        ann_file='refgeo_dior_rsvg_test.jsonl',
        data_prefix=dict(img_path='images/'),
        region_types=('hbox', ),
        test_mode=True,
        pipeline=dior_rsvg_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='GroundingMetric', iou_mode='upstream', iou_thr=0.5, strict=True)
test_evaluator = val_evaluator
