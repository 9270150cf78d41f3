"""Accuracy of generated VQA answers, by the rules of upstream RSCoVLM's evaluation.

Every rule is a small pure function of ``(pred, gt[, question_type])`` so it can be
tested on its own; :class:`VQAMetric` only routes samples to them and aggregates.
docs/metrics.md lists, per rule, its upstream source and every known quirk; the
functions below reproduce those quirks, and the better readings rscovlm offers are
switches of :class:`VQAMetric` (``blank_is_wrong``, ``strict_vhm``), off by default.

* ``contain`` (upstream ``compute_contain_acc``): the normalised GT is a substring of
  the normalised prediction, normalisation = ``text.lower().strip().strip('.')``.
* ``exact`` (upstream ``compute_identical_acc``): the normalised strings are equal.
* ``vhm``: VHM-bench rules routed by ``question_type`` (see :func:`vhm_score`).
* ``lrsvqa`` (upstream ``compute_wups_acc``): exact match, or WordNet 3.0
  ``path_similarity > 0.8`` between any synsets of the whole GT and prediction strings.
"""
import functools
import io
import os
import os.path as osp
import re
import warnings
from dataclasses import dataclass
from typing import Optional, Sequence

from mmengine.evaluator import BaseMetric


from rscovlm.registry import METRICS
from .task_filter import TaskFilterMixin

# ----------------------------------------------------------------------------------
# shared normalisation


def normalize_answer(text) -> str:
    """Upstream normalisation: ``text.lower().strip().strip('.')`` (None -> '')."""
    return '' if text is None else str(text).lower().strip().strip('.')


def is_blank(pred) -> bool:
    """Whether a generated answer is missing or has nothing but whitespace and periods."""
    return pred is None or not re.sub(r'[\s.]+', '', str(pred))


# ----------------------------------------------------------------------------------
# general rules (upstream rscovlm/eval/metric/metric.py)


def contain_match(pred, gt) -> bool:
    """Upstream ``compute_contain_acc``: normalised ``gt`` in normalised ``pred``.

    A plain substring test: GT '2' is found in 'There are 12 cars'.
    """
    return normalize_answer(gt) in normalize_answer(pred)


def exact_match(pred, gt) -> bool:
    """Upstream ``compute_identical_acc``: the normalised strings are equal."""
    return normalize_answer(pred) == normalize_answer(gt)


# ----------------------------------------------------------------------------------
# VHM-bench rules (upstream rscovlm/eval/metric/vhm_bench.py)


def bidirectional_contain(pred, gt) -> bool:
    """Upstream ``eval_contain`` (VHM cls_* / RSVQA_*): ``pred in gt or gt in pred``
    after :func:`normalize_answer`. A blank prediction is in every GT, so it counts
    as correct (see ``VQAMetric(blank_is_wrong=...)``)."""
    p, g = normalize_answer(pred), normalize_answer(gt)
    return p in g or g in p


def upstream_yes_no(text) -> Optional[str]:
    """Upstream ``eval_presence``'s reading: ``'yes'`` when 'yes' or 'true' is a
    substring of the normalised text and neither 'no' nor 'false' is, ``'no'`` the
    other way round, else None. Substrings, so 'not', 'none', 'north' and 'know' read
    as 'no' and 'Yes, not sure' is ambiguous."""
    t = normalize_answer(text)
    has_yes, has_no = 'yes' in t or 'true' in t, 'no' in t or 'false' in t
    if has_yes == has_no:
        return None
    return 'yes' if has_yes else 'no'


_YES, _NO = frozenset({'yes', 'true'}), frozenset({'no', 'false'})


def yes_no(text) -> Optional[str]:
    """``'yes'`` / ``'no'`` when the text has yes/true or no/false as whole words but
    not both (``strict_vhm``): 'not', 'none' or 'north' are not 'no'. None when
    ambiguous or when neither appears."""
    words = set(re.findall(r'[a-z]+', str(text or '').lower()))
    has_yes, has_no = bool(words & _YES), bool(words & _NO)
    if has_yes == has_no:
        return None
    return 'yes' if has_yes else 'no'


def color_score(pred, gt, drop_empty: bool = False) -> float:
    """Upstream ``eval_color``: the fraction of the GT's comma-separated colours found
    in the prediction, both normalised and with every space removed.

    Upstream keeps empty pieces ('red,' or '' as GT), and an empty piece is found in
    any prediction; ``drop_empty`` (``strict_vhm``) drops them (no piece left: 0).
    """
    text = normalize_answer(pred).replace(' ', '')
    pieces = normalize_answer(gt).replace(' ', '').split(',')
    if drop_empty:
        pieces = [p for p in pieces if p]
        if not pieces:
            return 0.0
    return sum(p in text for p in pieces) / len(pieces)


CHOICES = 'ABCDE'
_STANDALONE_CHOICE = re.compile(r'(?<![A-Za-z])([A-E])(?![A-Za-z])')


def choice_letter(pred, strict: bool = False) -> Optional[str]:
    """The option letter (upper case) a multiple-choice answer gives, or None.

    Upstream ``eval_multi_choices``: the first character of
    ``pred.strip().strip('.')`` that is one of the capitals ``ABCDE``, anywhere in the
    text: '(B)' and 'The answer is C.' give B and C, but 'Definitely C' gives D and
    'Building B' gives B from 'Building'. ``strict`` (``strict_vhm``): the first
    capital A-E standing alone ('(B)', 'C.', 'answer is C'), never inside a word.
    """
    text = '' if pred is None else str(pred).strip().strip('.')
    if strict:
        m = _STANDALONE_CHOICE.search(text)
        return m.group(1) if m else None
    return next((c for c in text if c in CHOICES), None)


def mcq_match(pred, gt, strict: bool = False) -> bool:
    """Upstream ``eval_multi_choices``: :func:`choice_letter`, lower-cased, is a
    substring of the normalised GT (so 'e' is found in a GT '(b) top left').
    ``strict``: the letter equals the GT's own standalone letter (GT read
    case-insensitively)."""
    letter = choice_letter(pred, strict)
    if letter is None:
        return False
    if strict:
        return letter == choice_letter(str(gt or '').upper(), strict=True)
    return letter.lower() in normalize_answer(gt)


_UNITS = ('zero one two three four five six seven eight nine ten eleven twelve '
          'thirteen fourteen fifteen sixteen seventeen eighteen nineteen').split()
_TENS = 'twenty thirty forty fifty sixty seventy eighty ninety'.split()
NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)}
NUMBER_WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
"""English number words < 100 that are single words."""
UPSTREAM_NUMBER_WORDS = dict(NUMBER_WORDS)
UPSTREAM_NUMBER_WORDS.update({f'{t}-{u}': 20 + 10 * i + j
                              for i, t in enumerate(_TENS)
                              for j, u in enumerate(_UNITS[1:10], 1)})
"""Upstream ``word_to_num_100``'s table: 0-99, compounds hyphenated ('twenty-one')."""


def parse_count(text) -> Optional[int]:
    """Upstream ``parse_number`` (VHM counting) on the normalised text.

    The first run of digits anywhere ('1.5' -> 1, '-3' -> 3, '10,000' -> 10); only when
    there is no digit, the first whitespace-separated word that is a number word < 100
    ('twenty-one' -> 21, 'twenty one' -> 20, 'three,' -> none: punctuation stays on the
    word). None when neither (upstream then stops with a ``ValueError``).
    """
    text = normalize_answer(text)
    digits = re.search(r'\d+', text)
    if digits:
        return int(digits.group())
    return next((UPSTREAM_NUMBER_WORDS[w] for w in text.split()
                 if w in UPSTREAM_NUMBER_WORDS), None)


def extract_count(text) -> Optional[int]:
    """The first integer or English number word < 100 of ``text`` in order of
    appearance (``strict_vhm``): 'four or 3' -> 4, 'three,' -> 3, 'twenty-one' /
    'twenty one' -> 21. None when there is none."""
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
    'presence': 'presence', 'presence_mo_dota': 'presence',
    'color': 'color', 'colour': 'color', 'color_dota_test_fair1m_val_open': 'color',
    'mcq': 'mcq', 'abs_pos': 'mcq', 'rel_pos': 'mcq', 'abs_position': 'mcq',
    'rel_position': 'mcq', 'position': 'mcq', 'imgtype': 'mcq', 'img_type': 'mcq',
    'image_type': 'mcq', 'abspos_dota_test_mc': 'mcq', 'relpos_dota_test_mc': 'mcq',
    'imgtype_mcq': 'mcq',
    'count': 'count', 'counting': 'count', 'quantity': 'count',
    'counting_dota_test_open': 'count',
    'gsd': 'unsupported', 'gsd_dota_fbp': 'unsupported', 'obj_meas': 'unsupported',
    'obj_meas_dota_test': 'unsupported', 'mlc': 'unsupported',
}
"""``question_type`` (lower-cased, '-' -> '_') -> VHM rule; upstream's folder names
(``presence_mo_dota``, ...) included. Other types (cls_*, RSVQA_*, ...): 'contain'.
'unsupported': VHM's resolution / measurement questions (an MAE over extracted numbers)
and multi-label classification (``mlc_*``), which VQAMetric does not score."""


def vhm_route(question_type, routes: Optional[dict] = None) -> str:
    """The VHM rule of a question type: presence/color/mcq/count/contain/unsupported."""
    key = str(question_type or '').strip().lower().replace('-', '_')
    if routes is None and key.startswith('mlc_'):
        return 'unsupported'
    return (VHM_ROUTES if routes is None else routes).get(key, 'contain')


@dataclass
class VHMScore:
    """One scored answer: ``score`` in [0, 1], ``parsed`` and, for counting, the
    errors (``abs_error``; ``pct_error`` in percent, None for GT 0)."""
    score: float
    parsed: bool = True
    abs_error: Optional[float] = None
    pct_error: Optional[float] = None


def vhm_score(pred, gt, question_type, routes: Optional[dict] = None,
              strict: bool = False) -> VHMScore:
    """Score one answer with the VHM rule of its ``question_type`` (upstream
    ``compute_vhm_scores``; ``strict`` = ``VQAMetric(strict_vhm=True)``).

    * presence (``eval_presence``): :func:`upstream_yes_no` of the prediction equals
      the normalised GT ('yes' / 'no'); no reading -> unparsed, 0. Strict:
      :func:`yes_no` of both.
    * color (``eval_color``): :func:`color_score` (fractional).
    * mcq (``eval_multi_choices``): :func:`mcq_match`; no letter -> unparsed, 0.
    * count (``eval_counting_mae``): :func:`parse_count` (strict:
      :func:`extract_count`) of prediction and GT; score 1 when equal (an rscovlm
      addition: upstream reports only MAE and MAPE); absolute and percentage errors.
      No number -> unparsed, 0, left out of MAE / MAPE (upstream stops with an error).
    * contain, i.e. cls_*, RSVQA_* and any other type (``eval_contain``):
      :func:`bidirectional_contain`.
    * unsupported (gsd / obj_meas / mlc_*): ``ValueError``.
    """
    route = vhm_route(question_type, routes)
    if route == 'presence':
        answer = (yes_no if strict else upstream_yes_no)(pred)
        if answer is None:
            return VHMScore(0.0, parsed=False)
        target = yes_no(gt) if strict else normalize_answer(gt)
        return VHMScore(float(answer == target))
    if route == 'color':
        return VHMScore(color_score(pred, gt, drop_empty=strict))
    if route == 'mcq':
        if choice_letter(pred, strict) is None:
            return VHMScore(0.0, parsed=False)
        return VHMScore(float(mcq_match(pred, gt, strict)))
    if route == 'count':
        parse = extract_count if strict else parse_count
        p, g = parse(pred), parse(gt)
        if p is None or g is None:
            return VHMScore(0.0, parsed=False)
        err = float(abs(p - g))
        return VHMScore(float(p == g), abs_error=err,
                        pct_error=100.0 * err / g if g else None)
    if route == 'unsupported':
        raise ValueError(
            f'VQAMetric(rule=vhm): question_type {question_type!r} is a VHM resolution, '
            'measurement or multi-label question, which VQAMetric does not score; keep '
            'those questions out of the annotation file (or map the type with vhm_routes)')
    return VHMScore(float(bidirectional_contain(pred, gt)))


# ----------------------------------------------------------------------------------
# LRS-VQA (upstream rscovlm/eval/metric/large_image_bench.py)

WORDNET_DIR_ENV = 'RSCOVLM_WORDNET_DIR'
DEFAULT_WORDNET_DIR = '/usr/share/wordnet'
"""Where Debian's ``wordnet-base`` (WordNet 3.0, the database nltk's ``wordnet`` corpus
holds) installs its dict files; ``make install`` installs it."""

# The lexicographer file names of WordNet 3.0, numbered 00-44 (WordNet's lexnames(5WN)
# manual page). nltk's reader reads them from a 'lexnames' file, which Debian's package
# does not ship; the synsets themselves only need the numbers' order.
_LEXNAMES = (
    'adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact '
    'noun.attribute noun.body noun.cognition noun.communication noun.event noun.feeling '
    'noun.food noun.group noun.location noun.motive noun.object noun.person '
    'noun.phenomenon noun.plant noun.possession noun.process noun.quantity '
    'noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change '
    'verb.cognition verb.communication verb.competition verb.consumption verb.contact '
    'verb.creation verb.emotion verb.motion verb.perception verb.possession verb.social '
    'verb.stative verb.weather adj.ppl').split()
_LEX_CATEGORY = dict(noun='1', verb='2', adj='3', adv='4')


def resolve_wordnet_dir(path: Optional[str] = None) -> str:
    """The WordNet dict directory: ``path``, else ``$RSCOVLM_WORDNET_DIR``, else
    :data:`DEFAULT_WORDNET_DIR`."""
    return path or os.environ.get(WORDNET_DIR_ENV) or DEFAULT_WORDNET_DIR


@functools.lru_cache(maxsize=None)
def _load_wordnet(directory: str):
    if not osp.isfile(osp.join(directory, 'data.noun')):
        raise LookupError(f'no WordNet database (data.noun) in {directory!r}')
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class DictDirWordNet(WordNetCorpusReader):
        """nltk's reader on a plain WordNet 3.0 dict directory (no nltk_data)."""

        def open(self, fileid):
            if fileid == 'lexnames' and not osp.isfile(osp.join(directory, fileid)):
                return io.StringIO(''.join(
                    f'{i:02d}\t{name}\t{_LEX_CATEGORY[name.split(".")[0]]}\n'
                    for i, name in enumerate(_LEXNAMES)))
            return super().open(fileid)

        def map_wn(self, version='wordnet'):
            # nltk maps other WordNet versions onto its own 3.0 corpus for multilingual
            # look-ups only; this database is 3.0, and the map would need nltk_data.
            return None

    if directory not in nltk.data.path:  # nltk reads only from its data paths
        nltk.data.path.append(directory)
    with warnings.catch_warnings():  # "multilingual functions are not available"
        warnings.simplefilter('ignore', UserWarning)
        return DictDirWordNet(directory, None)


def load_wordnet(path: Optional[str] = None):
    """nltk's WordNet reader on the WordNet 3.0 dict files of
    :func:`resolve_wordnet_dir` (loaded once per directory, nothing downloaded); raises
    ``ImportError`` without nltk and ``LookupError`` without the database."""
    return _load_wordnet(osp.abspath(resolve_wordnet_dir(path)))


def wordnet_match(pred, gt, wordnet, threshold: float = 0.8) -> bool:
    """Upstream ``are_synonyms``: any synset pair of the whole normalised strings has
    ``path_similarity > threshold`` (``None`` similarities count as 0)."""
    p, g = normalize_answer(pred), normalize_answer(gt)
    if not p or not g:
        return False
    for s_gt in wordnet.synsets(g):
        for s_pred in wordnet.synsets(p):
            if (s_gt.path_similarity(s_pred) or 0.0) > threshold:
                return True
    return False


def lrsvqa_match(pred, gt, wordnet=None) -> bool:
    """Upstream ``compute_wups_acc``: :func:`exact_match`, or :func:`wordnet_match`
    when ``wordnet`` is set (``None``: exact matches only)."""
    if exact_match(pred, gt):
        return True
    return wordnet is not None and wordnet_match(pred, gt, wordnet)


def metric_key(name) -> str:
    """``'rural or urban'`` -> ``'rural_or_urban'`` (safe in a log key)."""
    return re.sub(r'\W+', '_', str(name).strip().lower()).strip('_') or 'none'


# ----------------------------------------------------------------------------------
# metric


@METRICS.register_module()
class VQAMetric(TaskFilterMixin, BaseMetric):
    """Accuracy (in percent, as the papers print it) of ``pred_text`` against
    ``gt_answer``, by upstream RSCoVLM's rules (docs/metrics.md).

    Results (all prefixed, ``vqa/`` by default): ``accuracy`` (mean score x 100; VHM
    colour answers score fractionally), ``acc_{type}`` per ``question_type`` and
    ``mean_type_acc`` (their mean, LRS-VQA's "Average Acc") when ``per_type`` and
    some sample has a type (samples without one count only in ``accuracy``),
    ``num_samples``, ``num_blank`` (blank answers: missing, or only whitespace and
    periods), ``num_unparsed`` (blank answers, and for ``vhm`` presence / choice /
    counting answers the rule could not read) and, for ``vhm`` with counting questions,
    ``count_mae`` and ``count_mape`` (over counting answers with a number; MAPE in
    percent, i.e. 100 x upstream's ``counting_mape``, GT 0 left out).

    Args:
        task: only samples whose ``task`` equals it are scored; None scores all.
        rule: 'contain' (upstream default), 'exact', 'vhm' or 'lrsvqa'.
        per_type: report per-``question_type`` accuracies and their mean.
        blank_is_wrong: score every blank answer 0. Off (upstream): a blank answer goes
            through the rule like any other, so VHM's cls / RSVQA rule
            (:func:`bidirectional_contain`) credits it (``'' in gt``), as colour does
            for a GT with an empty piece and every rule for an empty GT.
        strict_vhm: for ``rule='vhm'``, read answers by words instead of upstream's
            substrings: presence by whole yes/no/true/false words (upstream: 'not',
            'none', 'north' are 'no'), the choice letter only standing alone (upstream:
            the first capital A-E anywhere, 'Definitely C' -> D) and compared with the
            GT's letter, the count as the first number in order of appearance
            ('four or 3' -> 4, 'twenty one' -> 21; upstream: 3 and 20), empty colour
            pieces dropped. Off reproduces upstream.
        wordnet: for 'lrsvqa', use the WordNet similarity (needs ``nltk`` and WordNet
            3.0's dict files, else a ``RuntimeError`` at construction). ``False``
            scores exact matches only, a deviation from upstream.
        wordnet_dir: the WordNet dict directory; None: ``$RSCOVLM_WORDNET_DIR``, else
            ``/usr/share/wordnet`` (Debian's ``wordnet-base``).
        vhm_routes: ``question_type`` -> VHM rule map replacing :data:`VHM_ROUTES`.
        collect_device, prefix: as ``BaseMetric``.
    """
    default_prefix = 'vqa'
    RULES = ('contain', 'exact', 'vhm', 'lrsvqa')

    def __init__(self,
                 task: Optional[str] = 'vqa',
                 rule: str = 'contain',
                 per_type: bool = True,
                 blank_is_wrong: bool = False,
                 strict_vhm: bool = False,
                 wordnet: bool = True,
                 wordnet_dir: Optional[str] = None,
                 vhm_routes: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if rule not in self.RULES:
            raise ValueError(f'rule must be one of {self.RULES}, got {rule!r}')
        self.task, self.rule, self.per_type = task, rule, per_type
        self.blank_is_wrong, self.strict_vhm = bool(blank_is_wrong), bool(strict_vhm)
        self.vhm_routes = None if vhm_routes is None else {
            str(k).lower().replace('-', '_'): v for k, v in vhm_routes.items()}
        self._wordnet = None
        if rule == 'lrsvqa' and wordnet:
            try:
                self._wordnet = load_wordnet(wordnet_dir)
            except (ImportError, LookupError) as err:
                raise RuntimeError(
                    "VQAMetric(rule='lrsvqa') needs nltk (requirements/runtime.txt) and "
                    'the WordNet 3.0 dict files in '
                    f'{resolve_wordnet_dir(wordnet_dir)!r}: run '
                    '`make install` or `apt-get install wordnet-base`, or point '
                    f'wordnet_dir / ${WORDNET_DIR_ENV} at a WordNet dict directory; '
                    f'wordnet=False scores exact matches only ({err!r})') from err

    def score(self, pred, gt, question_type=None) -> VHMScore:
        """Score one answer with this metric's rule and switches."""
        blank = is_blank(pred)
        if blank and self.blank_is_wrong:
            return VHMScore(0.0, parsed=False)
        if self.rule == 'vhm':
            res = vhm_score(pred, gt, question_type, self.vhm_routes, self.strict_vhm)
        elif self.rule == 'lrsvqa':
            res = VHMScore(float(lrsvqa_match(pred, gt, self._wordnet)))
        else:
            fn = contain_match if self.rule == 'contain' else exact_match
            res = VHMScore(float(fn(pred, gt)))
        res.parsed = res.parsed and not blank
        return res

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in self.task_samples(data_samples):
            qtype = sample.get('question_type')
            pred = sample.get('pred_text')
            res = self.score(pred, sample.get('gt_answer', ''), qtype)
            count = self.rule == 'vhm' and vhm_route(qtype, self.vhm_routes) == 'count'
            self.results.append(dict(
                score=res.score, parsed=res.parsed, blank=is_blank(pred),
                question_type=qtype, count=count,
                abs_error=res.abs_error, pct_error=res.pct_error))

    def compute_metrics(self, results: list) -> dict:
        results = self.scored(results)
        n = len(results)
        metrics = dict(
            accuracy=100.0 * sum(r['score'] for r in results) / n if n else 0.0,
            num_samples=n,
            num_blank=sum(r['blank'] for r in results),
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
    'VQAMetric', 'VHMScore', 'normalize_answer', 'is_blank', 'contain_match',
    'exact_match', 'bidirectional_contain', 'upstream_yes_no', 'yes_no', 'color_score',
    'choice_letter', 'mcq_match', 'parse_count', 'extract_count', 'vhm_route',
    'vhm_score', 'resolve_wordnet_dir', 'load_wordnet', 'wordnet_match',
    'lrsvqa_match', 'metric_key'
]
