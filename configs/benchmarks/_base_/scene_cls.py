# Scene classification: rscovlm's classification JSON ({"classes": [...], "images":
# [{"image", "label"}]}, docs/data_formats.md) asked with RSCoVLM's prompt 'cls'
# ("Classify the image within one of the given classes:<classes>."), scored by
# contain-accuracy (%): the ground truth, lower-cased, is a substring of the lower-cased
# answer; also per class (cls/acc_<class>) and their mean. The ground truth is the
# benchmark's own string, as upstream (an image's "answer", else its class name;
# docs/metrics.md); gt_from='class' scores the class-list name instead.
_base_ = ['./vlm_test.py']
test_dataloader = dict(dataset=dict(type='ClassificationDataset', prompt='cls'))
val_dataloader = test_dataloader
test_evaluator = dict(type='ClassificationMetric', rule='contain', gt_from='answer')
val_evaluator = test_evaluator
