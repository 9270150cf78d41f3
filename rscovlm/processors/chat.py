"""The chat layout of Qwen2-VL models: special tokens, the chat template, prompt ids and
label masking.

Every turn is ``IM_START + role + '\\n' + content + TURN_END``; an image item of the
content is ``VISION_START + IMAGE_PAD + VISION_END`` (in token ids the one ``IMAGE_PAD``
becomes one per merged image patch); a conversation that does not open with a system turn
gets ``DEFAULT_SYSTEM``; a conversation that does not end with the assistant gets the
generation prompt ``IM_START + 'assistant\\n'``. :data:`CHAT_TEMPLATE` is that layout as
the Jinja template the tiny tokenizer carries.

Prompt ids are written by the tokenizer's own chat template (:func:`encode_chat`), the
way transformers' ``processor.apply_chat_template`` writes them: a checkpoint folder's
template (Qwen2.5-VL-7B-Instruct, RSCoVLM-7B-2512, a fine-tuned model's own) is the one
used, in training and in generation alike. ``tests/test_models/test_hf_import.py`` checks
the ids against transformers' processor.
"""
from typing import List, Sequence, Tuple

PAD_TOKEN = '<|endoftext|>'
IM_START = '<|im_start|>'
IM_END = '<|im_end|>'
VISION_START = '<|vision_start|>'
VISION_END = '<|vision_end|>'
IMAGE_PAD = '<|image_pad|>'
VIDEO_PAD = '<|video_pad|>'
#: Qwen2-VL's special tokens, in the order of their ids in a tokenizer built here
SPECIAL_TOKENS = (PAD_TOKEN, IM_START, IM_END, VISION_START, VISION_END, IMAGE_PAD,
                  VIDEO_PAD)

#: the system turn of a conversation that brings none (Qwen2-VL's default)
DEFAULT_SYSTEM = 'You are a helpful assistant.'
#: label of a token that carries no loss (PyTorch's ``cross_entropy`` default)
IGNORE_INDEX = -100

#: what closes every turn; the newline after ``IM_END`` carries no loss
TURN_END = IM_END + '\n'
#: an image item of a message, with one ``IMAGE_PAD`` (the token ids repeat it)
IMAGE_ITEM = VISION_START + IMAGE_PAD + VISION_END


def role_header(role: str) -> str:
    """The opening of a ``role`` turn (``IM_START`` + role + newline)."""
    return f'{IM_START}{role}\n'


#: appended after the last turn when the assistant is to answer
GENERATION_PROMPT = role_header('assistant')

#: the plain text the layout itself writes (roles, default system): a tiny tokenizer's
#: corpus starts with it
LAYOUT_TEXT = f'system\n{DEFAULT_SYSTEM}\nuser\nassistant\n'

CHAT_TEMPLATE = ''.join([
    "{% for message in messages %}",
    "{% if loop.first and message['role'] != 'system' %}",
    role_header('system'), DEFAULT_SYSTEM, TURN_END,
    '{% endif %}',
    role_header("{{ message['role'] }}"),
    "{% if message['content'] is string %}{{ message['content'] }}",
    "{% else %}{% for content in message['content'] %}",
    "{% if content['type'] == 'image' %}", IMAGE_ITEM,
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}",
    '{% endfor %}{% endif %}',
    TURN_END,
    '{% endfor %}',
    '{% if add_generation_prompt %}', GENERATION_PROMPT, '{% endif %}',
])


#: tokens of the vision layout, never supervised (not even inside an assistant turn)
VISION_TOKENS = (VISION_START, VISION_END, IMAGE_PAD, VIDEO_PAD)


def render_chat(tokenizer, messages: Sequence[dict], add_generation_prompt: bool) -> str:
    """The text of ``messages`` written by ``tokenizer.chat_template`` (one image item:
    one ``IMAGE_PAD``)."""
    if not getattr(tokenizer, 'chat_template', None):
        raise ValueError(
            f'the tokenizer {getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__!r}'
            ' has no chat template: a Hugging Face checkpoint folder brings one in '
            'chat_template.json, chat_template.jinja or tokenizer_config.json; copy the '
            "base model's chat_template.jinja into the folder")
    return tokenizer.apply_chat_template(
        [dict(m) for m in messages], tokenize=False,
        add_generation_prompt=add_generation_prompt)


def _supervised_spans(tokenizer, messages: Sequence[dict], text: str) -> List[Tuple[int, int]]:
    """Character spans of ``text`` (the whole conversation) that carry loss: each
    assistant turn's content and its closing ``IM_END``.

    A turn's span is what rendering the conversation up to and including that turn adds
    to rendering the conversation before it with the generation prompt, up to its last
    ``IM_END``; the template must render every conversation as a prefix of its
    continuations (Qwen2-VL's and Qwen2.5-VL's do)."""
    spans = []
    for i, message in enumerate(messages):
        if message['role'] != 'assistant':
            continue
        before = render_chat(tokenizer, messages[:i], add_generation_prompt=True)
        upto = render_chat(tokenizer, messages[:i + 1], add_generation_prompt=False)
        if not (upto.startswith(before) and text.startswith(upto)):
            raise ValueError(
                'the chat template does not write a conversation as the prefix of its '
                f'continuation (at turn {i}, an assistant turn), so rscovlm cannot tell '
                'which tokens are the answer; use a template that renders every earlier '
                "turn unchanged (as Qwen2.5-VL's does)")
        end = upto.rfind(IM_END, len(before))
        spans.append((len(before), end + len(IM_END) if end >= 0 else len(upto)))
    return spans


def encode_chat(tokenizer,
                messages: Sequence[dict],
                image_tokens: Sequence[int] = ()) -> Tuple[List[int], List[int]]:
    """Token ids and labels of a conversation, written by the tokenizer's chat template.

    The ids are those of transformers' ``processor.apply_chat_template(messages,
    tokenize=True, add_generation_prompt=...)``: the template's text tokenized as a whole,
    each image's ``IMAGE_PAD`` repeated ``image_tokens[k]`` times (the merged patches of
    the k-th image). The generation prompt is added when the last turn is not the
    assistant's.

    Labels equal the ids on each assistant turn's content and its closing ``IM_END``,
    :data:`IGNORE_INDEX` elsewhere (system and user turns, role headers, the newline after
    ``IM_END``, every vision token).

    Args:
        tokenizer: a fast tokenizer with a chat template (``processor.tokenizer``).
        messages: ``role`` / ``content`` turns; content is a string or a list of
            ``dict(type='text', text=...)`` and ``dict(type='image')`` items.
        image_tokens: the number of image tokens of each image, in message order.
    """
    add_generation_prompt = not messages or messages[-1]['role'] != 'assistant'
    text = render_chat(tokenizer, messages, add_generation_prompt)
    spans = _supervised_spans(tokenizer, messages, text)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids_of = tokenizer.convert_tokens_to_ids
    image_pad = ids_of(IMAGE_PAD)
    never = {ids_of(t) for t in VISION_TOKENS}
    n_pads = sum(1 for t in enc['input_ids'] if t == image_pad)
    if n_pads != len(image_tokens):
        raise ValueError(f'the chat template wrote {n_pads} image placeholder(s) for '
                         f'{len(image_tokens)} image(s)')
    ids: List[int] = []
    labels: List[int] = []
    k = 0
    for token, (start, _) in zip(enc['input_ids'], enc['offset_mapping']):
        if token == image_pad:
            ids.extend([token] * int(image_tokens[k]))
            labels.extend([IGNORE_INDEX] * int(image_tokens[k]))
            k += 1
            continue
        ids.append(token)
        supervised = token not in never and any(a <= start < b for a, b in spans)
        labels.append(token if supervised else IGNORE_INDEX)
    return ids, labels
