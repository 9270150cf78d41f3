from .coco_det import CocoDetDataset
from .collate import vlm_collate
from .conversation import (CaptionDataset, ClassificationDataset, ConversationDataset,
                           VQADataset)
from .dota import DOTADataset, FAIR1MDataset
from .grounding import GroundingDataset
from .samplers import LengthGroupedSampler
from .transforms import *  # noqa: F401,F403
from .wrappers import PackedDataset, PatchSplitDataset, TaskMixDataset

__all__ = [
    'DOTADataset', 'FAIR1MDataset', 'CocoDetDataset', 'GroundingDataset',
    'ConversationDataset', 'CaptionDataset', 'VQADataset', 'ClassificationDataset',
    'TaskMixDataset', 'PackedDataset', 'PatchSplitDataset', 'LengthGroupedSampler', 'vlm_collate'
]
