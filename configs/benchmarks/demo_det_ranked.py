# The demo detection test set (demo_det.py) scored twice from one generation: mAP_nc (every
# box 1.0, the RSCoVLM protocol) and a ranked mAP whose box scores are the geometric mean of
# each box line's token probabilities (the model's box_scores='logprob'), under the prefix
# dota_logprob/. The difference shows how much the model's own confidence would add.
_base_ = ['./demo_det.py']
model = dict(box_scores='logprob')
test_evaluator = [
    dict(type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
         predict_box_type='rbox', codec={{_base_.demo_codec}}, ignore_mode='mmrotate'),
    dict(type='RotatedDetMetric', metric='mAP', iou_thrs=[0.5], eval_mode='11points',
         predict_box_type='rbox', codec={{_base_.demo_codec}}, score_mode='logprob',
         ignore_mode='mmrotate', prefix='dota_logprob'),
]
val_evaluator = test_evaluator
