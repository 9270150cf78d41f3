"""Processors (tokenizer + image processor) built from config.

``dict(type='AutoProcessor', pretrained=<local dir>)`` loads a model-zoo checkpoint's own
processor: its ``preprocessor_config.json`` carries the min/max pixels it was trained with,
so evaluation resizes as training did unless ``min_pixels``/``max_pixels`` are given.

``dict(type='TinyQwen2VLProcessor')`` builds a small Qwen2-VL-style processor offline: a
byte-level BPE tokenizer trained in well under a second on the project's own prompts and
class names (digits split one per token, as Qwen's tokenizer does) plus Qwen2-VL's image
processor. Tests and the demo use it; nothing is downloaded.
"""
import functools
from typing import Iterable, Optional, Sequence, Tuple

from rscovlm.registry import TASK_UTILS

# Qwen2-VL's special tokens; the chat template, label masking and the model's token ids use them.
SPECIAL_TOKENS = ('<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|vision_start|>',
                  '<|vision_end|>', '<|image_pad|>', '<|video_pad|>')
# Qwen2-VL chat template (images and text in the order of the content list).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


class VLProcessor:
    """A tokenizer and an image processor, saved and loaded as one Hugging Face directory.

    Used instead of ``transformers``' composite processors, which also want a video
    processor (and with it torchvision, for which no CPU build exists on some machines);
    rscovlm's pipeline calls the two parts directly.
    """

    def __init__(self, tokenizer, image_processor):
        self.tokenizer = tokenizer
        self.image_processor = image_processor

    def save_pretrained(self, save_directory: str) -> None:
        self.tokenizer.save_pretrained(save_directory)
        self.image_processor.save_pretrained(save_directory)

    @classmethod
    def from_pretrained(cls, path: str, **image_kwargs) -> 'VLProcessor':
        from transformers import AutoImageProcessor, AutoTokenizer
        return cls(
            AutoTokenizer.from_pretrained(path, local_files_only=True),
            AutoImageProcessor.from_pretrained(path, local_files_only=True, **image_kwargs))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tokenizer={type(self.tokenizer).__name__}, '
                f'vocab={len(self.tokenizer)}, image_processor={self.image_processor!r})')


def pixel_range(processor) -> Tuple[int, int]:
    """(min_pixels, max_pixels) the processor's image processor resizes into."""
    ip = processor.image_processor
    size = getattr(ip, 'size', None)
    lo = getattr(ip, 'min_pixels', None) or _get(size, 'shortest_edge')
    hi = getattr(ip, 'max_pixels', None) or _get(size, 'longest_edge')
    if lo is None or hi is None:
        raise ValueError(f'cannot read min/max pixels from {type(ip).__name__} (size={size}); '
                         'set min_pixels/max_pixels explicitly')
    return int(lo), int(hi)


def _get(size, key):
    if size is None:
        return None
    return size.get(key) if isinstance(size, dict) else getattr(size, key, None)


def _default_corpus() -> Iterable[str]:
    # Everything the project itself writes into conversations: prompts, codec system
    # prompts, class names. Imported lazily to keep this module light.
    from rscovlm.datasets.prompts import prompt_corpus
    from rscovlm.registry import CODECS
    from rscovlm.datasets.transforms.processing import DEFAULT_SYSTEM
    yield f'system\n{DEFAULT_SYSTEM}\nuser\nassistant\n'
    CODECS.import_from_location()
    for codec_cls in CODECS.module_dict.values():
        for fmt in ('plain', 'json'):
            prompt = codec_cls(fmt=fmt).system_prompt
            if prompt:
                yield prompt
    yield from prompt_corpus()


def build_tiny_tokenizer(corpus: Iterable[str], vocab_size: int = 1024):
    """A byte-level BPE tokenizer with Qwen2-VL's special tokens, trained on ``corpus``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=1, special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(sorted(set(corpus)), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token='<|im_end|>', pad_token='<|endoftext|>',
        additional_special_tokens=list(SPECIAL_TOKENS[1:]), chat_template=CHAT_TEMPLATE,
        padding_side='left')


@functools.lru_cache(maxsize=8)
def _tiny_processor(min_pixels: int, max_pixels: int, vocab_size: int,
                    extra_corpus: Tuple[str, ...]):
    from transformers import Qwen2VLImageProcessorPil
    tokenizer = build_tiny_tokenizer([*_default_corpus(), *extra_corpus], vocab_size)
    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=min_pixels, max_pixels=max_pixels, patch_size=14, merge_size=2,
        temporal_patch_size=2)
    return VLProcessor(tokenizer, image_processor)


@TASK_UTILS.register_module()
def TinyQwen2VLProcessor(min_pixels: int = 56 * 56,  # noqa: N802 (config type name)
                         max_pixels: int = 112 * 112,
                         vocab_size: int = 1024,
                         extra_corpus: Sequence[str] = ()):
    """Build (and cache per process) the tiny offline Qwen2-VL-style processor."""
    return _tiny_processor(int(min_pixels), int(max_pixels), int(vocab_size),
                           tuple(extra_corpus))


@TASK_UTILS.register_module()
def AutoProcessor(pretrained: str,  # noqa: N802 (config type name)
                  min_pixels: Optional[int] = None,
                  max_pixels: Optional[int] = None,
                  **kwargs):
    """Load a processor from a local Hugging Face directory (no download)."""
    if min_pixels is not None and max_pixels is not None:
        # Qwen2-VL's image processor resizes with ``size``; setting only min/max pixels
        # would leave training and inference resizing differently.
        kwargs.update(min_pixels=min_pixels, max_pixels=max_pixels,
                      size=dict(shortest_edge=min_pixels, longest_edge=max_pixels))
    return VLProcessor.from_pretrained(pretrained, **kwargs)


# How a processor saved beside a checkpoint (VLMRunner writes ``<work_dir>/processor``)
# is loaded again: a processor builder names the builder that reads its saved folder.
TinyQwen2VLProcessor.reload_type = 'AutoProcessor'
AutoProcessor.reload_type = 'AutoProcessor'


def saved_processor_cfg(cfg: dict, saved_dir: str) -> Optional[dict]:
    """The config that loads the processor saved in ``saved_dir`` in place of ``cfg``,
    keeping the settings of ``cfg`` that the loader also takes (e.g. min/max pixels); or
    None when ``cfg``'s builder names no ``reload_type``."""
    import inspect
    builder = TASK_UTILS.get(cfg.get('type')) if isinstance(cfg.get('type'), str) else None
    reload_type = getattr(builder, 'reload_type', None)
    if reload_type is None:
        return None
    params = inspect.signature(TASK_UTILS.get(reload_type)).parameters
    kept = {k: v for k, v in cfg.items()
            if k in params and k not in ('type', 'pretrained') and v is not None}
    return dict(type=reload_type, pretrained=saved_dir, **kept)


def build_processor(cfg):
    """Build a processor from a config dict, or return an already-built processor."""
    if cfg is None or not isinstance(cfg, dict):
        return cfg
    return TASK_UTILS.build(dict(cfg))
