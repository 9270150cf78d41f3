"""The one prediction path: generated text -> the data sample's parsed prediction.

``BaseVLM.predict`` (after generation) and offline re-scoring
(``rscovlm.evaluation.offline``) both fill a sample with :func:`fill_prediction`; the
metrics read what it filled through :func:`read_prediction`, which parses a sample only
when nothing parsed it yet (a dict built by hand, an older dump) or when the metric asks
for another upstream rule than the one the sample was parsed with.

A filled sample holds:

* ``pred_text``: the answer as generated;
* ``pred_instances`` (``InstanceData``, original-image pixels): ``qboxes`` (N, 8) float64
  corners as parsed, ``bboxes`` (N, 5) rotated boxes ``cx, cy, w, h, theta[rad]`` of them
  (what mmrotate's ``DOTAMetric`` reads), ``labels`` (N,) class indices (-1: no class
  matched, or a rule that reads none), ``scores`` (N,) all 1.0 (the model states no
  confidence: the paper's mAP_nc), ``logprob_scores`` (N,) float64 when token
  log-probabilities were given (each box line's ``exp(mean log p)``, see
  :func:`box_line_scores`); its metainfo ``parser`` names the rule that read the text;
* ``parse_stats``: ``num_lines`` (candidate lines / items seen), ``num_skipped``
  (malformed ones dropped), ``failed`` (content, not the empty answer, and no box),
  ``blank`` (the answer is empty or only white space), ``num_unknown_class`` (boxes whose
  class name is not in the class list: the codec gives them the closest class, as
  upstream; with no class list for a rule that reads classes, every box, as none can
  get one) and ``num_out_of_image`` (boxes whose centre lies outside the original
  image, ``ori_shape``; see :func:`count_out_of_image`).

Box scores have one vocabulary, :data:`SCORE_MODES`, shared by the model
(``box_scores``: which scores to compute) and the metrics (``score_mode``: which to rank
by): ``'constant'`` (``scores``), ``'order'`` (the k-th of n boxes ``1 - k / n``) and
``'logprob'`` (``logprob_scores``).
"""
import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData

from rscovlm.codecs import (REGION_CODECS, build_codec, geochat_referring_boxes,
                            is_empty_answer, normalize_class_name, refgeo_first_box)
from .instances import qboxes_to

#: what a box is scored by, for the model's ``box_scores`` and the metrics' ``score_mode``
SCORE_MODES = ('constant', 'order', 'logprob')
#: how an answer is read: ``'codec'`` (every box, by the sample's codec), or an upstream
#: rule of ``rscovlm.codecs.upstream``
PARSERS = ('codec', 'first_line', 'geochat', 'geochat_signed')
#: the rule of a task whose upstream protocol reads boxes its own way
TASK_PARSERS = dict(grounding='first_line', conversation='first_line', referring='geochat')


def check_score_mode(mode: str, name: str = 'score_mode') -> str:
    if mode not in SCORE_MODES:
        raise ValueError(f'{name} must be one of {SCORE_MODES}, got {mode!r}')
    return mode


def frame_scale(meta: dict) -> Tuple[float, float]:
    """``(ori_w / img_w, ori_h / img_h)``: from the frame of the answer's coordinates
    (``img_shape``, h, w) to the original image (``ori_shape``); (1, 1) without both."""
    img_shape, ori_shape = meta.get('img_shape'), meta.get('ori_shape')
    if img_shape is None or ori_shape is None:
        return 1.0, 1.0
    img_h, img_w = (float(v) for v in tuple(img_shape)[:2])
    ori_h, ori_w = (float(v) for v in tuple(ori_shape)[:2])
    return ori_w / img_w, ori_h / img_h


def default_parser(meta: dict) -> str:
    """The sample's ``parser`` metainfo, else its task's (``TASK_PARSERS``; a task named
    ``grounding_<subset>`` is a grounding task), else ``'codec'``."""
    if meta.get('parser'):
        return meta['parser']
    task = str(meta.get('task') or '')
    if task.startswith('grounding_'):
        task = 'grounding'
    return TASK_PARSERS.get(task, 'codec')


def count_out_of_image(qboxes, ori_shape) -> int:
    """How many of the (N, 8) corner sets (original-frame pixels) have their centre, the
    mean of the 4 corners, outside ``[0, w] x [0, h]`` of ``ori_shape`` (h, w); 0 when
    the shape is unknown. A correct box never has (ground-truth centres lie in the
    image); many such boxes mean the answer's coordinates are on another grid than the
    frame they are read in, e.g. a model answering on a 0-1000 grid."""
    qboxes = np.asarray(qboxes, np.float64).reshape(-1, 8)
    if ori_shape is None or not len(qboxes):
        return 0
    h, w = (float(v) for v in tuple(ori_shape)[:2])
    cx, cy = qboxes[:, 0::2].mean(axis=1), qboxes[:, 1::2].mean(axis=1)
    return int(((cx < 0) | (cx > w) | (cy < 0) | (cy > h)).sum())


def _codec_of(meta: dict, codec=None):
    """The sample's codec, else ``codec`` (a metric's fallback), else the codec of the
    sample's ``region_type`` (hbox when none)."""
    cfg = meta.get('codec') or codec
    if cfg is None:
        cfg = dict(type=REGION_CODECS[meta.get('region_type') or 'hbox'])
    return build_codec(cfg) if isinstance(cfg, dict) else cfg


def parse_prediction(text: Optional[str], meta: dict, parser: Optional[str] = None,
                     codec=None, classes: Optional[Sequence[str]] = None,
                     box_type: str = 'rbox') -> Tuple[InstanceData, dict]:
    """Parse an answer into ``pred_instances`` and ``parse_stats`` (see the module
    docstring).

    Args:
        text: the generated answer.
        meta: the sample's metainfo (or its ``to_dict()``): ``codec``, ``classes``,
            ``img_shape`` / ``ori_shape`` (h, w), ``task``, ``region_type``, ``parser``.
        parser: one of ``PARSERS``; None: :func:`default_parser`.
        codec: the codec (config or instance) of a sample that names none.
        classes: the class list of a sample that has none (a metric's dataset classes).
        box_type: the type of ``bboxes``: ``'rbox'`` or ``'qbox'``.
    """
    parser = parser or default_parser(meta)
    scale = frame_scale(meta)
    num_unknown_class = 0
    if parser == 'codec':
        names = meta.get('classes') or classes
        names = None if names is None else [normalize_class_name(c) for c in names]
        parsed = _codec_of(meta, codec).decode(text, class_names=names, scale=scale)
        num_unknown_class = parsed.num_unknown_class if names is not None else len(parsed)
    elif parser == 'first_line':
        parsed = refgeo_first_box(text, _codec_of(meta, codec), scale, meta.get('ori_shape'))
    elif parser in ('geochat', 'geochat_signed'):
        parsed = geochat_referring_boxes(text, scale, signed=parser == 'geochat_signed')
    else:
        raise ValueError(f'parser must be one of {PARSERS}, got {parser!r}')
    qboxes = torch.from_numpy(np.asarray(parsed.qboxes, np.float64).reshape(-1, 8))
    pred = InstanceData(metainfo=dict(parser=parser))
    pred.qboxes = qboxes
    pred.bboxes = qboxes_to(qboxes, box_type)
    pred.labels = torch.as_tensor(np.asarray(parsed.labels), dtype=torch.long).reshape(-1)
    pred.scores = torch.ones(len(qboxes), dtype=torch.float32)
    stats = dict(num_lines=parsed.num_lines, num_skipped=parsed.num_skipped,
                 failed=bool(parsed.failed), blank=not parsed.has_content,
                 num_unknown_class=int(num_unknown_class),
                 num_out_of_image=count_out_of_image(parsed.qboxes, meta.get('ori_shape')))
    return pred, stats


def _check_box_scores(scores, num: int, where: str) -> torch.Tensor:
    if (not isinstance(scores, (list, tuple)) or len(scores) != num or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores)):
        raise ValueError(
            f"{where}field 'pred_scores' must be a list of {num} numbers (one per box "
            f'parsed from pred_text), got {scores!r}; leave it out for constant scores')
    return torch.as_tensor([float(v) for v in scores], dtype=torch.float64)


def fill_prediction(sample, text: str, token_logprobs: Optional[Sequence[tuple]] = None,
                    box_scores: Optional[Sequence[float]] = None,
                    parser: Optional[str] = None, where: str = ''):
    """Fill ``sample`` (a ``VLMDataSample``) from the generated ``text``.

    Sets ``pred_text``; a sample with a box ``codec`` in its metainfo (detection,
    grounding, referring) also gets ``pred_instances`` and ``parse_stats`` from
    :func:`parse_prediction` with the sample's rule (or ``parser``). Per-box
    ``logprob_scores`` come from ``token_logprobs`` (the model's ``(token_text,
    log_prob)`` pairs of the answer, by :func:`box_line_scores`) or ``box_scores`` (one
    number per parsed box, e.g. a predictions file's ``pred_scores``; a wrong count
    raises ``ValueError`` prefixed with ``where``).

    Returns:
        the sample.
    """
    sample.pred_text = text
    if sample.metainfo.get('codec') is None and parser is None:
        return sample
    pred, stats = parse_prediction(text, sample.metainfo, parser)
    if token_logprobs is not None:
        pred.logprob_scores = torch.as_tensor(
            box_line_scores(text, token_logprobs, len(pred)), dtype=torch.float64)
    elif box_scores is not None:
        pred.logprob_scores = _check_box_scores(box_scores, len(pred),
                                                f'{where}: ' if where else '')
    sample.pred_instances, sample.parse_stats = pred, stats
    return sample


def _field(container, key: str):
    if isinstance(container, dict):
        return container.get(key)
    return getattr(container, key, None)


def _select_scores(pred, sample: dict, score_mode: str) -> torch.Tensor:
    """(N,) float32 scores of the boxes for ``score_mode``."""
    num = len(_field(pred, 'labels'))
    if score_mode == 'constant':
        return torch.as_tensor(_field(pred, 'scores'), dtype=torch.float32).reshape(-1)
    if score_mode == 'order':
        return (1.0 - torch.arange(num, dtype=torch.float64) / max(num, 1)).to(torch.float32)
    scores = _field(pred, 'logprob_scores')
    img_id = sample.get('img_id')
    if scores is None:
        scores = sample.get('pred_scores')  # a sample of an older dump
        if scores is None:
            raise ValueError(
                "score_mode='logprob' needs the boxes' log-probability scores "
                "(pred_instances.logprob_scores; 'pred_scores' in a predictions file), one "
                f'float per parsed box, but data sample {img_id!r} has none')
    values = torch.as_tensor(scores, dtype=torch.float64).reshape(-1)
    if len(values) != num or not all(math.isfinite(v) for v in values.tolist()):
        raise ValueError(
            f"data sample {img_id!r}: 'pred_scores' must hold {num} finite floats (one "
            f'per parsed box), got {scores!r}')
    return values.to(torch.float32)


def read_prediction(sample: dict, score_mode: str = 'constant',
                    parser: Optional[str] = None, codec=None,
                    classes: Optional[Sequence[str]] = None,
                    box_type: str = 'rbox') -> Tuple[dict, Optional[dict]]:
    """What a metric scores of a sample (a dict, as mmengine's ``Evaluator`` passes them).

    The sample's ``pred_instances`` are used as they are, unless they were parsed with
    another rule than ``parser`` asks for; a sample without them is parsed here from
    ``pred_text`` by :func:`parse_prediction` (``codec`` / ``classes``: the metric's
    fallbacks for a sample that names none).

    Returns:
        ``(pred, stats)``: ``pred`` a dict of tensors ``bboxes`` (of ``box_type`` when
        the corners are known), ``labels``, ``scores`` (float32, by ``score_mode``) and
        ``qboxes`` when known; ``stats`` the ``parse_stats`` plus ``empty_answer`` (and
        ``blank`` for stats of an older dump), or None when the sample has none.
    """
    text = sample.get('pred_text')
    pred, stats = sample.get('pred_instances'), sample.get('parse_stats')
    if pred is not None and parser is not None and _field(pred, 'parser') not in (None, parser):
        pred = None  # parsed by another rule than this metric's protocol
    if pred is None:
        if text is None:
            raise KeyError(
                f"data sample {sample.get('img_id')!r} has neither 'pred_instances' nor "
                "'pred_text'; a metric needs one of them")
        pred, stats = parse_prediction(text, sample, parser, codec, classes, box_type)
    out = {k: _field(pred, k) for k in ('bboxes', 'labels', 'qboxes')}
    out['labels'] = torch.as_tensor(out['labels'], dtype=torch.long).reshape(-1)
    if out['qboxes'] is not None and (box_type != 'rbox' or out['bboxes'] is None):
        out['bboxes'] = qboxes_to(out['qboxes'], box_type)
    out['scores'] = _select_scores(pred, sample, score_mode)
    if stats is not None:
        stats = dict(stats)
        stats.setdefault('empty_answer', isinstance(text, str) and is_empty_answer(text))
        stats.setdefault('blank', not (text or '').strip())
    return out, stats


def box_line_scores(text: str, tokens: Sequence[tuple], num_boxes: int) -> list:
    """``exp(mean log p)`` of the tokens of each box line of a plain-text answer.

    ``tokens`` are ``(token_text, log_prob)`` pairs whose texts concatenate to ``text``.
    A token belongs to the line its first character lies in (the newline that ends a
    line belongs to that line). Boxes are matched to the answer's non-empty lines in
    order, as the codecs parse them; that holds when every line parsed into a box (the
    usual case). When the counts differ (a skipped line, a JSON answer) or the token
    texts do not spell the answer, every box gets the score of the whole answer.
    """
    if num_boxes == 0:
        return []
    log_probs = [lp for _, lp in tokens]
    whole = math.exp(sum(log_probs) / len(log_probs)) if log_probs else 1.0
    # [start, end) character span of every non-empty line, in order
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line)
    if len(spans) != num_boxes or ''.join(t for t, _ in tokens) != text:
        return [whole] * num_boxes
    per_line = [[] for _ in spans]
    pos, k = 0, 0
    for token_text, lp in tokens:
        while k < len(spans) and pos >= spans[k][1]:
            k += 1
        if k < len(spans) and pos >= spans[k][0]:
            per_line[k].append(lp)
        pos += len(token_text)
    return [math.exp(sum(v) / len(v)) if v else whole for v in per_line]


__all__ = ['SCORE_MODES', 'PARSERS', 'TASK_PARSERS', 'check_score_mode', 'frame_scale',
           'count_out_of_image', 'default_parser', 'parse_prediction', 'fill_prediction',
           'read_prediction', 'box_line_scores']
