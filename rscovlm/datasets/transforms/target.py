from typing import Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from rscovlm.codecs import format_categories, normalize_class_name
from rscovlm.datasets.prompts import get_prompt
from rscovlm.registry import CODECS, TRANSFORMS


@TRANSFORMS.register_module()
class RenderDetTarget(BaseTransform):
    """Write a detection sample as a conversation: system prompt of the box format,
    ``find the {categories}`` with the image, and the answer rendered by the codec.

    Required keys: ``instances`` (``bbox`` 8 floats in original pixels, ``bbox_label``),
    ``classes``, ``scale_factor`` (from ``SmartResize``).
    Added: ``messages``, ``gt_text``, ``codec`` (its config, so the model and the metric
    parse the answer with the same codec), ``task``.

    Args:
        codec: box codec config, e.g. ``dict(type='QBoxCodec')``.
        prompt: a registered template name (``'det_train'``, ``'det_eval'``) or a template
            with ``{categories}``.
        with_answer: add the assistant turn (training); ``False`` for generation.
        classes: the class list to prompt with; default the dataset's.
        system_prompt: ``True`` uses the codec's upstream system prompt, ``False`` leaves
            the chat template's default, a string replaces it.
    """

    def __init__(self,
                 codec: dict = dict(type='QBoxCodec'),
                 prompt: str = 'det_train',
                 with_answer: bool = True,
                 classes: Optional[Sequence[str]] = None,
                 system_prompt: Union[bool, str] = True) -> None:
        self.codec_cfg = dict(codec)
        self.codec = CODECS.build(dict(codec))
        self.template = get_prompt(prompt)
        self.with_answer = with_answer
        self.classes = classes
        if system_prompt is True:
            system_prompt = self.codec.system_prompt
        self.system_prompt = system_prompt or None

    def transform(self, results: dict) -> dict:
        classes = [normalize_class_name(c) for c in (self.classes or results['classes'])]
        rank = {name: i for i, name in enumerate(sorted(classes))}
        instances = results.get('instances', [])
        w_scale, h_scale = results.get('scale_factor', (1.0, 1.0))
        polys = np.array([i['bbox'] for i in instances], np.float64).reshape(-1, 8)
        polys[:, 0::2] *= w_scale
        polys[:, 1::2] *= h_scale
        names = [classes[i['bbox_label']] for i in instances]
        answer = self.codec.encode(polys, names, ranks=[rank[n] for n in names])

        messages = []
        if self.system_prompt:
            messages.append(dict(role='system', content=self.system_prompt))
        user_text = self.template.format(categories=format_categories(classes))
        messages.append(dict(role='user', content=[dict(type='image'),
                                                   dict(type='text', text=user_text)]))
        if self.with_answer:
            messages.append(dict(role='assistant', content=[dict(type='text', text=answer)]))
        results['messages'] = messages
        results['gt_text'] = answer
        results['codec'] = self.codec_cfg
        results['task'] = results.get('task', 'det')
        return results
