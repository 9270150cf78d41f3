# DOTA-v1.0 val scored with LMMRotate's mF1 (lmmrotate/modules/f1_metric.py: confusion
# matrix with background, macro P/R over C+1 entries, F1 per score threshold 0.0 ... 0.9;
# ConfusionF1Metric), on the 1024 px patches LMMRotate splits DOTA into (mmrotate's
# single-scale preset, gap 200), as dota-v1.0_val1024.py:
#   <data_root>/val/annfiles/*.txt, <data_root>/val/images/*.png
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_1024/
# Difficult objects are ground truth here (diff_thr=100): LMMRotate builds mmrotate's
# DOTADataset with its default diff_thr=100 for the mF1 (its lmmrotate/dataset.py), while
# the mAP overlays ignore them (diff_thr=0, DOTA's protocol). ConfusionF1Metric reads
# gt_instances only, so with diff_thr=0 a difficult object would be no GT: its detection a
# background false positive, its miss no false negative. DOTA's protocol instead:
#   --cfg-options test_dataloader.dataset.diff_thr=0
# Scores are compared with the thresholds in float32, as upstream; score_dtype='float64'
# compares them in float64 (only ranked scores differ, at tau = 0.7 and 0.9). With the
# constant scores of a model's answers every threshold gives the same F1.
# Prompt, answer format and pixels: dota-v1.0_val.py.
_base_ = ['./dota-v1.0_val1024.py']
test_dataloader = dict(dataset=dict(diff_thr=100))
val_dataloader = test_dataloader
test_evaluator = dict(
    _delete_=True, type='ConfusionF1Metric', codec={{_base_.codec}}, score_mode='constant',
    tp_iou_thr=0.5, num_classes=None, score_dtype='float32')
val_evaluator = test_evaluator
