"""CaptionMetric against hand-computed scores and against pycocoevalcap called directly.

Hand computations follow pycocoevalcap's definitions:

* BLEU-n is corpus-level: clipped n-gram matches and candidate n-grams are summed over
  images, the reference length is, per image, the reference length closest to the
  candidate's, and BP = exp(1 - ref_len / cand_len) when the candidate side is shorter.
* ROUGE-L per image: P = LCS / |cand| and R = LCS / |ref|, each maximised over the
  references separately, F = (1 + b^2) P R / (R + b^2 P) with b = 1.2; mean over images.
* CIDEr(-D) per image is 10 x the mean over n = 1..4 of the cosine of tf-idf n-gram
  vectors (with a length penalty), idf from the references of the evaluated images: a
  candidate equal to its only reference scores 10 when every n-gram order is present and
  has non-zero idf, a candidate sharing no word with its references scores 0.
"""
import math

import pytest
from mmengine.evaluator import Evaluator
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

from rscovlm.evaluation.metrics import caption_metric
from rscovlm.evaluation.metrics.caption_metric import CaptionMetric, meteor_scorer
from rscovlm.registry import METRICS
from rscovlm.structures import VLMDataSample

HAS_JAVA = caption_metric.shutil.which('java') is not None
needs_java = pytest.mark.skipif(
    not HAS_JAVA, reason='METEOR and the PTB tokenizer run Java; no `java` on PATH')
NO_JAVA = dict(metrics=('BLEU', 'ROUGE_L', 'CIDEr'), tokenizer=None)


def sample(img_id, pred, refs, task='caption'):
    s = VLMDataSample(metainfo=dict(task=task, img_id=img_id, references=refs))
    if pred is not None:
        s.pred_text = pred
    return s.to_dict()


def evaluate(samples, **kwargs):
    metric = CaptionMetric(**kwargs)
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def test_registered_and_prefixed_through_evaluator():
    evaluator = Evaluator(dict(type='CaptionMetric', **NO_JAVA))
    assert isinstance(evaluator.metrics[0], CaptionMetric)
    evaluator.process([sample('a', 'a plane on the runway', ['a plane on the runway'])])
    out = evaluator.evaluate(1)
    assert set(out) == {f'caption/{k}' for k in (
        'BLEU_1', 'BLEU_2', 'BLEU_3', 'BLEU_4', 'ROUGE_L', 'CIDEr', 'CIDEr_raw',
        'num_samples', 'num_empty')}
    assert out['caption/BLEU_1'] == pytest.approx(100.0)
    assert out['caption/num_samples'] == 1
    assert METRICS.get('CaptionMetric') is CaptionMetric


def test_bleu_by_hand_corpus_level():
    # image a: 'the' clipped to 1 (at most once in any reference) -> 3 of 4 unigrams;
    # both references have 7 words. image b: 2 of 2 unigrams, reference length 3.
    refs_a = ['a plane is parked on the runway', 'an airplane sits on a long runway']
    out = evaluate([sample('a', 'the the plane runway', refs_a),
                    sample('b', 'green field', ['a green field'])], scale=1.0, **NO_JAVA)
    single = evaluate([sample('a', 'the the plane runway', refs_a)], scale=1.0, **NO_JAVA)
    assert single['caption/BLEU_1'] == pytest.approx(3 / 4 * math.exp(1 - 7 / 4), rel=1e-6)
    # no candidate bigram occurs in a reference
    assert single['caption/BLEU_2'] == pytest.approx(0.0, abs=1e-6)
    assert out['caption/BLEU_1'] == pytest.approx(5 / 6 * math.exp(1 - 10 / 6), rel=1e-6)


def test_rouge_l_by_hand():
    # LCS('a plane parked near the gate', 'a white plane is parked at the gate') = 5
    # (a plane parked the gate): P = 5/6, R = 5/8; the reference 'plane' gives R = 1,
    # and pycocoevalcap maximises P and R separately: P = 5/6, R = 1.
    def f(p, r, b2=1.2 ** 2):
        return (1 + b2) * p * r / (r + b2 * p)

    cand, ref = 'a plane parked near the gate', 'a white plane is parked at the gate'
    one = evaluate([sample('a', cand, [ref])], scale=1.0, **NO_JAVA)
    assert one['caption/ROUGE_L'] == pytest.approx(f(5 / 6, 5 / 8))
    two = evaluate([sample('a', cand, [ref, 'plane']),
                    sample('b', 'nothing matches', ['a green field'])], scale=1.0, **NO_JAVA)
    assert two['caption/ROUGE_L'] == pytest.approx((f(5 / 6, 1.0) + 0.0) / 2)


def test_cider_raw_identical_vs_disjoint_and_case():
    refs = ['two cars on the road', 'a large plane near the terminal']
    same = evaluate([sample(str(i), r.upper(), [r]) for i, r in enumerate(refs)], **NO_JAVA)
    assert same['caption/CIDEr_raw'] == pytest.approx(1000.0)  # 10 x scale 100
    assert same['caption/CIDEr'] == pytest.approx(1000.0)
    disjoint = evaluate([sample('0', 'green field', [refs[0]]),
                         sample('1', 'blue water', [refs[1]])], **NO_JAVA)
    assert disjoint['caption/CIDEr_raw'] == 0.0
    assert disjoint['caption/BLEU_1'] == pytest.approx(0.0, abs=1e-6)
    assert disjoint['caption/ROUGE_L'] == 0.0


def test_task_filter_empty_predictions_and_scale():
    samples = [
        sample('a', 'a plane on the runway', ['a plane on the runway', 'an airplane']),
        sample('b', '   ', ['two cars']),
        sample('c', None, ['a green field']),  # no pred_text at all
        sample('q1', 'yes', [], task='vqa'),  # other tasks: ignored, no references needed
        sample('d', 'boxes', None, task='det'),
    ]
    out100 = evaluate(samples, **NO_JAVA)
    out1 = evaluate(samples, scale=1.0, **NO_JAVA)
    assert out100['caption/num_samples'] == 3
    assert out100['caption/num_empty'] == 2
    # ROUGE-L: 1 for 'a', 0 for the two empty predictions
    assert out1['caption/ROUGE_L'] == pytest.approx(1 / 3)
    for key in ('BLEU_1', 'BLEU_4', 'ROUGE_L', 'CIDEr', 'CIDEr_raw'):
        assert out100[f'caption/{key}'] == pytest.approx(100 * out1[f'caption/{key}'])
    assert out1['caption/num_samples'] == 3  # counts are not scaled
    # task=None scores everything, so the 'vqa' sample without references now fails
    with pytest.raises(ValueError, match=r"img_id='q1'.*no reference captions"):
        evaluate(samples, task=None, **NO_JAVA)
    # other task name: nothing to score
    assert evaluate(samples[:1], task='vqa', **NO_JAVA) == {
        'caption/num_samples': 0, 'caption/num_empty': 0}


def test_missing_references_and_bad_args():
    with pytest.raises(ValueError, match="img_id='x'"):
        evaluate([sample('x', 'a plane', [])], **NO_JAVA)
    # blank references count as references unless dropped (upstream keeps them)
    with pytest.raises(ValueError, match="img_id='x'"):
        evaluate([sample('x', 'a plane', [' '])], drop_empty_references=True, **NO_JAVA)
    with pytest.raises(ValueError, match='SPICE'):
        CaptionMetric(metrics=('BLEU', 'SPICE'), tokenizer=None)
    with pytest.raises(ValueError, match='tokenizer'):
        CaptionMetric(metrics='BLEU', tokenizer='spacy')


def test_java_missing_message(monkeypatch):
    monkeypatch.setattr(caption_metric.shutil, 'which', lambda name: None)
    with pytest.raises(RuntimeError, match=r"METEOR and the PTB tokenizer need\(s\) Java.*"
                                           r"metrics=\('BLEU', 'ROUGE_L', 'CIDEr'\), "
                                           r'tokenizer=None'):
        CaptionMetric()
    with pytest.raises(RuntimeError, match='PTB tokenizer'):
        CaptionMetric(metrics=('BLEU', ), tokenizer='ptb')
    CaptionMetric(**NO_JAVA)  # builds without Java


SAMPLES = [
    ('P0001', 'A plane, parked near the terminal.',
     ['A white plane is parked near the terminal.', 'An airplane at the gate!']),
    ('P0002', 'Two cars drive on the road',
     ['Two cars on a road.', 'Some vehicles are driving on the road.', 'a road']),
    ('P0003', '', ['A green field next to a river.']),
    ('P0004', 'many   buildings\nand trees', ['Many buildings and some trees.']),
]


def direct_scores(gts, res, meteor=False):
    """pycocoevalcap's scorers called on {id: [captions]} as COCOEvalCap calls them."""
    out = {}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    out.update({f'BLEU_{n}': b for n, b in enumerate(bleu, 1)})
    out['ROUGE_L'] = Rouge().compute_score(gts, res)[0]
    out['CIDEr'] = Cider().compute_score(gts, res)[0]
    if meteor:
        out['METEOR'] = meteor_scorer().compute_score(gts, res)[0]
    return out


def test_agreement_with_pycocoevalcap_no_tokenizer():
    samples = [sample(i, p, r) for i, p, r in SAMPLES]
    out = evaluate(samples, scale=1.0, **NO_JAVA)
    gts = {i: [' '.join(c.lower().split()) for c in r] for i, _, r in SAMPLES}
    res = {i: [' '.join(p.lower().split())] for i, p, _ in SAMPLES}
    for key, value in direct_scores(gts, res).items():
        assert out[f'caption/{key}'] == pytest.approx(value), key
    raw = Cider().compute_score({i: [c.lower() for c in r] for i, _, r in SAMPLES},
                                {i: [p.lower()] for i, p, _ in SAMPLES})[0]
    assert out['caption/CIDEr_raw'] == pytest.approx(raw)
    assert out['caption/num_empty'] == 1


@needs_java
def test_agreement_with_pycocoevalcap_ptb_and_meteor():
    """The default protocol (PTB tokenizer, METEOR) against COCOEvalCap's own steps:
    references and candidates PTB-tokenized separately, then each scorer. METEOR uses
    the metric's shared Java process (starting one takes ~12 s)."""
    out = evaluate([sample(i, p, r) for i, p, r in SAMPLES], scale=1.0)
    tok = PTBTokenizer()
    gts = tok.tokenize({i: [dict(caption=c) for c in r] for i, _, r in SAMPLES})
    res = tok.tokenize({i: [dict(caption=p)] for i, p, _ in SAMPLES})
    assert gts['P0001'][0] == 'a white plane is parked near the terminal'
    expected = direct_scores(gts, res, meteor=True)
    assert set(out) == {f'caption/{k}' for k in expected} | {
        'caption/CIDEr_raw', 'caption/num_samples', 'caption/num_empty'}
    for key, value in expected.items():
        assert out[f'caption/{key}'] == pytest.approx(value), key
    assert 0 < out['caption/METEOR'] < 1
    # punctuation: PTB separates 'terminal.' into 'terminal', the raw variant does not
    assert out['caption/CIDEr'] != pytest.approx(out['caption/CIDEr_raw'])


@needs_java
def test_empty_reference_kept_through_ptb():
    """An empty reference survives the PTB tokenizer as an empty line and is scored as
    upstream (COCOEvalCap) scores it: BLEU's closest reference length can be its 0."""
    samples = [sample('a', 'a plane on the runway', ['A plane on the runway.', '']),
               sample('b', 'green field near a road', ['Green field near a road.'])]
    kept = evaluate(samples, metrics=('BLEU', 'CIDEr'), scale=1.0)
    dropped = evaluate(samples, metrics=('BLEU', 'CIDEr'), scale=1.0,
                       drop_empty_references=True)
    # image a averages CIDEr over its references: 10 and 0; image b: 10
    assert kept['caption/CIDEr'] == pytest.approx(7.5)
    assert dropped['caption/CIDEr'] == pytest.approx(10.0)
    # every candidate word matches: BLEU-1 is 1 either way (closest length 5, not 0)
    assert kept['caption/BLEU_1'] == pytest.approx(1.0)
    assert dropped['caption/BLEU_1'] == pytest.approx(1.0)
