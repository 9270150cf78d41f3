from .dump_predictions import DumpPredictions
from .rotated_det_metric import RotatedDetMetric

__all__ = ['DumpPredictions', 'RotatedDetMetric']
