from .caption_metric import CaptionMetric
from .classification_metric import ClassificationMetric
from .dump_predictions import DumpPredictions
from .f1_metric import ConfusionF1Metric
from .grounding_metric import GeoChatReferringMetric, GroundingMetric
from .hbox_det_metric import HBoxDetMetric
from .rotated_det_metric import RotatedDetMetric
from .task_filter import TaskFilterMixin
from .vqa_metric import VQAMetric

__all__ = [
    'DumpPredictions', 'RotatedDetMetric', 'HBoxDetMetric', 'ConfusionF1Metric',
    'CaptionMetric', 'VQAMetric', 'ClassificationMetric', 'GroundingMetric',
    'GeoChatReferringMetric', 'TaskFilterMixin'
]
