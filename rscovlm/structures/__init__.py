from .instances import instances_to_gt, parsed_to_instances
from .vlm_data_sample import VLMDataSample

__all__ = ['VLMDataSample', 'instances_to_gt', 'parsed_to_instances']
