"""The generated demo data: a deterministic generator of small remote-sensing-like images
with every task's annotations (:mod:`.generator`, :mod:`.tasks`), its dataset
(``DemoDOTADataset``) and the words of its tokenizer corpus (``demo_corpus``).

The core package never imports this one; the registries do (``DATASETS`` and
``FUNCTIONS`` list it among their locations) when a config names ``DemoDOTADataset`` or
``dict(type='demo_corpus')``, and ``tools/misc/generate_demo_data.py`` writes the data.
"""
from .dataset import DemoDOTADataset, demo_corpus
from .generator import (BACKGROUNDS, CLASS_COLOURS, DEMO_CLASSES, GENERATOR_VERSION,
                        dataset_is_complete, demo_img_id, format_summary,
                        generate_demo_dataset, read_generation_record)

__all__ = [
    'DemoDOTADataset', 'demo_corpus', 'BACKGROUNDS', 'CLASS_COLOURS', 'DEMO_CLASSES',
    'GENERATOR_VERSION', 'dataset_is_complete', 'demo_img_id', 'format_summary',
    'generate_demo_dataset', 'read_generation_record'
]
