"""Processors: tokenizer + image processor, built once per config, and the chat constants.

A leaf of the package (it imports nothing of rscovlm but the registry): datasets and models
both use it, neither imports the other. Builders register in ``PROCESSORS``; configs name
them under ``model.processor``.
"""
from .builder import (build_processor, model_processor_cfg, saved_processor_cfg,
                      set_model_processor)
from .chat import CHAT_TEMPLATE, DEFAULT_SYSTEM, IGNORE_INDEX, SPECIAL_TOKENS
from .qwen2_vl import PretrainedProcessor, TinyQwen2VLProcessor, VLProcessor, pixel_range
from .tiny_tokenizer import build_tiny_tokenizer, iter_corpus, train_bpe

__all__ = [
    'build_processor', 'model_processor_cfg', 'saved_processor_cfg', 'set_model_processor',
    'CHAT_TEMPLATE', 'DEFAULT_SYSTEM', 'IGNORE_INDEX', 'SPECIAL_TOKENS',
    'PretrainedProcessor', 'TinyQwen2VLProcessor', 'VLProcessor', 'pixel_range',
    'build_tiny_tokenizer', 'iter_corpus', 'train_bpe'
]
