from .rotated_det_metric import RotatedDetMetric

__all__ = ['RotatedDetMetric']
