"""rscovlm: co-training and evaluating vision-language models on remote-sensing imagery."""
from .version import __version__

__all__ = ['__version__']
