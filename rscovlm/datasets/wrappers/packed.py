"""Sequence packing: several samples per row, up to a token budget."""
import copy
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import MMLogger
from torch.utils.data import Dataset

from rscovlm.registry import DATASETS
from ..lengths import dataset_lengths, sample_length


def first_fit_decreasing(lengths: Sequence[int], capacity: int) -> List[List[int]]:
    """Bins of item indices, each summing to at most ``capacity`` (first-fit decreasing).

    Items go longest first (ties: lower index first) into the first bin with room; an
    item longer than ``capacity`` gets a bin of its own. Deterministic, so every rank
    builds the same bins. Written here rather than taken from a bin-packing package
    (``binpacking``, ``prtpy``): about 20 lines, exactly first-fit, and O(n log n) on a
    max-tree of the bins' free space where the plain loop is O(n * bins).
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    size = 1
    while size < len(order):
        size *= 2
    free = [capacity] * (2 * size)  # free[node]: most free space among its leaves (bins)
    bins: List[List[int]] = []
    for i in order:
        need = min(lengths[i], capacity)  # an oversized item fills an empty bin
        node = 1
        while node < size:  # leftmost leaf with enough room; empty bins always have it
            node = 2 * node if free[2 * node] >= need else 2 * node + 1
        if node - size == len(bins):
            bins.append([])
        bins[node - size].append(i)
        free[node] -= need
        while node > 1:
            node //= 2
            free[node] = max(free[2 * node], free[2 * node + 1])
    return bins


@DATASETS.register_module()
class PackedDataset(Dataset):
    """Groups the samples of a dataset into bins of at most ``max_tokens`` tokens.

    Item ``i`` is the list of processed samples of bin ``i`` (full pipeline), for
    ``collate_fn=dict(type='rscovlm.vlm_pack_collate')``, which lays each bin into one
    row. Sample lengths come from a pipeline pass with ``length_only=True``: the
    transforms read image headers only and return ``input_ids`` of the final length
    without pixels. The lengths must not depend on randomness in the pipeline. Samples
    whose pipeline returns ``None`` are left out; a sample longer than ``max_tokens``
    gets a bin of its own (one warning with the count). The bins are fixed at
    :meth:`full_init`: a mixture that redraws its samples per epoch
    (``TaskMixDataset(mode='balanced')``) is packed as drawn for epoch 0.

    Args:
        dataset: the dataset or its config.
        max_tokens: token budget of a bin (a packed row).
        seed: seed of the bin order (first-fit decreasing would put the longest first).
        cache_file: JSON file of the lengths; read when it matches the dataset size,
            otherwise the lengths are computed (split over the ranks) and written.
        lazy_init: defer the length pass to :meth:`full_init` (the Runner calls it).
    """

    def __init__(self,
                 dataset: Union[dict, Dataset],
                 max_tokens: int,
                 seed: int = 0,
                 cache_file: Optional[str] = None,
                 lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if max_tokens <= 0:
            raise ValueError(f'max_tokens must be positive, got {max_tokens}')
        self.max_tokens, self.seed, self.cache_file = int(max_tokens), seed, cache_file
        self.lengths: List[Optional[int]] = []
        self.bins: List[List[int]] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(getattr(self.dataset, 'metainfo', {}))

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        self.lengths = self._load_lengths()
        kept = [i for i, n in enumerate(self.lengths) if n is not None]
        bins = first_fit_decreasing([self.lengths[i] for i in kept], self.max_tokens)
        order = np.random.default_rng(self.seed).permutation(len(bins))
        self.bins = [[kept[j] for j in bins[b]] for b in order]
        logger = MMLogger.get_current_instance()
        oversized = sum(n > self.max_tokens for n in self.lengths if n is not None)
        if oversized:
            logger.warning(f'PackedDataset: {oversized} samples are longer than max_tokens='
                           f'{self.max_tokens}; each is a bin of its own')
        if len(kept) < len(self.lengths):
            logger.warning(f'PackedDataset: {len(self.lengths) - len(kept)} samples '
                           'dropped (their pipeline returned None)')
        stats = self.packing_stats()
        logger.info(f"PackedDataset: {stats['num_samples']} samples in {stats['num_bins']} "
                    f"bins of <= {self.max_tokens} tokens, fill {stats['fill_ratio']:.1%}")
        self._fully_initialized = True

    def sample_length(self, idx: int) -> Optional[int]:
        """Token length of sample ``idx`` (:func:`rscovlm.datasets.lengths.sample_length`)."""
        return sample_length(self.dataset, idx)

    def _load_lengths(self) -> List[Optional[int]]:
        return dataset_lengths(self.dataset, self.cache_file, name='PackedDataset')

    def packing_stats(self) -> dict:
        """Bins, samples, and the fill ratio: real tokens / (bins * max_tokens)."""
        tokens = sum(n for n in self.lengths if n is not None)
        n_bins = len(self.bins)
        return dict(num_samples=sum(len(b) for b in self.bins), num_bins=n_bins,
                    samples_per_bin=sum(len(b) for b in self.bins) / max(n_bins, 1),
                    fill_ratio=tokens / max(n_bins * self.max_tokens, 1))

    def __len__(self) -> int:
        self.full_init()
        return len(self.bins)

    def __getitem__(self, idx: int) -> List[dict]:
        self.full_init()
        return [self.dataset[i] for i in self.bins[idx]]
