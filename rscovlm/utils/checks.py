"""Checks run before anything is built, so that a bad config fails in seconds with one
line per problem instead of after the model is built and the config is dumped.

* :func:`path_problems`: the checkpoint (``load_from``, ``--resume``, ``tools/test.py``'s
  CHECKPOINT), the local ``pretrained`` folders of the model and its processor, and each
  dataset's ``data_root``, ``ann_file`` and ``data_prefix`` folders;
* :func:`model_config_problems`: keys of a random-init Hugging Face ``config`` dict that
  its config class does not take (``num_hiden_layers``);
* :func:`check_before_build` runs both and raises :class:`~rscovlm.utils.config.ConfigError`;
  :func:`run_tool` prints such an error as ``<tool>: error: ...`` lines and exits with 1;
* :func:`preview_samples` reads a few samples of each dataset through its pipeline and
  renders their prompts and answers (``tools/misc/check_config.py``).
"""
import copy
import os.path as osp
import sys
import time
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config

from .config import ConfigError, MissingPathError

PHASES = ('train', 'val', 'test')


def _remote(path: str) -> bool:
    return '://' in path


# --------------------------------------------------------------------------- #
# where the datasets are
# --------------------------------------------------------------------------- #
def _loop_is_set(cfg: Config, phase: str) -> bool:
    return cfg.get(f'{phase}_cfg') is not None and cfg.get(f'{phase}_dataloader') is not None


def phase_datasets(cfg: Config, phases: Sequence[str]) -> Iterator[Tuple[str, dict]]:
    """``(field, dataset config)`` of each phase's dataset (``val`` / ``test``: only when
    its loop is configured), benchmarks of a ``MultiBenchmarkTestLoop`` included."""
    for phase in phases:
        if not _loop_is_set(cfg, phase):
            continue
        loader = cfg[f'{phase}_dataloader']
        if isinstance(loader.get('dataset'), dict):
            yield f'{phase}_dataloader.dataset', loader['dataset']
        if phase == 'test':
            for i, bench in enumerate(cfg.test_cfg.get('benchmarks') or ()):
                dataset = (bench.get('test_dataloader') or {}).get('dataset')
                if isinstance(dataset, dict):
                    yield f'test_cfg.benchmarks.{i}.test_dataloader.dataset', dataset


def _walk_datasets(dataset, field: str) -> Iterator[Tuple[str, dict]]:
    """``(field, config)`` of a dataset config and of every dataset it wraps."""
    if not isinstance(dataset, dict):
        return
    yield field, dataset
    yield from _walk_datasets(dataset.get('dataset'), f'{field}.dataset')
    children = dataset.get('datasets') or []
    items = children.items() if isinstance(children, dict) else enumerate(children)
    for key, child in items:
        yield from _walk_datasets(child, f'{field}.datasets.{key}')


def _dataset_path_problems(field: str, ds: dict) -> List[str]:
    root = ds.get('data_root')
    if isinstance(root, str) and root and not _remote(root) and not osp.isdir(root):
        return [f'{field}.data_root: folder {root!r} does not exist; point the config at the '
                'data, e.g. --cfg-options data_root=<folder>']
    root = root if isinstance(root, str) else ''
    problems = []
    ann_file = ds.get('ann_file')
    if isinstance(ann_file, str) and ann_file:
        path = osp.join(root, ann_file)
        if not _remote(path) and not osp.exists(path):
            problems.append(f'{field}.ann_file: {path!r} does not exist (data_root '
                            f'{root!r} + ann_file {ann_file!r})')
    prefix = ds.get('data_prefix')
    for key, value in (prefix.items() if isinstance(prefix, dict) else ()):
        if isinstance(value, str) and value:
            path = osp.join(root, value)
            if not _remote(path) and not osp.isdir(path):
                problems.append(f'{field}.data_prefix.{key}: folder {path!r} does not exist '
                                f'(data_root {root!r} + {value!r})')
    return problems


# --------------------------------------------------------------------------- #
# checks
# --------------------------------------------------------------------------- #
def path_problems(cfg: Config, phases: Sequence[str] = PHASES) -> List[str]:
    """Files and folders the run would read, that do not exist: the checkpoint
    (``load_from``), every ``pretrained`` folder of the model (and its processor), and
    the data of each phase's datasets."""
    problems = []
    load_from = cfg.get('load_from')
    # a file, or a sharded (FSDP / DeepSpeed) checkpoint directory
    if isinstance(load_from, str) and not _remote(load_from) and not osp.exists(load_from):
        what = 'resume from' if cfg.get('resume') else 'load'
        problems.append(f'checkpoint {load_from!r} does not exist (the checkpoint to {what}; '
                        'load_from)')

    def walk(value, field):
        if isinstance(value, dict):
            for key, item in value.items():
                where = f'{field}.{key}'
                if key == 'pretrained' and isinstance(item, str) and not _remote(item) \
                        and not osp.isdir(item):
                    problems.append(f'{where}: {item!r} is not a local folder; download the '
                                    'model once and point it there (nothing is downloaded '
                                    'at run time)')
                walk(item, where)

    walk(cfg.get('model'), 'model')
    seen = set()
    for field, dataset in phase_datasets(cfg, phases):
        for where, ds in _walk_datasets(dataset, field):
            for problem in _dataset_path_problems(where, ds):
                # one line per missing folder, however many datasets share it
                key = problem.split(': ', 1)[1]
                if key not in seen:
                    seen.add(key)
                    problems.append(problem)
    return problems


def model_config_problems(cfg: Config) -> List[str]:
    """Keys of each random-init Hugging Face ``config`` dict in ``cfg.model`` that the
    model's config class does not take (:func:`rscovlm.models.hf.hf_config_problems`)."""
    from rscovlm.models.hf import HF_MODEL_CLASSES, hf_config_problems
    problems = []

    def walk(value, field):
        if isinstance(value, dict):
            if value.get('type') in HF_MODEL_CLASSES and isinstance(value.get('config'), dict):
                problems.extend(hf_config_problems(value['type'], value['config'],
                                                   f'{field}.config'))
            for key, item in value.items():
                walk(item, f'{field}.{key}')

    walk(cfg.get('model'), 'model')
    return problems


def check_before_build(cfg: Config, phases: Sequence[str] = PHASES,
                       limit: Optional[int] = 3) -> None:
    """Raise :class:`MissingPathError` listing the problems :func:`path_problems` finds,
    else :class:`ConfigError` listing those of :func:`model_config_problems`: the first
    ``limit`` of them and a count of the rest (``None``: all)."""
    # paths first: the model config check imports transformers, which takes seconds
    problems = path_problems(cfg, phases)
    error = MissingPathError
    if not problems:
        problems, error = model_config_problems(cfg), ConfigError
    if not problems:
        return
    if limit is not None and len(problems) > limit:
        problems = problems[:limit] + [
            f'{len(problems) - limit} more like these (tools/misc/check_config.py lists '
            'them all)']
    raise error(problems)


def run_tool(main: Callable[[], None], prog: Optional[str] = None) -> None:
    """Run a tool's ``main``; a :class:`ConfigError` becomes ``<prog>: error: ...`` lines
    on stderr and exit status 1, without a traceback."""
    try:
        main()
    except ConfigError as e:
        prog = prog or osp.basename(sys.argv[0])
        for problem in e.problems:
            print(f'{prog}: error: {problem}', file=sys.stderr)
        sys.exit(1)


# --------------------------------------------------------------------------- #
# samples, as the model would see them
# --------------------------------------------------------------------------- #
def _message_text(message: dict) -> str:
    content = message['content']
    if isinstance(content, str):
        return content
    return ''.join('<image>' if c.get('type') == 'image' else c.get('text', '')
                   for c in content)


def _clip(text: str, width: int) -> str:
    text = text.strip().replace('\n', ' | ')
    return text if len(text) <= width else text[:width - 3] + '...'


def _sources(dataset) -> List[Tuple[str, List[int]]]:
    """``(name, indices)`` per source of a ``TaskMixDataset`` (else the one dataset)."""
    if hasattr(dataset, 'locate') and hasattr(dataset, 'names'):
        by_source = {}
        for i in range(len(dataset)):
            by_source.setdefault(dataset.locate(i)[0], []).append(i)
        return [(dataset.names[s], by_source.get(s, [])) for s in range(len(dataset.names))]
    return [(type(dataset).__name__, list(range(len(dataset))))]


def preview_samples(cfg: Config, phases: Sequence[str] = PHASES, num: int = 1,
                    width: int = 160) -> List[str]:
    """Build each phase's dataset and read ``num`` samples of each of its sources through
    the pipeline; the lines show per source its size and, per sample, the task, image
    size fed to the model and each turn of the conversation (system / user / assistant,
    the answer being the ground-truth text). Raises :class:`ConfigError` naming the
    phase, the source and the sample when one cannot be read."""
    from rscovlm.registry import DATASETS
    lines = []
    for phase in phases:
        if not _loop_is_set(cfg, phase):
            continue
        start = time.time()
        dataset_cfg = copy.deepcopy(cfg[f'{phase}_dataloader']['dataset'])
        try:
            dataset = DATASETS.build(dataset_cfg)
            if hasattr(dataset, 'full_init'):
                dataset.full_init()
        except Exception as e:
            raise ConfigError(f'{phase}_dataloader.dataset cannot be built: '
                              f'{type(e).__name__}: {e}') from e
        sources = _sources(dataset)
        lines.append(f'{phase}: {type(dataset).__name__}, {len(dataset)} samples'
                     + (f' from {len(sources)} sources' if len(sources) > 1 else ''))
        for name, indices in sources:
            lines.append(f'  {name}: {len(indices)} samples')
            if not indices:
                raise ConfigError(f'{phase}_dataloader.dataset: source {name} has no samples')
            for idx in indices[:num]:
                try:
                    out = dataset[idx]
                except Exception as e:
                    raise ConfigError(f'{phase} dataset {name}, sample {idx}: '
                                      f'{type(e).__name__}: {e}') from e
                sample = out['data_samples'] if isinstance(out, dict) else out
                meta = sample.metainfo
                lines.append(f"    [{idx}] task {meta.get('task')}, image "
                             f"{meta.get('img_id')}, fed at {meta.get('img_shape')}")
                for message in sample.get('messages') or ():
                    lines.append(f"      {message['role']}: "
                                 f'{_clip(_message_text(message), width)}')
                if not any(m['role'] == 'assistant' for m in sample.get('messages') or ()):
                    answer = sample.get('gt_text') or sample.get('gt_answer')
                    if answer is not None:
                        lines.append(f'      (answer) {_clip(str(answer), width)}')
        lines.append(f'  read in {time.time() - start:.1f} s')
    return lines
