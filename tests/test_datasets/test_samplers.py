"""LengthGroupedSampler: every sample once per pass, batches of similar length."""
import itertools

import numpy as np
import torch

from rscovlm.datasets import LengthGroupedSampler


class Lengths:
    """A dataset whose sample i is ``lengths[i]`` tokens long after its pipeline."""

    def __init__(self, lengths):
        self.lengths = list(lengths)

    def __len__(self):
        return len(self.lengths)

    def get_data_info(self, i):
        return dict(index=i)

    def pipeline(self, info):
        return dict(inputs=dict(input_ids=torch.zeros(self.lengths[info['index']])))


def _lengths(n=400, seed=0):
    rng = np.random.default_rng(seed)
    # two kinds of samples, short and long, as the demo's tasks
    return np.where(rng.random(n) < 0.5, rng.integers(50, 62, n), rng.integers(70, 130, n))


def _take(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def test_every_sample_once_per_pass_and_batches_of_similar_length():
    lengths = _lengths()
    sampler = LengthGroupedSampler(Lengths(lengths), batch_size=8, group_size=10, seed=3)
    stream = _take(sampler, 800)
    first, second = stream[:400], stream[400:]
    assert sorted(first) == list(range(400)) and sorted(second) == list(range(400))
    assert first != second  # a fresh permutation every pass
    grouped = np.array([lengths[b].max() - lengths[b].min()
                        for b in np.array(first).reshape(-1, 8)])
    rng = np.random.default_rng(0)
    plain = np.array([lengths[b].max() - lengths[b].min()
                      for b in rng.permutation(400).reshape(-1, 8)])
    assert grouped.mean() < plain.mean() / 4
    real, random_real = sampler.padding_stats(lengths, 8)
    assert real > 0.95 and random_real < 0.85


def test_deterministic_for_a_seed():
    data = Lengths(_lengths())
    a = _take(LengthGroupedSampler(data, batch_size=8, seed=1), 500)
    b = _take(LengthGroupedSampler(data, batch_size=8, seed=1), 500)
    c = _take(LengthGroupedSampler(data, batch_size=8, seed=2), 500)
    assert a == b and a != c


def test_ranks_split_each_global_batch():
    data = Lengths(_lengths())
    samplers = []
    for rank in (0, 1):
        s = LengthGroupedSampler(data, batch_size=4, group_size=5, seed=0)
        s.rank, s.world_size = rank, 2
        s.indices = s._indices_of_rank()
        samplers.append(s)
    stream = list(itertools.islice(samplers[0]._infinite_indices(), 400))
    r0, r1 = _take(samplers[0], 200), _take(samplers[1], 200)
    assert sorted(r0 + r1) == list(range(400))
    # rank k's batch j is half of global batch j: the same length neighbourhood
    for j in range(50):
        assert set(r0[4 * j:4 * j + 4]) | set(r1[4 * j:4 * j + 4]) == set(stream[8 * j:8 * j + 8])


def test_cached_lengths(tmp_path):
    cache = tmp_path / 'lengths.json'
    data = Lengths(_lengths(50))
    LengthGroupedSampler(data, batch_size=4, cache_file=str(cache))
    data.lengths = [1] * 50  # the cache (same size) is read, not the pipeline
    s = LengthGroupedSampler(data, batch_size=4, cache_file=str(cache))
    assert s.lengths.tolist() == _lengths(50).tolist()
