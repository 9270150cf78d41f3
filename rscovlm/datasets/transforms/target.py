from typing import Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from rscovlm.codecs import REGION_CODECS, build_codec, format_categories, normalize_class_name
from rscovlm.datasets.prompts import fill_prompt
from rscovlm.registry import TRANSFORMS


class _RenderBoxTarget(BaseTransform):
    """Shared by the detection and grounding renderers: the codec of the sample's region
    type, its system prompt, and the polygons mapped into the resized frame."""

    def __init__(self, codec: dict, prompt: str, with_answer: bool,
                 system_prompt: Union[bool, str]) -> None:
        self.codec_cfg = dict(codec)
        self.prompt = prompt
        self.with_answer = with_answer
        self.system_prompt = system_prompt

    def codec_cfg_for(self, region_type: Optional[str]) -> dict:
        """The configured codec, or, for a sample of another region type (a dataset with
        ``region_types``), that type's codec with the same text format."""
        cfg = dict(self.codec_cfg)
        if region_type is None or cfg['type'] == REGION_CODECS[region_type]:
            return cfg
        out = dict(type=REGION_CODECS[region_type], fmt=cfg.get('fmt', 'plain'))
        if region_type == 'qbox' and 'clockwise' in cfg:
            out['clockwise'] = cfg['clockwise']
        return out

    def scaled_polys(self, results: dict) -> np.ndarray:
        w_scale, h_scale = results.get('scale_factor', (1.0, 1.0))
        polys = np.array([i['bbox'] for i in results.get('instances', [])],
                         np.float64).reshape(-1, 8)
        polys[:, 0::2] *= w_scale
        polys[:, 1::2] *= h_scale
        return polys

    def messages(self, codec, user_text: str, answer: str) -> list:
        system = codec.system_prompt if self.system_prompt is True else self.system_prompt
        messages = [dict(role='system', content=system)] if system else []
        messages.append(dict(role='user', content=[dict(type='image'),
                                                   dict(type='text', text=user_text)]))
        if self.with_answer:
            messages.append(dict(role='assistant', content=[dict(type='text', text=answer)]))
        return messages


@TRANSFORMS.register_module()
class RenderDetTarget(_RenderBoxTarget):
    """Write a detection sample as a conversation: system prompt of the box format,
    ``find the {categories}`` with the image, and the answer rendered by the codec.

    Required keys: ``instances`` (``bbox`` 8 floats in original pixels, ``bbox_label``),
    ``classes``, ``scale_factor`` (from ``SmartResize``); ``region_type`` (optional, from
    datasets with ``region_types``) picks the codec of that box type.
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
        super().__init__(codec, prompt, with_answer, system_prompt)
        self.classes = classes

    def transform(self, results: dict) -> dict:
        classes = [normalize_class_name(c) for c in (self.classes or results['classes'])]
        rank = {name: i for i, name in enumerate(sorted(classes))}
        names = [classes[i['bbox_label']] for i in results.get('instances', [])]
        codec_cfg = self.codec_cfg_for(results.get('region_type'))
        codec = build_codec(codec_cfg)
        answer = codec.encode(self.scaled_polys(results), names,
                              ranks=[rank[n] for n in names])
        user_text = fill_prompt(self.prompt, categories=format_categories(classes))
        results['messages'] = self.messages(codec, user_text, answer)
        results['gt_text'] = answer
        results['codec'] = codec_cfg
        results['task'] = results.get('task', 'det')
        return results


@TRANSFORMS.register_module()
class RenderGroundingTarget(_RenderBoxTarget):
    """Write a grounding sample as RSCoVLM's refGeo conversation: the box format's system
    prompt, ``find the {phrase}``, and the answer ``{coords} {phrase}\\n`` — the referring
    expression echoed as the label.

    Polygons are written counter-clockwise on screen (``clockwise=False``), starting at
    the top-most vertex, as upstream's grounding data (its detection data is clockwise).

    Required keys: ``instances`` (one object), ``phrase``, ``scale_factor``;
    ``region_type`` picks the box type. Added: ``messages``, ``gt_text``, ``codec``,
    ``task``.
    """

    def __init__(self,
                 codec: dict = dict(type='HBoxCodec'),
                 prompt: str = 'ground',
                 with_answer: bool = True,
                 system_prompt: Union[bool, str] = True) -> None:
        super().__init__(codec, prompt, with_answer, system_prompt)

    def codec_cfg_for(self, region_type: Optional[str]) -> dict:
        cfg = super().codec_cfg_for(region_type)
        if cfg['type'] == 'QBoxCodec':
            cfg.setdefault('clockwise', False)
        return cfg

    def transform(self, results: dict) -> dict:
        phrase = results['phrase']
        codec_cfg = self.codec_cfg_for(results.get('region_type'))
        codec = build_codec(codec_cfg)
        polys = self.scaled_polys(results)
        answer = codec.encode(polys, [phrase] * len(polys), sort=False)
        results['messages'] = self.messages(codec, fill_prompt(self.prompt, phrase=phrase),
                                            answer)
        results['gt_text'] = answer
        results['codec'] = codec_cfg
        results['task'] = results.get('task', 'grounding')
        return results
