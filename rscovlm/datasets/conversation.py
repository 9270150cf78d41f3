"""Conversation-style datasets: LLaVA instruction data, captioning, VQA and scene
classification. Each record becomes LLaVA ``conversations`` (``from``/``value`` turns with
``<image>`` placeholders) that ``RenderConversation`` turns into chat messages, plus the
ground truth the task's metric reads (``gt_answer``, ``references``, ``question_type`` ...).
Formats: ``docs/data_formats.md``."""
import os
import os.path as osp
from typing import List, Optional

from rscovlm.registry import DATASETS
from .base import BaseVLMDataset, load_json_records, require
from .prompts import fill_prompt
from .transforms.render_conversation import IMAGE_TOKEN

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp')


def single_turn(question: str, answer: str) -> List[dict]:
    """An image-first user turn and its answer, in LLaVA form."""
    return [dict(role='user', content='<image>' + question),
            dict(role='assistant', content=answer)]


@DATASETS.register_module()
class ConversationDataset(BaseVLMDataset):
    """Generic instruction data in LLaVA format (VHM, GeoChat, LLaVA-OneVision style).

    Records: ``{"id", "image": path | [paths] | absent, "conversations": [{"from", "value"},
    ...], "task": optional}``. Multi-turn and several images are supported; a record
    tagged with ``task`` reports under that task, others under the dataset's ``task``.

    Args:
        ann_file: LLaVA JSON list or JSONL.
        box_grid: ``100`` when boxes are written in the text as ``[x1, y1, x2, y2]`` on a
            0-100 grid (GeoChat, TEOChat): ``RenderConversation`` converts them into
            pixels of the resized image as RSCoVLM trains them. ``None`` leaves text as is.
    """

    default_task = 'conversation'

    def __init__(self, *args, box_grid: Optional[int] = None, **kwargs) -> None:
        self.box_grid = box_grid
        super().__init__(*args, **kwargs)

    @property
    def tasks(self) -> tuple:
        return tuple(sorted(self._tasks)) if getattr(self, '_tasks', None) else (self.task, )

    def load_data_list(self) -> List[dict]:
        out = []
        self._tasks = set()
        for k, rec in enumerate(load_json_records(self.ann_file)):
            where = f'{self.ann_file} record {k}'
            require(rec, ('conversations', ), where)
            images = rec.get('image')
            if isinstance(images, str):
                images = [images]
            turns = []
            for turn in rec['conversations']:
                require(turn, ('from', 'value'), where)
                turns.append(dict(role=turn['from'], content=turn['value']))
            if images and not any(IMAGE_TOKEN in t['content'] for t in turns):
                first_user = next((t for t in turns if t['role'] in ('human', 'user')), None)
                if first_user is None:
                    raise ValueError(f'{where}: has images but no user turn to put them in')
                first_user['content'] = (IMAGE_TOKEN + '\n') * len(images) + \
                    first_user['content']
            info = dict(img_id=str(rec.get('id', k)), conversations=turns,
                        task=rec.get('task', self.task), box_grid=self.box_grid)
            self._tasks.add(info['task'])
            if images:
                info['img_paths'] = [self.img_path(p) for p in images]
            out.append(info)
        return out


@DATASETS.register_module()
class CaptionDataset(BaseVLMDataset):
    """Image captioning (RSICap, UCM/Sydney/RSICD/NWPU captions, VRSBench captions).

    Records: ``{"image", "captions": [...], "image_id": optional}``. Training yields one
    sample per caption; testing one sample per image with every caption in
    ``references``. Region captioning records add ``"question"`` (the region, filled
    into the prompt's ``{question}``) and ``"question_id"``: one sample per region.

    Args:
        prompt: ``'caption'`` (``Describe the image``, RSCoVLM) by default;
            ``'caption_detailed'`` is RSGPT's prompt, ``'region_caption'`` GeoChat's.
    """

    default_task = 'caption'
    default_prompt = 'caption'

    def load_data_list(self) -> List[dict]:
        out = []
        for k, rec in enumerate(load_json_records(self.ann_file)):
            require(rec, ('image', 'captions'), f'{self.ann_file} record {k}')
            captions = [rec['captions']] if isinstance(rec['captions'], str) else rec['captions']
            base = dict(img_path=self.img_path(rec['image']),
                        img_id=str(rec.get('image_id', osp.splitext(rec['image'])[0])),
                        references=list(captions))
            if 'question' in rec:  # a region of the image
                base.update(question=rec['question'], question_id=rec.get('question_id', k))
                question = fill_prompt(self.prompt, question=rec['question'])
            else:
                question = fill_prompt(self.prompt)
            answers = captions[:1] if self.test_mode else captions
            for caption in answers:
                out.append(dict(base, conversations=single_turn(question, caption),
                                gt_answer=caption))
        return out


@DATASETS.register_module()
class VQADataset(BaseVLMDataset):
    """Visual question answering (RSIEval, VRSBench, RSVQA, the demo's questions).

    Records: ``{"image", "question", "answer", "type": optional, "question_id": optional}``.

    Args:
        prompt: ``'vqa'`` appends RSCoVLM's short-answer instruction; ``'vqa_raw'`` asks
            the bare question (RSGPT).
    """

    default_task = 'vqa'
    default_prompt = 'vqa'

    def load_data_list(self) -> List[dict]:
        out = []
        for k, rec in enumerate(load_json_records(self.ann_file)):
            require(rec, ('image', 'question', 'answer'), f'{self.ann_file} record {k}')
            question = fill_prompt(self.prompt, question=rec['question'])
            out.append(dict(
                img_path=self.img_path(rec['image']),
                img_id=osp.splitext(rec['image'])[0],
                question=rec['question'], gt_answer=str(rec['answer']),
                question_type=rec.get('type'), question_id=rec.get('question_id', k),
                conversations=single_turn(question, str(rec['answer']))))
        return out


@DATASETS.register_module()
class ClassificationDataset(BaseVLMDataset):
    """Scene classification (AID, NWPU-RESISC45, UCMerced, the demo's scenes).

    ``ann_file`` is a JSON file ``{"classes": [...], "images": [{"image", "label"}]}``, or
    empty: then every sub-folder of ``data_prefix.img_path`` is a class (sorted names)
    holding its images. The prompt lists the classes as RSCoVLM does
    (``Classify the image within one of the given classes:a,b,c.``); the answer is the
    class name. An image may carry ``"answer"``, the benchmark's own spelling of its
    ground truth where it differs from the class name (GeoChat's 'bareland' for
    ' bare land'): it becomes ``gt_answer``, which ``ClassificationMetric`` scores.
    """

    default_task = 'cls'
    default_prompt = 'cls'

    def load_data_list(self) -> List[dict]:
        if self.ann_file:
            data = load_json_records(self.ann_file)
            require(data, ('classes', 'images'), self.ann_file)
            classes = list(data['classes'])
            items = [(r['image'], r['label'], r.get('answer')) for r in data['images']]
        else:
            root = self.data_prefix.get('img_path', '')
            if not osp.isdir(root):
                raise FileNotFoundError(f'class folder root {root!r} does not exist; check '
                                        'data_root and data_prefix.img_path')
            classes = sorted(d for d in os.listdir(root) if osp.isdir(osp.join(root, d)))
            items = [(osp.join(c, f), c, None) for c in classes
                     for f in sorted(os.listdir(osp.join(root, c)))
                     if f.lower().endswith(IMG_EXTENSIONS)]
        self._metainfo['classes'] = tuple(classes)
        question = fill_prompt(self.prompt, classes=','.join(classes))
        out = []
        for image, label, answer in items:
            if label not in classes:
                raise KeyError(f'{self.ann_file or image}: label {label!r} of {image!r} is not '
                               f'one of the classes {classes}')
            out.append(dict(img_path=self.img_path(image), img_id=osp.splitext(image)[0],
                            gt_label=classes.index(label),
                            gt_answer=label if answer is None else str(answer),
                            classes=tuple(classes),
                            conversations=single_turn(question, label)))
        return out
