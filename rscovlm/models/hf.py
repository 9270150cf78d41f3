"""Bridge to Hugging Face models: builder functions registered under the HF class names,
so configs stay string-typed (``type='Qwen2_5_VLForConditionalGeneration'``).

``pretrained=<local dir>`` loads a checkpoint saved with ``save_pretrained`` (model zoo:
RSCoVLM-7B-2512, Qwen2.5-VL-7B-Instruct, ...): ``config.json`` plus the weights, one
``model.safetensors`` or shards listed in ``model.safetensors.index.json``; its
``generation_config.json`` becomes the model's generation defaults. ``config=dict(...)``
builds the architecture with random weights (tests, the demo). Nothing is downloaded.
The folder's tokenizer, chat template and pixel limits are the processor's
(``dict(type='PretrainedProcessor', pretrained=<the same dir>)``).
"""
import dataclasses
import difflib
import inspect
import json
import os.path as osp
from typing import List, Optional

import torch

from rscovlm.registry import MODELS

HF_MODEL_CLASSES = ('Qwen2_5_VLForConditionalGeneration', 'Qwen2VLForConditionalGeneration',
                    'InstructBlipForConditionalGeneration')
_DTYPES = dict(fp32=torch.float32, float32=torch.float32, bf16=torch.bfloat16,
               bfloat16=torch.bfloat16, fp16=torch.float16, float16=torch.float16)


def build_hf_model(cls_name: str,
                   pretrained: Optional[str] = None,
                   config: Optional[dict] = None,
                   dtype: Optional[str] = None,
                   attn_implementation: Optional[str] = None,
                   **kwargs):
    import transformers
    cls = getattr(transformers, cls_name)
    torch_dtype = _DTYPES[dtype] if isinstance(dtype, str) else dtype
    extra = dict(kwargs)
    if attn_implementation is not None:
        extra['attn_implementation'] = attn_implementation
    if pretrained is not None:
        check_pretrained_dir(pretrained, cls)
        return cls.from_pretrained(pretrained, local_files_only=True, dtype=torch_dtype, **extra)
    if config is None:
        raise ValueError(f'{cls_name}: give pretrained=<local dir> or config=dict(...)')
    problems = hf_config_problems(cls_name, config)
    if problems:
        raise ValueError('; '.join(problems))
    hf_config = cls.config_class(**config)
    model = cls._from_config(hf_config, dtype=torch_dtype, **extra)
    return model


def config_keys(config_cls) -> set:
    """The keys a transformers config class takes: its ``__init__`` parameters (and
    dataclass fields), the attributes and settable properties of a default instance,
    and its ``attribute_map`` aliases."""
    keys = set(getattr(config_cls, 'attribute_map', {}) or {})
    for klass in inspect.getmro(config_cls):
        if klass is object:
            continue
        init = klass.__dict__.get('__init__')
        if init is not None:
            keys.update(
                name for name, p in inspect.signature(init).parameters.items()
                if name != 'self' and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        keys.update(name for name, value in vars(klass).items()
                    if isinstance(value, property) and value.fset is not None)
    if dataclasses.is_dataclass(config_cls):
        keys.update(f.name for f in dataclasses.fields(config_cls))
    keys.update(vars(config_cls()))
    return {k for k in keys if not k.startswith('_')}


def hf_config_problems(cls_name: str, config: dict, where: str = 'config') -> List[str]:
    """Keys of a random-init ``config`` dict that the model's config class does not take.

    transformers stores an unknown key as a plain attribute and builds the model without
    it, so ``num_hiden_layers=2`` would silently give the default depth. Sub-configs
    (``text_config``, ``vision_config``) are checked against their own classes. Each
    problem names the key, the config class and the closest known keys.
    """
    import transformers
    return _config_problems(getattr(transformers, cls_name).config_class, config, where)


def _config_problems(config_cls, config: dict, where: str) -> List[str]:
    known = config_keys(config_cls)
    sub_configs = getattr(config_cls, 'sub_configs', None) or {}
    problems = []
    for key, value in config.items():
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.7)
            hint = f'; did you mean {" / ".join(close)}?' if close else ''
            problems.append(f'{where}.{key}: {config_cls.__name__} has no setting {key!r}'
                            f'{hint} (transformers would keep it as an unused attribute)')
        elif key in sub_configs and isinstance(value, dict):
            sub_cls = sub_configs[key]
            # AutoConfig sub-configs (InstructBLIP's text model) pick their class by
            # model_type at build time: not checked here
            if isinstance(sub_cls, type) and sub_cls.__name__ != 'AutoConfig':
                problems += _config_problems(sub_cls, value, f'{where}.{key}')
    return problems


def check_pretrained_dir(path: str, cls) -> None:
    """Fail early, naming the file, when ``path`` is not a complete Hugging Face folder of
    the model class ``cls`` (no folder, no ``config.json``, another architecture, a shard
    of ``model.safetensors.index.json`` missing)."""
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'pretrained={path!r} is not a local directory. rscovlm loads model-zoo '
            'checkpoints from disk: download it once (e.g. `huggingface-cli download '
            'Qwen/Qwen2.5-VL-7B-Instruct --local-dir <dir>`) and point pretrained there')
    config_file = osp.join(path, 'config.json')
    if not osp.isfile(config_file):
        raise FileNotFoundError(f'pretrained={path!r} has no config.json: it is not a folder '
                                'written by save_pretrained (or the download is incomplete)')
    with open(config_file, encoding='utf-8') as f:
        model_type = json.load(f).get('model_type')
    expected = getattr(cls.config_class, 'model_type', None)
    if expected and model_type and model_type != expected:
        raise ValueError(f'{config_file} is a {model_type!r} model but the config builds '
                         f'{cls.__name__} ({expected!r}); set model.model.type to the class '
                         "of the checkpoint's architectures field")
    index_file = osp.join(path, 'model.safetensors.index.json')
    if osp.isfile(index_file):
        with open(index_file, encoding='utf-8') as f:
            shards = sorted(set(json.load(f).get('weight_map', {}).values()))
        missing = [s for s in shards if not osp.isfile(osp.join(path, s))]
        if missing:
            raise FileNotFoundError(
                f'{index_file} lists {len(shards)} weight shards but {len(missing)} are not '
                f'in the folder ({", ".join(missing[:3])}{", ..." if len(missing) > 3 else ""})'
                '; finish the download (huggingface-cli download resumes)')


def _register(name: str) -> None:

    def builder(**kwargs):
        return build_hf_model(name, **kwargs)

    builder.__name__ = name
    builder.__doc__ = f'Build transformers.{name} from ``pretrained`` or ``config``.'
    MODELS.register_module(name=name, module=builder)


for _name in HF_MODEL_CLASSES:
    _register(_name)
