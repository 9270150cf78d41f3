"""Codecs from configs: one instance per distinct config (codecs hold no state, and a
sample names its codec by config, so the model, the renderers and the metrics share)."""
from typing import Dict

from rscovlm.registry import CODECS

#: codec type of each region type of the datasets' ``region_types``
REGION_CODECS = dict(qbox='QBoxCodec', hbox='HBoxCodec', rbox='RBoxCodec')

_BUILT: Dict[str, object] = {}


def build_codec(cfg: dict):
    """The codec of config ``cfg``, built on first use."""
    key = repr(sorted(cfg.items()))
    if key not in _BUILT:
        _BUILT[key] = CODECS.build(dict(cfg))
    return _BUILT[key]
