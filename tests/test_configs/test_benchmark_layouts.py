"""Every benchmark overlay of configs/benchmarks/ on a tiny dataset laid out exactly as its
header comment says.

For each overlay a handful of tiny images and the annotation file are written into a
temporary ``data_root`` (by running rscovlm's own converter on a hand-made source file where
the header names one), then the overlay, composed with the tiny model, is

1. pointed at that folder with ``set_data_root`` (what ``--cfg-options data_root=...`` does)
   and completed with ``complete_config``;
2. built: its length is checked, and ``dataset[0]`` runs the whole test pipeline (image
   loading, resize, prompt rendering, tokenisation). The token ids are decoded with the tiny
   tokenizer (lossless) and the user turn must be exactly the prompt the header states
   (the upstream prompt), the system turn the stated system prompt; the data sample must
   carry what the metric reads;
3. scored: every sample gets the correct answer (``gt_text``, the answer the pipeline
   renders from the ground truth in the resized frame) as ``pred_text``, and the overlay's
   evaluator must give the perfect score; a wrong answer must not.

The DOTA-v1.0 overlays and the demo overlays are covered elsewhere.
"""
import functools
import importlib
import json
import os
import os.path as osp
import shutil
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import FUNCTIONS

from rscovlm.registry import DATASETS
from rscovlm.utils import complete_config, set_data_root

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCHMARKS = osp.join(REPO, 'configs', 'benchmarks')
TINY_MODEL = osp.join(REPO, 'configs', '_base_', 'models', 'qwen2.5-vl-tiny.py')
TOOLS = osp.join(REPO, 'tools', 'dataset_converters')
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

HAS_JAVA = shutil.which('java') is not None
needs_java = pytest.mark.skipif(
    not HAS_JAVA, reason="CaptionMetric's METEOR and PTB tokenizer run Java; no `java`")

# system prompts (upstream RSCoVLM, spec section 4.1) and Qwen's default one
POLY_SYSTEM = ('As an AI assistant, you specialize in accurate oriented object detection, '
               'delivering coordinates of the polygon vertices in plain text format '
               "'x1,y1,x2,y2,x3,y3,x4,y4 object'.")
HBB_SYSTEM = ('As an AI assistant, you specialize in accurate image object detection, '
              "delivering coordinates in plain text format 'x1,y1,x2,y2 object'.")
DEFAULT_SYSTEM = 'You are a helpful assistant.'
VQA_SUFFIX = ' Answer the question using a single word or a short phrase.'
CLS_PREFIX = 'Classify the image within one of the given classes:'

DIOR_R_PROMPT = (
    'find the airplane, airport, baseballfield, basketballcourt, bridge, chimney, dam, '
    'expressway service area, expressway toll station, golffield, groundtrackfield, harbor, '
    'overpass, ship, stadium, storagetank, tenniscourt, trainstation, vehicle, windmill.')
FAIR1M_PROMPT = (
    'find the a220, a321, a330, a350, arj21, baseball field, basketball court, boeing737, '
    'boeing747, boeing777, boeing787, bridge, bus, c919, cargo truck, dry cargo ship, '
    'dump truck, engineering ship, excavator, fishing boat, football field, intersection, '
    'liquid cargo ship, motorboat, other airplane, other ship, other vehicle, '
    'passenger ship, roundabout, small car, tennis court, tractor, trailer, truck tractor, '
    'tugboat, van, warship.')


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
def tool(name):
    return importlib.import_module(name)


def write_image(path, width=64, height=48, seed=0):
    """An image of random 8 x 8 blocks (any extension cv2 writes: .png, .jpg, .tif)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    blocks = np.random.RandomState(seed).randint(0, 255, (8, 8, 3), np.uint8)
    img = cv2.resize(blocks, (width, height), interpolation=cv2.INTER_NEAREST)
    assert cv2.imwrite(str(path), img), path


def write_json(path, obj):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f)


def write_jsonl(path, records):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(json.dumps(r) + '\n' for r in records)


def load_overlay(name, data_root):
    """The overlay composed with the tiny model, as the tools load it."""
    cfg = Config.fromfile(osp.join(BENCHMARKS, name))
    cfg.model = Config.fromfile(TINY_MODEL).model
    set_data_root(cfg, str(data_root))
    complete_config(cfg)
    return cfg


def build_dataset(cfg):
    return DATASETS.build(cfg.test_dataloader.dataset)


def tokenizer_of(cfg):
    from rscovlm.processors import build_processor
    return build_processor(cfg.model.processor).tokenizer


def turns(tokenizer, input_ids):
    """``(system text, user text)`` of a generation prompt, decoded from its token ids."""
    ids = [int(i) for i in input_ids]
    text = tokenizer.decode(ids, skip_special_tokens=False)
    # lossless: encoding the decoded text again gives the very same ids
    assert tokenizer(text, add_special_tokens=False)['input_ids'] == ids
    assert text.startswith('<|im_start|>system\n'), text[:80]
    system = text[len('<|im_start|>system\n'):text.index('<|im_end|>')]
    user = text[text.index('<|im_start|>user\n'):]
    assert user.count('<|vision_start|>') == 1, user  # one image, first in the turn
    user = user[user.index('<|vision_end|>') + len('<|vision_end|>'):]
    user, rest = user.split('<|im_end|>', 1)
    assert rest == '\n<|im_start|>assistant\n', rest  # ends with the generation prompt
    return system, user


def evaluate(cfg, dataset, samples, answer):
    """The overlay's evaluator on ``samples``, each answered by ``answer(sample)``."""
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = dataset.metainfo
    batch = []
    for sample in samples:
        sample = sample.clone()
        sample.pred_text = answer(sample)
        batch.append(sample)
    evaluator.process(data_samples=batch)
    return evaluator.evaluate(len(batch))


def check_overlay(name, data_root, *, length, prompt, system=DEFAULT_SYSTEM, check=None,
                  perfect, wrong=None, wrong_answer='zzz'):
    """Build the overlay's test set on ``data_root`` and check it end to end.

    Args:
        length: expected number of samples.
        prompt: the user text of sample 0 (after the image).
        system: its system prompt.
        check: ``check(samples)`` on the packed data samples (the metric's fields).
        perfect: ``{metric key: value}`` when every answer is the ground truth (a value, or
            a callable that must return True).
        wrong: the same for ``wrong_answer`` (default: the first, headline, key of
            ``perfect`` is 0); ``False`` skips it.
    """
    cfg = load_overlay(name, data_root)
    dataset = build_dataset(cfg)
    assert len(dataset) == length
    items = [dataset[i] for i in range(length)]
    assert {'input_ids', 'pixel_values', 'image_grid_thw'} <= set(items[0]['inputs'])
    got_system, got_prompt = turns(tokenizer_of(cfg), items[0]['inputs']['input_ids'])
    assert got_prompt == prompt
    assert got_system == system
    # the test loader's collate function batches them (left padding, for generation)
    collate_cfg = dict(cfg.test_dataloader.collate_fn)
    collate = functools.partial(FUNCTIONS.get(collate_cfg.pop('type')), **collate_cfg)
    batch = collate(items)
    assert batch['inputs']['input_ids'].shape[0] == length
    assert (batch['inputs']['attention_mask'][:, -1] == 1).all()  # padded on the left
    samples = batch['data_samples']
    if check is not None:
        check(samples)

    def compare(metrics, expected):
        for key, value in expected.items():
            assert key in metrics, (key, sorted(metrics))
            if callable(value):
                assert value(metrics[key]), (key, metrics[key])
            else:
                assert metrics[key] == pytest.approx(value, abs=1e-6), (key, metrics[key])

    metrics = evaluate(cfg, dataset, samples, lambda s: s.gt_text)
    compare(metrics, perfect)
    if wrong is not False:
        wrong = {next(iter(perfect)): 0.0} if wrong is None else wrong
        compare(evaluate(cfg, dataset, samples, lambda s: wrong_answer), wrong)
    return cfg, dataset, samples, metrics


def hbox_of(sample):
    """The GT of a grounding sample as the axis-aligned box the hbox metric compares with."""
    from mmrotate.structures.bbox import rbox2qbox
    q = rbox2qbox(sample.gt_instances.bboxes).numpy().reshape(-1, 4, 2)
    return [np.round(q[..., 0].min(1), 3).tolist(), np.round(q[..., 1].min(1), 3).tolist(),
            np.round(q[..., 0].max(1), 3).tolist(), np.round(q[..., 1].max(1), 3).tolist()]


# ---------------------------------------------------------------------------------------
# scene classification
# ---------------------------------------------------------------------------------------
def make_scene_folders(root, folders):
    """Folder-per-class images ``{root}/{folder}/{folder.lower()}_{k}.jpg``."""
    seed = 0
    for folder, count in folders.items():
        for k in range(1, count + 1):
            seed += 1
            write_image(osp.join(root, folder, f'{folder.lower()}_{k}.jpg'), seed=seed)


def check_cls_samples(classes, labels):
    def check(samples):
        assert [s.gt_label for s in samples] == labels
        for s in samples:
            assert tuple(s.classes) == tuple(classes)
            assert s.gt_answer == classes[s.gt_label]
            assert s.task == 'cls'
    return check


def test_aid_test(tmp_path):
    # Airport: 3 images, round(3 * 0.2) = 1 to train; BareLand: 1 image, none to train
    make_scene_folders(tmp_path, {'Airport': 3, 'BareLand': 1})
    stats = tool('scene_cls').main([str(tmp_path), '--train-ratio', '0.2', '--seed', '0',
                                    '--out-dir', str(tmp_path / 'splits' / 'tr20_seed0')])
    assert (stats['train'], stats['test']) == (1, 3)
    # upstream's prompt: the raw folder names
    cfg, dataset, samples, _ = check_overlay(
        'aid_test.py', tmp_path, length=3,
        prompt=CLS_PREFIX + 'Airport,BareLand.',
        check=check_cls_samples(('Airport', 'BareLand'), [0, 0, 1]),
        perfect={'cls/accuracy': 100.0, 'cls/acc_airport': 100.0, 'cls/acc_bareland': 100.0,
                 'cls/mean_class_acc': 100.0, 'cls/num_samples': 3})
    # upstream's contain rule on the lower-cased name: 'bareland' scores, 'bare land' not
    answers = {0: 'airport', 1: 'bareland'}
    assert evaluate(cfg, dataset, samples, lambda s: answers[s.gt_label])[
        'cls/accuracy'] == 100.0
    answers = {0: 'The scene is an AIRPORT.', 1: 'bare land'}
    metrics = evaluate(cfg, dataset, samples, lambda s: answers[s.gt_label])
    assert (metrics['cls/acc_airport'], metrics['cls/acc_bareland']) == (100.0, 0.0)


def test_aid_test_readable_names(tmp_path):
    make_scene_folders(tmp_path, {'Airport': 1, 'BareLand': 1})
    tool('scene_cls').main([str(tmp_path), '--train-ratio', '0', '--readable-names',
                            '--out-dir', str(tmp_path / 'splits' / 'tr20_seed0')])
    check_overlay(
        'aid_test.py', tmp_path, length=2,
        prompt=CLS_PREFIX + 'airport,bare land.',
        check=check_cls_samples(('airport', 'bare land'), [0, 1]),
        perfect={'cls/accuracy': 100.0, 'cls/acc_bare_land': 100.0})


def test_nwpu_resisc45_test(tmp_path):
    # 10 % to train: round(1 * 0.1) = round(2 * 0.1) = 0, every image is a test image
    make_scene_folders(tmp_path, {'airplane': 1, 'baseball_diamond': 2})
    tool('scene_cls').main([str(tmp_path), '--train-ratio', '0.1', '--seed', '0',
                            '--out-dir', str(tmp_path / 'splits' / 'tr10_seed0')])
    check_overlay(
        'nwpu-resisc45_test.py', tmp_path, length=3,
        prompt=CLS_PREFIX + 'airplane,baseball_diamond.',
        check=check_cls_samples(('airplane', 'baseball_diamond'), [0, 1, 1]),
        perfect={'cls/accuracy': 100.0, 'cls/acc_baseball_diamond': 100.0,
                 'cls/mean_class_acc': 100.0})


def test_scene_cls_prompt_is_upstreams(tmp_path):
    # upstream RSCoVLM (eval/data/data_prepare/format_scene_cls.py, eval/data/scene_cls.py)
    # prompts cls_aid / cls_resisc with the raw folder names
    make_scene_folders(tmp_path, {'Airport': 1, 'BareLand': 1})
    tool('scene_cls').main([str(tmp_path), '--train-ratio', '0', '--out-dir',
                            str(tmp_path / 'splits' / 'tr20_seed0')])
    cfg = load_overlay('aid_test.py', tmp_path)
    dataset = build_dataset(cfg)
    _, prompt = turns(tokenizer_of(cfg), dataset[0]['inputs']['input_ids'])
    assert prompt == CLS_PREFIX + 'Airport,BareLand.'


def geochat_cls_record(question_id, image, ground_truth):
    """A record of GeoChat-Bench's aid.jsonl / UCmerced.jsonl (batch_geochat_scene.py reads
    `image` and `text`; RSCoVLM's format_geochat.py the "Classes:" line and `ground_truth`)."""
    return dict(question_id=question_id, image=image, ground_truth=ground_truth,
                text=('Classify the image from the following classes.\n'
                      'Classes: Airport, Bare Land, Beach\n'
                      'Answer in one word or a short phrase.'))


@pytest.mark.parametrize('overlay, kind, ann, img_dir', [
    ('geochat-bench_aid.py', 'aid', 'aid_cls.json', 'AID'),
    ('geochat-bench_ucmerced.py', 'ucmerced', 'ucmerced_cls.json', 'UCMerced')])
def test_geochat_bench_cls(tmp_path, overlay, kind, ann, img_dir):
    # the record's `classes` string "airport, bare land, beach" split on ',' as written, so
    # that ','.join(classes) gives it back verbatim; labels are the lower-cased GT
    src = tmp_path / 'source.jsonl'
    write_jsonl(src, [geochat_cls_record('BareLand/bareland_1.jpg', 'BareLand/bareland_1.jpg',
                                         'Bare Land'),
                      geochat_cls_record('Airport/airport_1.jpg', 'Airport/airport_1.jpg',
                                         'Airport')])
    tool('geochat_bench').main([kind, str(src), '--out', str(tmp_path / ann)])
    classes = ['airport', ' bare land', ' beach']
    for k, image in enumerate(('BareLand/bareland_1.jpg', 'Airport/airport_1.jpg')):
        write_image(osp.join(tmp_path, 'images', img_dir, image), seed=k)
    check_overlay(
        overlay, tmp_path, length=2,
        prompt=CLS_PREFIX + 'airport, bare land, beach',
        check=check_cls_samples(tuple(classes), [1, 0]),
        perfect={'cls/accuracy': 100.0, 'cls/acc_bare_land': 100.0})


# ---------------------------------------------------------------------------------------
# VQA
# ---------------------------------------------------------------------------------------
def check_vqa_samples(answers, types):
    def check(samples):
        assert [s.gt_answer for s in samples] == answers
        assert [s.question_type for s in samples] == types
        assert all(s.task == 'vqa' and s.question_id is not None for s in samples)
    return check


@pytest.mark.parametrize('overlay, kind, ann, img_dir', [
    ('geochat-bench_hrben.py', 'hrben', 'hrben_vqa.json', 'HRBEN'),
    ('geochat-bench_lrben.py', 'lrben', 'lrben_vqa.json', 'LRBEN')])
def test_geochat_bench_vqa(tmp_path, overlay, kind, ann, img_dir):
    # GeoChat's `text` first line stripped and lower-cased, as upstream's format_geochat;
    # the answers from RSVQA's answers file by question_id
    suffix = '\nAnswer the question using a single word or phrase.'
    src = tmp_path / f'{kind}.jsonl'
    write_jsonl(src, [
        dict(question_id=3, image='0.tif', category='presence',
             text='Is there a road at the top of the image?' + suffix),
        dict(question_id=4, image='0.tif', category='comp',
             text='Are there more buildings than roads? ' + suffix),
        dict(question_id=7, image='1.tif', category='presence',
             text='Is a water area present?' + suffix)])
    answers = tmp_path / 'answers.json'
    write_json(answers, dict(answers=[
        dict(id=k, question_id=k, answer=('No' if k in (4, 7) else 'Yes'), active=True,
             people_id=0, date_added=0.0) for k in range(8)]))
    tool('geochat_bench').main([kind, str(src), '--answers', str(answers), '--out',
                                str(tmp_path / ann)])
    for k in range(2):
        write_image(tmp_path / 'images' / img_dir / f'{k}.tif', seed=k)
    check_overlay(
        overlay, tmp_path, length=3,
        prompt='is there a road at the top of the image?' + VQA_SUFFIX,
        check=check_vqa_samples(['yes', 'no', 'no'], ['presence', 'comp', 'presence']),
        perfect={'vqa/accuracy': 100.0, 'vqa/acc_presence': 100.0, 'vqa/acc_comp': 100.0,
                 'vqa/mean_type_acc': 100.0})


def test_vrsbench_vqa(tmp_path):
    src = tmp_path / 'VRSBench_EVAL_vqa.json'
    write_json(src, [
        dict(image_id='P0003_0002.png', question='How many cars are there?',
             ground_truth='3', dataset='RSBench', question_id=0, type='object quantity'),
        dict(image_id='00017_0001.png', question='What color is the bridge? ',
             ground_truth='gray', dataset='RSBench', question_id=1, type='object color')])
    tool('vrsbench').main(['vqa', str(src), '--out', str(tmp_path / 'vrsbench_vqa_test.json')])
    for k, name in enumerate(('P0003_0002.png', '00017_0001.png')):
        write_image(tmp_path / 'Images_val' / name, seed=k)
    check_overlay(
        'vrsbench_vqa.py', tmp_path, length=2,
        prompt='How many cars are there?' + VQA_SUFFIX,
        check=check_vqa_samples(['3', 'gray'], ['object quantity', 'object color']),
        perfect={'vqa/accuracy': 100.0, 'vqa/acc_object_quantity': 100.0,
                 'vqa/acc_object_color': 100.0})


def rsieval_layout(root):
    src = root / 'annotations.json'
    write_json(src, dict(annotations=[
        dict(filename='P1384_0054.png',
             caption='A harbor with several white boats moored along the long pier.',
             qa_pairs=[dict(question='How many boats are there?', answer='Seven.',
                            type='quantity'),
                       dict(question='', answer='yes', type='presence'),
                       dict(question='Is the image panchromatic?', answer='No',
                            type='image')]),
        dict(filename='P2000_0001.png',
             caption='An airport with two runways and a small terminal building.',
             qa_pairs=[dict(question='Is there a plane?', answer='Yes', type='presence')])]))
    tool('rsgpt').main(['rsieval', str(src), '--caption-out', str(root / 'rsieval_caption.json'),
                        '--vqa-out', str(root / 'rsieval_vqa.json')])
    for k, name in enumerate(('P1384_0054.png', 'P2000_0001.png')):
        write_image(root / 'images' / name, seed=k)


def test_rsieval_vqa(tmp_path):
    rsieval_layout(tmp_path)
    check_overlay(
        'rsieval_vqa.py', tmp_path, length=3,  # the pair with an empty question is skipped
        prompt='How many boats are there?',  # the raw question, nothing appended
        check=check_vqa_samples(['Seven.', 'No', 'Yes'], ['quantity', 'image', 'presence']),
        perfect={'vqa/accuracy': 100.0, 'vqa/acc_quantity': 100.0, 'vqa/acc_image': 100.0,
                 'vqa/acc_presence': 100.0})


# ---------------------------------------------------------------------------------------
# captioning
# ---------------------------------------------------------------------------------------
def caption_perfect(num):
    return {'caption/BLEU_1': 100.0, 'caption/BLEU_4': lambda v: v == pytest.approx(100, 1e-4),
            'caption/ROUGE_L': 100.0, 'caption/METEOR': lambda v: v > 90,
            'caption/CIDEr': lambda v: v > 0, 'caption/CIDEr_raw': lambda v: v > 0,
            'caption/num_samples': num, 'caption/num_empty': 0}


CAPTION_WRONG = {'caption/BLEU_1': lambda v: v < 1, 'caption/CIDEr': lambda v: v < 1}


def check_caption_samples(references):
    def check(samples):
        assert [list(s.references) for s in samples] == references
        assert all(s.task == 'caption' for s in samples)
    return check


@needs_java
def test_rsieval_caption(tmp_path):
    rsieval_layout(tmp_path)
    check_overlay(
        'rsieval_caption.py', tmp_path, length=2,
        prompt='Please provide a detailed description of the picture.',
        check=check_caption_samples([
            ['A harbor with several white boats moored along the long pier.'],
            ['An airport with two runways and a small terminal building.']]),
        perfect=caption_perfect(2), wrong=CAPTION_WRONG)


@needs_java
def test_ucm_captions_test(tmp_path):
    def sentence(raw):
        return dict(raw=raw, tokens=raw.split())

    src = tmp_path / 'dataset.json'
    write_json(src, dict(dataset='ucm', images=[
        dict(filename='1.tif', split='train',
             sentences=[sentence('There is a piece of farmland .')]),
        dict(filename='2.tif', split='test', sentences=[
            sentence('Lots of planes are parked at the airport .'),
            sentence('Many planes are parked next to a long building .')]),
        dict(filename='3.tif', split='test', sentences=[
            sentence('A sandy beach with blue waves along the coast .')])]))
    tool('ucm_captions').main([str(src), '--split', 'test', '--out',
                               str(tmp_path / 'ucm_caption_test.json')])
    for k in (1, 2, 3):
        write_image(tmp_path / 'imgs' / f'{k}.tif', seed=k)
    check_overlay(
        'ucm-captions_test.py', tmp_path, length=2,
        prompt='Describe the image',
        check=check_caption_samples([
            ['Lots of planes are parked at the airport .',
             'Many planes are parked next to a long building .'],
            ['A sandy beach with blue waves along the coast .']]),
        perfect=caption_perfect(2), wrong=CAPTION_WRONG)


@needs_java
def test_vrsbench_caption(tmp_path):
    # VRSBench's own eval file asks every image "Describe the image in detail"
    # (lx709/VRSBench prepare_eval_all.ipynb), which upstream RSCoVLM sends as it is
    src = tmp_path / 'VRSBench_EVAL_Cap.json'
    write_json(src, [
        dict(image_id='P0003_0002.png', question='Describe the image in detail',
             ground_truth='The image shows a parking lot with many small white cars. ',
             dataset='RSBench', question_id=0, type='caption'),
        dict(image_id='00017_0001.png', question='Describe the image in detail',
             ground_truth='A long bridge crosses a wide river near a green park.',
             dataset='RSBench', question_id=1, type='caption')])
    tool('vrsbench').main(['caption', str(src), '--out',
                           str(tmp_path / 'vrsbench_caption_test.json')])
    for k, name in enumerate(('P0003_0002.png', '00017_0001.png')):
        write_image(tmp_path / 'Images_val' / name, seed=k)
    check_overlay(
        'vrsbench_caption.py', tmp_path, length=2,
        prompt='Describe the image in detail',
        check=check_caption_samples([
            ['The image shows a parking lot with many small white cars.'],
            ['A long bridge crosses a wide river near a green park.']]),
        perfect=caption_perfect(2), wrong=CAPTION_WRONG)


@needs_java
def test_geochat_bench_region_captioning(tmp_path):
    # GeoChat's region_captioning.jsonl: `image_id` without extension (GeoChat's eval and
    # upstream's format_geochat append '.png'), the region on the 0-100 grid as `question`
    src = tmp_path / 'source.jsonl'
    write_jsonl(src, [
        dict(question_id=0, image_id='P0001_0003', question='{<22><35><41><60>|<0>}',
             ground_truth='a small white plane', type='ref', dataset='SAMRS'),
        dict(question_id=1, image_id='P0001_0003', question='{<50><50><70><90>|<45>}',
             ground_truth='a ship near the dock', type='ref', dataset='SAMRS')])
    tool('geochat_bench').main(['region-captioning', str(src), '--out',
                                str(tmp_path / 'region_captioning.json')])
    write_image(tmp_path / 'images' / 'region_captioning' / 'P0001_0003.png')
    _, _, samples, _ = check_overlay(
        'geochat-bench_region-captioning.py', tmp_path, length=2,
        prompt='[identify] What is the object present at {<22><35><41><60>|<0>}',
        check=lambda samples: [list(s.references) for s in samples] == [
            ['a small white plane'], ['a ship near the dock']],
        perfect=caption_perfect(2), wrong=CAPTION_WRONG)
    assert [s.question_id for s in samples] == [0, 1]
    assert [list(s.references) for s in samples] == [['a small white plane'],
                                                     ['a ship near the dock']]


# ---------------------------------------------------------------------------------------
# oriented detection
# ---------------------------------------------------------------------------------------
def det_perfect(prefix='dota'):
    return {f'{prefix}/mAP': 1.0, f'{prefix}/parse/failed_samples': 0}


def check_det_samples(num_objects, labels, classes=None):
    def check(samples):
        assert [len(s.gt_instances) for s in samples] == num_objects
        assert [s.gt_instances.labels.tolist() for s in samples] == labels
        for s in samples:
            assert s.gt_instances.bboxes.shape[-1] == 5  # rboxes for DOTAMetric
            assert s.task == 'det' and 'ignored_instances' in s
            assert s.codec['type'] == 'QBoxCodec' and s.codec['clockwise'] is True
            if classes is not None:
                assert tuple(s.classes) == tuple(classes)
    return check


def dior_xml(path, objects, width=200, height=160):
    def obj(name, poly):
        tags = ('x_left_top', 'y_left_top', 'x_right_top', 'y_right_top', 'x_right_bottom',
                'y_right_bottom', 'x_left_bottom', 'y_left_bottom')
        box = ''.join(f'<{t}>{v}</{t}>' for t, v in zip(tags, poly))
        return (f'<object><name>{name}</name><difficult>0</difficult>'
                f'<robndbox>{box}</robndbox></object>')

    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(f'<annotation><size><width>{width}</width><height>{height}</height>'
                f'<depth>3</depth></size>{"".join(obj(*o) for o in objects)}</annotation>')


def test_dior_r_test(tmp_path):
    xml_dir = tmp_path / 'Annotations' / 'Oriented Bounding Boxes'
    dior_xml(xml_dir / '11726.xml', [
        ('airplane', (20, 30, 90, 20, 100, 70, 30, 80)),
        ('Expressway-Service-area', (110, 40, 190, 40, 190, 150, 110, 150))])
    dior_xml(xml_dir / '11727.xml', [('vehicle', (40, 40, 140, 40, 140, 120, 40, 120))])
    dior_xml(xml_dir / '11728.xml', [])  # kept: "There are none."
    os.makedirs(tmp_path / 'ImageSets' / 'Main')
    (tmp_path / 'ImageSets' / 'Main' / 'test.txt').write_text('11726\n11727\n11728\n')
    tool('dior_r').main([str(tmp_path), '--split', 'test', '--out',
                         str(tmp_path / 'Annotations' / 'test.json')])
    for k, img_id in enumerate(('11726', '11727', '11728')):
        write_image(tmp_path / 'JPEGImages-test' / f'{img_id}.jpg', 200, 160, seed=k)
    _, _, samples, _ = check_overlay(
        'dior-r_test.py', tmp_path, length=3, prompt=DIOR_R_PROMPT, system=POLY_SYSTEM,
        # labels in mmrotate's DIOR order: airplane 0, expressway-service-area 6, vehicle 18
        check=check_det_samples([2, 1, 0], [[0, 6], [18], []]),
        perfect=det_perfect())
    assert samples[2].gt_text == 'There are none.'
    assert [line.split(' ', 1)[1] for line in samples[0].gt_text.splitlines()] == \
        ['airplane', 'expressway service area']


def coco_det_layout(root, categories, images, ann='test.json', img_dir='test/images'):
    """COCO instances with polygons: ``images`` = [(file_name, w, h, [(cat id, poly)])]."""
    coco = dict(images=[], annotations=[], categories=[
        dict(id=i, name=n) for i, n in categories])
    for k, (file_name, w, h, objects) in enumerate(images, 1):
        coco['images'].append(dict(id=k, file_name=file_name, width=w, height=h))
        write_image(osp.join(root, img_dir, file_name), w, h, seed=k)
        for cat, poly in objects:
            xs, ys = poly[0::2], poly[1::2]
            coco['annotations'].append(dict(
                id=len(coco['annotations']) + 1, image_id=k, category_id=cat,
                bbox=[min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
                segmentation=[list(poly)], iscrowd=0))
    write_json(osp.join(root, ann), coco)


def test_srsdd_test(tmp_path):
    coco_det_layout(
        tmp_path, [(1, 'Cell-Container'), (2, 'Container'), (3, 'Dredger'), (4, 'Fishing'),
                   (5, 'LawEnforce'), (6, 'ore-oil')],
        [('0001.jpg', 160, 120, [(1, (20, 20, 100, 30, 95, 70, 15, 60)),
                                 (6, (100, 80, 150, 80, 150, 110, 100, 110))]),
         ('0002.jpg', 160, 120, [(5, (30, 30, 120, 30, 120, 90, 30, 90))])])
    _, _, samples, _ = check_overlay(
        'srsdd_test.py', tmp_path, length=2, system=POLY_SYSTEM,
        prompt='find the cell container, container, dredger, fishing, lawenforce, ore oil.',
        check=check_det_samples([2, 1], [[0, 5], [4]], classes=(
            'Cell-Container', 'Container', 'Dredger', 'Fishing', 'LawEnforce', 'ore-oil')),
        perfect=det_perfect())
    assert samples[1].gt_text.endswith(' lawenforce\n')


def test_rsar_test(tmp_path):
    coco_det_layout(
        tmp_path, [(1, 'ship'), (2, 'aircraft'), (3, 'car'), (4, 'tank'), (5, 'bridge'),
                   (6, 'harbor')],
        [('0000001.jpg', 160, 120, [(1, (20, 20, 100, 20, 100, 60, 20, 60))]),
         ('0000002.jpg', 160, 120, [(2, (30, 30, 120, 40, 110, 100, 20, 90)),
                                    (5, (10, 95, 150, 95, 150, 118, 10, 118))])])
    check_overlay(
        'rsar_test.py', tmp_path, length=2, system=POLY_SYSTEM,
        prompt='find the aircraft, bridge, car, harbor, ship, tank.',
        check=check_det_samples([1, 2], [[0], [1, 4]], classes=(
            'ship', 'aircraft', 'car', 'tank', 'bridge', 'harbor')),
        perfect=det_perfect())


def fair1m_xml(path, file_name, width, height, objects):
    def obj(name, poly):
        pts = [(poly[i], poly[i + 1]) for i in range(0, 8, 2)]
        points = ''.join(f'<point>{x:.6f},{y:.6f}</point>' for x, y in pts + pts[:1])
        return (f'<object><coordinate>pixel</coordinate><type>rectangle</type>'
                f'<possibleresult><name>{name}</name></possibleresult>'
                f'<points>{points}</points></object>')

    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(f'<annotation><source><filename>{file_name}</filename></source>'
                f'<size><width>{width}</width><height>{height}</height></size>'
                f'<objects>{"".join(obj(*o) for o in objects)}</objects></annotation>')


def test_fair1m_val(tmp_path):
    src = tmp_path / 'FAIR1M2.0' / 'validation'
    # 0.tif, 1.tif: smaller than the 1024 px window, one padded patch each; objects large
    # enough for IoU > 0.5 after a 1024 px patch is resized to the tiny model's 112 px.
    # 2.tif (1100 px wide): windows x = 0 and 1100 - 1024 = 76; the bus (x 1000..1034) is cut
    # by the first window's border (IoF 24 / 34 >= 0.7: kept with difficulty 2, ignored)
    # and whole in the second; the van is whole in both. (Without the van the first patch
    # would hold ignored objects only, and mmrotate's eval_rbbox_map drops the ignored boxes
    # of an image without other ground truth: the exact answer would count as a false
    # positive there, mAP 0.875.)
    images = {'0': (600, 400, [('Small Car', (50, 50, 300, 50, 300, 200, 50, 200)),
                               ('other-ship', (320, 200, 580, 220, 570, 380, 310, 360))]),
              '1': (500, 300, [('Boeing737', (100, 60, 400, 60, 400, 280, 100, 280))]),
              '2': (1100, 300, [('Van', (200, 50, 500, 50, 500, 250, 200, 250)),
                                ('Bus', (1000, 20, 1034, 20, 1034, 280, 1000, 280))])}
    for img_id, (w, h, objects) in images.items():
        fair1m_xml(src / 'labelXml' / f'{img_id}.xml', f'{img_id}.tif', w, h, objects)
        write_image(src / 'images' / f'{img_id}.tif', w, h, seed=int(img_id))
    tool('fair1m').main([str(src / 'labelXml'), '--format', 'dota', '--out',
                         str(src / 'labelTxt')])
    data_root = tmp_path / 'split_ss_fair1m_2_0'
    tool('dota_split').main(['--preset', 'ss_1024', '--img-dirs', str(src / 'images'),
                             '--ann-dirs', str(src / 'labelTxt'),
                             '--out-dir', str(data_root / 'val')])
    _, _, samples, _ = check_overlay(
        'fair1m-v1.0_val.py', data_root, length=4, prompt=FAIR1M_PROMPT, system=POLY_SYSTEM,
        # FAIR1MDataset's class order: Small-Car 20, other-ship 19, Boeing737 0, Bus 21, Van 24
        check=check_det_samples([2, 1, 1, 2], [[20, 19], [0], [24], [24, 21]]),
        perfect=det_perfect())
    assert [s.img_id for s in samples] == ['0__1024__0___0', '1__1024__0___0',
                                           '2__1024__0___0', '2__1024__76___0']
    assert samples[2].ignored_instances.labels.tolist() == [21]  # cut by the border
    assert len(samples[3].ignored_instances) == 0
    # one line per object, sorted by class name
    assert [line.split(' ', 1)[1] for line in samples[0].gt_text.splitlines()] == \
        ['other ship', 'small car']


# ---------------------------------------------------------------------------------------
# grounding
# ---------------------------------------------------------------------------------------
def check_grounding_samples(phrases, sources, num_objects=None):
    def check(samples):
        assert [s.phrase for s in samples] == phrases
        assert [s.source for s in samples] == sources
        counts = num_objects or [1] * len(samples)
        assert [len(s.gt_instances) for s in samples] == counts
        for s in samples:
            assert s.classes == (s.phrase, )
            assert s.img_shape and s.ori_shape and s.region_type in ('hbox', 'qbox')
    return check


def refgeo_split(root, split, records, sizes):
    """refGeo's metainfo JSONL of ``split`` -> ``refgeo_<split>.jsonl`` by refgeo.py."""
    for (dataset, image), (w, h) in sizes.items():
        write_image(root / 'images' / dataset / image, w, h, seed=len(image) + w)
    src = root / 'metainfo_v2' / f'{split}_v2.jsonl'
    write_jsonl(src, records)
    stats = tool('refgeo').main([str(src), '--img-root', str(root / 'images'),
                                 '--out', str(root / f'refgeo_{split}.jsonl')])
    assert stats['written'] == len(records), stats


def test_dior_rsvg_test(tmp_path):
    refgeo_split(tmp_path, 'dior_rsvg_test', [
        dict(image_id='00001.jpg', dataset='dior_rsvg', question='bridge on the left',
             question_id=7, bbox=[10, 20, 90, 60], image_width=160, image_height=120),
        dict(image_id='00002.jpg', dataset='dior_rsvg', question='large storage tank',
             question_id=8, bbox=[60, 30, 150, 110],
             poly=[[60, 30], [150, 30], [150, 110], [60, 110]])],
        {('dior_rsvg', '00001.jpg'): (160, 120), ('dior_rsvg', '00002.jpg'): (160, 120)})
    _, _, samples, _ = check_overlay(
        'dior-rsvg_test.py', tmp_path, length=2, system=HBB_SYSTEM,
        prompt='find the bridge on the left',
        check=check_grounding_samples(['bridge on the left', 'large storage tank'],
                                      ['dior_rsvg', 'dior_rsvg']),
        perfect={'grounding/Acc@0.5': 100.0, 'grounding/Acc@0.5_dior_rsvg': 100.0,
                 'grounding/num_unparsed': 0},
        wrong={'grounding/Acc@0.5': 0.0, 'grounding/num_unparsed': 2})
    assert hbox_of(samples[0]) == [[10], [20], [90], [60]]
    assert samples[0].gt_text.endswith(' bridge on the left\n')


REFGEO_SPLITS = {  # split -> refGeo's `dataset` (its image folder)
    'avvg_test': 'avvg', 'dior_rsvg_val': 'dior_rsvg', 'dior_rsvg_test': 'dior_rsvg',
    'rsvg_val': 'rsvg', 'rsvg_test': 'rsvg', 'geochat_test': 'geochat',
    'vrsbench_test': 'vrsbench'}


def test_refgeo_test(tmp_path):
    for k, (split, dataset) in enumerate(REFGEO_SPLITS.items()):
        image = f'{split}_{k}.jpg'
        records = [dict(image_id=image, dataset=dataset, question=f'object {k}',
                        question_id=k, bbox=[10 + k, 15, 100 + k, 90])]
        if split == 'rsvg_test':  # two expressions on one image
            records.append(dict(image_id=image, dataset=dataset, question='other one',
                                question_id=100, bbox=[5, 5, 60, 50]))
        refgeo_split(tmp_path, split, records, {(dataset, image): (128, 96)})
    perfect = {f'refgeo_{s}/Acc@0.5': 100.0 for s in REFGEO_SPLITS}
    perfect.update({f'refgeo_{s}/num_samples': 2 if s == 'rsvg_test' else 1
                    for s in REFGEO_SPLITS})
    _, dataset, samples, _ = check_overlay(
        'refgeo_test.py', tmp_path, length=8, system=HBB_SYSTEM, prompt='find the object 0',
        check=check_grounding_samples(
            [f'object {k}' for k in range(5)] + ['other one', 'object 5', 'object 6'],
            ['avvg', 'dior_rsvg', 'dior_rsvg', 'rsvg', 'rsvg', 'rsvg', 'geochat',
             'vrsbench']),
        perfect=perfect, wrong={f'refgeo_{s}/Acc@0.5': 0.0 for s in REFGEO_SPLITS})
    # each split is scored by its own metric: the samples carry their split's task
    assert [s.task for s in samples] == [f'grounding_{s}' for s in REFGEO_SPLITS
                                         for _ in range(2 if s == 'rsvg_test' else 1)]
    assert dataset.metainfo['datasets'] == [f'refgeo_{s}' for s in REFGEO_SPLITS]


def test_vrsbench_referring(tmp_path):
    src = tmp_path / 'VRSBench_EVAL_referring.json'
    write_json(src, [
        dict(image_id='P0003_0002.png', question='white car at the top',
             ground_truth='{<10><20><50><100>}', dataset='RSBench', question_id=0,
             type='ref', unique=True, obj_corner=[0.1, 0.2, 0.5, 0.2, 0.5, 1.0, 0.1, 1.0],
             obj_cls='vehicle', obj_ids=[0], size_group='small'),
        dict(image_id='00017_0001.png', question='bridge over the river',
             ground_truth='{<25><40><75><60>}', dataset='RSBench', question_id=1,
             type='ref', unique=False, obj_corner=[0.25, 0.4, 0.75, 0.4, 0.75, 0.6, 0.25, 0.6],
             obj_cls='bridge', obj_ids=[0], size_group='large')])
    for k, name in enumerate(('P0003_0002.png', '00017_0001.png')):
        write_image(tmp_path / 'Images_val' / name, 200, 100, seed=k)
    tool('vrsbench').main(['referring', str(src), '--img-dir', str(tmp_path / 'Images_val'),
                           '--out', str(tmp_path / 'vrsbench_referring_test.jsonl')])
    os.symlink('Images_val', tmp_path / 'vrsbench')  # records name dataset 'vrsbench'
    _, _, samples, _ = check_overlay(
        'vrsbench_referring.py', tmp_path, length=2,
        prompt=("find the white car at the top, delivering coordinates in plain text "
                "format 'x1,y1,x2,y2 object'"),
        check=check_grounding_samples(['white car at the top', 'bridge over the river'],
                                      ['vrsbench', 'vrsbench']),
        perfect={'grounding/Acc@0.5': 100.0, 'grounding/Acc@0.5_vrsbench': 100.0})
    # the GT in original pixels (the 0-100 grid box times the image size)
    assert hbox_of(samples[1]) == [[50], [40], [150], [60]]


def geochat_referring_layout(root, records):
    """GeoChat-Bench's referring.jsonl, converted into the overlay's ann_file."""
    write_jsonl(root / 'referring.jsonl', records)
    tool('geochat_bench').main(['referring', str(root / 'referring.jsonl'), '--out',
                                str(root / 'referring_grounding.jsonl')])


def test_geochat_bench_referring(tmp_path):
    geochat = [  # GeoChat's own record layout (boxes already polygons in pixels)
        dict(question_id='fast_6217', image_id='train_5007_0017',
             ground_truth=[[[20.0, 20.0], [70.0, 25.0], [65.0, 60.0], [15.0, 55.0]],
                           [[100.0, 60.0], [150.0, 60.0], [150.0, 110.0], [100.0, 110.0]]],
             question='2 ships  at the right', type='ref', dataset='FAST', obj_ids=[1, 2],
             size_group='small'),
        dict(question_id='sior_459', image_id='02469',
             ground_truth=[[[30.0, 6.0], [130.0, 16.0], [120.0, 110.0], [20.0, 100.0]]],
             question='1 large white building', type='grounding', dataset='SIOR',
             obj_ids=[4], size_group='large')]
    geochat_referring_layout(tmp_path, geochat)
    for k, rec in enumerate(geochat):
        write_image(tmp_path / 'images' / 'referring' / (rec['image_id'] + '.png'), 160, 120,
                    seed=k)
    _, _, samples, _ = check_overlay(
        'geochat-bench_referring.py', tmp_path, length=2,
        prompt=("Find all 2 ships  at the right, delivering each oriented coordinates in plain "
                "text format 'x1,y1,x2,y2,x3,y3,x4,y4 object'"),
        check=check_grounding_samples(['2 ships  at the right', '1 large white building'],
                                      [None, None], num_objects=[2, 1]),
        perfect={'referring/Acc@0.5': 100.0, 'referring/Acc@0.5_size_small': 100.0,
                 'referring/Acc@0.5_size_large': 100.0, 'referring/Acc@0.5_type_ref': 100.0,
                 'referring/Acc@0.5_type_grounding': 100.0,
                 'referring/Acc@0.5_count_multiple': 100.0,
                 'referring/Acc@0.5_count_single': 100.0, 'referring/num_unparsed': 0})
    assert [s.task for s in samples] == ['referring', 'referring']
    assert [list(s.obj_ids) for s in samples] == [[1, 2], [4]]
    assert len(samples[0].gt_text.splitlines()) == 2


def test_geochat_referring_answer_past_the_image_border(tmp_path):
    geochat_referring_layout(tmp_path, [dict(
        question_id='sior_459', image_id='02469',
        ground_truth=[[[30.0, -6.0], [130.0, 4.0], [120.0, 100.0], [20.0, 90.0]]],
        question='1 large white building', type='ref', dataset='SIOR', obj_ids=[4],
        size_group='large')])
    write_image(tmp_path / 'images' / 'referring' / '02469.png', 160, 120)
    cfg = load_overlay('geochat-bench_referring.py', tmp_path)
    dataset = build_dataset(cfg)
    sample = dataset[0]['data_samples']
    # 160 x 120 -> 112 x 84 (x 0.7), int-truncated: (30, -6) -> (20, -4), ...
    assert sample.gt_text == '20,-4,13,62,83,69,90,2 1 large white building\n'
    # the overlay keeps upstream's unsigned parser (the papers' numbers): the 8-int match of
    # the exact answer fails and one 4-int box of the digits after the minus is taken
    # (GeoChat-Bench GT has such polygons, e.g. [[346, -1], ..., [389, -24]])
    from rscovlm.codecs import parse_all_boxes
    assert cfg.test_evaluator.get('signed_coords', False) is False
    metrics = evaluate(cfg, dataset, [sample], lambda s: s.gt_text)
    assert metrics['referring/Acc@0.5'] == 0.0 and metrics['referring/num_unparsed'] == 0
    assert parse_all_boxes(sample.gt_text) == [[4, 13, 62, 83]]
    # signed_coords=True reads -?\d+ and scores the exact answer as correct
    assert parse_all_boxes(sample.gt_text, signed=True) == [[20, -4, 13, 62, 83, 69, 90, 2]]
    cfg.test_evaluator.signed_coords = True
    metrics = evaluate(cfg, dataset, [sample], lambda s: s.gt_text)
    assert metrics['referring/Acc@0.5'] == 100.0


def test_grounding_hbox_ground_truth_is_bbox(tmp_path):
    # upstream trains and scores HBB grounding from "bbox" (training/data/refgeo_dataset.py,
    # eval/metric/geoground.py). VRSBench records carry both: "bbox" = the benchmark GT
    # (clamped to the image, truncated to the 0-100 grid), "poly" = obj_corner (unclamped)
    src = tmp_path / 'VRSBench_EVAL_referring.json'
    write_json(src, [dict(
        image_id='00017_0001.png', question='long bridge', ground_truth='{<90><0><100><10>}',
        question_id=2, type='ref', unique=True, obj_cls='bridge', obj_ids=[0],
        size_group='large', obj_corner=[0.9, 0.0, 1.04, 0.0, 1.04, 0.1, 0.9, 0.1])])
    write_image(tmp_path / 'Images_val' / '00017_0001.png', 200, 100)
    tool('vrsbench').main(['referring', str(src), '--img-dir', str(tmp_path / 'Images_val'),
                           '--dataset', '', '--out',
                           str(tmp_path / 'vrsbench_referring_test.jsonl')])
    cfg = load_overlay('vrsbench_referring.py', tmp_path)
    cfg.test_dataloader.dataset.data_prefix.img_path = 'Images_val/'
    sample = build_dataset(cfg)[0]['data_samples']
    assert hbox_of(sample) == [[180], [0], [200], [10]]  # VRSBench's GT box, in pixels
    # and the answer is that box in the 140 x 56 frame: x * (140 / 200) = x * 0.7 in floats
    # (180 -> 125.99999, 200 -> 139.99999), y * 0.56, int-truncated; from the unclamped poly
    # it would reach x = 1.04 * 200 * 0.7 = 145.6 -> 145
    assert sample.img_shape == (56, 140)
    assert sample.gt_text == '125,0,139,5 long bridge\n'


def test_vrsbench_referring_expression_is_upstreams(tmp_path):
    # upstream RSCoVLM (eval/data/data_prepare/format_vrsbench.py,
    # process_rsbench_referring_test_data) drops a leading "the " (any case) and then the
    # trailing "." before filling "find the {normal_caption}, ..."
    src = tmp_path / 'VRSBench_EVAL_referring.json'
    write_json(src, [dict(
        image_id='P0003_0002.png', question='The white car at the top.',
        ground_truth='{<10><20><50><100>}', question_id=0, type='ref', unique=True,
        obj_corner=[0.1, 0.2, 0.5, 0.2, 0.5, 1.0, 0.1, 1.0], obj_cls='vehicle', obj_ids=[0],
        size_group='small')])
    write_image(tmp_path / 'Images_val' / 'P0003_0002.png', 200, 100)
    tool('vrsbench').main(['referring', str(src), '--img-dir', str(tmp_path / 'Images_val'),
                           '--out', str(tmp_path / 'vrsbench_referring_test.jsonl')])
    os.symlink('Images_val', tmp_path / 'vrsbench')
    cfg = load_overlay('vrsbench_referring.py', tmp_path)
    _, prompt = turns(tokenizer_of(cfg), build_dataset(cfg)[0]['inputs']['input_ids'])
    assert prompt == ("find the white car at the top, delivering coordinates in plain text "
                      "format 'x1,y1,x2,y2 object'")
