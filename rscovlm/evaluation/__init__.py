"""Metrics and the predictions file of the evaluation tools."""
from .metrics import DumpPredictions, RotatedDetMetric
from .predictions import dump_predictions, load_predictions

__all__ = ['DumpPredictions', 'RotatedDetMetric', 'dump_predictions', 'load_predictions']
