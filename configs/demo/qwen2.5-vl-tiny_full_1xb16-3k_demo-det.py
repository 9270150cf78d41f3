# Detection only on the generated demo data: a tiny random-init Qwen2.5-VL learns oriented
# detection on a laptop CPU, with no download (the co-training demo's ablation).
#   python tools/misc/generate_demo_data.py data/demo
#   python tools/train.py configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py
_base_ = [
    '../_base_/models/qwen2.5-vl-tiny.py', '../_base_/mixes/demo_det.py',
    '../benchmarks/demo_det.py', '../_base_/schedules/iter-3k_adamw-1e-3_onecycle.py',
    '../_base_/default_runtime.py'
]
default_hooks = dict(checkpoint=dict(interval=500))
custom_hooks = [dict(type='DatasetEpochHook'), dict(type='ProgressBarHook'),
                dict(type='TrainingCurvesHook')]
randomness = dict(seed=0)
# mAP_nc and the ranked mAP (box lines scored by their tokens' probabilities), as the
# co-training demo reports them
model = dict(box_scores='logprob')
test_evaluator = [
    dict(type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
         predict_box_type='rbox', codec={{_base_.demo_codec}}),
    dict(type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
         predict_box_type='rbox', codec={{_base_.demo_codec}}, score_mode='logprob',
         prefix='dota_logprob'),
]
# validation every 500 iterations on the first 50 test images (the test scores all 200)
val_dataloader = dict(dataset=dict(indices=50))
