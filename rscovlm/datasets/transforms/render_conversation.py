import re
from typing import List, Optional, Tuple

from mmcv.transforms import BaseTransform

from rscovlm.registry import TRANSFORMS

ROLES = dict(human='user', user='user', gpt='assistant', assistant='assistant',
             system='system')
IMAGE_TOKEN = '<image>'
# a bracketed list of ints, e.g. "[12, 40, 56, 80]" (boxes on GeoChat's 0-100 grid)
_INT_LIST = re.compile(r'\[(\d+(?:,\s*\d+)*)\]')
_BOXES_ONLY = re.compile(r'^\s*\[\s*\d+(?:\s*,\s*\d+){3}\s*\](?:\s*,\s*\[\s*\d+(?:\s*,\s*\d+){3}\s*\])*\s*$')
# boilerplate of GeoChat's grounding questions, stripped to recover the category
_BOILERPLATE = re.compile(
    r'\[(?:refer|grounding|identify|detection)\]|include bounding boxes of the form.*$|'
    r'answer with a box\.?|identify|give (?:me )?the location of|the location of|where is|'
    r'where are|locate|find|\d+|\ball\b|\?', re.IGNORECASE)


def grid_to_pixels(text: str, width: int, height: int, grid: int = 100) -> str:
    """Rewrite every ``[x1, y1, x2, y2]`` on a ``grid`` x ``grid`` scale into ints of a
    ``width`` x ``height`` image (``int(v * size / grid)``, RSCoVLM's conversion)."""

    def convert(match):
        values = [int(v) for v in match.group(1).split(',')]
        if len(values) % 4:
            return match.group(0)
        out = [int(v * (width if i % 2 == 0 else height) / grid) for i, v in enumerate(values)]
        return '[' + ', '.join(map(str, out)) + ']'

    return _INT_LIST.sub(convert, text)


def boxes_answer(answer: str, question: str) -> Optional[str]:
    """An answer made only of boxes, rewritten as the plain detection format
    ``x1,y1,x2,y2 {category}`` per line (category recovered from the question), as
    RSCoVLM rewrites GeoChat's grounding answers; ``None`` for other answers."""
    if not _BOXES_ONLY.match(answer.rstrip('.')):
        return None
    category = ' '.join(_BOILERPLATE.sub(' ', question.replace(IMAGE_TOKEN, ' ')).split())
    category = category.strip(' .,:') or 'object'
    boxes = re.findall(r'\[([^\]]*)\]', answer)
    return ''.join(','.join(v.strip() for v in b.split(',')) + f' {category}\n' for b in boxes)


def _grid_boxes(text: str) -> List[List[int]]:
    """The ``[x1, y1, x2, y2]`` grid boxes of an answer made only of boxes, else ``[]``."""
    if not _BOXES_ONLY.match(text.rstrip('.')):
        return []
    return [[int(v) for v in b.split(',')] for b in re.findall(r'\[([^\]]*)\]', text)]


def split_images(text: str) -> List[dict]:
    """Content items of one turn: ``<image>`` placeholders become image items in place
    (``<image>\\n`` counts as ``<image>``), the text between them text items."""
    items = []
    for k, part in enumerate(text.replace(IMAGE_TOKEN + '\n', IMAGE_TOKEN).split(IMAGE_TOKEN)):
        if k > 0:
            items.append(dict(type='image'))
        if part:
            items.append(dict(type='text', text=part))
    return items


@TRANSFORMS.register_module()
class RenderConversation(BaseTransform):
    """Turn LLaVA-style ``conversations`` (``role``/``content`` turns with ``<image>``
    placeholders) into chat ``messages``.

    Every assistant turn is supervised in training. With ``with_answer=False``
    (generation) the conversation ends at the last user turn and the final answer is kept
    as ``gt_answer``. For datasets with ``box_grid`` (GeoChat-style text boxes on a 0-100
    grid) boxes are converted into pixels of the resized first image — after
    ``SmartResize``, so a random resize rescales them too — and answers made only of boxes
    become the plain detection format.

    At test time (``with_answer=False``) a ``box_grid`` conversation whose final answer
    is made only of boxes also gets them as ground truth: ``instances`` (the boxes in the
    original image's pixels, ``x / grid * W``) and ``region_type='hbox'``, so
    ``GroundingMetric(task='conversation')`` scores the answer like a grounding one.

    Required keys: ``conversations``; ``img_shape`` (the resized first image) for
    ``box_grid``.
    Added: ``messages``, ``gt_text`` (the last answer), ``gt_answer`` (unless the dataset
    set it), ``task``; ``instances`` / ``region_type`` as above.
    """

    def __init__(self, with_answer: bool = True) -> None:
        self.with_answer = with_answer

    def transform(self, results: dict) -> dict:
        grid = results.get('box_grid')
        size: Tuple[int, int] = None
        if grid and 'img_shape' in results:  # text-only samples have no frame to map to
            height, width = results['img_shape'][:2]
            size = (width, height)
        messages, last_question, last_raw = [], '', ''
        for turn in results['conversations']:
            role = ROLES.get(turn['role'])
            if role is None:
                raise ValueError(f"sample {results.get('img_id')!r}: unknown role "
                                 f"{turn['role']!r}; expected one of {sorted(ROLES)}")
            text = turn['content']
            if role == 'assistant':
                last_raw = text
            if size is not None:
                text = grid_to_pixels(text, *size, grid=grid)
                if role == 'assistant':
                    text = boxes_answer(text, last_question) or text
            if role == 'user':
                last_question = text
            if role == 'system':
                messages.append(dict(role=role, content=text))
            else:
                messages.append(dict(role=role, content=split_images(text)))
        answer = ''
        if messages and messages[-1]['role'] == 'assistant':
            answer = ''.join(c['text'] for c in messages[-1]['content'] if c['type'] == 'text')
            if not self.with_answer:
                messages = messages[:-1]
                if size is not None and 'instances' not in results:
                    self._grid_boxes_as_gt(results, last_raw, grid)
        results['messages'] = messages
        results['gt_text'] = answer
        results.setdefault('gt_answer', answer)
        results['task'] = results.get('task', 'conversation')
        return results

    @staticmethod
    def _grid_boxes_as_gt(results: dict, answer: str, grid: int) -> None:
        boxes = _grid_boxes(answer)
        if not boxes:
            return
        height, width = results.get('ori_shape', results['img_shape'])[:2]
        results['instances'] = []
        for x1, y1, x2, y2 in boxes:
            x1, x2 = x1 * width / grid, x2 * width / grid
            y1, y2 = y1 * height / grid, y2 * height / grid
            results['instances'].append(dict(bbox=[x1, y1, x2, y1, x2, y2, x1, y2],
                                             bbox_label=0, ignore_flag=0))
        results.setdefault('region_type', 'hbox')
