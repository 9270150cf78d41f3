from .base import BaseVLM
from .qwen2_vl import QwenVL

__all__ = ['BaseVLM', 'QwenVL']
