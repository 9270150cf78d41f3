from .hooks import DatasetEpochHook, ProgressBarHook
from .loops import GENERATION_SETTINGS, GenerationOverrides, MultiBenchmarkTestLoop
from .runner import VLMRunner
from .flexible_runner import VLMFlexibleRunner
from .strategies import VLMDeepSpeedStrategy, VLMFSDPStrategy

__all__ = ['VLMRunner', 'VLMFlexibleRunner', 'VLMFSDPStrategy', 'VLMDeepSpeedStrategy',
           'DatasetEpochHook', 'ProgressBarHook', 'MultiBenchmarkTestLoop', 'GenerationOverrides',
           'GENERATION_SETTINGS']
