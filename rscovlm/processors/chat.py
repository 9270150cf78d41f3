"""The chat layout of Qwen2-VL models: special tokens, the one chat template, label masking.

Every turn is ``IM_START + role + '\\n' + content + TURN_END``; an image item of the
content is ``VISION_START + IMAGE_PAD + VISION_END`` (in token ids the one ``IMAGE_PAD``
becomes one per merged image patch); a conversation that does not open with a system turn
gets ``DEFAULT_SYSTEM``; a conversation that does not end with the assistant gets the
generation prompt ``IM_START + 'assistant\\n'``.

Two writers use these pieces: :data:`CHAT_TEMPLATE` (the Jinja template a tokenizer
carries, for ``apply_chat_template`` and for anyone who loads a saved tokenizer) is built
from them below, and ``ProcessVLMInputs`` writes the same layout span by span so that its
label mask is exact. ``tests/test_processors/test_chat.py`` checks that the two agree.
"""
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
