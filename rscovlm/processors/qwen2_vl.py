"""Qwen2-VL-style processors (tokenizer + image processor) built from config.

``dict(type='PretrainedProcessor', pretrained=<local dir>)`` loads a model-zoo checkpoint's
own processor, the way transformers' ``AutoProcessor`` reads the folder: the tokenizer
(``tokenizer.json`` / ``tokenizer_config.json``), the chat template (``chat_template.json``,
else ``chat_template.jinja``, else the one in ``tokenizer_config.json``) and the image
processor, whose ``preprocessor_config.json`` carries the min/max pixels the checkpoint
was trained with, so evaluation resizes as training did unless ``min_pixels`` /
``max_pixels`` are given.

``dict(type='TinyQwen2VLProcessor', corpus=...)`` builds a small Qwen2-VL-style processor
offline: a byte-level BPE tokenizer trained in well under a second on ``corpus`` (digits
split one per token, as Qwen's tokenizer does) plus Qwen2-VL's image processor. Tests and
the demo use it; nothing is downloaded.

The pixel budget: the pipeline's ``SmartResize`` is the only step that resizes (the image
processor is called with ``do_resize=False``). Its ``min_pixels``/``max_pixels`` are set
in a dataset config where a dataset needs its own (a recipe's detection pixels); left
``None`` they are the processor's (:func:`pixel_range`), i.e. the ones set here.
"""
import json
import os.path as osp
from typing import Optional, Tuple

from rscovlm.registry import PROCESSORS

from .tiny_tokenizer import build_tiny_tokenizer


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
        """The processor of a local folder; its chat template is the tokenizer's (see
        :func:`folder_chat_template`)."""
        from transformers import AutoImageProcessor, AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        tokenizer.chat_template = folder_chat_template(path, tokenizer)
        return cls(
            tokenizer,
            AutoImageProcessor.from_pretrained(path, local_files_only=True, **image_kwargs))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(tokenizer={type(self.tokenizer).__name__}, '
                f'vocab={len(self.tokenizer)}, image_processor={self.image_processor!r})')


def folder_chat_template(path: str, tokenizer=None) -> Optional[str]:
    """The chat template of a Hugging Face folder, as transformers' processor reads it:
    ``chat_template.json`` (``{"chat_template": ...}``, older transformers) first, then
    ``chat_template.jinja``, else the tokenizer's own (``tokenizer_config.json``);
    ``None`` when the folder has none."""
    legacy = osp.join(path, 'chat_template.json')
    if osp.isfile(legacy):
        with open(legacy, encoding='utf-8') as f:
            template = json.load(f).get('chat_template')
        if template:
            return template
    jinja = osp.join(path, 'chat_template.jinja')
    if osp.isfile(jinja):
        with open(jinja, encoding='utf-8') as f:
            return f.read()
    template = getattr(tokenizer, 'chat_template', None)
    if isinstance(template, dict):  # named templates: the default one
        template = template.get('default')
    return template or None


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


@PROCESSORS.register_module()
def TinyQwen2VLProcessor(min_pixels: int = 56 * 56,  # noqa: N802 (config type name)
                         max_pixels: int = 112 * 112,
                         vocab_size: int = 1024,
                         corpus=None,
                         extra_corpus=None) -> VLProcessor:
    """The tiny offline Qwen2-VL-style processor.

    Args:
        min_pixels, max_pixels: the image processor's pixel bounds (the pixel budget of
            ``SmartResize`` steps that set none).
        vocab_size: the most tokens.
        corpus: what the tokenizer learns words from, besides the chat layout: texts, or
            configs of corpus functions registered in ``FUNCTIONS`` (rscovlm's own:
            ``dict(type='tokenizer_corpus')``); see
            :func:`rscovlm.processors.tiny_tokenizer.iter_corpus`.
    """
    if extra_corpus is not None:
        raise TypeError('TinyQwen2VLProcessor: extra_corpus=[...] is now part of corpus: '
                        "write corpus=[dict(type='tokenizer_corpus'), *your_texts]")
    from transformers import Qwen2VLImageProcessorPil
    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=int(min_pixels), max_pixels=int(max_pixels), patch_size=14, merge_size=2,
        temporal_patch_size=2)
    return VLProcessor(build_tiny_tokenizer(corpus, int(vocab_size)), image_processor)


@PROCESSORS.register_module()
def PretrainedProcessor(pretrained: str,  # noqa: N802 (config type name)
                        min_pixels: Optional[int] = None,
                        max_pixels: Optional[int] = None,
                        **kwargs) -> VLProcessor:
    """Load a processor from a local Hugging Face directory (no download).

    Args:
        pretrained: the folder (``save_pretrained`` layout).
        min_pixels, max_pixels: override the folder's pixel bounds (its
            ``preprocessor_config.json``); one given alone keeps the folder's other bound.
    """
    if not osp.isdir(pretrained):
        raise FileNotFoundError(
            f'processor pretrained={pretrained!r} is not a local directory; point it at the '
            'checkpoint folder (the one holding tokenizer.json and preprocessor_config.json)')
    processor = VLProcessor.from_pretrained(pretrained, **kwargs)
    if min_pixels is None and max_pixels is None:
        return processor
    lo, hi = pixel_range(processor)
    lo = lo if min_pixels is None else int(min_pixels)
    hi = hi if max_pixels is None else int(max_pixels)
    if lo > hi:
        raise ValueError(f'PretrainedProcessor({pretrained!r}): min_pixels {lo} > max_pixels '
                         f'{hi} (one of them is the folder\'s preprocessor_config.json); set '
                         'both min_pixels and max_pixels')
    # Qwen2-VL's image processor resizes with ``size``; setting only min/max pixels
    # would leave training and inference resizing differently.
    from transformers import AutoImageProcessor
    kwargs.update(min_pixels=lo, max_pixels=hi, size=dict(shortest_edge=lo, longest_edge=hi))
    processor.image_processor = AutoImageProcessor.from_pretrained(
        pretrained, local_files_only=True, **kwargs)
    return processor


@PROCESSORS.register_module()
def AutoProcessor(**kwargs):  # noqa: N802 (the old config type name)
    """The old name of :func:`PretrainedProcessor` (it shadowed transformers' class)."""
    raise ValueError("processor type 'AutoProcessor' was renamed 'PretrainedProcessor' "
                     "(it is not transformers' AutoProcessor): in the config, write "
                     "processor=dict(type='PretrainedProcessor', pretrained=...)")


# How a processor saved beside a checkpoint (VLMRunner writes ``<work_dir>/processor``)
# is loaded again: a processor builder names the builder that reads its saved folder.
TinyQwen2VLProcessor.reload_type = 'PretrainedProcessor'
PretrainedProcessor.reload_type = 'PretrainedProcessor'
