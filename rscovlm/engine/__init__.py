from .hooks import DatasetEpochHook
from .loops import GENERATION_SETTINGS, GenerationOverrides, MultiBenchmarkTestLoop
from .runner import VLMRunner

__all__ = ['VLMRunner', 'DatasetEpochHook', 'MultiBenchmarkTestLoop', 'GenerationOverrides',
           'GENERATION_SETTINGS']
