"""A tiny Qwen2.5-VL written as a Hugging Face folder, in the layouts checkpoints come in
(shared by the import and export tests; ``tests/`` is on ``sys.path`` through its conftest).

The weights are random (a tiny config), the tokenizer is rscovlm's tiny one, and the chat
template is Qwen2.5-VL's public one (``QWEN2_5_VL_CHAT_TEMPLATE``, written here from its
documented behaviour), so the folder reads like Qwen/Qwen2.5-VL-7B-Instruct does.
"""
import json
import os
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_MODEL_CFG = osp.join(REPO, 'configs/_base_/models/qwen2.5-vl-tiny.py')
DEFAULT_SYSTEM = 'You are a helpful assistant.'


def qwen2_5_vl_chat_template(system: str = DEFAULT_SYSTEM) -> str:
    """Qwen2.5-VL-Instruct's chat template: a default system turn when the first turn is
    not a system one; ``<|im_start|>role\\n ... <|im_end|>\\n`` turns; an image item (type
    ``image``, or a key ``image`` / ``image_url``) is
    ``<|vision_start|><|image_pad|><|vision_end|>``, a video item likewise with
    ``<|video_pad|>``, each prefixed by ``Picture n: `` / ``Video n: `` with
    ``add_vision_id``; text items by their ``text``; the generation prompt is
    ``<|im_start|>assistant\\n``."""
    return ''.join([
        '{% set image_count = namespace(value=0) %}',
        '{% set video_count = namespace(value=0) %}',
        '{% for message in messages %}',
        "{% if loop.first and message['role'] != 'system' %}",
        '<|im_start|>system\n', system, '<|im_end|>\n',
        '{% endif %}',
        "<|im_start|>{{ message['role'] }}\n",
        "{% if message['content'] is string %}",
        "{{ message['content'] }}<|im_end|>\n",
        '{% else %}',
        "{% for content in message['content'] %}",
        "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}",
        '{% set image_count.value = image_count.value + 1 %}',
        '{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}',
        '<|vision_start|><|image_pad|><|vision_end|>',
        "{% elif content['type'] == 'video' or 'video' in content %}",
        '{% set video_count.value = video_count.value + 1 %}',
        '{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}',
        '<|vision_start|><|video_pad|><|vision_end|>',
        "{% elif 'text' in content %}{{ content['text'] }}",
        '{% endif %}',
        '{% endfor %}',
        '<|im_end|>\n',
        '{% endif %}',
        '{% endfor %}',
        '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}',
    ])


QWEN2_5_VL_CHAT_TEMPLATE = qwen2_5_vl_chat_template()

#: the keys of Qwen/Qwen2.5-VL-7B-Instruct's preprocessor_config.json (pixel bounds as
#: min_pixels / max_pixels, no ``size``)
_HUB_PREPROCESSOR = dict(
    patch_size=14, temporal_patch_size=2, merge_size=2,
    image_mean=[0.48145466, 0.4578275, 0.40821073],
    image_std=[0.26862954, 0.26130258, 0.27577711],
    image_processor_type='Qwen2VLImageProcessor', processor_class='Qwen2_5_VLProcessor')


def tiny_qwen2_5_vl(tokenizer, seed: int = 0, tie_word_embeddings: bool = False):
    """A random tiny ``Qwen2_5_VLForConditionalGeneration`` (the demo's architecture) whose
    vocabulary and special-token ids are ``tokenizer``'s."""
    import torch
    from mmengine.config import Config
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    ids = tokenizer.convert_tokens_to_ids
    config = Config.fromfile(TINY_MODEL_CFG).model.model.config.to_dict()
    config.update(image_token_id=ids('<|image_pad|>'), video_token_id=ids('<|video_pad|>'),
                  vision_start_token_id=ids('<|vision_start|>'),
                  vision_end_token_id=ids('<|vision_end|>'),
                  tie_word_embeddings=tie_word_embeddings)
    config['text_config'].update(vocab_size=len(tokenizer), bos_token_id=ids('<|endoftext|>'),
                                 eos_token_id=ids('<|im_end|>'),
                                 pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    return Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(**config)).eval()


def write_qwen2_5_vl_dir(path: str,
                         layout: str = 'transformers',
                         system: str = DEFAULT_SYSTEM,
                         min_pixels: int = 56 * 56,
                         max_pixels: int = 84 * 84,
                         seed: int = 0,
                         max_shard_size: str = '2MB') -> str:
    """Write a tiny Qwen2.5-VL folder at ``path`` and return ``path``.

    Both layouts hold sharded safetensors with ``model.safetensors.index.json``,
    ``config.json``, ``generation_config.json`` (Qwen's values), ``tokenizer.json`` and
    ``tokenizer_config.json``:

    * ``'transformers'``: everything as this transformers' ``save_pretrained`` writes it
      (``chat_template.jinja``; ``preprocessor_config.json`` with a ``size`` dict);
    * ``'hub'``: as the Qwen2.5-VL-7B-Instruct folder on the hub: the chat template in
      ``tokenizer_config.json`` (Qwen's default system) and in ``chat_template.json``
      (with ``system``), ``tokenizer_class`` ``Qwen2Tokenizer``, and a
      ``preprocessor_config.json`` with ``min_pixels`` / ``max_pixels`` only.
    """
    from transformers import GenerationConfig, Qwen2VLImageProcessorPil

    from rscovlm.processors import build_tiny_tokenizer
    if layout not in ('transformers', 'hub'):
        raise ValueError(f"layout must be 'transformers' or 'hub', got {layout!r}")
    tokenizer = build_tiny_tokenizer([dict(type='tokenizer_corpus')], vocab_size=1024)
    model = tiny_qwen2_5_vl(tokenizer, seed)
    ids = tokenizer.convert_tokens_to_ids
    model.generation_config = GenerationConfig(
        bos_token_id=ids('<|endoftext|>'), pad_token_id=ids('<|endoftext|>'),
        eos_token_id=[ids('<|im_end|>'), ids('<|endoftext|>')], do_sample=True,
        repetition_penalty=1.05, temperature=0.1, top_p=0.001, top_k=1)
    model.save_pretrained(path, max_shard_size=max_shard_size, safe_serialization=True)
    if layout == 'transformers':
        tokenizer.chat_template = qwen2_5_vl_chat_template(system)
        tokenizer.save_pretrained(path)
        Qwen2VLImageProcessorPil(min_pixels=min_pixels, max_pixels=max_pixels, patch_size=14,
                                 merge_size=2, temporal_patch_size=2).save_pretrained(path)
        return path
    tokenizer.chat_template = None
    tokenizer.save_pretrained(path)
    config_file = osp.join(path, 'tokenizer_config.json')
    with open(config_file, encoding='utf-8') as f:
        tokenizer_config = json.load(f)
    tokenizer_config.update(tokenizer_class='Qwen2Tokenizer',
                            chat_template=QWEN2_5_VL_CHAT_TEMPLATE)
    _dump(tokenizer_config, config_file)
    if osp.exists(osp.join(path, 'chat_template.jinja')):
        os.remove(osp.join(path, 'chat_template.jinja'))
    _dump(dict(chat_template=qwen2_5_vl_chat_template(system)),
          osp.join(path, 'chat_template.json'))
    _dump(dict(_HUB_PREPROCESSOR, min_pixels=min_pixels, max_pixels=max_pixels),
          osp.join(path, 'preprocessor_config.json'))
    return path


def _dump(obj, path):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)


def transformers_processor(path: str):
    """transformers' own ``Qwen2_5_VLProcessor.from_pretrained(path)``, without its video
    part (which needs torchvision; rscovlm's machines have no CPU build of it): the
    tokenizer, image processor and chat template are read by transformers' code."""
    from transformers import Qwen2_5_VLProcessor

    class ImageOnlyQwen2_5_VLProcessor(Qwen2_5_VLProcessor):

        @classmethod
        def get_attributes(cls):
            return [a for a in super().get_attributes() if a != 'video_processor']

    return ImageOnlyQwen2_5_VLProcessor.from_pretrained(path, local_files_only=True)
