"""docs/answer_formats.md shows the codecs' own output: its examples and system prompts
are checked against the codecs, so the page cannot drift from the code."""
import os.path as osp
import re

import numpy as np
import pytest

from rscovlm.codecs import HBoxCodec, QBoxCodec, RBoxCodec

DOC = osp.join(osp.dirname(__file__), '..', '..', 'docs', 'answer_formats.md')
POLYS = np.array([[120.6, 40.2, 180.9, 70.1, 165.3, 100.8, 105.0, 71.4],
                  [30, 30, 60, 30, 60, 50, 30, 50]], float)
NAMES = ['plane', 'small vehicle']


def _doc():
    with open(DOC, encoding='utf-8') as f:
        return f.read()


def _code_blocks(text):
    return re.findall(r'^```\n(.*?)^```$', text, flags=re.M | re.S)


@pytest.mark.parametrize('codec', [QBoxCodec, RBoxCodec, HBoxCodec])
def test_plain_examples_are_the_codec_output(codec):
    answer = codec(fmt='plain').encode(POLYS, NAMES)
    assert answer in _code_blocks(_doc())
    parsed = codec(fmt='plain').decode(answer, NAMES)
    assert parsed.labels.tolist() == [1, 0]


def test_json_example_is_the_codec_output():
    answer = RBoxCodec(fmt='json').encode(POLYS, NAMES)
    assert answer.replace('\t', '') in _doc().replace('\t', '')


@pytest.mark.parametrize('codec', [QBoxCodec, RBoxCodec, HBoxCodec])
@pytest.mark.parametrize('fmt', ['plain', 'json'])
def test_system_prompts_are_quoted_exactly(codec, fmt):
    prompt = codec(fmt=fmt).system_prompt
    flat = ' '.join(_doc().split())
    if prompt is None:
        assert f'`{codec.__name__}` none' in flat
    else:
        assert f'*"{prompt}"*' in flat
