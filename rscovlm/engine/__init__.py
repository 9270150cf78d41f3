from .hooks import DatasetEpochHook
from .runner import VLMRunner

__all__ = ['VLMRunner', 'DatasetEpochHook']
