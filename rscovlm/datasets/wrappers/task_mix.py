"""The co-training mixture: several datasets, each with its sampling factor, one index
space that mmengine's samplers shuffle, so batches mix tasks."""
import math
import random
import re
from collections import Counter
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from rscovlm.registry import DATASETS

_REPEAT = re.compile(r'^\*(\d+)$')
_SUBSAMPLE = re.compile(r'^%([\d.]+)$')
MODES = ('concat', 'balanced')


def parse_sampling(sampling: Optional[str], where: str = 'sampling'):
    """``'*K'`` -> ('repeat', K); ``'%P'`` -> ('subsample', P); ``None`` -> ('repeat', 1)."""
    if sampling is None or sampling == '':
        return 'repeat', 1
    text = str(sampling).strip()
    if (m := _REPEAT.match(text)) and int(m.group(1)) >= 1:
        return 'repeat', int(m.group(1))
    if (m := _SUBSAMPLE.match(text)) and 0 < float(m.group(1)) <= 100:
        return 'subsample', float(m.group(1))
    raise ValueError(f"{where}: {sampling!r} is not a sampling factor; use '*K' (repeat K "
                     "times, K >= 1 integer) or '%P' (keep a seeded P% subset, 0 < P <= 100)")


def sampled_indices(size: int, sampling: Optional[str], seed: int, where: str) -> List[int]:
    """RSCoVLM's suffix semantics on one dataset of ``size`` samples: ``*K`` repeats the
    list K times; ``%P`` keeps ``int(size * P / 100)`` samples drawn with
    ``random.Random(seed)`` (kept in their original order)."""
    kind, value = parse_sampling(sampling, where)
    if kind == 'repeat':
        return list(range(size)) * value
    keep = int(size * value / 100)
    return sorted(random.Random(seed).sample(range(size), keep))


def balanced_indices(sizes: Sequence[int], epoch: int, seed: int) -> List[tuple]:
    """LMMRotate's balanced concatenation for one epoch: with ``total = sum(sizes)`` and
    ``m = ceil(total / k)`` over k datasets, each dataset (repeated ``ceil(m / size)``
    times) gives ``m`` samples drawn without replacement; the union is shuffled and cut
    to ``total``, so the epoch keeps its length and every dataset gets an equal share."""
    total, k = sum(sizes), len(sizes)
    m = math.ceil(total / k)
    rng = random.Random(seed + epoch)
    pairs = []
    for source, size in enumerate(sizes):
        pool = list(range(size)) * math.ceil(m / size)
        pairs += [(source, i) for i in rng.sample(pool, m)]
    rng.shuffle(pairs)
    return pairs[:total]


def named_sources(datasets: Mapping[str, Optional[dict]], sampling: dict) -> List[dict]:
    """The configs of a ``{name: config}`` mixture as a list in name order, each named by
    its key; a source set to ``None`` is left out, and so is its entry of ``sampling``.

    Name order, not the mapping's: mmengine writes a run's config (``Config.dump``) with
    its keys sorted, and that copy must build the very same mixture (sample indices)."""
    configs = []
    for name in sorted(datasets):
        cfg = datasets[name]
        if cfg is None:
            sampling.pop(name, None)
            continue
        if not isinstance(cfg, Mapping):
            raise TypeError(f'datasets.{name}: a source is a dataset config (a dict) or None '
                            f'to leave it out, got {type(cfg).__name__}')
        if cfg.get('name', name) != name:
            raise ValueError(f"datasets.{name} has name={cfg['name']!r}: in the mapping form "
                             'the key is the name; drop the name= key')
        configs.append(dict(cfg, name=name))
    if not configs:
        raise ValueError('TaskMixDataset needs at least one dataset (every source is None)')
    return configs


@DATASETS.register_module()
class TaskMixDataset:
    """Co-train on several datasets with the mixture under the config's control.

    ``datasets`` is either a list of dataset configs or a mapping ``{name: config}``. The
    mapping is what the mixture configs use (``configs/_base_/mixes/``): mmengine merges a
    child config's dicts key by key but replaces lists whole, so with a mapping a child
    changes one source by its name (``datasets=dict(vhm_sft=dict(pipeline=...))``) or
    drops it (``datasets=dict(vhm_sft=None)``). A config may carry two extra keys: ``name``
    (how the mixture reports it; in a list, default ``{type}_{i}``; in a mapping, the key)
    and ``sampling`` — ``'*K'`` (repeat K times) or ``'%P'`` (a seeded P% subset),
    RSCoVLM's ``name*K`` / ``name%P`` suffixes. The factors may instead be given by name in
    ``sampling=dict(name='*K')``. Every sample keeps its dataset's ``task`` tag, which the
    model logs loss and share by.

    Modes:
        ``'concat'``: the factors applied, then concatenated; under a shuffled sampler a
            dataset's share is its sample count times its factor (RSCoVLM's mixing).
        ``'balanced'``: LMMRotate's balanced concatenation: the epoch keeps the total length
            and every dataset contributes an equal share, small ones oversampled; redrawn
            per epoch by ``set_epoch`` (``DatasetEpochHook``, needs
            ``persistent_workers=False`` to reach the dataloader workers). Sampling
            factors are not combined with it.

    Args:
        datasets: dataset configs (or built datasets), as a list or as ``{name: config}``
            (taken in name order; a ``None`` config leaves that source out).
        sampling: ``{dataset name: '*K' | '%P'}`` (a factor here overrides one in the
            dataset config; a name that matches no dataset is an error, except the name
            of a source left out).
        mode: ``'concat'`` or ``'balanced'``.
        seed: seed of the ``%P`` subsets and of the balanced draws.
    """

    def __init__(self,
                 datasets: Union[Sequence[Union[dict, BaseDataset]],
                                 Mapping[str, Optional[dict]]],
                 sampling: Optional[Dict[str, str]] = None,
                 mode: str = 'concat',
                 seed: int = 42,
                 lazy_init: bool = False) -> None:
        if mode not in MODES:
            raise ValueError(f'TaskMixDataset mode must be one of {MODES}, got {mode!r}')
        if not datasets:
            raise ValueError('TaskMixDataset needs at least one dataset')
        self.mode, self.seed, self.epoch = mode, seed, 0
        self.names: List[str] = []
        self.samplings: List[Optional[str]] = []
        self.datasets = []
        by_name = dict(sampling or {})
        if isinstance(datasets, Mapping):
            datasets = named_sources(datasets, by_name)
        for i, cfg in enumerate(datasets):
            if isinstance(cfg, dict):
                cfg = dict(cfg)
                name = cfg.pop('name', None) or f"{cfg.get('type', 'dataset')}_{i}"
                own = cfg.pop('sampling', None)
                sampling = by_name.pop(name, own)
                parse_sampling(sampling, f'datasets[{i}] ({name}) sampling')
                if mode == 'balanced' and sampling is not None:
                    raise ValueError(f'datasets[{i}] ({name}): sampling {sampling!r} cannot be '
                                     "combined with mode='balanced' (it sets every share)")
                dataset = DATASETS.build(cfg)
            else:
                name, sampling, dataset = f'{type(cfg).__name__}_{i}', None, cfg
            self.names.append(name)
            self.samplings.append(sampling)
            self.datasets.append(dataset)
        if len(set(self.names)) != len(self.names):
            raise ValueError(f'dataset names must be unique, got {self.names}')
        if by_name:
            raise KeyError(f'sampling names {sorted(by_name)} match no dataset; the mixture '
                           f'holds {self.names}')
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    # ---- mmengine dataset protocol ------------------------------------------------
    @property
    def metainfo(self) -> dict:
        tasks = set()
        for dataset in self.datasets:
            tasks.update(getattr(dataset, 'tasks', None) or (getattr(dataset, 'task', None), ))
        return dict(datasets=list(self.names), tasks=sorted(t for t in tasks if t))

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            if hasattr(dataset, 'full_init'):
                dataset.full_init()
        self._build_index()
        self._fully_initialized = True

    def _build_index(self) -> None:
        if self.mode == 'balanced':
            pairs = balanced_indices([len(d) for d in self.datasets], self.epoch, self.seed)
            self._source = np.array([p[0] for p in pairs], np.int64)
            self._local = np.array([p[1] for p in pairs], np.int64)
            return
        sources, locals_ = [], []
        for i, (name, dataset) in enumerate(zip(self.names, self.datasets)):
            idx = sampled_indices(len(dataset), self.samplings[i], self.seed,
                                  f'{name} sampling')
            sources.append(np.full(len(idx), i, np.int64))
            locals_.append(np.asarray(idx, np.int64))
        self._source, self._local = np.concatenate(sources), np.concatenate(locals_)

    def set_epoch(self, epoch: int) -> None:
        """Redraw the balanced mixture for ``epoch`` (concat mode: no change)."""
        if self.mode == 'balanced' and epoch != self.epoch:
            self.epoch = epoch
            self._build_index()

    def __len__(self) -> int:
        return len(self._source)

    def locate(self, idx: int):
        """``(dataset index, index inside it)`` of mixture sample ``idx``."""
        return int(self._source[idx]), int(self._local[idx])

    def get_data_info(self, idx: int) -> dict:
        source, local = self.locate(idx)
        info = self.datasets[source].get_data_info(local)
        info['dataset_name'] = self.names[source]
        return info

    def __getitem__(self, idx: int):
        source, local = self.locate(idx)
        out = self.datasets[source][local]
        sample = out.get('data_samples') if isinstance(out, dict) else None
        if hasattr(sample, 'set_metainfo'):  # which mixture entry the sample came from
            sample.set_metainfo(dict(dataset_name=self.names[source]))
        return out

    # ---- reporting ------------------------------------------------------------------
    def counts(self) -> Dict[str, int]:
        """Samples per dataset name in the current epoch."""
        counter = Counter(self._source.tolist())
        return {name: counter.get(i, 0) for i, name in enumerate(self.names)}

    def summary(self) -> str:
        """A table of the mixture: dataset, task, size, factor, samples and share."""
        counts, total = self.counts(), len(self)
        rows = [('dataset', 'task', 'size', 'sampling', 'samples', 'share')]
        for i, name in enumerate(self.names):
            rows.append((name, str(getattr(self.datasets[i], 'task', '-')),
                         str(len(self.datasets[i])),
                         self.mode if self.mode == 'balanced' else (self.samplings[i] or '*1'),
                         str(counts[name]), f'{100 * counts[name] / max(total, 1):.1f}%'))
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = ['  '.join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
        lines.insert(1, '  '.join('-' * w for w in widths))
        return '\n'.join(lines)
