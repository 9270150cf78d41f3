from rscovlm.datasets.dota import DOTADataset
from rscovlm.datasets.prompts import prompt_corpus
from rscovlm.registry import DATASETS, FUNCTIONS

from .generator import DEMO_CLASSES
from .tasks import demo_vocabulary


@DATASETS.register_module()
class DemoDOTADataset(DOTADataset):
    """The generated demo data (``tools/misc/generate_demo_data.py``) in DOTA format."""

    METAINFO = dict(classes=DEMO_CLASSES)


@FUNCTIONS.register_module()
def demo_corpus():
    """The generated demo data's words: the prompts with its classes and every text its
    task templates write (``corpus=[..., dict(type='demo_corpus')]``)."""
    yield from prompt_corpus(DEMO_CLASSES)
    yield from demo_vocabulary()
