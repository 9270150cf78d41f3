from .packed import PackedDataset
from .task_mix import TaskMixDataset

__all__ = ['TaskMixDataset', 'PackedDataset']
