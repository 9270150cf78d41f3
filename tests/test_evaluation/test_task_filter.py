"""One evaluator list on a test set that mixes tasks: every metric scores its own task's
samples and keeps one result per sample (distributed gathering relies on it)."""
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

from rscovlm.structures import VLMDataSample


def det_sample(img_id, pred_text):
    s = VLMDataSample(metainfo=dict(task='det', img_id=img_id, classes=('plane', 'ship'),
                                    img_shape=(100, 100), ori_shape=(100, 100)))
    s.gt_instances = InstanceData(bboxes=torch.tensor([[30., 20., 40., 20., 0.]]),
                                  labels=torch.tensor([0]))
    s.ignored_instances = InstanceData(bboxes=torch.zeros(0, 5),
                                       labels=torch.zeros(0, dtype=torch.long))
    s.pred_text = pred_text
    return s


def vqa_sample(answer, pred):
    s = VLMDataSample(metainfo=dict(task='vqa', img_id='v', gt_answer=answer,
                                    question_type='count'))
    s.pred_text = pred
    return s


def cls_sample(label, pred):
    s = VLMDataSample(metainfo=dict(task='cls', img_id='c', gt_label=label,
                                    gt_answer=('urban', 'water')[label],
                                    classes=('urban', 'water')))
    s.pred_text = pred
    return s


def test_mixed_test_set_each_metric_scores_its_task():
    samples = [
        det_sample('a', '10,10,50,10,50,30,10,30 plane\n'),  # exact: AP 1
        vqa_sample('2', '2'), vqa_sample('3', 'two'),
        cls_sample(0, 'urban'), cls_sample(1, 'urban'), cls_sample(1, 'forest'),
    ]
    evaluator = Evaluator([
        dict(type='RotatedDetMetric', metric='mAP'),
        dict(type='VQAMetric'),
        dict(type='ClassificationMetric'),
    ])
    # a mixed set has no single class list: the detection metric takes the samples'
    evaluator.dataset_meta = dict(datasets=['det', 'vqa', 'cls'], tasks=['cls', 'det', 'vqa'])
    evaluator.process(data_samples=samples)
    for metric in evaluator.metrics:
        assert len(metric.results) == len(samples)  # placeholders for the other tasks
    out = evaluator.evaluate(len(samples))
    assert out['dota/mAP'] == 1.0
    assert out['vqa/accuracy'] == 50.0 and out['vqa/num_samples'] == 2
    assert out['cls/num_samples'] == 3 and out['cls/num_unparsed'] == 1
    assert round(out['cls/accuracy'], 2) == 33.33
