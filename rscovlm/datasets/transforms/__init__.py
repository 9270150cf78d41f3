from .formatting import PackVLMInputs
from .processing import ProcessVLMInputs
from .resize import SmartResize
from .target import RenderDetTarget

__all__ = ['SmartResize', 'RenderDetTarget', 'ProcessVLMInputs', 'PackVLMInputs']
