from .collate import instructblip_collate
from .rsgpt_datasets import RSICapDataset, RSIEvalCaptionDataset, RSIEvalVQADataset
from .transforms import PackInstructBlipInputs, ProcessInstructBlipInputs

__all__ = [
    'instructblip_collate', 'RSICapDataset', 'RSIEvalCaptionDataset', 'RSIEvalVQADataset',
    'PackInstructBlipInputs', 'ProcessInstructBlipInputs'
]
