"""Accuracy of generated VQA answers (upstream RSCoVLM's rules, spec §6.2 / §6.6).

Every rule is a small pure function of ``(pred, gt[, question_type])`` so it can be
tested on its own; :class:`VQAMetric` only routes samples to them and aggregates.

* ``contain`` (upstream ``compute_contain_acc``): the normalised GT is a substring of
  the normalised prediction, normalisation = ``text.lower().strip().strip('.')``.
* ``exact``: the two normalised strings are equal.
* ``vhm``: VHM-bench rules routed by ``question_type`` (see :func:`vhm_score`).
* ``lrsvqa``: exact match, or WordNet ``path_similarity > 0.8`` between any synsets of
  the whole GT and prediction strings (upstream ``compute_wups_acc``).
"""
import re
from dataclasses import dataclass
from typing import Optional, Sequence

from mmengine.evaluator import BaseMetric


from rscovlm.registry import METRICS
from .task_filter import TaskFilterMixin

# ----------------------------------------------------------------------------------
# pure rules


def normalize_answer(text) -> str:
    """Upstream normalisation: ``text.lower().strip().strip('.')`` (None -> '')."""
    return '' if text is None else str(text).lower().strip().strip('.')


def is_empty(pred) -> bool:
    """Whether a generated answer is missing or blank."""
    return pred is None or not str(pred).strip()


def contain_match(pred, gt) -> bool:
    """Upstream contain-accuracy: normalised ``gt`` is a substring of normalised ``pred``.

    An empty prediction never matches (upstream would count ``'' in ''`` as a hit).
    """
    if is_empty(pred):
        return False
    return normalize_answer(gt) in normalize_answer(pred)


def exact_match(pred, gt) -> bool:
    """Normalised ``pred`` equals normalised ``gt`` (empty predictions never match)."""
    if is_empty(pred):
        return False
    return normalize_answer(pred) == normalize_answer(gt)


def bidirectional_contain(pred, gt) -> bool:
    """VHM cls/RSVQA rule: ``pred in gt or gt in pred`` after lowercase/strip."""
    if is_empty(pred):
        return False
    p, g = str(pred).lower().strip(), str(gt).lower().strip()
    return p in g or g in p


_YES, _NO = frozenset({'yes', 'true'}), frozenset({'no', 'false'})


def yes_no(text) -> Optional[str]:
    """``'yes'`` / ``'no'`` when the text has yes/true or no/false words but not both.

    Words are whole ``[a-z]+`` tokens, so 'not', 'none' or 'north' are not 'no'.
    ``None`` when ambiguous ('yes and no') or when neither appears.
    """
    words = set(re.findall(r'[a-z]+', str(text or '').lower()))
    has_yes, has_no = bool(words & _YES), bool(words & _NO)
    if has_yes == has_no:
        return None
    return 'yes' if has_yes else 'no'


def color_score(pred, gt) -> float:
    """Fraction of the comma-separated GT colours found in the space-stripped pred."""
    colors = [c.strip().lower().replace(' ', '') for c in str(gt).split(',')]
    colors = [c for c in colors if c]
    if not colors or is_empty(pred):
        return 0.0
    text = str(pred).lower().replace(' ', '')
    return sum(c in text for c in colors) / len(colors)


def mcq_match(pred, gt) -> bool:
    """VHM MCQ rule: the prediction's first character is one of ``ABCDE`` and, lower-
    cased, is in ``gt.lower()`` (upstream is case-sensitive on the prediction)."""
    first = str(pred or '').strip()[:1]
    return bool(first) and first in 'ABCDE' and first.lower() in str(gt).lower()


_UNITS = ('zero one two three four five six seven eight nine ten eleven twelve '
          'thirteen fourteen fifteen sixteen seventeen eighteen nineteen').split()
_TENS = 'twenty thirty forty fifty sixty seventy eighty ninety'.split()
NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)}
NUMBER_WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})


def extract_count(text) -> Optional[int]:
    """The first integer, or English number word < 100, of ``text`` (else ``None``).

    Digits and words are read in order of appearance; ``'twenty-one'`` /
    ``'twenty one'`` give 21.
    """
    tokens = re.findall(r'\d+|[a-z]+', str(text or '').lower())
    for i, tok in enumerate(tokens):
        if tok.isdigit():
            return int(tok)
        if tok in NUMBER_WORDS:
            value = NUMBER_WORDS[tok]
            if tok in _TENS and i + 1 < len(tokens) and tokens[i + 1] in _UNITS[1:10]:
                value += NUMBER_WORDS[tokens[i + 1]]
            return value
    return None


VHM_ROUTES = {
    'presence': 'presence',
    'color': 'color', 'colour': 'color',
    'mcq': 'mcq', 'abs_pos': 'mcq', 'rel_pos': 'mcq', 'abs_position': 'mcq',
    'rel_position': 'mcq', 'position': 'mcq', 'imgtype': 'mcq', 'img_type': 'mcq',
    'image_type': 'mcq',
    'count': 'count', 'counting': 'count', 'quantity': 'count',
}
"""``question_type`` (lower-cased, '-' -> '_') -> VHM rule; others: bidirectional."""


def vhm_route(question_type, routes: Optional[dict] = None) -> str:
    """The VHM rule of a question type: presence/color/mcq/count/contain."""
    key = str(question_type or '').strip().lower().replace('-', '_')
    return (VHM_ROUTES if routes is None else routes).get(key, 'contain')


@dataclass
class VHMScore:
    """One VHM answer: ``score`` in [0, 1], ``parsed`` and, for counting, the errors
    (``abs_error`` and ``pct_error`` in percent; ``pct_error`` is None for GT 0)."""
    score: float
    parsed: bool = True
    abs_error: Optional[float] = None
    pct_error: Optional[float] = None


def vhm_score(pred, gt, question_type, routes: Optional[dict] = None) -> VHMScore:
    """Score one answer with the VHM rule of its ``question_type``.

    * presence: :func:`yes_no` of pred equals that of GT; ambiguous -> unparsed.
    * color: :func:`color_score` (fractional).
    * mcq: :func:`mcq_match`.
    * count: :func:`extract_count` of both; score 1 if equal; absolute and percentage
      errors for MAE / MAPE; no number in the prediction (or GT) -> unparsed.
    * anything else (cls, RSVQA, ...): :func:`bidirectional_contain`.
    """
    if is_empty(pred):
        return VHMScore(0.0, parsed=False)
    route = vhm_route(question_type, routes)
    if route == 'presence':
        answer = yes_no(pred)
        if answer is None:
            return VHMScore(0.0, parsed=False)
        return VHMScore(float(answer == yes_no(gt)))
    if route == 'color':
        return VHMScore(color_score(pred, gt))
    if route == 'mcq':
        return VHMScore(float(mcq_match(pred, gt)))
    if route == 'count':
        p, g = extract_count(pred), extract_count(gt)
        if p is None or g is None:
            return VHMScore(0.0, parsed=False)
        err = float(abs(p - g))
        return VHMScore(float(p == g), abs_error=err,
                        pct_error=100.0 * err / g if g else None)
    return VHMScore(float(bidirectional_contain(pred, gt)))


def load_wordnet():
    """nltk's WordNet reader, loaded; raises ``ImportError`` / ``LookupError``."""
    from nltk.corpus import wordnet
    wordnet.ensure_loaded()
    return wordnet


def wordnet_match(pred, gt, wordnet, threshold: float = 0.8) -> bool:
    """Any synset pair of the whole normalised strings has ``path_similarity >
    threshold`` (``None`` similarities count as 0)."""
    p, g = normalize_answer(pred), normalize_answer(gt)
    if not p or not g:
        return False
    for s_gt in wordnet.synsets(g):
        for s_pred in wordnet.synsets(p):
            if (s_gt.path_similarity(s_pred) or 0.0) > threshold:
                return True
    return False


def lrsvqa_match(pred, gt, wordnet=None) -> bool:
    """LRS-VQA: :func:`exact_match`, or :func:`wordnet_match` when ``wordnet`` is set."""
    if exact_match(pred, gt):
        return True
    return wordnet is not None and not is_empty(pred) and wordnet_match(pred, gt, wordnet)


def metric_key(name) -> str:
    """``'rural or urban'`` -> ``'rural_or_urban'`` (safe in a log key)."""
    return re.sub(r'\W+', '_', str(name).strip().lower()).strip('_') or 'none'


# ----------------------------------------------------------------------------------
# metric


@METRICS.register_module()
class VQAMetric(TaskFilterMixin, BaseMetric):
    """Accuracy (in percent, as the papers print it) of ``pred_text`` against
    ``gt_answer``.

    Results (all prefixed, ``vqa/`` by default): ``accuracy`` (mean score x 100; VHM
    colour answers score fractionally), ``acc_{type}`` per ``question_type`` and
    ``mean_type_acc`` (their mean, LRS-VQA's "Average Acc") when ``per_type`` and
    some sample has a type (samples without one count only in ``accuracy``),
    ``num_samples``, ``num_unparsed`` (empty answers; for ``vhm`` also ambiguous
    yes/no and counting answers without a number) and, for ``vhm`` with counting
    questions, ``count_mae`` and ``count_mape`` (percent; over parsed counting
    answers, MAPE skipping GT 0).

    Args:
        task: only samples whose ``task`` equals it are scored; None scores all.
        rule: 'contain' (upstream default), 'exact', 'vhm' or 'lrsvqa'.
        per_type: report per-``question_type`` accuracies and their mean.
        wordnet: for 'lrsvqa', use the WordNet similarity (needs ``nltk`` and its
            wordnet corpus, else a ``RuntimeError`` at construction). ``False``
            scores exact matches only, a deviation from upstream.
        vhm_routes: ``question_type`` -> VHM rule map replacing :data:`VHM_ROUTES`.
        collect_device, prefix: as ``BaseMetric``.
    """
    default_prefix = 'vqa'
    RULES = ('contain', 'exact', 'vhm', 'lrsvqa')

    def __init__(self,
                 task: Optional[str] = 'vqa',
                 rule: str = 'contain',
                 per_type: bool = True,
                 wordnet: bool = True,
                 vhm_routes: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if rule not in self.RULES:
            raise ValueError(f'rule must be one of {self.RULES}, got {rule!r}')
        self.task, self.rule, self.per_type = task, rule, per_type
        self.vhm_routes = None if vhm_routes is None else {
            str(k).lower().replace('-', '_'): v for k, v in vhm_routes.items()}
        self._wordnet = None
        if rule == 'lrsvqa' and wordnet:
            try:
                self._wordnet = load_wordnet()
            except (ImportError, LookupError) as err:
                raise RuntimeError(
                    "VQAMetric(rule='lrsvqa') needs nltk and its WordNet corpus: run "
                    "`pip install nltk` and `python -m nltk.downloader wordnet`, or pass "
                    f'wordnet=False to score exact matches only ({err!r})') from err

    def score(self, pred, gt, question_type=None) -> VHMScore:
        """Score one answer with this metric's rule."""
        if self.rule == 'vhm':
            return vhm_score(pred, gt, question_type, self.vhm_routes)
        fn = {'contain': contain_match, 'exact': exact_match}.get(self.rule)
        hit = fn(pred, gt) if fn else lrsvqa_match(pred, gt, self._wordnet)
        return VHMScore(float(hit), parsed=not is_empty(pred))

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in self.task_samples(data_samples):
            qtype = sample.get('question_type')
            res = self.score(sample.get('pred_text'), sample.get('gt_answer', ''), qtype)
            count = self.rule == 'vhm' and vhm_route(qtype, self.vhm_routes) == 'count'
            self.results.append(dict(
                score=res.score, parsed=res.parsed, question_type=qtype, count=count,
                abs_error=res.abs_error, pct_error=res.pct_error))

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        n = len(results)
        metrics = dict(
            accuracy=100.0 * sum(r['score'] for r in results) / n if n else 0.0,
            num_samples=n,
            num_unparsed=sum(not r['parsed'] for r in results))
        if self.per_type:
            by_type = {}
            for r in results:
                if r['question_type'] is not None:
                    by_type.setdefault(metric_key(r['question_type']), []).append(r['score'])
            for name in sorted(by_type):
                scores = by_type[name]
                metrics[f'acc_{name}'] = 100.0 * sum(scores) / len(scores)
            if by_type:
                metrics['mean_type_acc'] = sum(
                    metrics[f'acc_{name}'] for name in by_type) / len(by_type)
        if any(r['count'] for r in results):
            errs = [r['abs_error'] for r in results if r['abs_error'] is not None]
            pcts = [r['pct_error'] for r in results if r['pct_error'] is not None]
            metrics['count_mae'] = sum(errs) / len(errs) if errs else float('nan')
            metrics['count_mape'] = sum(pcts) / len(pcts) if pcts else float('nan')
        return metrics


__all__ = [
    'VQAMetric', 'VHMScore', 'normalize_answer', 'contain_match', 'exact_match',
    'bidirectional_contain', 'yes_no', 'color_score', 'mcq_match', 'extract_count',
    'vhm_route', 'vhm_score', 'wordnet_match', 'lrsvqa_match', 'metric_key'
]
