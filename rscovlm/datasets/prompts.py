"""Named user-prompt templates: the one place prompt wording lives.

Templates are data: a config names one (``prompt='det_train'``) or gives its own string
with the same placeholders. System prompts belong to the box format and live with the
codecs (``codec.system_prompt``).
"""
from typing import Dict

from mmrotate.datasets import DOTADataset as _DOTA

PROMPT_TEMPLATES: Dict[str, str] = {
    # RSCoVLM dense detection: training has no trailing period, evaluation has one
    # (upstream divergence kept so public checkpoints see their own eval prompt).
    'det_train': 'find the {categories}',
    'det_eval': 'find the {categories}.',
}

# Class lists whose names the tiny tokenizer should know as words.
DOTA_V1_CLASSES = tuple(_DOTA.METAINFO['classes'])


def get_prompt(name_or_template: str) -> str:
    """A registered template by name, or the string itself when it is a template."""
    return PROMPT_TEMPLATES.get(name_or_template, name_or_template)


def register_prompt(name: str, template: str, force: bool = False) -> None:
    if name in PROMPT_TEMPLATES and not force and PROMPT_TEMPLATES[name] != template:
        raise KeyError(f'prompt {name!r} is already registered as '
                       f'{PROMPT_TEMPLATES[name]!r}; pass force=True to replace it')
    PROMPT_TEMPLATES[name] = template


def prompt_corpus():
    """Every user prompt the project writes, for the tiny tokenizer's vocabulary."""
    from rscovlm.codecs import format_categories
    from rscovlm.datasets.synthetic import DEMO_CLASSES
    for classes in (DOTA_V1_CLASSES, DEMO_CLASSES):
        cats = format_categories(classes)
        for template in PROMPT_TEMPLATES.values():
            yield template.format(categories=cats)
        yield 'There are none.'
