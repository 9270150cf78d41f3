"""Each upstream rule's quirks, pinned with the value upstream RSCoVLM gives, and each
rscovlm switch's alternative (docs/metrics.md has the table these rows follow).

The expected values were worked out by hand from upstream's functions
(rscovlm/eval/metric/metric.py, vhm_bench.py, large_image_bench.py and
eval/data/data_prepare/format_geochat.py of VisionXLab/RSCoVLM); each comment says why
upstream gives that value.
"""
import pytest
from mmengine.registry import init_default_scope

from rscovlm.evaluation.metrics.caption_metric import CaptionMetric
from rscovlm.evaluation.metrics.classification_metric import ClassificationMetric
from rscovlm.evaluation.metrics.vqa_metric import (
    VQAMetric, choice_letter, color_score, load_wordnet, lrsvqa_match, mcq_match,
    parse_count, upstream_yes_no, vhm_score)
from rscovlm.structures import VLMDataSample


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('rscovlm')


def vqa(gt, pred, qtype=None):
    s = VLMDataSample(metainfo=dict(task='vqa', gt_answer=gt, question_type=qtype,
                                    img_id=0, question='q', question_id='0'))
    s.pred_text = pred
    return s.to_dict()


def evaluate(metric, samples):
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def vhm(pred, gt, qtype, strict=False):
    return vhm_score(pred, gt, qtype, strict=strict)


# ------------------------------------------------------------------ 2. VHM presence
@pytest.mark.parametrize('pred,gt,upstream,strict', [
    # upstream: 'no' in 'not sure, yes' and 'yes' in it -> ambiguous -> 'unknown' != 'yes'
    ('Not sure, yes', 'yes', 0.0, 1.0),
    # upstream: 'no' is a substring of 'none' -> reads 'no'
    ('None of them', 'no', 1.0, 0.0),
    # 'north' contains 'no' -> upstream reads 'no'; strict finds no yes/no word
    ('To the north', 'no', 1.0, 0.0),
    # 'true' -> 'yes' both ways; punctuation stays in upstream's substring test
    ('True.', 'yes', 1.0, 1.0),
    # upstream compares with the normalised GT: 'true' is not 'yes'
    ('Yes', 'True', 0.0, 1.0),
])
def test_presence(pred, gt, upstream, strict):
    assert vhm(pred, gt, 'presence').score == upstream
    assert vhm(pred, gt, 'presence', strict=True).score == strict


def test_presence_reading():
    assert upstream_yes_no('I know it') == 'no'  # 'know' contains 'no'
    assert upstream_yes_no('Yes.') == 'yes' and upstream_yes_no('maybe') is None
    assert vhm('maybe', 'yes', 'presence_mo_dota').parsed is False  # upstream folder name


# ------------------------------------------------------------------ 2. VHM choices
@pytest.mark.parametrize('pred,gt,letter,upstream,strict', [
    ('(B)', 'B', 'B', 1.0, 1.0),  # upstream scans every character: '(' then 'B'
    ('The answer is C.', 'C', 'C', 1.0, 1.0),  # 'T','h','e',... no capital A-E before C
    ('Definitely C', 'C', 'D', 0.0, 1.0),  # upstream takes the 'D' of 'Definitely'
    ('Building B', 'B', 'B', 1.0, 1.0),  # upstream: 'B' of 'Building'; strict: lone B
    ('Both A and B', 'A', 'B', 0.0, 1.0),  # upstream: 'B' of 'Both'; strict: lone A
    ('c', 'C', None, 0.0, 0.0),  # lower case is no choice letter either way
    # upstream: 'e' in '(b) top left' (substring of the whole GT); strict: E != B
    ('E', '(B) top left', 'E', 1.0, 0.0),
])
def test_multiple_choice(pred, gt, letter, upstream, strict):
    assert choice_letter(pred) == letter
    assert vhm(pred, gt, 'relpos_dota-test_mc').score == upstream
    assert vhm(pred, gt, 'abs_pos', strict=True).score == strict
    assert mcq_match(pred, gt) == bool(upstream)


# ------------------------------------------------------------------ 2. VHM colour
def test_colour():
    # spaces removed on both sides after strip('.'): 'darkblue' found in 'darkblueandwhite'
    assert color_score('Dark blue and white.', 'dark blue, white') == 1.0
    assert color_score('Red', 'red, white') == 0.5
    # upstream keeps the empty piece of 'red,' and '' is in every answer: 2 of 2
    assert vhm('blue', 'red,', 'color').score == 0.5
    assert vhm('red', 'red,', 'color_dota-test_fair1m-val_open').score == 1.0
    # strict drops the empty piece: 'red' alone decides
    assert vhm('blue', 'red,', 'color', strict=True).score == 0.0
    assert vhm('red', 'red,', 'color', strict=True).score == 1.0


# ------------------------------------------------------------------ 2. VHM counting
@pytest.mark.parametrize('pred,upstream,strict', [
    ('four or 3', 3, 4),  # upstream looks for digits first, anywhere
    ('twenty one', 20, 21),  # upstream reads whitespace words one by one
    ('twenty-one', 21, 21),  # upstream's table has hyphenated compounds
    ('1.5 km', 1, 1),  # the first run of digits
    ('three, maybe', None, 3),  # 'three,' is not in upstream's table
    ('There are three.', 3, 3),  # the final '.' goes with strip('.')
    ('many', None, None),
])
def test_count_parsing(pred, upstream, strict):
    assert parse_count(pred) == upstream
    res = vhm(pred, '3', 'counting_dota-test_open', strict=True)
    assert res.parsed == (strict is not None)


def test_count_scores_and_errors():
    # upstream: MAE |3 - 4| = 1 and MAPE |3 - 4| / 4 = 0.25 (rscovlm: 25 %)
    m = evaluate(VQAMetric(rule='vhm'), [vqa('4', 'four or 3', 'count'),
                                         vqa('20', 'twenty one', 'count')])
    assert m['vqa/count_mae'] == pytest.approx((1 + 0) / 2)
    assert m['vqa/count_mape'] == pytest.approx((25 + 0) / 2)
    assert m['vqa/acc_count'] == pytest.approx(50.0)
    strict = evaluate(VQAMetric(rule='vhm', strict_vhm=True),
                      [vqa('4', 'four or 3', 'count'), vqa('20', 'twenty one', 'count')])
    assert strict['vqa/count_mae'] == pytest.approx((0 + 1) / 2)
    # no number: upstream stops (int('') raises); rscovlm counts it unparsed, no error
    m = evaluate(VQAMetric(rule='vhm'), [vqa('4', 'several', 'count')])
    assert m['vqa/num_unparsed'] == 1 and m['vqa/count_mae'] != m['vqa/count_mae']  # nan


def test_unsupported_vhm_types_raise():
    with pytest.raises(ValueError, match='gsd_dota_fbp'):
        vhm('3 m', '0.5 m', 'gsd_dota_fbp')
    with pytest.raises(ValueError, match='mlc_'):
        vhm('a, b', 'a', 'mlc_dota')


# ------------------------------------------------------------------ 2. VHM contain
def test_contain_strips_periods_before_comparing():
    # upstream eval_contain: 'rural.' -> 'rural', which is in 'rural area'
    assert vhm('Rural.', 'rural area', 'RSVQA_LR').score == 1.0
    # and either way round: GT 'airport' in 'an airport.'
    assert vhm('An airport.', 'airport', 'cls_aid').score == 1.0
    # plain substrings: GT '2' in '12'
    assert vhm('12', '2', 'rsvqa_hr').score == 1.0


# ------------------------------------------------------------------ 3. blank answers
def test_blank_answers():
    samples = [vqa('airport', '', 'cls_aid'),  # upstream: '' in 'airport' -> correct
               vqa('rural', ' . ', 'RSVQA_LR'),  # strip, strip('.') -> '' -> correct
               vqa('yes', '', 'presence'),  # 'unknown' != 'yes'
               vqa('B', None, 'abs_pos')]  # no letter
    m = evaluate(VQAMetric(rule='vhm'), samples)
    assert m['vqa/accuracy'] == pytest.approx(50.0)  # upstream's number
    assert m['vqa/acc_cls_aid'] == 100.0 and m['vqa/acc_rsvqa_lr'] == 100.0
    assert m['vqa/num_blank'] == 4 and m['vqa/num_unparsed'] == 4
    wrong = evaluate(VQAMetric(rule='vhm', blank_is_wrong=True), samples)
    assert wrong['vqa/accuracy'] == 0.0 and wrong['vqa/acc_cls_aid'] == 0.0
    # contain / exact: a blank answer only matches an empty GT ('' in '', '' == '')
    for rule in ('contain', 'exact'):
        assert evaluate(VQAMetric(rule=rule), [vqa('', '')])['vqa/accuracy'] == 100.0
        assert evaluate(VQAMetric(rule=rule, blank_is_wrong=True),
                        [vqa('', '')])['vqa/accuracy'] == 0.0


# ------------------------------------------------------------------ 7. LRS-VQA WordNet
def test_lrsvqa_wordnet_quirks():
    wn = load_wordnet()  # WordNet 3.0 of the set-up, no download
    # same synset: path_similarity 1.0 > 0.8
    assert lrsvqa_match('Automobile.', 'car', wn)
    # dog.n.01 vs cat.n.01: 0.2
    assert not lrsvqa_match('cat', 'dog', wn)
    # whole strings go to synsets(); 'parking lot' (with a space) has none, so a
    # multi-word answer only scores by exact match
    assert not lrsvqa_match('parking lot', 'parking area', wn)
    assert lrsvqa_match('Parking lot.', 'parking lot', wn)
    m = evaluate(VQAMetric(rule='lrsvqa'), [vqa('car', 'auto', 'object category'),
                                            vqa('white', 'White.', 'object color'),
                                            vqa('3', 'three', 'count'),
                                            vqa('3', '4', 'count')])
    # auto ~ car (same synset); '3' is a lemma of three.n.01, so 'three' scores for a
    # count of 3; three.n.01 vs four.n.01 is 1/3, not > 0.8
    assert m['vqa/accuracy'] == pytest.approx(75.0)
    assert m['vqa/acc_count'] == pytest.approx(50.0)


def test_lrsvqa_wordnet_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('RSCOVLM_WORDNET_DIR', str(tmp_path))
    with pytest.raises(RuntimeError, match=str(tmp_path)):
        VQAMetric(rule='lrsvqa')
    assert VQAMetric(rule='lrsvqa', wordnet=False)._wordnet is None


# ------------------------------------------------------------------ 6. scene classes
def cls_sample(pred, label, answer):
    classes = ('airport', ' bare land', ' medium residential')
    s = VLMDataSample(metainfo=dict(task='cls', img_id=0, classes=classes,
                                    gt_label=label, gt_answer=answer))
    s.pred_text = pred
    return s.to_dict()


def test_scene_classification_ground_truth_spelling():
    # GeoChat writes the ground truth 'BareLand'; upstream's format_cls lower-cases it to
    # 'bareland' and compute_contain_acc looks for it in the answer
    samples = [cls_sample('Bare land', 1, 'bareland'),  # upstream: wrong
               cls_sample('bareland', 1, 'bareland'),  # upstream: right
               cls_sample('Medium residential.', 2, 'medium residential')]  # right
    m = evaluate(ClassificationMetric(), samples)
    assert m['cls/accuracy'] == pytest.approx(200 / 3)
    assert m['cls/acc_bare_land'] == 50.0
    listed = evaluate(ClassificationMetric(gt_from='class'), samples)
    assert listed['cls/accuracy'] == pytest.approx(200 / 3)  # the other bare-land answer
    assert evaluate(ClassificationMetric(gt_from='class'),
                    samples[:1])['cls/accuracy'] == 100.0
    assert evaluate(ClassificationMetric(gt_from='class'),
                    samples[1:2])['cls/accuracy'] == 0.0
    with pytest.raises(ValueError, match='gt_from'):
        ClassificationMetric(gt_from='label')


# ------------------------------------------------------------------ 1. caption references
def cap_sample(img_id, pred, refs):
    s = VLMDataSample(metainfo=dict(task='caption', img_id=img_id, references=refs))
    s.pred_text = pred
    return s.to_dict()


def test_empty_references_are_kept():
    samples = [cap_sample('a', 'a plane on the runway', ['a plane on the runway', '']),
               cap_sample('b', 'green field near a road', ['green field near a road'])]
    kw = dict(metrics=('CIDEr', ), tokenizer=None, scale=1.0)
    # upstream (compute_cider): image a averages its two references, 10 and 0 (the empty
    # one shares no n-gram), image b scores 10 -> (5 + 10) / 2
    m = evaluate(CaptionMetric(**kw), samples)
    assert m['caption/CIDEr'] == pytest.approx(7.5)
    assert m['caption/CIDEr_raw'] == pytest.approx(7.5)
    dropped = evaluate(CaptionMetric(drop_empty_references=True, **kw), samples)
    assert dropped['caption/CIDEr'] == pytest.approx(10.0)
    # an image with only a blank reference: scored upstream (0, next to image d's 5: its
    # two words give 1-grams and 2-grams only, so n = 3, 4 add 0), refused with the switch
    only_blank = [cap_sample('c', 'a plane', [' ']),
                  cap_sample('d', 'green field', ['green field'])]
    assert evaluate(CaptionMetric(**kw), only_blank)['caption/CIDEr'] == pytest.approx(2.5)
    with pytest.raises(ValueError, match="img_id='c'"):
        evaluate(CaptionMetric(drop_empty_references=True, **kw), only_blank)
