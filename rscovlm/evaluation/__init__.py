"""Metrics and the predictions file of the evaluation tools."""
from .metrics import RotatedDetMetric
from .predictions import dump_predictions, load_predictions

__all__ = ['RotatedDetMetric', 'dump_predictions', 'load_predictions']
