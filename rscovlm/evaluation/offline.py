"""Offline re-scoring: a predictions file against a config's test set and metrics,
without a model (``tools/analysis_tools/eval_offline.py`` is its command line).

How the samples are built (the same data samples ``tools/test.py`` scores):

1. ``cfg.test_dataloader.dataset`` is built with its pipeline and every sample runs
   through it with ``length_only=True``, as ``PackedDataset`` measures lengths: only
   image headers are read (no pixel is decoded, but every test image must be on disk),
   and a mixture (``TaskMixDataset``) runs each record through the pipeline of the
   dataset it comes from. ``PackVLMInputs`` then gives the data sample with everything
   the metrics read (``gt_instances``, ``references``, ``gt_answer``, ``question_type``,
   ``classes``, ``codec``, ``task``, ``dataset_name``, ...).
2. ``ProcessVLMInputs`` is left out of the pipeline: token ids and pixel values are read
   by the model only, so re-scoring needs neither the tokenizer nor the checkpoint.
3. A transform that names ``processor=None`` (``SmartResize`` without ``min_pixels`` /
   ``max_pixels``) gets a processor through ``rscovlm.utils.complete_config``: the
   config's ``model.processor`` when it builds here (``--cfg-options
   model.processor.type=PretrainedProcessor model.processor.pretrained=DIR`` gives a bare
   benchmark overlay one), else the offline ``dict(type='TinyQwen2VLProcessor')``. That
   processor only sets the pipeline's resized frame (``img_shape``): a prediction's own
   ``img_shape`` (the frame the model answered in) replaces it, and so does its
   ``ori_shape`` when given (else the image header's is kept). A prediction without
   ``img_shape`` (text generated elsewhere) is read in the pipeline's frame, which is
   then the one that counts: benchmark overlays that fix ``min_pixels`` /
   ``max_pixels`` (``dota-v1.0_val.py``: RSCoVLM's detection pixels, 512 -> 504) give it
   without a processor. Only the ground-truth answer of a dataset with ``box_grid``
   (GeoChat-style grid boxes, rewritten into the resized frame) depends on the frame; a
   prediction answered in another frame there is warned about.
4. Each prediction is joined to its sample by the fields that identify a sample
   (``img_id``, ``task``, ``dataset_name``, ``question_id``, ``region_type``). A file from an older
   dump that lacks some of them still matches where the fields it has pick out one
   sample of the image (e.g. ``img_id`` alone on a detection set); otherwise the error
   names the file, the line and the missing field. A field no test sample has (e.g.
   ``dataset_name`` of a mixture's predictions against a single benchmark) is not
   compared.
5. The sample is filled by ``rscovlm.structures.fill_prediction``, as the model fills it
   after generation: ``pred_text``, and for a sample whose metainfo has a box ``codec``
   (detection, grounding) ``pred_instances`` / ``parse_stats``. The record's
   ``pred_scores``, if any, become ``pred_instances.logprob_scores`` and the boxes keep
   score 1.0, as the model's ``box_scores='logprob'`` leaves them: mAP_nc does not
   depend on them, ``RotatedDetMetric(score_mode='logprob')`` ranks by them.
6. The samples go to ``cfg.test_evaluator`` in dataset order (with constant scores the
   order of tied boxes enters the AP), in chunks of ``CHUNK_SIZE``.

A test sample without a prediction is scored as an empty answer (with a warning); a
prediction for a sample the test set does not have is an error.
"""
import copy
import logging
import sys
from collections import defaultdict
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from rscovlm.processors import build_processor
from rscovlm.registry import DATASETS, EVALUATOR
from rscovlm.structures import fill_prediction
from rscovlm.utils import complete_config, walk_dataset_cfgs
from .predictions import KEY_FIELDS, read_predictions

CHUNK_SIZE = 64
#: advance the progress bar every this many samples (0: no bar); sets smaller than it show none
PROGRESS_INTERVAL = 1000
#: transforms whose outputs (token ids, pixel values) only the model reads
MODEL_ONLY_TRANSFORMS = ('ProcessVLMInputs', )
#: the processor of ``processor=None`` transforms when the config's model gives none
PLACEHOLDER_PROCESSOR = dict(type='TinyQwen2VLProcessor')


class EvalOfflineError(Exception):
    """A problem with the inputs, reported without a traceback."""


# --------------------------------------------------------------------------- #
# the test set, through its pipeline
# --------------------------------------------------------------------------- #
def _type_name(transform) -> str:
    kind = transform.get('type') if isinstance(transform, dict) else type(transform)
    return kind if isinstance(kind, str) else getattr(kind, '__name__', str(kind))


def resolve_processor(cfg: Config, logger=None) -> dict:
    """``model.processor`` when the config has one that builds, else the placeholder."""
    processor = (cfg.get('model') or {}).get('processor')
    if processor is not None:
        try:
            build_processor(copy.deepcopy(processor))
            return processor
        except Exception as e:  # e.g. a model-zoo processor whose folder is not here
            print_log(
                f'model.processor cannot be built here ({type(e).__name__}: {e}); the '
                f'pipeline frame comes from {PLACEHOLDER_PROCESSOR} instead. It only '
                'matters for predictions without an img_shape of their own.',
                logger=logger, level=logging.WARNING)
    return copy.deepcopy(PLACEHOLDER_PROCESSOR)


def rescoring_dataset_cfg(cfg: Config, logger=None) -> dict:
    """``cfg.test_dataloader.dataset`` for re-scoring: the model-only transforms left
    out, ``processor=None`` filled by ``complete_config`` from the processor
    :func:`resolve_processor` picks (see the module docstring)."""
    loader = cfg.get('test_dataloader')
    if not isinstance(loader, dict) or not isinstance(loader.get('dataset'), dict):
        raise EvalOfflineError('the config has no test_dataloader.dataset to read the '
                               'ground truth from')
    dataset_cfg = copy.deepcopy(loader['dataset'])
    needs_processor = False
    for ds in walk_dataset_cfgs(dataset_cfg):
        if not ds.get('pipeline'):
            continue
        ds['pipeline'] = [t for t in ds['pipeline']
                          if _type_name(t) not in MODEL_ONLY_TRANSFORMS]
        needs_processor |= any(isinstance(t, dict) and 'processor' in t
                               and t['processor'] is None for t in ds['pipeline'])
    if needs_processor:
        test_only = Config(dict(model=dict(processor=resolve_processor(cfg, logger)),
                                test_dataloader=dict(dataset=dataset_cfg)))
        dataset_cfg = complete_config(test_only).test_dataloader.dataset
    return dataset_cfg


def build_dataset(cfg: Config, logger=None):
    dataset = DATASETS.build(rescoring_dataset_cfg(cfg, logger))
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    return dataset


def pipeline_of(dataset, idx: int):
    """``(pipeline, data info)`` of sample ``idx``: a mixture without a pipeline of its
    own (``TaskMixDataset``: ``locate`` and ``datasets``) hands the record to the
    pipeline of the dataset it comes from, as ``PackedDataset.sample_length`` does."""
    info, owner, local = dataset.get_data_info(idx), dataset, idx
    while not hasattr(owner, 'pipeline') and hasattr(owner, 'locate'):
        source, local = owner.locate(local)
        owner = owner.datasets[source]
    if not hasattr(owner, 'pipeline'):
        raise EvalOfflineError(
            f'cannot run the pipeline of test sample {idx}: {type(owner).__name__} has no '
            'pipeline and no locate(); use a dataset or a TaskMixDataset as test set')
    return owner.pipeline, info


def tracked(items: Iterable, total: int, what: str, interval: int = PROGRESS_INTERVAL,
            logger=None) -> Iterator:
    """Yield ``items``, showing mmengine's ``ProgressBar`` advanced every ``interval``
    items; nothing shown when ``interval`` is 0 or not below ``total``."""
    if not 0 < interval < total:
        yield from items
        return
    print_log(f'{what}: {total}', logger=logger)
    bar = ProgressBar(total, file=sys.stdout)  # today's stdout (a test may capture it)
    done = 0
    for done, item in enumerate(items, 1):
        yield item
        if done % interval == 0:
            bar.update(interval)
    if done % interval:
        bar.update(done % interval)
    bar.file.write('\n')


def read_samples(dataset, progress_interval: int = PROGRESS_INTERVAL,
                 logger=None) -> Tuple[list, List[int]]:
    """The data sample (``VLMDataSample``) of every test sample, in dataset order, from
    a ``length_only`` pipeline pass (image headers only), and the indices of the samples
    of a ``box_grid`` dataset (their ground-truth answer depends on the frame)."""
    samples, grid_indices = [], []
    for idx in tracked(range(len(dataset)), len(dataset), 'reading test samples',
                       progress_interval, logger):
        pipeline, info = pipeline_of(dataset, idx)
        where = f"test sample {idx} (img_id={info.get('img_id')!r})"
        try:
            out = pipeline(dict(info, length_only=True))
        except OSError as e:  # a missing or unreadable image
            paths = info.get('img_paths') or [info.get('img_path')]
            raise EvalOfflineError(
                f'{where}: cannot read the image header of {", ".join(map(repr, paths))} '
                f'({e}); eval_offline reads the size of every test image (no pixels): '
                'check data_root (--cfg-options data_root=...) and data_prefix') from None
        if out is None or 'data_samples' not in out:
            raise EvalOfflineError(f'{where}: the test pipeline gave no data sample; it '
                                   "must end with dict(type='PackVLMInputs')")
        samples.append(out['data_samples'])
        if info.get('box_grid'):
            grid_indices.append(idx)
    return samples, grid_indices


# --------------------------------------------------------------------------- #
# joining the predictions
# --------------------------------------------------------------------------- #
def describe(values: dict) -> str:
    """``img_id='P0001', task='det'``: the given key fields, in KEY_FIELDS order."""
    return ', '.join(f'{k}={values[k]!r}' for k in KEY_FIELDS
                     if values.get(k) is not None)


def join_predictions(samples: list, predictions: List[Tuple[int, dict]],
                     predictions_path: str) -> List[Optional[Tuple[int, dict]]]:
    """The ``(line, record)`` of every sample's prediction, or None.

    A prediction goes to the sample with the same key fields (``KEY_FIELDS``); failing
    that, to the one sample of its image that agrees with it on every key field the
    prediction gives, leaving out fields no test sample has.

    Raises:
        EvalOfflineError: for a prediction of no test sample, one that fits several
            samples (naming the missing field), or two predictions of one sample.
    """
    fields = KEY_FIELDS
    keys = [{k: s.metainfo.get(k) for k in fields} for s in samples]
    by_key, by_img = defaultdict(list), defaultdict(list)
    for i, key in enumerate(keys):
        by_key[tuple(key.values())].append(i)
        by_img[key['img_id']].append(i)

    # a field no test sample has (dataset_name on a set that is not a mixture) is not compared
    used = {k for k in fields if any(key[k] is not None for key in keys)}
    assigned: List[Optional[Tuple[int, dict]]] = [None] * len(samples)
    unknown_images, unknown_samples = [], []
    for lineno, record in predictions:
        where = f'{predictions_path}:{lineno}'
        candidates = by_key.get(tuple(record.get(k) for k in fields))
        if candidates is None:
            same_image = by_img.get(record['img_id'])
            if not same_image:
                unknown_images.append(record['img_id'])
                continue
            candidates = [i for i in same_image if all(
                record.get(k) is None or k not in used or record[k] == keys[i][k]
                for k in fields[1:])]
            if not candidates:
                unknown_samples.append((where, record, same_image))
                continue
        if len(candidates) > 1:
            differ = [k for k in fields[1:] if len({keys[i][k] for i in candidates}) > 1]
            shown = '; '.join(f'({describe(keys[i])})' for i in candidates[:4])
            if not differ:
                raise EvalOfflineError(
                    f'{where}: the test dataset holds {len(candidates)} samples that '
                    f'nothing tells apart ({shown}); give its records a question_id')
            missing = [k for k in differ if record.get(k) is None]
            raise EvalOfflineError(
                f"{where}: missing field {missing[0]!r}: the prediction "
                f"({describe(record)}) fits {len(candidates)} test samples ({shown}), which "
                f'differ in {", ".join(differ)}; add {", ".join(map(repr, missing))} to '
                'every line (tools/test.py --out writes them)')
        i = candidates[0]
        if assigned[i] is not None:
            raise EvalOfflineError(
                f'{where}: a second prediction of test sample ({describe(keys[i])}) (the '
                f'first is on line {assigned[i][0]}); keep one prediction per sample')
        assigned[i] = (lineno, record)

    n_images = len(by_img)
    size = (f'{n_images} images' if n_images == len(samples)
            else f'{len(samples)} samples of {n_images} images')
    if unknown_images:
        shown = ', '.join(repr(i) for i in unknown_images[:5])
        more = f' (and {len(unknown_images) - 5} more)' if len(unknown_images) > 5 else ''
        raise EvalOfflineError(
            f'{predictions_path}: {len(unknown_images)} prediction(s) for images not in the '
            f'test dataset ({size}): {shown}{more}. Check data_root / ann_file '
            '(--cfg-options data_root=...) and that the predictions come from this '
            'benchmark.')
    if unknown_samples:
        where, record, same_image = unknown_samples[0]
        has = '; '.join(f'({describe(keys[i])})' for i in same_image[:4])
        raise EvalOfflineError(
            f'{where}: no test sample is ({describe(record)}) ({len(unknown_samples)} such '
            f'prediction(s)); the test dataset has for this image: {has}. Check that the '
            'predictions come from this benchmark.')
    return assigned


def _shape(value) -> tuple:
    return tuple(int(v) for v in tuple(value)[:2])


def set_prediction(sample, record: Optional[dict], where: str = '',
                   with_scores: bool = False) -> None:
    """Fill the sample from its prediction record (empty text without one), as the model
    fills it: the record's frame (``img_shape``, ``ori_shape``) first, then
    ``rscovlm.structures.fill_prediction`` with the record's ``pred_scores`` (one number
    per parsed box) as ``pred_instances.logprob_scores``. ``with_scores`` (the file
    carries ``pred_scores``): an answer without a box gets empty scores when its record
    has none (or there is no record), as the model gives it."""
    if record is not None and record.get('img_shape') is not None:
        sample.set_metainfo(dict(img_shape=_shape(record['img_shape'])))
    if record is not None and record.get('ori_shape') is not None:
        sample.set_metainfo(dict(ori_shape=_shape(record['ori_shape'])))
    scores = None if record is None else record.get('pred_scores')
    try:
        fill_prediction(sample, '' if record is None else record['pred_text'],
                        box_scores=scores, where=where)
    except ValueError as e:  # a pred_scores list that does not fit the parsed boxes
        raise EvalOfflineError(str(e)) from None
    pred = sample.get('pred_instances')
    if (with_scores and scores is None and pred is not None and len(pred) == 0):
        pred.logprob_scores = torch.zeros(0, dtype=torch.float64)


def fill_predictions(samples: list, predictions: List[Tuple[int, dict]],
                     predictions_path: str, logger=None,
                     grid_indices: Sequence[int] = ()) -> Dict[str, object]:
    """Join the predictions (``(line, record)`` pairs) to the test samples (from
    :func:`read_samples`) and fill them in place.

    Returns:
        ``dict(samples=..., missing=[indices of the samples without prediction])``.
    """
    grid_indices = set(grid_indices)
    assigned = join_predictions(samples, predictions, predictions_path)
    with_scores = any('pred_scores' in record for _, record in predictions)
    missing, other_frame, other_ori, grid_frame, no_frame = [], [], [], [], []
    for i, (sample, found) in enumerate(zip(samples, assigned)):
        if found is None:
            missing.append(i)
            set_prediction(sample, None, with_scores=with_scores)
            continue
        lineno, record = found
        if record.get('img_shape') is None:
            no_frame.append(i)
        frame, ori = sample.metainfo.get('img_shape'), sample.metainfo.get('ori_shape')
        set_prediction(sample, record, f'{predictions_path}:{lineno}', with_scores)
        if frame is not None and _shape(frame) != sample.img_shape:
            other_frame.append(i)
            if i in grid_indices:
                grid_frame.append(i)
        if ori is not None and _shape(ori) != sample.ori_shape:
            other_ori.append((lineno, _shape(ori), sample.ori_shape))

    noun = 'images' if len({s.img_id for s in samples}) == len(samples) else 'samples'
    if missing:
        print_log(
            f'{len(missing)} of {len(samples)} dataset {noun} have no prediction in '
            f'{predictions_path} (e.g. ({describe(samples[missing[0]].metainfo)})); they are '
            'scored as empty answers.', logger=logger, level=logging.WARNING)
    if other_ori:
        lineno, disk, given = other_ori[0]
        print_log(
            f'{len(other_ori)} prediction(s) give an ori_shape other than their image\'s '
            f'(e.g. {predictions_path}:{lineno}: {list(given)}, the image is {list(disk)}); '
            'their boxes are rescaled to the ori_shape given.', logger=logger,
            level=logging.WARNING)
    if grid_frame:
        print_log(
            f'{len(grid_frame)} sample(s) of a box_grid dataset were answered in a frame '
            "other than this pipeline's, in which their ground-truth answer was written; "
            'give the config the resize the predictions were made with (model.processor, '
            'or min_pixels / max_pixels of SmartResize).', logger=logger,
            level=logging.WARNING)
    if no_frame:
        example = samples[no_frame[0]]
        print_log(
            f'{len(no_frame)} prediction(s) give no img_shape: their coordinates are taken '
            f"to be in this config's resize frame (e.g. {example.img_id!r}: "
            f'{list(example.ori_shape)} -> {list(example.img_shape)}); add "img_shape" '
            'to the predictions if the model saw another size.', logger=logger,
            level=logging.WARNING)
    if other_frame:
        print_log(f'{len(other_frame)} prediction(s) were answered in a frame other than '
                  "this pipeline's resize; their own img_shape is used.", logger=logger)
    return dict(samples=samples, missing=missing)


# --------------------------------------------------------------------------- #
# evaluation and output
# --------------------------------------------------------------------------- #
def build_evaluator(cfg: Config, dataset_meta: dict) -> Evaluator:
    evaluator_cfg = cfg.get('test_evaluator')
    if evaluator_cfg is None:
        raise EvalOfflineError('the config has no test_evaluator')
    evaluator_cfg = copy.deepcopy(evaluator_cfg)
    if isinstance(evaluator_cfg, dict) and 'metrics' in evaluator_cfg:
        evaluator_cfg.setdefault('type', 'Evaluator')
        evaluator = EVALUATOR.build(evaluator_cfg)
    else:
        evaluator = Evaluator(evaluator_cfg)
    evaluator.dataset_meta = dataset_meta
    return evaluator


def evaluate(evaluator: Evaluator, samples: list,
             progress_interval: int = PROGRESS_INTERVAL, logger=None) -> dict:
    """mmengine's ``Evaluator.offline_evaluate`` over the samples in dataset order,
    ``CHUNK_SIZE`` at a time."""
    return evaluator.offline_evaluate(
        tracked(samples, len(samples), 'scoring', progress_interval, logger),
        chunk_size=CHUNK_SIZE)


def evaluate_predictions(cfg: Config, predictions_path: str,
                         progress_interval: int = PROGRESS_INTERVAL, logger=None) -> dict:
    """Score a predictions file with ``cfg``'s test set and ``test_evaluator``.

    Returns:
        ``dict(metrics, samples, num_samples, num_images, num_predictions,
        num_missing_predictions)``.
    """
    predictions = read_predictions(predictions_path)
    dataset = build_dataset(cfg, logger)
    samples, grid_indices = read_samples(dataset, progress_interval, logger)
    evaluator = build_evaluator(cfg, dataset.metainfo)
    joined = fill_predictions(samples, predictions, predictions_path, logger, grid_indices)
    metrics = evaluate(evaluator, samples, progress_interval, logger)
    return dict(metrics=metrics, samples=samples, num_samples=len(samples),
                num_images=len({s.img_id for s in samples}),
                num_predictions=len(predictions),
                num_missing_predictions=len(joined['missing']))


