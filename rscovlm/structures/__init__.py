from .instances import decode_prediction, instances_to_gt, parsed_to_instances
from .vlm_data_sample import VLMDataSample

__all__ = ['VLMDataSample', 'decode_prediction', 'instances_to_gt', 'parsed_to_instances']
