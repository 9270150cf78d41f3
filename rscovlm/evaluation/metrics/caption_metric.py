"""Captioning scores of generated answers: BLEU-1..4, METEOR, ROUGE-L and CIDEr.

``CaptionMetric`` scores ``pred_text`` against every reference caption of its image
with pycocoevalcap's scorers, i.e. the protocol of the captioning literature (RSGPT and
the UCM / Sydney / RSICD / RSICap tables): captions go through the PTB tokenizer
(lower-cased, punctuation dropped), BLEU is corpus-level with the closest reference
length, METEOR and ROUGE-L are averaged over images, and CIDEr is pycocoevalcap's
CIDEr-D (document frequencies from the evaluated set's references). ``CIDEr_raw``
repeats CIDEr the way the RSCoVLM paper reports it: lower-cased raw strings, no
tokenizer, so punctuation stays attached to words. Every reference is scored as given,
empty ones included, as upstream's ``compute_cider`` and COCOEvalCap do
(docs/metrics.md); ``drop_empty_references`` is rscovlm's alternative.
"""
import functools
import logging
import shutil
from typing import Dict, List, Optional, Sequence, Union

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log


from rscovlm.registry import METRICS
from .task_filter import TaskFilterMixin

ALL_METRICS = ('BLEU', 'METEOR', 'ROUGE_L', 'CIDEr')
NO_JAVA_HINT = ('a `java` executable on PATH (e.g. apt-get install openjdk-17-jre-headless)'
                ' was not found. To score without Java use '
                "CaptionMetric(metrics=('BLEU', 'ROUGE_L', 'CIDEr'), tokenizer=None).")


def require_java(what: str) -> None:
    """Raise a ``RuntimeError`` explaining how to do without Java when it is missing."""
    if shutil.which('java') is None:
        raise RuntimeError(f'{what} need(s) Java, but {NO_JAVA_HINT}')


def _pycocoevalcap(module: str, name: str):
    try:
        mod = __import__(f'pycocoevalcap.{module}', fromlist=[name])
    except ImportError as e:
        raise ImportError('CaptionMetric needs pycocoevalcap: pip install '
                          '"pycocoevalcap>=1.2,<2"') from e
    return getattr(mod, name)


@functools.lru_cache(maxsize=None)
def meteor_scorer():
    """pycocoevalcap's ``Meteor``, one Java process per Python process.

    Starting it loads METEOR's paraphrase table (about 12 s), so the process is shared
    by every evaluation (each validation epoch, every ``CaptionMetric``).
    """
    require_java('METEOR')
    return _pycocoevalcap('meteor.meteor', 'Meteor')()


def ptb_tokenize(captions: Dict[object, List[str]]) -> Dict[object, List[str]]:
    """PTB-tokenize ``{key: [caption, ...]}`` in one Java call (lower-cased, punctuation
    removed), keys and caption counts preserved."""
    require_java('The PTB tokenizer')
    tokenizer = _pycocoevalcap('tokenizer.ptbtokenizer', 'PTBTokenizer')()
    out = tokenizer.tokenize({k: [dict(caption=c) for c in v] for k, v in captions.items()})
    for k, v in captions.items():
        if len(out.get(k, ())) != len(v):
            raise RuntimeError('The PTB tokenizer returned a different number of lines '
                               f'than it was given (key {k!r}).')
    return {k: out[k] for k in captions}


def normalize(text: str) -> str:
    """What ``tokenizer=None`` does: lower-case and collapse whitespace to single spaces."""
    return ' '.join(text.lower().split())


@METRICS.register_module()
class CaptionMetric(TaskFilterMixin, BaseMetric):
    """BLEU-1..4, METEOR, ROUGE-L and CIDEr of generated captions.

    Each data sample (a dict, as mmengine's ``Evaluator`` passes them) holds ``task``,
    ``img_id``, ``pred_text`` (the generated caption; missing counts as empty) and
    ``references`` (the image's reference captions: a list, or one string), as
    ``CaptionDataset`` builds them in test mode. A scored sample without references
    (none, or with ``drop_empty_references`` none but blank ones) raises a
    ``ValueError`` naming its ``img_id``.

    Results (with the ``caption/`` prefix unless ``prefix`` is set): ``BLEU_1`` ..
    ``BLEU_4``, ``METEOR``, ``ROUGE_L``, ``CIDEr`` (those selected by ``metrics``),
    ``CIDEr_raw`` (with ``raw_cider``), ``num_samples`` (samples scored) and
    ``num_empty`` (blank predictions, i.e. answers with no caption in them; they are
    scored, as 0 on every metric).

    Args:
        task: only samples whose ``task`` equals it are scored, so the metric can sit
            in an evaluator beside other tasks' metrics on a mixed test set; ``None``
            scores every sample.
        metrics: any of ``'BLEU'``, ``'METEOR'``, ``'ROUGE_L'``, ``'CIDEr'``. SPICE is
            not offered (pycocoevalcap's SPICE downloads Stanford models at run time).
        tokenizer: ``'ptb'``, the captioning literature's protocol, or ``None``: captions
            are only lower-cased and split on whitespace.
        raw_cider: also report ``CIDEr_raw``, CIDEr on the lower-cased raw strings with
            no tokenizer: the number the RSCoVLM paper reports.
        drop_empty_references: leave out blank reference strings before scoring. Off
            (upstream: RSCoVLM's ``compute_cider`` and COCOEvalCap keep every
            reference): an empty reference is scored like any other and lowers CIDEr
            (its similarity to any caption is 0, and CIDEr averages over references),
            BLEU (its length 0 can be the closest reference length) and ROUGE-L; on,
            only the non-blank references count.
        scale: factor on every score. ``100.0`` (default) gives the numbers as papers
            print them (e.g. BLEU-1 86.12, CIDEr 333.23); ``1.0`` gives pycocoevalcap's
            own scale (BLEU, METEOR, ROUGE-L in [0, 1], CIDEr in [0, 10]).
        prefix: key prefix of the results (default ``'caption'``).
        collect_device: as mmengine's ``BaseMetric``.

    METEOR and the PTB tokenizer run Java (METEOR 1.5, Stanford CoreNLP 3.4.1, both
    shipped with pycocoevalcap); without ``java`` on PATH the metric refuses to build and
    says how to skip them: ``metrics=('BLEU', 'ROUGE_L', 'CIDEr'), tokenizer=None``.
    """

    default_prefix: Optional[str] = 'caption'

    def __init__(self,
                 task: Optional[str] = 'caption',
                 metrics: Union[str, Sequence[str]] = ALL_METRICS,
                 tokenizer: Optional[str] = 'ptb',
                 raw_cider: bool = True,
                 drop_empty_references: bool = False,
                 scale: float = 100.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        metrics = (metrics, ) if isinstance(metrics, str) else tuple(metrics)
        unknown = [m for m in metrics if m not in ALL_METRICS]
        if unknown:
            raise ValueError(f'CaptionMetric: unknown metrics {unknown}; choose from '
                             f'{ALL_METRICS} (SPICE is not supported).')
        if tokenizer not in ('ptb', None):
            raise ValueError(f"CaptionMetric: tokenizer must be 'ptb' or None, got {tokenizer!r}.")
        needs_java = [w for w, used in (('METEOR', 'METEOR' in metrics),
                                        ('the PTB tokenizer', tokenizer == 'ptb')) if used]
        if needs_java:
            require_java(' and '.join(needs_java))
        self.task = task
        self.metrics = metrics
        self.tokenizer = tokenizer
        self.raw_cider = bool(raw_cider)
        self.drop_empty_references = bool(drop_empty_references)
        self.scale = float(scale)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in self.task_samples(data_samples):
            refs = sample.get('references')
            refs = [refs] if isinstance(refs, str) else list(refs or [])
            refs = [str(r) for r in refs]
            if self.drop_empty_references:
                refs = [r for r in refs if r.strip()]
            if not refs:
                raise ValueError(
                    f"CaptionMetric: sample img_id={sample.get('img_id')!r} "
                    f"(task {sample.get('task')!r}) has no reference captions; a caption "
                    'test sample needs `references` (CaptionDataset sets them in test mode).')
            pred = sample.get('pred_text')
            self.results.append(dict(img_id=sample.get('img_id'),
                                     pred='' if pred is None else str(pred), refs=refs))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        results = self.scored(results)
        out: Dict[str, float] = {}
        if not results:
            print_log(f'CaptionMetric: no sample of task {self.task!r} to score.',
                      logger='current', level=logging.WARNING)
            return dict(num_samples=0, num_empty=0)

        gts = {i: r['refs'] for i, r in enumerate(results)}
        res = {i: [r['pred']] for i, r in enumerate(results)}
        if self.tokenizer == 'ptb':
            tokens = ptb_tokenize({**{('gt', i): v for i, v in gts.items()},
                                   **{('res', i): v for i, v in res.items()}})
            gts = {i: tokens[('gt', i)] for i in gts}
            res = {i: tokens[('res', i)] for i in res}
        else:
            gts = {i: [normalize(c) for c in v] for i, v in gts.items()}
            res = {i: [normalize(c) for c in v] for i, v in res.items()}

        if 'BLEU' in self.metrics:
            bleu, _ = _pycocoevalcap('bleu.bleu', 'Bleu')(4).compute_score(gts, res, verbose=0)
            for n, score in enumerate(bleu, 1):
                out[f'BLEU_{n}'] = float(score) * self.scale
        if 'METEOR' in self.metrics:
            out['METEOR'] = float(meteor_scorer().compute_score(gts, res)[0]) * self.scale
        if 'ROUGE_L' in self.metrics:
            rouge = _pycocoevalcap('rouge.rouge', 'Rouge')()
            out['ROUGE_L'] = float(rouge.compute_score(gts, res)[0]) * self.scale
        cider = _pycocoevalcap('cider.cider', 'Cider')
        if 'CIDEr' in self.metrics:
            out['CIDEr'] = float(cider().compute_score(gts, res)[0]) * self.scale
        if self.raw_cider:
            raw_gts = {i: [c.lower() for c in r['refs']] for i, r in enumerate(results)}
            raw_res = {i: [r['pred'].lower()] for i, r in enumerate(results)}
            out['CIDEr_raw'] = float(cider().compute_score(raw_gts, raw_res)[0]) * self.scale
        out['num_samples'] = len(results)
        out['num_empty'] = sum(not r['pred'].strip() for r in results)
        return out
