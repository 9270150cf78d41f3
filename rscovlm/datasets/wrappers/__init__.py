from .packed import PackedDataset
from .patch_split import PatchSplitDataset
from .task_mix import TaskMixDataset

__all__ = ['TaskMixDataset', 'PackedDataset', 'PatchSplitDataset']
