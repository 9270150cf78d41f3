"""Which samples a metric scores on a mixed-task test set."""
from typing import Iterator, Optional, Sequence

from mmengine.structures import BaseDataElement


class TaskFilterMixin:
    """Score only the samples of ``self.task`` (``None``: every sample).

    One evaluator list can then serve a test set that mixes tasks (a ``TaskMixDataset``):
    each metric takes its own task's samples. Every other sample still leaves one
    ``None`` in ``self.results``: mmengine gathers results across ranks by position and
    trims the distributed sampler's padding by count, which is only right with one entry
    per sample. ``compute_metrics`` drops them with :meth:`scored`.
    """

    task: Optional[str] = None

    def task_samples(self, data_samples: Sequence) -> Iterator[dict]:
        """The batch's samples of this task, as dicts; a placeholder for each other one."""
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            if self.task is not None and sample.get('task', self.task) != self.task:
                self.results.append(None)
                continue
            yield sample

    @staticmethod
    def scored(results: list) -> list:
        return [r for r in results if r is not None]
