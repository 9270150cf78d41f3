"""What every rscovlm dataset shares: the task tag, annotation reading with errors that
name the file, and the expansion into one sample per region type."""
import json
import os.path as osp
from typing import List, Sequence

from mmengine.dataset import BaseDataset

from rscovlm.utils.fileio import iter_jsonl

REGION_TYPES = ('qbox', 'hbox', 'rbox')


def check_region_types(region_types: Sequence[str]) -> tuple:
    region_types = (region_types, ) if isinstance(region_types, str) else tuple(region_types)
    bad = [r for r in region_types if r not in REGION_TYPES]
    if bad or not region_types:
        raise ValueError(f'region_types must be a non-empty subset of {REGION_TYPES} '
                         f'(qbox = quadrilateral polygon), got {region_types}')
    return region_types


def expand_region_types(records: List[dict], region_types: Sequence[str]) -> List[dict]:
    """One sample per (record, region type), as RSCoVLM trains its detection and
    grounding data; records of one image stay next to each other."""
    if len(region_types) == 1:
        return [dict(r, region_type=region_types[0]) for r in records]
    return [dict(r, region_type=t) for r in records for t in region_types]


def load_json_records(path: str) -> list:
    """A JSON list, a JSON object, or JSON Lines; errors name the file (and line)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file {path!r} does not exist; check data_root '
                                'and ann_file')
    if path.endswith('.jsonl'):
        return [record for _, record in iter_jsonl(path)]
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise ValueError(f'{path}: not valid JSON ({e})') from None


def require(record: dict, keys: Sequence[str], where: str) -> None:
    missing = [k for k in keys if k not in record]
    if missing:
        raise KeyError(f'{where}: record lacks {missing} (has {sorted(record)}); '
                       'see docs/data_formats.md')


class BaseVLMDataset(BaseDataset):
    """mmengine ``BaseDataset`` plus the ``task`` tag every rscovlm sample carries (the
    logger reports loss and share per task; metrics pick their samples by it).

    Args:
        task: task name written into every sample; subclasses set a default.
        prompt: a registered prompt name (``rscovlm/datasets/prompts.py``) or a template.
    """

    default_task = 'conversation'
    default_prompt = None

    def __init__(self, *args, task: str = None, prompt: str = None, **kwargs) -> None:
        self.task = task or self.default_task
        self.prompt = prompt or self.default_prompt
        super().__init__(*args, **kwargs)

    @property
    def tasks(self) -> tuple:
        """Every task tag this dataset's samples carry."""
        return (self.task, )

    def img_path(self, name: str) -> str:
        return osp.join(self.data_prefix.get('img_path', ''), name)

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info.setdefault('task', self.task)
        return info
