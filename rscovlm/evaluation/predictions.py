"""The predictions file shared by ``tools/test.py --out`` and offline re-scoring.

JSON Lines, one object per sample::

    {"img_id": "P0003__512__0___0", "pred_text": "...", "img_shape": [504, 504],
     "ori_shape": [512, 512]}

* ``img_id`` (str): the dataset's image id;
* ``pred_text`` (str): the generated answer, as generated;
* ``img_shape`` ([h, w] positive ints, optional): the frame the coordinates of the answer
  are in (the resized image the model saw). ``tools/test.py --out`` always writes it; the
  offline tool takes a missing one to be the frame its config's pipeline resizes the
  image to (e.g. ``SmartResize`` with RSCoVLM's detection pixels: 512 -> 504), so text
  generated elsewhere is scored with ``{"img_id", "pred_text"}`` alone;
* ``ori_shape`` ([h, w] positive ints, optional): the original image size; when absent,
  the offline tool reads it from the image header.

* ``task``, ``dataset_name``, ``question_id``, ``region_type`` (optional): which sample
  of the image the answer belongs to, when a test set asks several things of one image
  (a mixed-task set, several questions per image). Together with ``img_id`` they must be
  unique in a file.

* ``pred_scores`` (optional list of floats): one score per parsed box of a detection
  answer, in emission order: the ``pred_instances.logprob_scores`` of a model with
  ``box_scores='logprob'`` (``RotatedDetMetric(score_mode='logprob')`` ranks by them);
  re-scoring puts them back there. Files written before that name carry the list as
  ``scores``; :func:`read_predictions` reads it as ``pred_scores`` (which wins when a
  record has both).

Other keys are kept and ignored. Blank lines are skipped.
"""
import json
import os
import os.path as osp
import tempfile
from typing import Iterable, List, Optional, Tuple

from rscovlm.utils.fileio import iter_jsonl

REQUIRED_FIELDS = ('img_id', 'pred_text')
#: the fields that identify a sample; a file holds each combination once
KEY_FIELDS = ('img_id', 'task', 'dataset_name', 'question_id', 'region_type')


def sample_key(record: dict) -> tuple:
    return tuple(record.get(k) for k in KEY_FIELDS)


def _describe(key: tuple) -> str:
    return ', '.join(f'{k}={v!r}' for k, v in zip(KEY_FIELDS, key) if v is not None)
_SHAPE_HINT = 'a list of two positive integers [height, width]'


def _check_shape(value, field: str) -> Optional[str]:
    """An error message, or None when ``value`` is a valid [h, w]."""
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                       for v in value)):
        return f'field {field!r} must be {_SHAPE_HINT}, got {value!r}'
    return None


def _check_record(record) -> Optional[str]:
    if not isinstance(record, dict):
        return (f'expected a JSON object {{"img_id": ..., "pred_text": ..., '
                f'"img_shape": [h, w]}}, got {type(record).__name__}')
    for field in REQUIRED_FIELDS:
        if field not in record:
            return (f'missing field {field!r}; every line needs "img_id" (str) and '
                    '"pred_text" (str), best with "img_shape" '
                    f'({_SHAPE_HINT}, the frame of the answer coordinates)')
    for field in ('img_id', 'pred_text'):
        if not isinstance(record[field], str):
            return (f'field {field!r} must be a string, got '
                    f'{type(record[field]).__name__} {record[field]!r}')
    if not record['img_id']:
        return "field 'img_id' is an empty string; write the dataset's image id"
    msg = None
    if record.get('img_shape') is not None:
        msg = _check_shape(record['img_shape'], 'img_shape')
        if msg is not None:
            msg += " (or leave it out: the config's resize frame is used)"
    if msg is None and record.get('ori_shape') is not None:
        msg = _check_shape(record['ori_shape'], 'ori_shape')
        if msg is not None:
            msg += ' (or leave it out to read it from the image)'
    return msg


def _to_jsonable_shape(shape):
    return None if shape is None else [int(v) for v in tuple(shape)[:2]]


def dump_predictions(records: Iterable[dict], path: str) -> int:
    """Write prediction records as JSON Lines, atomically (a temporary file in the
    same folder, then ``os.replace``). Shapes may be tuples, tensors or numpy values.

    Returns:
        int: the number of records written.
    """
    path = str(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=osp.basename(path) + '.', suffix='.tmp', dir=folder)
    count = 0
    seen = {}
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            for index, record in enumerate(records):
                record = dict(record)
                for key in ('img_shape', 'ori_shape'):
                    if key in record:
                        record[key] = _to_jsonable_shape(record[key])
                if record.get('ori_shape') is None:
                    record.pop('ori_shape', None)
                msg = _check_record(record)
                key = sample_key(record) if msg is None else None
                if key in seen:
                    msg = f'sample ({_describe(key)}) already written by record {seen[key]}'
                if msg is not None:
                    raise ValueError(f'cannot write {path}: record {index}: {msg}')
                seen[key] = index
                f.write(json.dumps(record, ensure_ascii=False) + '\n')
                count += 1
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    return count


def load_predictions(path: str) -> List[dict]:
    """Read and validate a predictions file.

    Raises:
        ValueError: naming the file, the line, the field and the fix, for bad JSON, a
            missing or mistyped field, or an ``img_id`` that appears twice.
    """
    return [record for _, record in read_predictions(path)]


def read_predictions(path: str) -> List[Tuple[int, dict]]:
    """:func:`load_predictions` with the line number of every record:
    ``[(lineno, record), ...]`` (1-based, blank lines counted), for messages that point
    into the file."""
    path = str(path)
    records, first_line = [], {}
    try:
        lines = list(iter_jsonl(path))
    except ValueError as e:
        raise ValueError(f'{e}; each line must be one JSON object, e.g. {{"img_id": "P0001", '
                         '"pred_text": "...", "img_shape": [512, 512]}') from None
    for lineno, record in lines:
        msg = _check_record(record)
        if msg is not None:
            raise ValueError(f'{path}:{lineno}: {msg}')
        key = sample_key(record)
        if key in first_line:
            raise ValueError(
                f'{path}:{lineno}: field \'img_id\': duplicated sample ({_describe(key)}) '
                f'(first on line {first_line[key]}); keep one prediction per sample')
        first_line[key] = lineno
        if 'pred_scores' not in record and 'scores' in record:  # an older file's name
            record = dict(record, pred_scores=record['scores'])
        records.append((lineno, record))
    return records


__all__ = ['dump_predictions', 'load_predictions', 'read_predictions', 'sample_key',
           'KEY_FIELDS']
