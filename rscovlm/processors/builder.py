"""Processors built once per config and shared by the model and the pipeline.

``build_processor(cfg)`` keeps one processor per (normalised) config for the life of the
process: the model and every transform of every dataset that name the same config share one
object (one tokenizer build, one read of a checkpoint folder). A folder is therefore read
once per process: a processor saved into it afterwards is not seen.

Dataset configs are model-agnostic: a transform that needs the model's processor names
``processor=None``. The tools set the config's ``model.processor`` as *the model's
processor* once (``rscovlm.utils.complete_config`` calls :func:`set_model_processor`) and
``build_processor(None)`` returns it.
"""
import copy
import inspect
from typing import Any, Dict, Optional

from rscovlm.registry import PROCESSORS

_built: Dict[Any, Any] = {}
_model_processor: Optional[dict] = None


def _freeze(value):
    """A hashable key of a config: dicts by sorted items, lists as tuples."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def set_model_processor(cfg: Optional[dict]) -> None:
    """Make ``cfg`` (a config's ``model.processor``; ``None``: there is none) the processor
    that ``build_processor(None)`` returns, i.e. the one transforms naming
    ``processor=None`` get."""
    global _model_processor
    _model_processor = None if cfg is None else copy.deepcopy(dict(cfg))


def model_processor_cfg() -> Optional[dict]:
    """The config :func:`set_model_processor` set last (``None``: none)."""
    return copy.deepcopy(_model_processor)


def build_processor(cfg: Optional[dict] = None, caller: str = 'a transform'):
    """The processor built from ``cfg``, the same object for every equal ``cfg``.

    Args:
        cfg: a processor config (``dict(type='TinyQwen2VLProcessor', ...)``); ``None``: the
            model's (:func:`set_model_processor`); anything else is taken as an already
            built processor and returned as it is.
        caller: who asks, for the error when ``cfg`` is ``None`` and no model processor is set.
    """
    if cfg is None:
        if _model_processor is None:
            raise ValueError(
                f'{caller} names processor=None (the model\'s processor), but no model '
                'processor is set: give the config a model.processor and build it through '
                'the tools (rscovlm.utils.complete_config), or pass processor=dict(...)')
        cfg = _model_processor
    if not isinstance(cfg, dict):
        return cfg
    key = _freeze(cfg)
    try:
        hash(key)
    except TypeError:
        raise TypeError(f'processor config {dict(cfg)} holds a value that cannot be a cache '
                        'key (e.g. an array); give plain values, lists and dicts') from None
    if key not in _built:
        _built[key] = PROCESSORS.build(copy.deepcopy(cfg))
    return _built[key]


def saved_processor_cfg(cfg: dict, saved_dir: str) -> Optional[dict]:
    """The config that loads the processor saved in ``saved_dir`` in place of ``cfg``,
    keeping the settings of ``cfg`` that the loader also takes (e.g. min/max pixels); or
    None when ``cfg``'s builder names no ``reload_type`` (the builder that reads a folder
    written by the processor's ``save_pretrained``)."""
    builder = PROCESSORS.get(cfg.get('type')) if isinstance(cfg.get('type'), str) else None
    reload_type = getattr(builder, 'reload_type', None)
    if reload_type is None:
        return None
    params = inspect.signature(PROCESSORS.get(reload_type)).parameters
    kept = {k: v for k, v in cfg.items()
            if k in params and k not in ('type', 'pretrained') and v is not None}
    return dict(type=reload_type, pretrained=saved_dir, **kept)
