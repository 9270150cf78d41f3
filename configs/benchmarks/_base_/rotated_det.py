# Oriented object detection as RSCoVLM scores it: the evaluation prompt 'det_eval' (system =
# the polygon detection system prompt, user = "find the <classes, '-' read as a space,
# sorted, comma-separated>." with the trailing period), answers as plain-text polygons
# (QBoxCodec), mAP_nc: every parsed box scores 1.0, rotated IoU 0.5, VOC07 11-point AP
# through mmrotate's DOTAMetric (RotatedDetMetric). A leaf sets the dataset type and layout.
_base_ = ['./vlm_test.py']
codec = dict(type='QBoxCodec', fmt='plain', clockwise=True)
test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderDetTarget', codec=codec, prompt='det_eval', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(batch_size=8, dataset=dict(pipeline=test_pipeline))
val_dataloader = test_dataloader
test_evaluator = dict(
    type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
    predict_box_type='rbox', codec=codec)
val_evaluator = test_evaluator
