from .runner import VLMRunner

__all__ = ['VLMRunner']
