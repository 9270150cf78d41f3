from .render_conversation import RenderConversation
from .formatting import PackVLMInputs
from .loading import LoadImages
from .processing import ProcessVLMInputs
from .resize import SmartResize
from .target import RenderDetTarget, RenderGroundingTarget

__all__ = [
    'LoadImages', 'SmartResize', 'RenderDetTarget', 'RenderGroundingTarget',
    'RenderConversation', 'ProcessVLMInputs', 'PackVLMInputs'
]
