# The embedded default: a tiny random-init Qwen2.5-VL co-trained on every task family of
# the generated demo data (detection, grounding, captioning, VQA, classification,
# multi-turn conversations) on a laptop CPU, with no download. The log reports loss_{task}
# and share_{task}; every 500 iterations a small validation (the first 50 detection and 50
# grounding test samples) is scored, and <work_dir>/curves.png shows the per-task losses and
# those metrics; the test scores every task with its own metric.
#   python tools/misc/generate_demo_data.py data/demo
#   python tools/train.py configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py
_base_ = [
    '../_base_/models/qwen2.5-vl-tiny.py', '../_base_/mixes/demo_cotrain.py',
    '../benchmarks/demo_multitask.py', '../_base_/schedules/iter-3k_adamw-1e-3_onecycle.py',
    '../_base_/default_runtime.py'
]
# box lines scored by their tokens' probabilities: the test reports a ranked mAP beside mAP_nc
model = dict(box_scores='logprob')
default_hooks = dict(checkpoint=dict(interval=500))
custom_hooks = [dict(type='DatasetEpochHook'), dict(type='ProgressBarHook'),
                dict(type='TrainingCurvesHook')]
randomness = dict(seed=0)
# the periodic validation: 50 detection and 50 grounding test samples (about 2 % of the
# training time); the final test (tools/test.py) scores all 1,398 test samples
val_dataloader = dict(dataset=dict(datasets=dict(
    demo_caption_test=None, demo_vqa_test=None, demo_cls_test=None,
    demo_conversation_test=None,
    demo_det_test=dict(indices=50), demo_grounding_test=dict(indices=50))))
val_evaluator = [
    dict(type='RotatedDetMetric', task='det', metric='mAP', iou_thrs=[0.5],
         eval_mode='11points', predict_box_type='rbox', codec={{_base_.demo_codec}},
         prefix='val_det'),
    dict(type='GroundingMetric', task='grounding', prefix='val_grounding'),
]
