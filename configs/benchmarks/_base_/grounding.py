# Visual grounding (referring expressions, one horizontal box each) as GeoGround scores it:
# rscovlm's grounding JSONL read as axis-aligned boxes, prompt 'ground' (system = the
# horizontal-box detection system prompt, user = "find the {referring expression}"; answer
# "x1,y1,x2,y2 label"). Metric: Acc@0.5 (%): the first line's box, mapped back to original
# pixels, is correct iff IoU > 0.5 (VLM-R1's "-1" pixel IoU, strict).
_base_ = ['./vlm_test.py']
test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'), prompt='ground',
         with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(
    dataset=dict(type='GroundingDataset', region_types=('hbox', ), pipeline=test_pipeline))
val_dataloader = test_dataloader
test_evaluator = dict(type='GroundingMetric', iou_mode='upstream', iou_thr=0.5, strict=True)
val_evaluator = test_evaluator
