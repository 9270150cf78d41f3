"""Metrics, the predictions file, offline re-scoring (``offline``) and the one shim over
the mAP functions of mmrotate / mmdet (``functional``)."""
from .metrics import DumpPredictions, RotatedDetMetric
from .predictions import dump_predictions, load_predictions

__all__ = ['DumpPredictions', 'RotatedDetMetric', 'dump_predictions', 'load_predictions']
