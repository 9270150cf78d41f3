"""What a config says about asking one task of one image: the test pipeline, the prompt,
the class list, the task tag and the patch-split settings, read from the datasets of the
config's test (else validation) loader, so an inference asks exactly what
``tools/test.py`` asks.

A config that has no test set of a task (a detection benchmark has no captions) gets
the pipeline of that task's benchmark base (``configs/benchmarks/_base_/``) with the
config's own loading and resizing steps.
"""
import copy
import inspect
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.config import Config

from rscovlm.datasets.conversation import (CaptionDataset, ClassificationDataset,
                                           ConversationDataset, VQADataset, single_turn)
from rscovlm.datasets.prompts import fill_prompt
from rscovlm.registry import DATASETS

#: the tasks an inference can ask
TASKS = ('det', 'grounding', 'caption', 'vqa', 'cls', 'chat')
#: the target renderer that makes a box task's conversation
RENDERERS = dict(RenderDetTarget='det', RenderGroundingTarget='grounding')
#: the dataset family of a conversation task
CONVERSATION_TASKS = (
    (CaptionDataset, 'caption'), (VQADataset, 'vqa'), (ClassificationDataset, 'cls'),
    (ConversationDataset, 'chat'))
#: the benchmark base whose test pipeline a task falls back to
BENCHMARK_BASES = dict(det='rotated_det.py', grounding='grounding.py')
DEFAULT_BENCHMARK_BASE = 'vlm_test.py'
BENCHMARKS_DIR = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                          'configs', 'benchmarks', '_base_')
#: the step that reads the image: an inference on an array replaces it
LOAD_STEP = 'LoadImages'


def _type_name(cfg: dict) -> str:
    name = cfg.get('type', '')
    return name if isinstance(name, str) else getattr(name, '__name__', str(name))


def _dataset_class(cfg: dict):
    name = cfg.get('type')
    if not isinstance(name, str):
        return name
    cls = DATASETS.get(name)
    if cls is None:
        raise KeyError(f'dataset type {name!r} of the config is not registered in rscovlm')
    return cls


def _walk(cfg, parents=()):
    """Every dataset config under ``cfg`` with the configs that wrap it."""
    if not isinstance(cfg, dict):
        return
    yield cfg, parents
    yield from _walk(cfg.get('dataset'), parents + (cfg, ))
    children = cfg.get('datasets') or []
    if isinstance(children, dict):  # TaskMixDataset's {name: config} form
        children = children.values()
    for child in children:
        yield from _walk(child, parents + (cfg, ))


def _task_of(ds_cfg: dict) -> Optional[str]:
    """The inference task a dataset config with a pipeline serves, or None."""
    steps = [_type_name(s) for s in ds_cfg.get('pipeline') or [] if isinstance(s, dict)]
    for step in steps:
        if step in RENDERERS:
            return RENDERERS[step]
    if 'RenderConversation' not in steps:
        return None
    cls = _dataset_class(ds_cfg)
    for family, task in CONVERSATION_TASKS:
        if isinstance(cls, type) and issubclass(cls, family):
            return task
    return None


class TaskInput:
    """How the config asks one task: its pipeline (a list of transform configs), the
    dataset config it comes from (``None`` for a benchmark base's), the wrapping
    ``PatchSplitDataset`` config when the test set splits its images."""

    def __init__(self, task: str, pipeline: list, dataset: Optional[dict] = None,
                 patch_split: Optional[dict] = None, source: str = '') -> None:
        self.task = task
        self.pipeline = copy.deepcopy(list(pipeline))
        self.dataset = dict(dataset or {})
        self.patch_split = None if patch_split is None else dict(patch_split)
        self.source = source

    @property
    def dataset_class(self):
        if self.dataset.get('type'):
            return _dataset_class(self.dataset)
        return dict(det=DATASETS.get('DOTADataset'),
                    grounding=DATASETS.get('GroundingDataset'),
                    caption=CaptionDataset, vqa=VQADataset, cls=ClassificationDataset,
                    chat=ConversationDataset)[self.task]

    @property
    def prompt(self) -> Optional[str]:
        """The conversation tasks' prompt: the dataset's ``prompt`` or its class default."""
        return self.dataset.get('prompt') or getattr(self.dataset_class, 'default_prompt', None)

    @property
    def sample_task(self) -> str:
        """The ``task`` tag the test set's samples carry (``task_max_new_tokens`` and the
        parser's rule key on it)."""
        if self.dataset.get('task'):
            return self.dataset['task']
        cls = self.dataset_class
        default = getattr(cls, 'default_task', None)
        if default:
            return default
        return 'det' if self.task == 'det' else self.task

    @property
    def region_type(self) -> Optional[str]:
        """The first of the dataset's ``region_types`` (the box type asked for; the
        dataset class's default when the config sets none)."""
        types = self.dataset.get('region_types')
        if types is None and self.task in ('det', 'grounding'):
            param = inspect.signature(self.dataset_class).parameters.get('region_types')
            types = None if param is None else param.default
        if types is None or types is inspect.Parameter.empty:
            return None
        return types if isinstance(types, str) else tuple(types)[0]

    def default_classes(self) -> Optional[tuple]:
        """The class list a detection or classification test set prompts with."""
        meta = self.dataset.get('metainfo') or {}
        if meta.get('classes'):
            return tuple(meta['classes'])
        cls = self.dataset_class
        if self.task == 'det':
            classes = (getattr(cls, 'METAINFO', None) or {}).get('classes')
            return tuple(classes) if classes else None
        if self.task == 'cls' and self.dataset:
            # the classification set reads its classes from its annotation file
            cfg = copy.deepcopy(self.dataset)
            cfg['pipeline'] = []
            cfg['lazy_init'] = True
            dataset = DATASETS.build(cfg)
            dataset.full_init()
            return tuple(dataset.metainfo['classes'])
        return None

    def record(self, task_fields: dict) -> dict:
        """The results dict a dataset of this task would give the pipeline, for an image
        (``img_path`` or ``img`` set by the caller) and the user's fields."""
        question, classes = task_fields.get('question'), task_fields.get('classes')
        rec = dict(task=self.sample_task, instances=[])
        if self.region_type is not None:
            rec['region_type'] = self.region_type
        if self.task == 'det':
            rec['classes'] = tuple(classes)
        elif self.task == 'grounding':
            rec.update(phrase=question, classes=(question, ))
        elif self.task == 'caption':
            rec['conversations'] = single_turn(fill_prompt(self.prompt), '')
        elif self.task == 'vqa':
            rec.update(question=question, conversations=single_turn(
                fill_prompt(self.prompt, question=question), ''))
        elif self.task == 'cls':
            rec.update(classes=tuple(classes), conversations=single_turn(
                fill_prompt(self.prompt, classes=','.join(classes)), ''))
        else:  # chat: the question as it is typed
            rec.update(conversations=single_turn(question, ''),
                       box_grid=self.dataset.get('box_grid'))
        return rec


def _benchmark_pipeline(task: str, like: Optional[list]) -> list:
    """The test pipeline of ``task``'s benchmark base, with the loading and resizing
    steps of ``like`` (another task's pipeline of the same config) when given."""
    path = osp.join(BENCHMARKS_DIR, BENCHMARK_BASES.get(task, DEFAULT_BENCHMARK_BASE))
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'the config has no test set of task {task!r} and the benchmark base {path} '
            'to fall back on is missing; add a test set of that task to the config')
    pipeline = copy.deepcopy(list(Config.fromfile(path).test_pipeline))
    if like:
        head = [s for s in like if _type_name(s) in (LOAD_STEP, 'SmartResize')]
        pipeline = head + [s for s in pipeline if _type_name(s) not in (LOAD_STEP,
                                                                          'SmartResize')]
    return pipeline


def find_task_inputs(cfg: Config, loaders: Sequence[str] = ('test_dataloader',
                                                            'val_dataloader')) -> dict:
    """``{task: TaskInput}`` for every task of :data:`TASKS`: the first dataset of the
    config's test (then validation) loader that serves it, else the benchmark base."""
    found = {}
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if not isinstance(loader_cfg, dict):
            continue
        for ds_cfg, parents in _walk(loader_cfg.get('dataset')):
            task = _task_of(ds_cfg) if ds_cfg.get('pipeline') else None
            if task is None or task in found:
                continue
            split = next((p for p in parents if _type_name(p) == 'PatchSplitDataset'), None)
            found[task] = TaskInput(task, ds_cfg['pipeline'], ds_cfg, split,
                                    source=f'{loader} ({_type_name(ds_cfg)})')
    like = next(iter(found.values())).pipeline if found else None
    for task in TASKS:
        if task not in found:
            found[task] = TaskInput(task, _benchmark_pipeline(task, like),
                                    source=f'configs/benchmarks/_base_ ({task})')
    return found


def split_pipeline(pipeline: List[dict]):
    """``(load step config or None, the other steps)``."""
    load = next((s for s in pipeline if _type_name(s) == LOAD_STEP), None)
    return load, [s for s in pipeline if s is not load]


__all__ = ['TASKS', 'TaskInput', 'find_task_inputs', 'split_pipeline']
