"""Bridge to Hugging Face models: builder functions registered under the HF class names,
so configs stay string-typed (``type='Qwen2_5_VLForConditionalGeneration'``).

``pretrained=<local dir>`` loads a checkpoint saved with ``save_pretrained`` (model zoo:
RSCoVLM-7B-2512, Qwen2.5-VL-7B-Instruct, ...); ``config=dict(...)`` builds the
architecture with random weights (tests, the demo). Nothing is downloaded.
"""
import os.path as osp
from typing import Optional

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
        if not osp.isdir(pretrained):
            raise FileNotFoundError(
                f'pretrained={pretrained!r} is not a local directory. rscovlm loads model-zoo '
                'checkpoints from disk: download it once (e.g. `huggingface-cli download '
                'Qwen/Qwen2.5-VL-7B-Instruct --local-dir <dir>`) and point pretrained there')
        return cls.from_pretrained(pretrained, local_files_only=True, dtype=torch_dtype, **extra)
    if config is None:
        raise ValueError(f'{cls_name}: give pretrained=<local dir> or config=dict(...)')
    hf_config = cls.config_class(**config)
    model = cls._from_config(hf_config, dtype=torch_dtype, **extra)
    return model


def _register(name: str) -> None:

    def builder(**kwargs):
        return build_hf_model(name, **kwargs)

    builder.__name__ = name
    builder.__doc__ = f'Build transformers.{name} from ``pretrained`` or ``config``.'
    MODELS.register_module(name=name, module=builder)


for _name in HF_MODEL_CLASSES:
    _register(_name)
