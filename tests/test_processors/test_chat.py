"""The one chat layout: the tokenizer's Jinja template (``CHAT_TEMPLATE``) and the span
writer of ``ProcessVLMInputs`` (which masks labels) write the same text."""
import numpy as np
import pytest

from rscovlm.datasets.transforms import ProcessVLMInputs
from rscovlm.processors import CHAT_TEMPLATE, DEFAULT_SYSTEM, IGNORE_INDEX
from rscovlm.processors.chat import IMAGE_PAD

IMAGE = dict(type='image')


def text(t):
    return dict(type='text', text=t)


CONVERSATIONS = {
    'no system, image, answer': [
        dict(role='user', content=[IMAGE, text('find the plane')]),
        dict(role='assistant', content='1,2,3,4 plane')],
    'own system, string content, generation prompt': [
        dict(role='system', content='Answer briefly.'),
        dict(role='user', content='how many ships?')],
    'two images, two turns': [
        dict(role='user', content=[text('compare '), IMAGE, text(' and '), IMAGE]),
        dict(role='assistant', content=[text('the first')]),
        dict(role='user', content='why?'),
        dict(role='assistant', content='more ships')],
}


@pytest.mark.parametrize('name', sorted(CONVERSATIONS))
def test_template_and_span_writer_agree(name, tiny_cfg, tiny_processor):
    messages = CONVERSATIONS[name]
    n_images = sum(c == IMAGE for m in messages if isinstance(m['content'], list)
                   for c in m['content'])
    tok = tiny_processor.tokenizer
    assert tok.chat_template == CHAT_TEMPLATE
    out = ProcessVLMInputs(processor=tiny_cfg.processor)(dict(
        messages=messages, img=[np.zeros((56, 56, 3), np.uint8)] * n_images))
    answer_last = messages[-1]['role'] == 'assistant'
    expected = tok.apply_chat_template(messages, tokenize=False,
                                       add_generation_prompt=not answer_last)
    # 56 x 56 -> 4 x 4 patches -> 2 x 2 merged tokens per image
    assert tok.decode(out['input_ids']) == expected.replace(IMAGE_PAD, IMAGE_PAD * 4)
    assert (DEFAULT_SYSTEM in expected) == (messages[0]['role'] != 'system')
    supervised = out['input_ids'][out['labels'] != IGNORE_INDEX]
    answers = [m['content'] if isinstance(m['content'], str) else m['content'][0]['text']
               for m in messages if m['role'] == 'assistant']
    assert tok.decode(supervised) == ''.join(a + '<|im_end|>' for a in answers)
