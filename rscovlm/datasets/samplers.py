"""Samplers of the training data."""
from typing import Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dataset import InfiniteSampler
from mmengine.logging import MMLogger

from rscovlm.registry import DATA_SAMPLERS
from .lengths import dataset_lengths


@DATA_SAMPLERS.register_module()
class LengthGroupedSampler(InfiniteSampler):
    """mmengine's ``InfiniteSampler`` whose batches hold samples of similar token length,
    so a padded batch computes little padding.

    Every pass over the data is a fresh random permutation, cut into mega-batches of
    ``group_size`` global batches (``batch_size`` x world size samples); inside a
    mega-batch the samples are sorted by length and cut into batches, and the batches
    are shuffled. Every sample is still seen once per pass, in a random batch of the
    same random mega-batch, so tasks stay mixed across steps; only which samples share a
    batch changes. Deterministic for a seed, so ``--resume`` replays the same stream.
    (Hugging Face's ``group_by_length`` samples the same way; written here on top of
    mmengine's sampler because the runner needs an infinite, rank-sliced stream.)

    Lengths come from a ``length_only`` pipeline pass over image headers
    (:func:`rscovlm.datasets.lengths.dataset_lengths`), once per run, or from
    ``cache_file``.

    Args:
        dataset: the training dataset.
        batch_size: samples per batch on each rank (the dataloader's ``batch_size``).
        group_size: global batches per mega-batch: larger groups pad less and mix tasks
            less within a batch.
        shuffle: shuffle the data (sorting happens inside shuffled mega-batches).
        seed: random seed (None: a seed shared by the ranks).
        cache_file: JSON file of the sample lengths (see ``dataset_lengths``).
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int,
                 group_size: int = 16,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 cache_file: Optional[str] = None) -> None:
        if batch_size < 1 or group_size < 1:
            raise ValueError(f'batch_size and group_size must be >= 1, got {batch_size} '
                             f'and {group_size}')
        self.batch_size, self.group_size = int(batch_size), int(group_size)
        lengths = dataset_lengths(dataset, cache_file, name='LengthGroupedSampler')
        self.lengths = np.asarray([0 if n is None else n for n in lengths], np.int64)
        super().__init__(dataset, shuffle=shuffle, seed=seed)
        real, padded = self.padding_stats(self.lengths, self.batch_size * self.world_size)
        MMLogger.get_current_instance().info(
            f'LengthGroupedSampler: batches of similar length keep {real:.0%} of the padded '
            f'tokens real (random batches: {padded:.0%})')

    def _infinite_indices(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed)
        global_batch = self.batch_size * self.world_size
        mega = global_batch * self.group_size
        while True:
            order = (torch.randperm(self.size, generator=g) if self.shuffle else
                     torch.arange(self.size)).numpy()
            for start in range(0, self.size, mega):
                chunk = order[start:start + mega]
                chunk = chunk[np.argsort(self.lengths[chunk], kind='stable')]
                batches = [chunk[k:k + global_batch]
                           for k in range(0, len(chunk), global_batch)]
                # the short last batch of a pass stays last: later batches keep their
                # boundaries on every rank
                full = [b for b in batches if len(b) == global_batch]
                rest = [b for b in batches if len(b) < global_batch]
                picks = torch.randperm(len(full), generator=g).tolist() if self.shuffle \
                    else range(len(full))
                for b in [full[i] for i in picks] + rest:
                    yield from b.tolist()

    def padding_stats(self, lengths: np.ndarray, global_batch: int, passes: int = 1):
        """``(grouped, random)``: real tokens over padded tokens of the batches this
        sampler draws in one pass, and of plain random batches of the same size."""
        n = len(lengths)
        stream = self._infinite_indices()
        grouped = np.fromiter((next(stream) for _ in range(n * passes)), np.int64, n * passes)
        rng = np.random.default_rng(0)
        randomly = rng.permutation(np.tile(np.arange(n), passes))
        return tuple(_real_fraction(lengths[idx], global_batch) for idx in (grouped, randomly))


def _real_fraction(lengths: np.ndarray, batch: int) -> float:
    usable = len(lengths) // batch * batch
    if usable == 0:
        return 1.0
    rows = lengths[:usable].reshape(-1, batch)
    return float(rows.sum() / max(rows.max(axis=1).sum() * batch, 1))
