from .collate import vlm_collate
from .dota import DemoDOTADataset, DOTADataset
from .transforms import *  # noqa: F401,F403

__all__ = ['DOTADataset', 'DemoDOTADataset', 'vlm_collate']
