# VRSBench referring (visual grounding, val images), grounding JSONL written by
# tools/dataset_converters/vrsbench.py (boxes converted from the 0-100 grid to pixels):
#   python tools/dataset_converters/vrsbench.py referring \
#       data/VRSBench/VRSBench_EVAL_referring.json --img-dir data/VRSBench/Images_val \
#       --out data/VRSBench/vrsbench_referring_test.jsonl
#   ln -s Images_val data/VRSBench/vrsbench   # records name dataset 'vrsbench'
#   <data_root>/vrsbench_referring_test.jsonl, <data_root>/vrsbench/<image_id>
# (Converting with --dataset '' instead reads Images_val/ directly: set img_path='Images_val/'.)
# Override the location with --cfg-options data_root=/path/to/VRSBench/
# Prompt (upstream plain; prompt 'ground_vrsbench'), no system prompt:
#   "find the {expression}, delivering coordinates in plain text format 'x1,y1,x2,y2 object'"
# where the expression is upstream's (format_vrsbench.py `normal_caption`), as the converter
# writes it: VRSBench's sentence with a leading "the " (any case) removed and then, in that
# case, the trailing "." ("The white car at the top." -> "find the white car at the top, ...").
# Metric: Acc@0.5 (%): the first line's box, mapped back to original pixels, is correct iff
# IoU > 0.5 (VLM-R1's "-1" pixel IoU, strict) against the record's `bbox` (VRSBench's GT box
# in pixels; the `poly` from obj_corner is not used for hbox), upstream compared with the
# 0-100 grid box here, which looks inconsistent; GeoGround's vrsbench_test is in pixels.
# Pixels: the model's processor.
vrsbench_referring_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'), prompt='ground_vrsbench',
         with_answer=False, system_prompt=False),
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
        data_root='data/VRSBench/',
        ann_file='vrsbench_referring_test.jsonl',
        data_prefix=dict(img_path=''),
        region_types=('hbox', ),
        test_mode=True,
        pipeline=vrsbench_referring_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='GroundingMetric', iou_mode='upstream', iou_thr=0.5, strict=True)
test_evaluator = val_evaluator
