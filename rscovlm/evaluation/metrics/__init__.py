from .caption_metric import CaptionMetric
from .classification_metric import ClassificationMetric
from .dump_predictions import DumpPredictions
from .grounding_metric import GeoChatReferringMetric, GroundingMetric
from .rotated_det_metric import RotatedDetMetric
from .vqa_metric import VQAMetric

__all__ = [
    'DumpPredictions', 'RotatedDetMetric', 'CaptionMetric', 'VQAMetric',
    'ClassificationMetric', 'GroundingMetric', 'GeoChatReferringMetric'
]
