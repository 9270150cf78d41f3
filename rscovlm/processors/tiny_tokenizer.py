"""Tiny tokenizers trained offline in well under a second, for tests and the demo.

The corpus is handed in by the caller: texts, or configs naming corpus functions
registered in ``FUNCTIONS`` (``dict(type='tokenizer_corpus')``: every prompt, system prompt
and class name rscovlm writes; ``dict(type='demo_corpus')``: the generated demo's words).
This package imports nothing that writes conversations, so datasets and models can both
use it.
"""
import string
from typing import Iterable, Iterator, Sequence

from rscovlm.registry import FUNCTIONS

from .chat import CHAT_TEMPLATE, IM_END, LAYOUT_TEXT, PAD_TOKEN, SPECIAL_TOKENS

#: SentencePiece's word-start mark (LLaMA-style tokenizers)
METASPACE = '\u2581'


def iter_corpus(corpus) -> Iterator[str]:
    """The texts of a corpus: a string, a callable returning texts, a config dict naming
    a function registered in ``FUNCTIONS`` that returns texts, or a list of these."""
    if corpus is None:
        return
    if isinstance(corpus, str):
        yield corpus
    elif isinstance(corpus, dict):
        yield from iter_corpus(FUNCTIONS.build(dict(corpus)))
    elif callable(corpus):
        yield from iter_corpus(corpus())
    else:
        for item in corpus:
            yield from iter_corpus(item)


def train_bpe(corpus: Iterable[str], vocab_size: int, special_tokens: Sequence[str],
              byte_level: bool = True):
    """A BPE ``tokenizers.Tokenizer`` trained on the distinct texts of ``corpus``, digits
    split one per token (as Qwen's and LLaMA's tokenizers do).

    Args:
        corpus: texts (order and repeats do not matter).
        vocab_size: the most tokens, special tokens included.
        special_tokens: tokens that get the first ids, in this order.
        byte_level: GPT-2 / Qwen byte-level pieces (every byte has a token: nothing is
            unknown); ``False``: SentencePiece / LLaMA-style pieces (``▁`` marks a word
            start, ``special_tokens[0]`` stands for unknown characters).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    digits = pre_tokenizers.Digits(individual_digits=True)
    if byte_level:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            digits, pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
        tok.decoder = decoders.ByteLevel()
        alphabet = pre_tokenizers.ByteLevel.alphabet()
    else:
        tok = Tokenizer(models.BPE(unk_token=special_tokens[0]))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme='first'), digits])
        tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme='first')
        alphabet = list(string.ascii_letters + string.digits + string.punctuation) + [METASPACE]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=1, special_tokens=list(special_tokens),
        initial_alphabet=alphabet, show_progress=False)
    tok.train_from_iterator(sorted(set(corpus)), trainer=trainer)
    return tok


def build_tiny_tokenizer(corpus: Iterable[str] = (), vocab_size: int = 1024):
    """A Qwen2-VL-style tokenizer (byte-level BPE, Qwen2-VL's special tokens and chat
    template, left padding) trained on the chat layout's own text plus ``corpus``."""
    from transformers import PreTrainedTokenizerFast
    tok = train_bpe([LAYOUT_TEXT, *iter_corpus(corpus)], vocab_size, SPECIAL_TOKENS)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=IM_END, pad_token=PAD_TOKEN,
        additional_special_tokens=list(SPECIAL_TOKENS[1:]), chat_template=CHAT_TEMPLATE,
        padding_side='left')
