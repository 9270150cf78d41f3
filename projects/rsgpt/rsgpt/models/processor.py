"""InstructBLIP's processor parts: the language model's tokenizer, the Q-Former's BERT
tokenizer and the image settings, saved and loaded as one Hugging Face directory.

``dict(type='LocalInstructBlipProcessor', pretrained=<dir>)`` loads a converted
InstructBLIP checkpoint (e.g. ``Salesforce/instructblip-vicuna-13b`` saved with
``save_pretrained``): ``<dir>`` holds the LLM tokenizer, ``<dir>/qformer_tokenizer`` the
BERT tokenizer and ``<dir>/preprocessor_config.json`` the image size, mean and std.
Nothing is downloaded. transformers' own ``InstructBlipProcessor`` is not used: rscovlm's
pipeline calls the parts one by one (image tokens, label masking, truncation).

``dict(type='TinyInstructBlipProcessor')`` builds small stand-ins offline in well under a
second (tests, the demo): a LLaMA-style BPE tokenizer with LAVIS's quirks (``[PAD]`` added,
``bos = eos = unk = '</s>'``, ``</s>`` prepended as BOS, left truncation) and a WordPiece
BERT-style Q-Former tokenizer (``[CLS] text [SEP]``, ``[DEC]`` added as BOS, lower-cased,
left truncation), both trained on rscovlm's own prompts and the demo vocabulary.
"""
import json
import os
import os.path as osp
import string
from typing import Iterable, Optional, Sequence

from rscovlm.processors import train_bpe
from rscovlm.registry import PROCESSORS

#: the image placeholder: ``num_query_tokens`` of them stand where the projected Q-Former
#: outputs go (transformers' InstructBLIP layout: they come before the BOS).
IMAGE_TOKEN = '<image>'
#: OpenAI CLIP normalisation, RSGPT's ``rs_image_train`` / ``blip2_image_eval``
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
PROCESSOR_CONFIG = 'rsgpt_processor.json'


class InstructBlipProcessorParts:
    """The two tokenizers and the image settings of an InstructBLIP model.

    Attributes:
        tokenizer: the language model's tokenizer (adds its BOS; ``[PAD]`` pads).
        qformer_tokenizer: the Q-Former's BERT tokenizer (``[CLS] ... [SEP]``).
        image_size: side of the square model input, pixels (224 for RSGPT).
        image_mean, image_std: per-channel RGB normalisation on [0, 1] pixel values.
        num_query_tokens: Q-Former queries = image placeholders in the LLM input (32).
    """

    def __init__(self, tokenizer, qformer_tokenizer, image_size: int = 224,
                 image_mean: Sequence[float] = CLIP_MEAN,
                 image_std: Sequence[float] = CLIP_STD, num_query_tokens: int = 32):
        self.tokenizer = tokenizer
        self.qformer_tokenizer = qformer_tokenizer
        self.image_size = int(image_size)
        self.image_mean = tuple(float(v) for v in image_mean)
        self.image_std = tuple(float(v) for v in image_std)
        self.num_query_tokens = int(num_query_tokens)
        if IMAGE_TOKEN not in tokenizer.get_vocab():
            # older conversions lack it; transformers' InstructBlipProcessor adds it too
            tokenizer.add_tokens([IMAGE_TOKEN], special_tokens=True)
        self.image_token_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)

    def save_pretrained(self, save_directory: str) -> None:
        os.makedirs(save_directory, exist_ok=True)
        self.tokenizer.save_pretrained(save_directory)
        self.qformer_tokenizer.save_pretrained(osp.join(save_directory, 'qformer_tokenizer'))
        with open(osp.join(save_directory, PROCESSOR_CONFIG), 'w') as f:
            json.dump(dict(image_size=self.image_size, image_mean=self.image_mean,
                           image_std=self.image_std, num_query_tokens=self.num_query_tokens),
                      f, indent=2)

    @classmethod
    def from_pretrained(cls, path: str, num_query_tokens: Optional[int] = None,
                        image_size: Optional[int] = None) -> 'InstructBlipProcessorParts':
        """Load from a directory written by :meth:`save_pretrained` or by transformers
        (``InstructBlipProcessor.save_pretrained`` / a converted checkpoint)."""
        from transformers import AutoTokenizer
        if not osp.isdir(path):
            raise FileNotFoundError(
                f'processor directory {path!r} does not exist: download the InstructBLIP '
                'checkpoint once (e.g. `huggingface-cli download Salesforce/instructblip-'
                'vicuna-13b --local-dir <dir>`) and point model.processor.pretrained there')
        qformer_dir = osp.join(path, 'qformer_tokenizer')
        if not osp.isdir(qformer_dir):
            raise FileNotFoundError(f'{path!r} has no qformer_tokenizer/ folder (the '
                                    "Q-Former's BERT tokenizer of an InstructBLIP checkpoint)")
        settings = _read_image_settings(path)
        if num_query_tokens is not None:
            settings['num_query_tokens'] = num_query_tokens
        if image_size is not None:
            settings['image_size'] = image_size
        if 'num_query_tokens' not in settings:
            raise ValueError(f'{path!r}: cannot read num_query_tokens (processor_config.json '
                             'or config.json); pass num_query_tokens=32')
        return cls(AutoTokenizer.from_pretrained(path, local_files_only=True),
                   AutoTokenizer.from_pretrained(qformer_dir, local_files_only=True),
                   **settings)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(vocab={len(self.tokenizer)}, '
                f'qformer_vocab={len(self.qformer_tokenizer)}, image_size={self.image_size}, '
                f'num_query_tokens={self.num_query_tokens})')


def _read_json(path: str) -> dict:
    if not osp.isfile(path):
        return {}
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _read_image_settings(path: str) -> dict:
    """Image size / mean / std and the query count from whichever files the dir has."""
    ours = _read_json(osp.join(path, PROCESSOR_CONFIG))
    if ours:
        return ours
    out = {}
    image = _read_json(osp.join(path, 'preprocessor_config.json'))
    size = image.get('size')
    if isinstance(size, dict):
        size = size.get('height') or size.get('shortest_edge')
    if size:
        out['image_size'] = int(size)
    for key in ('image_mean', 'image_std'):
        if image.get(key):
            out[key] = image[key]
    for name in ('processor_config.json', 'config.json'):
        n = _read_json(osp.join(path, name)).get('num_query_tokens')
        if n:
            out['num_query_tokens'] = int(n)
            break
    return out


# ---------------------------------------------------------------------------------------
# tiny offline tokenizers

def _corpus(extra: Iterable[str]) -> list:
    from rscovlm.datasets.demo import demo_corpus
    from rscovlm.datasets.prompts import prompt_corpus
    from ..datasets.rsgpt_datasets import RSICAP_PROMPTS
    return sorted({*prompt_corpus(), *demo_corpus(), *RSICAP_PROMPTS, *extra})


def build_tiny_llm_tokenizer(corpus: Sequence[str], vocab_size: int = 1024):
    """A LLaMA-style (metaspace BPE, digits split) tokenizer with LAVIS's Vicuna quirks:
    ids 0/1/2 = ``<unk>``/``<s>``/``</s>``; ``</s>`` is BOS, EOS and UNK and is prepended
    to every encoded text; ``[PAD]`` and ``<image>`` are added after the vocabulary;
    truncation from the left."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    tok = train_bpe(corpus, vocab_size, ['<unk>', '<s>', '</s>'], byte_level=False)
    tok.post_processor = processors.TemplateProcessing(
        single='</s> $A', pair='</s> $A $B', special_tokens=[('</s>', 2)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token='</s>', eos_token='</s>', unk_token='</s>',
        pad_token='[PAD]', additional_special_tokens=[IMAGE_TOKEN], padding_side='right',
        truncation_side='left')


def build_tiny_qformer_tokenizer(corpus: Sequence[str], vocab_size: int = 512):
    """A BERT-style (lower-cased WordPiece) tokenizer: ``[PAD]`` = 0, ``[CLS] text [SEP]``,
    ``[DEC]`` added as BOS (as LAVIS adds it to bert-base-uncased), left truncation.

    The vocabulary is the special tokens, every character (alone and as ``##`` suffix
    piece), then the corpus's words by frequency: built directly rather than by the
    ``tokenizers`` WordPiece trainer, whose result varies from run to run (a checkpoint
    must meet the same vocabulary when the processor is rebuilt for testing).
    """
    from collections import Counter

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    normalizer = normalizers.BertNormalizer(lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = Counter(word for text in corpus for word, _ in pre_tokenizer.pre_tokenize_str(
        normalizer.normalize_str(text)))
    chars = sorted({c for word in words for c in word} |
                   set(string.ascii_lowercase + string.digits + string.punctuation))
    vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + chars + ['##' + c for c in chars]
    by_count = sorted((w for w in words if len(w) > 1), key=lambda w: (-words[w], w))
    vocab += by_count[:max(vocab_size - len(vocab), 0)]
    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token='[UNK]'))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.WordPiece()
    tok.post_processor = processors.BertProcessing(('[SEP]', 3), ('[CLS]', 2))
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token='[UNK]', pad_token='[PAD]', cls_token='[CLS]',
        sep_token='[SEP]', mask_token='[MASK]', bos_token='[DEC]', truncation_side='left')


@PROCESSORS.register_module()
def TinyInstructBlipProcessor(image_size: int = 56,  # noqa: N802 (config type name)
                              num_query_tokens: int = 8,
                              vocab_size: int = 1024,
                              qformer_vocab_size: int = 512,
                              extra_corpus: Sequence[str] = ()) -> InstructBlipProcessorParts:
    """The tiny offline InstructBLIP processor (``rscovlm.processors.build_processor``
    builds it once per config)."""
    corpus = _corpus(extra_corpus)
    return InstructBlipProcessorParts(
        build_tiny_llm_tokenizer(corpus, int(vocab_size)),
        build_tiny_qformer_tokenizer(corpus, int(qformer_vocab_size)),
        image_size=int(image_size), num_query_tokens=int(num_query_tokens))


@PROCESSORS.register_module()
def LocalInstructBlipProcessor(pretrained: str,  # noqa: N802 (config type name)
                               num_query_tokens: Optional[int] = None,
                               image_size: Optional[int] = None):
    """Load an InstructBLIP processor from a local directory (no download)."""
    return InstructBlipProcessorParts.from_pretrained(
        pretrained, num_query_tokens=num_query_tokens, image_size=image_size)


# tools/test.py reloads the processor saved beside a checkpoint with these
TinyInstructBlipProcessor.reload_type = 'LocalInstructBlipProcessor'
LocalInstructBlipProcessor.reload_type = 'LocalInstructBlipProcessor'
