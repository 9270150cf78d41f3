"""Named user-prompt templates: the one place prompt wording lives.

Templates are data: a config names one (``prompt='det_train'``) or gives its own string
with the same placeholders. System prompts belong to the box format and live with the
codecs (``codec.system_prompt``).
"""
from typing import Dict

from mmrotate.datasets import DOTADataset as _DOTA

from rscovlm.registry import CODECS, FUNCTIONS

PROMPT_TEMPLATES: Dict[str, str] = {
    # RSCoVLM dense detection: training has no trailing period, evaluation has one
    # (upstream divergence kept so public checkpoints see their own eval prompt).
    'det_train': 'find the {categories}',
    'det_eval': 'find the {categories}.',
    # visual grounding (refGeo / GeoGround), training and evaluation
    'ground': 'find the {phrase}',
    # VRSBench referring evaluation: no system prompt, the format is in the question
    'ground_vrsbench': ("find the {phrase}, delivering coordinates in plain text format "
                        "'x1,y1,x2,y2 object'"),
    # captioning: RSCoVLM's caption benchmarks, and RSGPT's fixed caption prompt
    'caption': 'Describe the image',
    'caption_detailed': 'Please provide a detailed description of the picture.',
    # GeoChat-Bench region captioning: {question} is the region as the benchmark writes it
    'region_caption': '[identify] What is the object present at {question}',
    # VQA (GeoChat, VRSBench): the question plus the short-answer instruction
    'vqa': '{question} Answer the question using a single word or a short phrase.',
    'vqa_raw': '{question}',
    # scene classification: classes joined by ',' with no space after the colon
    'cls': 'Classify the image within one of the given classes:{classes}.',
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


def fill_prompt(name_or_template: str, **fields) -> str:
    """Fill a template; an unknown placeholder names the template and the fields given."""
    template = get_prompt(name_or_template)
    try:
        return template.format(**fields)
    except KeyError as e:
        raise KeyError(f'prompt {template!r} needs the field {e}; this task gives '
                       f'{sorted(fields)}') from None


def prompt_corpus(classes=DOTA_V1_CLASSES):
    """Every user prompt the project writes, filled with ``classes``, and the empty answer:
    words a tiny tokenizer should know."""
    from rscovlm.codecs import format_categories
    fields = dict(categories=format_categories(classes), classes=','.join(classes),
                  phrase='', question='')
    for template in PROMPT_TEMPLATES.values():
        yield template.format(**fields)
    yield 'There are none.'


@FUNCTIONS.register_module()
def tokenizer_corpus():
    """Every text rscovlm writes into a conversation (the codecs' system prompts, the user
    prompts, DOTA's class names): a tiny tokenizer's corpus,
    ``TinyQwen2VLProcessor(corpus=[dict(type='tokenizer_corpus')])``."""
    CODECS.import_from_location()
    for codec_cls in CODECS.module_dict.values():
        for fmt in ('plain', 'json'):
            prompt = codec_cls(fmt=fmt).system_prompt
            if prompt:
                yield prompt
    yield from prompt_corpus()
