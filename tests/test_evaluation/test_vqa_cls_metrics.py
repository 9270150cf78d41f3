"""VQAMetric / ClassificationMetric against hand-computed values."""
import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

from rscovlm.evaluation.metrics.classification_metric import (ClassificationMetric,
                                                              predict_class)
from rscovlm.evaluation.metrics.vqa_metric import (
    VQAMetric, bidirectional_contain, color_score, contain_match, exact_match,
    extract_count, load_wordnet, lrsvqa_match, mcq_match, vhm_score, yes_no)
from rscovlm.structures import VLMDataSample


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('rscovlm')


def vqa(gt, pred, qtype=None, task='vqa', **meta):
    s = VLMDataSample(metainfo=dict(task=task, gt_answer=gt, question_type=qtype,
                                    img_id=0, question='q', question_id='0', **meta))
    s.pred_text = pred
    return s.to_dict()


def evaluate(metric, samples):
    metric.process(None, samples)
    return metric.evaluate(len(samples))


# ------------------------------------------------------------------ rules
# Expected values are what upstream RSCoVLM's functions return on the same strings
# (rscovlm/eval/metric/metric.py and vhm_bench.py); tests/test_evaluation/
# test_upstream_rules.py pins every quirk one by one.
def test_contain_and_exact_rules():
    assert contain_match('Yes, there is.', 'yes')
    assert not exact_match('Yes, there is.', 'yes')
    assert exact_match(' Airport. ', 'airport')
    assert contain_match('There are 12 cars', '2')  # upstream substring fragility
    assert contain_match('', '') and exact_match(None, '')  # '' in '' / '' == ''
    assert bidirectional_contain('rural', 'Rural area')
    assert bidirectional_contain('an airport', 'airport')
    assert bidirectional_contain('  ', 'airport')  # '' in 'airport': upstream credits


def test_vhm_helpers():
    assert yes_no('Yes.') == 'yes' and yes_no('False') == 'no'
    assert yes_no('yes and no') is None and yes_no('not sure') is None
    assert yes_no('None of them, north') is None  # strict: 'none'/'north' are not 'no'
    assert color_score('Red', 'red, white') == 0.5
    assert color_score('dark blue and white', 'dark blue, white') == 1.0
    assert mcq_match('B. The ship', 'B') and not mcq_match('c', 'C')
    assert mcq_match('The answer is B', 'B')  # upstream: first capital A-E anywhere
    assert extract_count('There are three planes.') == 3
    assert extract_count('twenty-one ships') == 21 and extract_count('ninety nine') == 99
    assert extract_count('3 or four') == 3 and extract_count('four or 3') == 4
    assert extract_count('many') is None and extract_count(None) is None


def test_vhm_score_routes():
    assert vhm_score('yes and no', 'Yes', 'presence').parsed is False
    res = vhm_score('12', '10', 'count')
    assert (res.score, res.abs_error, res.pct_error) == (0.0, 2.0, 20.0)
    assert vhm_score('0', '0', 'counting').pct_error is None
    assert vhm_score('Red', 'red, white', 'colour').score == 0.5
    assert vhm_score('B. The ship', 'B', 'abs_pos').score == 1.0
    assert vhm_score('rural', 'rural area', 'RSVQA_LR').score == 1.0
    assert vhm_score('', 'x', 'cls').score == 1.0  # upstream: '' in 'x'


# ------------------------------------------------------------------ VQAMetric
SAMPLES = [
    vqa('yes', 'Yes, there is.', 'presence'),  # contain only
    vqa('airport', 'airport', 'scene'),  # both
    vqa('2', 'There are 12 cars', 'count'),  # contain only
    vqa('red', 'blue', 'color'),  # neither
    vqa('no', '', 'presence'),  # blank -> unparsed, 'no' not in ''
    vqa('cat', 'cat', 'scene', task='cls'),  # other task: ignored
]


def test_vqa_contain_per_type():
    m = evaluate(VQAMetric(), SAMPLES)
    assert m['vqa/accuracy'] == pytest.approx(60.0)
    assert m['vqa/num_samples'] == 5 and m['vqa/num_unparsed'] == 1
    assert m['vqa/num_blank'] == 1
    assert m['vqa/acc_presence'] == pytest.approx(50.0)
    assert m['vqa/acc_scene'] == pytest.approx(100.0)
    assert m['vqa/acc_count'] == pytest.approx(100.0)
    assert m['vqa/acc_color'] == pytest.approx(0.0)
    assert m['vqa/mean_type_acc'] == pytest.approx(62.5)
    assert 'vqa/count_mae' not in m


def test_vqa_exact_task_none_and_no_per_type():
    m = evaluate(VQAMetric(rule='exact'), SAMPLES)
    assert m['vqa/accuracy'] == pytest.approx(20.0)
    assert m['vqa/mean_type_acc'] == pytest.approx(25.0)
    m = evaluate(VQAMetric(task=None, per_type=False, prefix='all'), SAMPLES)
    assert m == {'all/accuracy': pytest.approx(400 / 6), 'all/num_samples': 6,
                 'all/num_blank': 1, 'all/num_unparsed': 1}
    m = evaluate(VQAMetric(task='caption'), SAMPLES)
    assert m['vqa/num_samples'] == 0 and m['vqa/accuracy'] == 0.0


def test_vqa_vhm():
    samples = [
        vqa('Yes', 'yes and no', 'presence'),  # ambiguous: unparsed, 0
        vqa('no', 'No, there is none.', 'presence'),  # 1
        vqa('red, white', 'Red', 'color'),  # 0.5
        vqa('B', 'B. The ship', 'rel_position'),  # 1
        vqa('B', 'c', 'rel_position'),  # no capital A-E: unparsed, 0
        vqa('3', 'There are three planes.', 'count'),  # 1, err 0, 0 %
        vqa('10', '12', 'count'),  # 0, err 2, 20 %
        vqa('5', 'many', 'count'),  # unparsed, 0
        vqa('airport', 'an Airport', 'cls'),  # bidirectional: 1
        vqa('rural area', 'rural', None),  # bidirectional: 1, no type
    ]
    m = evaluate(VQAMetric(rule='vhm'), samples)
    assert m['vqa/accuracy'] == pytest.approx(55.0)
    assert m['vqa/num_samples'] == 10 and m['vqa/num_unparsed'] == 3
    assert m['vqa/count_mae'] == pytest.approx(1.0)
    assert m['vqa/count_mape'] == pytest.approx(10.0)
    assert m['vqa/acc_presence'] == pytest.approx(50.0)
    assert m['vqa/acc_color'] == pytest.approx(50.0)
    assert m['vqa/acc_rel_position'] == pytest.approx(50.0)
    assert m['vqa/acc_count'] == pytest.approx(100 / 3)
    assert m['vqa/acc_cls'] == pytest.approx(100.0)
    assert m['vqa/mean_type_acc'] == pytest.approx((50 * 3 + 100 / 3 + 100) / 5)


def test_lrsvqa_exact_only():
    samples = [vqa('Urban.', ' urban', 'rural or urban'),
               vqa('car', 'automobile', 'object category'),
               vqa('3', '4', 'count')]
    m = evaluate(VQAMetric(rule='lrsvqa', wordnet=False), samples)
    assert m['vqa/accuracy'] == pytest.approx(100 / 3)
    assert m['vqa/acc_rural_or_urban'] == 100.0
    assert m['vqa/acc_object_category'] == 0.0
    assert m['vqa/mean_type_acc'] == pytest.approx(100 / 3)
    assert not lrsvqa_match('automobile', 'car', None)


def test_lrsvqa_missing_wordnet_raises(tmp_path):
    with pytest.raises(RuntimeError, match='wordnet-base'):
        VQAMetric(rule='lrsvqa', wordnet_dir=str(tmp_path))


def test_lrsvqa_wordnet():
    """WordNet 3.0 from the set-up (`make install`: nltk + Debian's wordnet-base)."""
    wordnet = load_wordnet()
    assert lrsvqa_match('automobile', 'car', wordnet)  # same synset: similarity 1
    assert not lrsvqa_match('banana', 'car', wordnet)
    m = evaluate(VQAMetric(rule='lrsvqa'),
                 [vqa('car', 'automobile', 'object category'), vqa('3', '4', 'count')])
    assert m['vqa/accuracy'] == pytest.approx(50.0)


def test_bad_rule():
    with pytest.raises(ValueError):
        VQAMetric(rule='fuzzy')


# ------------------------------------------------------------------ classification
CLASSES = ('airport', 'park', 'parking lot', 'bare land')


def cls(label, pred, task='cls', with_label=True):
    meta = dict(task=task, gt_answer=CLASSES[label], classes=CLASSES, img_id=0)
    if with_label:
        meta['gt_label'] = label
    s = VLMDataSample(metainfo=meta)
    s.pred_text = pred
    return s.to_dict()


CLS_SAMPLES = [
    cls(0, 'Airport.'),  # right, pred airport
    cls(0, 'park'),  # wrong, pred park
    cls(1, 'parking lot'),  # contain-right ('park' in it), pred parking lot
    cls(2, 'parking lot', with_label=False),  # right; label from gt_answer
    cls(3, 'desert'),  # wrong, unparsed
    cls(3, 'It is bare land'),  # contain-right, exact-wrong
    cls(0, 'airport', task='vqa'),  # ignored
]


def test_predict_class():
    assert predict_class('a parking lot near a park', CLASSES) == 2  # longest
    assert predict_class('park or airport', CLASSES) == 0  # longer name wins
    assert predict_class('a pond or a lake', ('lake', 'pond')) == 1  # tie: first
    assert predict_class('forest', CLASSES) is None and predict_class('', CLASSES) is None


def test_classification_contain():
    metric = ClassificationMetric()
    m = evaluate(metric, CLS_SAMPLES)
    assert m['cls/accuracy'] == pytest.approx(400 / 6)
    assert m['cls/num_samples'] == 6 and m['cls/num_unparsed'] == 1
    assert m['cls/acc_airport'] == 50.0 and m['cls/acc_park'] == 100.0
    assert m['cls/acc_parking_lot'] == 100.0 and m['cls/acc_bare_land'] == 50.0
    assert m['cls/mean_class_acc'] == pytest.approx(75.0)
    conf = metric.last_confusion
    assert conf['columns'] == list(CLASSES) + ['unparsed']
    np.testing.assert_array_equal(conf['matrix'], [[1, 1, 0, 0, 0],
                                                   [0, 0, 1, 0, 0],
                                                   [0, 0, 1, 0, 0],
                                                   [0, 0, 0, 1, 1]])
    assert all(np.isscalar(v) for v in m.values())


def test_classification_exact_through_registry():
    evaluator = Evaluator([dict(type='ClassificationMetric', rule='exact'),
                           dict(type='VQAMetric', task='vqa')])
    evaluator.process(CLS_SAMPLES)
    m = evaluator.evaluate(len(CLS_SAMPLES))
    assert m['cls/accuracy'] == pytest.approx(100 / 3)
    assert m['cls/acc_park'] == 0.0 and m['cls/acc_bare_land'] == 0.0
    assert m['cls/mean_class_acc'] == pytest.approx(37.5)
    assert m['vqa/num_samples'] == 1 and m['vqa/accuracy'] == 100.0


def test_wordnet_match_logic_with_fake_reader():
    """The similarity loop without nltk: any synset pair above 0.8; None counts as 0."""
    from rscovlm.evaluation.metrics.vqa_metric import wordnet_match

    class Syn:
        def __init__(self, sims):
            self.sims = sims

        def path_similarity(self, other):
            return self.sims.get(other.name)

    class Named(Syn):
        def __init__(self, name):
            super().__init__({})
            self.name = name

    class FakeWordNet:
        table = {'car': [Syn({'auto': None}), Syn({'auto': 0.9, 'bus': 0.5})],
                 'auto': [Named('auto')], 'bus': [Named('bus')]}

        def synsets(self, word):
            return self.table.get(word, [])

    wn = FakeWordNet()
    assert wordnet_match('Auto.', 'car', wn)
    assert not wordnet_match('bus', 'car', wn)
    assert not wordnet_match('', 'car', wn) and not wordnet_match('x', 'car', wn)
    assert lrsvqa_match('auto', 'car', wn) and not lrsvqa_match('auto', 'car', None)
