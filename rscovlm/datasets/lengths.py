"""Token lengths of a dataset's samples without decoding images: a ``length_only`` pass of
each sample's pipeline (image headers only, no pixels), shared by sequence packing
(``PackedDataset``) and length-grouped batching (``LengthGroupedSampler``)."""
import json
import os
import os.path as osp
import time
from typing import List, Optional

from mmengine.dist import all_gather_object, get_dist_info, is_main_process
from mmengine.logging import MMLogger


def sample_length(dataset, idx: int) -> Optional[int]:
    """Token length of sample ``idx`` from a ``length_only`` pipeline pass (None when the
    pipeline drops the sample).

    A mixture without a pipeline of its own (``TaskMixDataset``: ``locate`` and
    ``datasets``) runs its record through the pipeline of the dataset it comes from. The
    lengths must not depend on randomness in the pipeline.
    """
    info, owner, local = dataset.get_data_info(idx), dataset, idx
    while not hasattr(owner, 'pipeline') and hasattr(owner, 'locate'):
        source, local = owner.locate(local)
        owner = owner.datasets[source]
    out = owner.pipeline(dict(info, length_only=True))
    return None if out is None else int(out['inputs']['input_ids'].numel())


def dataset_lengths(dataset, cache_file: Optional[str] = None,
                    name: str = 'dataset') -> List[Optional[int]]:
    """The token length of every sample, split over the ranks and gathered.

    ``cache_file``: a JSON file of the lengths, read when it holds as many as the dataset
    has samples, else (re)written after the pass. ``name`` prefixes the log lines.
    """
    n = len(dataset)
    logger = MMLogger.get_current_instance()
    if cache_file and osp.isfile(cache_file):
        with open(cache_file) as f:
            cached = json.load(f)
        if cached.get('num_samples') == n:
            return cached['lengths']
        logger.warning(f'{name}: {cache_file} holds {cached.get("num_samples")} lengths for '
                       f'a dataset of {n}; recomputing')
    start = time.time()
    rank, world_size = get_dist_info()
    part = {i: sample_length(dataset, i) for i in range(rank, n, world_size)}
    merged = {}
    for p in all_gather_object(part):
        merged.update(p)
    lengths = [merged[i] for i in range(n)]
    logger.info(f'{name}: lengths of {n} samples in {time.time() - start:.1f} s')
    if cache_file and is_main_process():
        os.makedirs(osp.dirname(osp.abspath(cache_file)), exist_ok=True)
        tmp = f'{cache_file}.tmp{os.getpid()}'
        with open(tmp, 'w') as f:
            json.dump(dict(num_samples=n, lengths=lengths), f)
        os.replace(tmp, cache_file)
    return lengths
