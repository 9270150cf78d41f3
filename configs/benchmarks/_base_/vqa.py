# Visual question answering: rscovlm's VQA JSON (docs/data_formats.md) asked with prompt
# 'vqa' ("{question} Answer the question using a single word or a short phrase."), scored
# by contain-accuracy (%: the normalised answer contains the normalised ground truth),
# overall and per question type (acc_<type>, mean_type_acc). Upstream's rules exactly
# (docs/metrics.md); rscovlm's alternatives (blank_is_wrong, strict_vhm) stay off here.
_base_ = ['./vlm_test.py']
test_dataloader = dict(dataset=dict(type='VQADataset', prompt='vqa'))
val_dataloader = test_dataloader
test_evaluator = dict(type='VQAMetric', rule='contain', per_type=True, blank_is_wrong=False)
val_evaluator = test_evaluator
