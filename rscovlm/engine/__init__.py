from .hooks import DatasetEpochHook, ProgressBarHook
from .loops import GENERATION_SETTINGS, GenerationOverrides, MultiBenchmarkTestLoop
from .runner import VLMRunner

__all__ = ['VLMRunner', 'DatasetEpochHook', 'ProgressBarHook', 'MultiBenchmarkTestLoop', 'GenerationOverrides',
           'GENERATION_SETTINGS']
