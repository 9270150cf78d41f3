from .output_files import RSGPTOutputDump

__all__ = ['RSGPTOutputDump']
