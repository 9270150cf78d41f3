from . import hf  # noqa: F401  (registers the Hugging Face model builders)
from .vlms import BaseVLM, QwenVL

__all__ = ['BaseVLM', 'QwenVL']
