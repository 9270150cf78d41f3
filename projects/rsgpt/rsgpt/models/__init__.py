from .instructblip import InstructBLIP
from .processor import (InstructBlipProcessorParts, LocalInstructBlipProcessor,
                        TinyInstructBlipProcessor)

__all__ = [
    'InstructBLIP', 'InstructBlipProcessorParts', 'LocalInstructBlipProcessor',
    'TinyInstructBlipProcessor'
]
