"""RSICap and RSIEval read in the JSON formats RSGPT publishes (no conversion step).

* RSICap ``captions.json``: ``{"annotations": [{"image_id", "filename", "text_input",
  "text_output"}, ...]}`` -- one instruction (``text_input``) and caption
  (``text_output``) per entry;
* RSIEval ``annotations.json``: ``{"annotations": [{"filename", "caption", "qa_pairs":
  [{"question", "answer", "type"}, ...]}, ...]}`` -- one reference caption and several
  typed questions per image.

Samples are LLaVA-style single-turn conversations (``<image>`` + instruction, answer), as
rscovlm's ``CaptionDataset`` / ``VQADataset`` build them, plus what the metrics read
(``references``; ``gt_answer``, ``question_type``, ``question_id``), so the same samples
feed InstructBLIP (``ProcessInstructBlipInputs``) and Qwen2-VL (``ProcessVLMInputs``).
Texts are used raw, as RSGPT uses them.
"""
import os.path as osp
from typing import List

from mmengine.logging import print_log

from rscovlm.datasets.base import BaseVLMDataset, load_json_records, require
from rscovlm.datasets.conversation import single_turn
from rscovlm.datasets.prompts import fill_prompt
from rscovlm.registry import DATASETS

#: RSICap's instruction pool (``text_input``); the second is RSIEval's caption prompt
RSICAP_PROMPTS = (
    'Take a look at this image and describe what you notice.',
    'Please provide a detailed description of the picture.',
    'Could you describe the contents of this image for me?',
    'Describe this image in detail.',
)


def load_annotations(path: str) -> list:
    """The ``annotations`` list of an RSGPT JSON file; errors name the file."""
    data = load_json_records(path)
    if not isinstance(data, dict) or not isinstance(data.get('annotations'), list):
        raise ValueError(f'{path}: expected a JSON object {{"annotations": [...]}} (RSGPT\'s '
                         'captions.json / annotations.json format)')
    return data['annotations']


@DATASETS.register_module()
class RSICapDataset(BaseVLMDataset):
    """RSICap (RSGPT's fine-tuning data, ``captions.json``): one sample per annotation.

    The instruction is the entry's own ``text_input`` (RSICap draws it from a small prompt
    pool), the answer its ``text_output``; ``references`` = ``[text_output]``.

    Args:
        prompt: ``None`` (default) asks each entry's ``text_input``, as RSGPT trains; a
            prompt name or template (``'caption_detailed'``) asks the same for all.
    """

    default_task = 'caption'

    def load_data_list(self) -> List[dict]:
        out = []
        for k, ann in enumerate(load_annotations(self.ann_file)):
            where = f'{self.ann_file} annotation {k}'
            require(ann, ('filename', 'text_output') +
                    (('text_input', ) if self.prompt is None else ()), where)
            image = str(ann['filename'])
            question = ann['text_input'] if self.prompt is None else fill_prompt(self.prompt)
            caption = str(ann['text_output'])
            out.append(dict(
                img_path=self.img_path(image),
                img_id=str(ann.get('image_id', osp.splitext(image)[0])),
                conversations=single_turn(question, caption),
                gt_answer=caption, references=[caption]))
        return out


@DATASETS.register_module()
class RSIEvalCaptionDataset(BaseVLMDataset):
    """RSIEval captioning: one sample per image, images in file-name order (RSGPT's
    ``test.py --task ic`` walks the sorted image folder), ``references`` = the image's
    one ``caption``. The instruction is RSGPT's fixed caption prompt (``prompt``,
    default ``'caption_detailed'``: "Please provide a detailed description of the
    picture.")."""

    default_task = 'caption'
    default_prompt = 'caption_detailed'

    def load_data_list(self) -> List[dict]:
        question = fill_prompt(self.prompt)
        out = []
        for k, ann in enumerate(load_annotations(self.ann_file)):
            require(ann, ('filename', 'caption'), f'{self.ann_file} annotation {k}')
            image, caption = str(ann['filename']), str(ann['caption'])
            out.append(dict(img_path=self.img_path(image), img_id=osp.splitext(image)[0],
                            conversations=single_turn(question, caption),
                            gt_answer=caption, references=[caption]))
        return sorted(out, key=lambda r: osp.basename(r['img_path']))


@DATASETS.register_module()
class RSIEvalVQADataset(BaseVLMDataset):
    """RSIEval VQA: one sample per question, in the file's order.

    Pairs whose question is empty (or blank) are skipped, as RSGPT's ``test.py`` does;
    the count is logged. ``question_id`` is ``{filename}_{k}`` with ``k`` the pair's
    index in ``qa_pairs`` (skipped pairs keep their index; the ids of
    ``tools/dataset_converters/rsgpt.py``), ``question_type`` the pair's ``type``. The
    instruction is the raw question (``prompt``, default ``'vqa_raw'``).
    """

    default_task = 'vqa'
    default_prompt = 'vqa_raw'

    def load_data_list(self) -> List[dict]:
        out, skipped = [], 0
        for k, ann in enumerate(load_annotations(self.ann_file)):
            where = f'{self.ann_file} annotation {k}'
            require(ann, ('filename', ), where)
            image = str(ann['filename'])
            for j, qa in enumerate(ann.get('qa_pairs') or []):
                require(qa, ('question', 'answer'), f'{where} qa_pairs[{j}]')
                question = str(qa['question'])
                if not question.strip():
                    skipped += 1
                    continue
                answer = str(qa['answer'])
                out.append(dict(
                    img_path=self.img_path(image), img_id=osp.splitext(image)[0],
                    question=question, gt_answer=answer, question_type=qa.get('type'),
                    question_id=f'{image}_{j}',
                    conversations=single_turn(fill_prompt(self.prompt, question=question),
                                              answer)))
        print_log(f'RSIEval VQA {self.ann_file}: {len(out)} questions, {skipped} empty '
                  'questions skipped', logger='current')
        return out
