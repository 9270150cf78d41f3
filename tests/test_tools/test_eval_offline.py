"""The predictions file and tools/analysis_tools/eval_offline.py.

Test data (tests/data/dota/val, DOTA-v1.0 classes, all objects axis-aligned):
  P0001__128__0___0 (w 128, h 96, DOTA header lines):
      plane (10..40, 10..30); small-vehicle (60..74, 50..58);
      small-vehicle (90..104, 70..78) difficult -> ignored
  P0002__64__0___0 (64 x 64): ship (8..24, 8..40); small-vehicle (40..52, 40..48)
  P0003__64__0___0 (64 x 64): empty annotation file
Classes with GT: plane (1), small-vehicle (2), ship (1); mAP averages these three.

The other tasks (grounding, captioning, VQA, classification) and the round trip through
tools/test.py run on the generated demo data (tests/conftest.py) with
configs/benchmarks/demo_multitask.py.
"""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from rscovlm.codecs import RBoxCodec
from rscovlm.evaluation import dump_predictions, load_predictions, offline

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'eval_offline.py')
CONFIG = osp.join(REPO, 'configs', 'benchmarks', 'dota-v1.0_val.py')
DATA_ROOT = osp.join(REPO, 'tests', 'data', 'dota')


def box(x1, y1, x2, y2, dx=0, dy=0, s=1):
    """Clockwise quadrilateral, shifted by (dx, dy), scaled by s, as codec text."""
    pts = [x1 + dx, y1 + dy, x2 + dx, y1 + dy, x2 + dx, y2 + dy, x1 + dx, y2 + dy]
    return ','.join(str(int(v * s)) for v in pts)


# ---------------------------------------------------------------------------
# predictions file
# ---------------------------------------------------------------------------
GOOD = {'img_id': 'P0001', 'pred_text': 'There are none.', 'img_shape': [504, 504]}


def write_lines(path, lines):
    path.write_text(''.join(line + '\n' for line in lines))
    return str(path)


def test_dump_load_roundtrip(tmp_path):
    path = tmp_path / 'sub' / 'preds.jsonl'
    records = [
        dict(img_id='a', pred_text='1,2,3,4,5,6,7,8 plane\n', img_shape=(np.int64(504), 252),
             ori_shape=(512, 256), extra='kept'),
        dict(img_id='b', pred_text='There are none.', img_shape=[28, 28], ori_shape=None),
    ]
    assert dump_predictions(iter(records), str(path)) == 2
    assert os.listdir(path.parent) == ['preds.jsonl']  # no temporary file left
    loaded = load_predictions(str(path))
    assert loaded == [
        dict(img_id='a', pred_text='1,2,3,4,5,6,7,8 plane\n', img_shape=[504, 252],
             ori_shape=[512, 256], extra='kept'),
        dict(img_id='b', pred_text='There are none.', img_shape=[28, 28]),
    ]


def test_dump_rejects_bad_record_and_keeps_old_file(tmp_path):
    path = tmp_path / 'preds.jsonl'
    dump_predictions([GOOD], str(path))
    with pytest.raises(ValueError, match=r"record 1: sample \(img_id='P0001'\) already written"):
        dump_predictions([GOOD, GOOD], str(path))
    with pytest.raises(ValueError, match=r"record 0: missing field 'pred_text'"):
        dump_predictions([dict(img_id='x', img_shape=[1, 1])], str(path))
    assert load_predictions(str(path)) == [GOOD]  # the old file is untouched
    assert os.listdir(tmp_path) == ['preds.jsonl']


@pytest.mark.parametrize('bad_line, expected', [
    ('{"img_id": "P0002", "pred_text": "x", "img_shape": [1, 2]',
     r'preds\.jsonl:2: invalid JSON .*each line must be one JSON object'),
    ('["P0002", "x"]', r'preds\.jsonl:2: expected a JSON object .* got list'),
    ('{"pred_text": "x", "img_shape": [1, 2]}',
     r"preds\.jsonl:2: missing field 'img_id'; every line needs"),
    ('{"img_id": "P0002", "img_shape": [1, 2]}',
     r"preds\.jsonl:2: missing field 'pred_text'"),
    ('{"img_id": 2, "pred_text": "x", "img_shape": [1, 2]}',
     r"preds\.jsonl:2: field 'img_id' must be a string, got int 2"),
    ('{"img_id": "P0002", "pred_text": null, "img_shape": [1, 2]}',
     r"preds\.jsonl:2: field 'pred_text' must be a string, got NoneType"),
    ('{"img_id": "P0002", "pred_text": "x", "img_shape": "504x504"}',
     r"preds\.jsonl:2: field 'img_shape' must be a list of two positive integers "
     r"\[height, width\], got '504x504' \(or leave it out"),
    ('{"img_id": "P0002", "pred_text": "x", "img_shape": [504.0, 504]}',
     r"preds\.jsonl:2: field 'img_shape' must be a list of two positive integers"),
    ('{"img_id": "P0002", "pred_text": "x", "img_shape": [1, 2], "ori_shape": [0, 2]}',
     r"preds\.jsonl:2: field 'ori_shape' must be .* \(or leave it out"),
    ('{"img_id": "P0001", "pred_text": "x", "img_shape": [1, 2]}',
     r"preds\.jsonl:2: field 'img_id': duplicated sample \(img_id='P0001'\) \(first on line 1\)"),
])
def test_load_predictions_errors(tmp_path, bad_line, expected):
    path = write_lines(tmp_path / 'preds.jsonl', [json.dumps(GOOD), bad_line])
    with pytest.raises(ValueError, match=expected) as info:
        load_predictions(path)
    assert str(info.value).startswith(path)  # names the file


def test_older_files_scores_field_reads_as_pred_scores(tmp_path):
    path = tmp_path / 'old.jsonl'
    path.write_text(json.dumps(dict(GOOD, scores=[0.5])) + '\n'
                    + json.dumps(dict(GOOD, img_id='b', scores=[0.5], pred_scores=[0.7])) + '\n')
    assert [r['pred_scores'] for r in load_predictions(str(path))] == [[0.5], [0.7]]


def test_load_predictions_skips_blank_lines(tmp_path):
    path = write_lines(tmp_path / 'preds.jsonl', ['', json.dumps(GOOD), '   '])
    assert load_predictions(path) == [GOOD]
    # the line numbers, for messages that point into the file
    from rscovlm.evaluation.predictions import read_predictions
    assert read_predictions(path) == [(2, GOOD)]


# ---------------------------------------------------------------------------
# eval_offline.py
# ---------------------------------------------------------------------------
def run_tool(preds_path, work_dir, *extra):
    cmd = [sys.executable, TOOL, CONFIG, str(preds_path), '--cfg-options',
           f'data_root={DATA_ROOT}', 'test_evaluator.nproc=1', *extra,
           '--work-dir', str(work_dir)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    files = [f for f in os.listdir(work_dir) if f.startswith('eval_offline_')]
    assert len(files) == 1 and files[0].endswith('.json'), files
    with open(osp.join(work_dir, files[0])) as f:
        return json.load(f), output


def test_eval_offline_perfect(tmp_path):
    # P0001: written in a frame twice the original (img_shape 192 x 256) without
    # ori_shape, so the tool must read (96, 128) from the PNG header to rescale; the box
    # on the difficult small vehicle is ignored. P0002: original frame. P0003 (no GT) is
    # left out: warned about and scored as an empty answer.
    p1 = '\n'.join([box(10, 10, 40, 30, s=2) + ' plane',
                    box(60, 50, 74, 58, s=2) + ' small vehicle',
                    box(90, 70, 104, 78, s=2) + ' small vehicle'])
    p2 = '\n'.join([box(8, 8, 24, 40) + ' ship', box(40, 40, 52, 48) + ' small vehicle'])
    preds = tmp_path / 'preds.jsonl'
    dump_predictions([
        dict(img_id='P0001__128__0___0', pred_text=p1, img_shape=[192, 256]),
        dict(img_id='P0002__64__0___0', pred_text=p2, img_shape=[64, 64],
             ori_shape=[64, 64]),
    ], str(preds))
    summary, output = run_tool(preds, tmp_path / 'work')
    metrics = summary['metrics']
    assert metrics['dota/mAP'] == pytest.approx(1.0)
    assert metrics['dota/parse/lines'] == 5
    assert metrics['dota/parse/skipped_lines'] == 0
    assert metrics['dota/parse/failed_samples'] == 0
    assert summary['num_images'] == 3
    assert summary['num_predictions'] == 2
    assert summary['num_missing_predictions'] == 1
    assert '1 of 3 dataset images have no prediction' in output
    assert '| dota/mAP' in output and '1.0000' in output  # the results table
    assert '| small-vehicle ' in output  # mmrotate's per-class table


def test_eval_offline_shifted(tmp_path):
    # P0001 perfect. P0002: the ship moved 6 px right -> IoU = (10*32)/(2*16*32 - 320)
    # = 320/704 = 0.45 < 0.5 -> FP; the small vehicle moved 8 px right -> IoU = 32/160
    # = 0.2 -> FP. P0003: "There are none.".
    #   plane: AP 1. ship: #GT 1, one FP -> AP 0.
    #   small-vehicle: #GT 2; dataset order (P0001 then P0002, whatever the order of
    #   the file), so TP then FP -> recall 1/2 1/2, precision 1 1/2 -> AP 6/11.
    #   mAP = (1 + 0 + 6/11) / 3 = 17/33.
    preds = tmp_path / 'preds.jsonl'
    dump_predictions([  # written in reverse order on purpose
        dict(img_id='P0003__64__0___0', pred_text='There are none.', img_shape=[64, 64]),
        dict(img_id='P0002__64__0___0', img_shape=[64, 64], ori_shape=[64, 64],
             pred_text=box(8, 8, 24, 40, dx=6) + ' ship\n'
             + box(40, 40, 52, 48, dx=8) + ' small vehicle\n'),
        dict(img_id='P0001__128__0___0', img_shape=[96, 128], ori_shape=[96, 128],
             pred_text=box(10, 10, 40, 30) + ' plane\n'
             + box(60, 50, 74, 58) + ' small vehicle\n'),
    ], str(preds))
    summary, output = run_tool(preds, tmp_path / 'work')
    metrics = summary['metrics']
    assert metrics['dota/mAP'] == pytest.approx(17 / 33, abs=1e-6)
    assert metrics['dota/parse/lines'] == 4
    assert metrics['dota/parse/empty_answers'] == 1
    assert summary['num_missing_predictions'] == 0
    assert 'no prediction' not in output


def _load_tool():
    spec = importlib.util.spec_from_file_location('eval_offline', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_eval_offline_unknown_img_id(tmp_path):
    tool = _load_tool()
    preds = tmp_path / 'preds.jsonl'
    dump_predictions([
        dict(img_id='P0002__64__0___0', pred_text='There are none.', img_shape=[64, 64]),
        dict(img_id='P9999__512__0___0', pred_text='There are none.', img_shape=[64, 64]),
    ], str(preds))
    with pytest.raises(tool.EvalOfflineError,
                       match=r"1 prediction\(s\) for images not in the test dataset "
                       r"\(3 images\): 'P9999__512__0___0'"):
        tool.main([CONFIG, str(preds), '--cfg-options', f'data_root={DATA_ROOT}'])


def test_format_table():
    tool = _load_tool()
    table = tool.format_table({'dota/mAP': np.float32(0.5), 'dota/parse/lines': 3})
    assert '| dota/mAP         | 0.5000 |' in table
    assert '| dota/parse/lines |      3 |' in table


def test_one_image_several_samples_are_told_apart(tmp_path):
    """A mixed-task test set asks several things of one image: task / question_id keep
    the records apart; a true duplicate is still refused."""
    path = tmp_path / 'mixed.jsonl'
    base = dict(img_id='P0001', pred_text='x', img_shape=[8, 8])
    records = [dict(base, task='det'), dict(base, task='vqa', question_id='P0001_0'),
               dict(base, task='vqa', question_id='P0001_1'), dict(base, task='caption')]
    assert dump_predictions(records, str(path)) == 4
    assert [r.get('question_id') for r in load_predictions(str(path))] == \
        [None, 'P0001_0', 'P0001_1', None]
    with pytest.raises(ValueError, match=r"task='vqa', question_id='P0001_1'\) already"):
        dump_predictions(records + [records[2]], str(tmp_path / 'dup.jsonl'))


def test_progress_bar(capsys):
    """mmengine's ProgressBar, advanced every ``interval`` items; none when the interval
    is 0 or not below the count."""
    items = list(offline.tracked(range(5), 5, 'reading test samples', 2))
    assert items == [0, 1, 2, 3, 4]
    out = capsys.readouterr().out
    assert 'reading test samples: 5' in out and '5/5' in out
    for total, interval in ((5, 0), (5, 5), (5, 10)):  # off, or nothing to report
        assert list(offline.tracked(range(total), total, 'x', interval)) == list(range(total))
    assert capsys.readouterr().out == ''


def test_missing_image_is_named(tmp_path):
    """Every test image's header is read (its size goes into the data sample)."""
    import shutil
    tool = _load_tool()
    shutil.copytree(osp.join(DATA_ROOT, 'val', 'annfiles'), tmp_path / 'val' / 'annfiles')
    preds = tmp_path / 'preds.jsonl'
    dump_predictions([dict(img_id='P0002__64__0___0', pred_text='', img_shape=[64, 64],
                           ori_shape=[64, 64])], str(preds))
    with pytest.raises(tool.EvalOfflineError,
                       match=r"test sample 0 \(img_id='P0001__128__0___0'\): cannot read the "
                       r"image header of '.*P0001__128__0___0\.png' .*check data_root"):
        tool.main([CONFIG, str(preds), '--cfg-options', f'data_root={tmp_path}'])


def test_pred_scores_reach_the_logprob_mode(tmp_path):
    # As test_eval_offline_shifted, scored by the records' pred_scores: the small-vehicle
    # FP (P0002, 0.9) now ranks above the TP (P0001, 0.4): precision 0 then 1/2 at recall
    # 1/2 -> AP 6/11 * 1/2 = 3/11. mAP = (1 + 0 + 3/11) / 3 = 14/33.
    tool = _load_tool()
    preds = tmp_path / 'preds.jsonl'
    p1 = dict(img_id='P0001__128__0___0', img_shape=[96, 128], pred_scores=[0.8, 0.4],
              pred_text=box(10, 10, 40, 30) + ' plane\n' + box(60, 50, 74, 58)
              + ' small vehicle\n')
    p2 = dict(img_id='P0002__64__0___0', img_shape=[64, 64], pred_scores=[0.5, 0.9],
              pred_text=box(8, 8, 24, 40, dx=6) + ' ship\n'
              + box(40, 40, 52, 48, dx=8) + ' small vehicle\n')
    dump_predictions([p1, p2], str(preds))
    argv = [CONFIG, str(preds), '--cfg-options', f'data_root={DATA_ROOT}',
            'test_evaluator.score_mode=logprob']
    assert tool.main(argv)['dota/mAP'] == pytest.approx(14 / 33, abs=1e-6)
    # the default constant mode ignores them: mAP_nc as without pred_scores (17/33)
    constant = tool.main(argv[:-1])['dota/mAP']
    dump_predictions([{k: v for k, v in p.items() if k != 'pred_scores'} for p in (p1, p2)],
                     str(preds))
    assert constant == tool.main(argv[:-1])['dota/mAP'] == pytest.approx(17 / 33, abs=1e-6)
    dump_predictions([p1, dict(p2, pred_scores=[0.5])], str(preds))
    with pytest.raises(tool.EvalOfflineError, match=r"preds\.jsonl:2: field 'pred_scores' "
                       r'must be a list of 2 numbers \(one per box parsed from pred_text\)'):
        tool.main(argv)


def test_processor_of_a_bare_overlay(tmp_path, capsys):
    """Re-scoring needs no tokenizer (ProcessVLMInputs is left out); a SmartResize left to
    the processor gets the config's model.processor when it builds, else the offline
    placeholder, whose frame no score depends on (each prediction brings its own)."""
    from rscovlm.processors import model_processor_cfg
    from rscovlm.utils import load_config
    tool = _load_tool()
    overlay = tmp_path / 'overlay.py'
    overlay.write_text(f"""_base_ = [{CONFIG!r}]
overlay_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderDetTarget', codec=dict(type='QBoxCodec', fmt='plain', clockwise=True),
         prompt='det_eval', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=overlay_pipeline))
""")
    cfg = load_config(str(overlay), {'data_root': DATA_ROOT})
    pipeline = offline.rescoring_dataset_cfg(cfg)['pipeline']
    assert [t['type'] for t in pipeline] == ['LoadImages', 'SmartResize', 'RenderDetTarget',
                                             'PackVLMInputs']
    # processor=None transforms get the model's processor (set by complete_config)
    assert pipeline[1]['processor'] is None
    assert model_processor_cfg() == offline.PLACEHOLDER_PROCESSOR
    own = dict(type='TinyQwen2VLProcessor', min_pixels=28 * 28, max_pixels=56 * 56)
    cfg.model = dict(processor=own)
    offline.rescoring_dataset_cfg(cfg)
    assert model_processor_cfg() == own
    cfg.model = dict(processor=dict(type='PretrainedProcessor',
                                    pretrained=str(tmp_path / 'absent')))
    capsys.readouterr()
    offline.rescoring_dataset_cfg(cfg)
    assert model_processor_cfg() == offline.PLACEHOLDER_PROCESSOR
    assert 'model.processor cannot be built here' in capsys.readouterr().out

    preds = tmp_path / 'preds.jsonl'
    dump_predictions([
        dict(img_id='P0001__128__0___0', img_shape=[192, 256],
             pred_text=box(10, 10, 40, 30, s=2) + ' plane\n' + box(60, 50, 74, 58, s=2)
             + ' small vehicle\n'),
        dict(img_id='P0002__64__0___0', img_shape=[64, 64],
             pred_text=box(8, 8, 24, 40) + ' ship\n' + box(40, 40, 52, 48) + ' small vehicle'),
    ], str(preds))
    metrics = tool.main([str(overlay), str(preds), '--cfg-options', f'data_root={DATA_ROOT}'])
    assert metrics['dota/mAP'] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# every task: configs/benchmarks/demo_multitask.py on the generated demo data
# (tests/conftest.py: 8 test images of 112 px, shown in the pipeline at 112 px)
# ---------------------------------------------------------------------------
MULTITASK = osp.join(REPO, 'configs', 'benchmarks', 'demo_multitask.py')
# the co-training demo: the tiny model and the same test set
COTRAIN = osp.join(REPO, 'configs', 'demo', 'qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py')


def demo_predictions(root, wrong=False):
    """Answers written from the demo's annotation files (not through the pipeline), keyed
    as an older dump would be: img_id, task and question_id, no dataset_name or
    region_type. ``wrong``: one wrong answer per task (the captions stay right)."""
    import glob
    recs = []
    for path in sorted(glob.glob(osp.join(root, 'test', 'annfiles', '*.txt'))):
        img_id = osp.basename(path)[:-4]
        lines = [line.split() for line in open(path) if len(line.split()) >= 9]
        # the demo answers in rbox text (cx,cy,w,h,angle); every box scores 1.0, so the
        # ranked mAP the demo config also reports equals mAP_nc
        text = RBoxCodec().encode([[float(v) for v in f[:8]] for f in lines],
                                  [f[8].replace('-', ' ') for f in lines], sort=False)
        if wrong and img_id == 'P0030__112__0___0':
            text = 'There are none.'
        n_boxes = 0 if text == 'There are none.' else len(lines)
        recs.append(dict(img_id=img_id, task='det', pred_text=text, img_shape=[112, 112],
                         pred_scores=[1.0] * n_boxes))
    with open(osp.join(root, 'test', 'grounding.jsonl')) as f:
        for k, g in enumerate(json.loads(line) for line in f):
            x1, y1, x2, y2 = (int(v) for v in g['bbox'])
            if wrong and k == 0:
                x1, x2 = x1 - 40, x2 - 40
            recs.append(dict(img_id=g['image_id'][:-4], task='grounding',
                             question_id=g['question_id'], img_shape=[112, 112],
                             pred_text=f"{x1},{y1},{x2},{y2} {g['question']}\n"))
    with open(osp.join(root, 'test', 'vqa.json')) as f:
        for k, q in enumerate(json.load(f)):
            recs.append(dict(img_id=q['image'][:-4], task='vqa', question_id=q['question_id'],
                             pred_text='seven' if wrong and k == 0 else q['answer'],
                             img_shape=[112, 112]))
    with open(osp.join(root, 'test', 'cls.json')) as f:
        for k, c in enumerate(json.load(f)['images']):
            recs.append(dict(img_id=c['image'][:-4], task='cls', img_shape=[112, 112],
                             pred_text='water' if wrong and k == 0 else c['label']))
    with open(osp.join(root, 'test', 'captions.json')) as f:
        for c in json.load(f):
            recs.append(dict(img_id=c['image_id'], task='caption', pred_text=c['captions'][0],
                             img_shape=[112, 112]))
    from rscovlm.datasets.transforms.render_conversation import boxes_answer, grid_to_pixels
    with open(osp.join(root, 'test', 'conversations.json')) as f:
        for c in json.load(f):
            turns = c['conversations']
            answer = grid_to_pixels(turns[-1]['value'], 112, 112)
            answer = boxes_answer(answer, turns[-2]['value']) or answer
            recs.append(dict(img_id=c['id'], task='conversation', pred_text=answer,
                             img_shape=[112, 112]))
    return recs


def test_mixed_task_set_perfect_then_one_wrong_answer_per_task(tmp_path, demo_data):
    """Detection GT (non-difficult): large-vehicle 3 (P0025: 2, P0028: 1), ship 4 (P0026: 2,
    P0030: 1, P0031: 1), plane 2 (P0027), storage-tank 2 (P0030, P0031); P0029's only
    object is difficult, P0032 is empty. Grounding 6, VQA 19 (8 count), cls 8, captions 8,
    conversations 2 (P0025 ends with a box, P0029 with a scene name).
    """
    tool = _load_tool()
    opts = ['--cfg-options', f'data_root={demo_data}']
    preds = tmp_path / 'perfect.jsonl'
    assert dump_predictions(demo_predictions(demo_data), str(preds)) == 51
    m = tool.main([MULTITASK, str(preds), *opts, '--progress-interval', '10'])
    assert m['dota/mAP'] == pytest.approx(1.0)
    # 13 boxes (the 2 difficult ones too, which are ignored); P0032 is "There are none."
    assert m['dota/parse/lines'] == 13 and m['dota/parse/empty_answers'] == 1
    assert m['grounding/Acc@0.5'] == 100.0 and m['grounding/num_samples'] == 6
    assert m['vqa/accuracy'] == 100.0 and m['vqa/num_samples'] == 19
    assert m['cls/accuracy'] == 100.0 and m['cls/num_samples'] == 8
    # each caption is one of its two references
    assert m['caption/BLEU_1'] == pytest.approx(100.0) and m['caption/num_samples'] == 8
    assert m['conversation/Acc@0.5'] == 100.0 and m['conversation/num_samples'] == 1
    assert m['conversation/num_without_gt'] == 1

    # P0030 answered "There are none.": storage-tank recall 1/2 -> AP 6/11 (11-point),
    # ship recall 3/4 -> AP 8/11; mAP = (1 + 1 + 8/11 + 6/11) / 4 = 9/11. The first
    # grounding box moved 40 px left (IoU 0): 5/6. The first VQA answer ("2" -> "seven",
    # a count question): 18/19, count 7/8. The first image's class (grassland ->
    # water): 7/8, grassland 1/2.
    preds = tmp_path / 'wrong.jsonl'
    dump_predictions(demo_predictions(demo_data, wrong=True), str(preds))
    m = tool.main([MULTITASK, str(preds), *opts, '--work-dir', str(tmp_path / 'work')])
    assert m['dota/mAP'] == pytest.approx(9 / 11, abs=1e-6)
    assert m['grounding/Acc@0.5'] == pytest.approx(500 / 6)
    assert m['vqa/accuracy'] == pytest.approx(1800 / 19)
    assert m['vqa/acc_count'] == pytest.approx(87.5)
    assert m['cls/accuracy'] == pytest.approx(87.5)
    assert m['cls/acc_grassland'] == pytest.approx(50.0)
    summary = json.loads(next((tmp_path / 'work').iterdir()).read_text())
    assert (summary['num_samples'], summary['num_images'], summary['num_predictions'],
            summary['num_missing_predictions']) == (51, 8, 51, 0)


@pytest.fixture(scope='module')
def multitask_samples(demo_data):
    """The tool and the data samples of the demo's mixed test set (read once)."""
    from mmengine.registry import init_default_scope

    from rscovlm.utils import load_config
    init_default_scope('rscovlm')
    tool = _load_tool()
    cfg = load_config(MULTITASK, {'data_root': demo_data})
    samples, _ = offline.read_samples(offline.build_dataset(cfg))
    return tool, samples


def _fill(multitask_samples, records):
    import copy
    tool, samples = multitask_samples
    samples = copy.deepcopy(samples)
    joined = offline.fill_predictions(samples, list(enumerate(records, 1)), 'preds.jsonl')
    return samples, joined['missing']


def test_mixed_task_join(multitask_samples):
    tool, samples = multitask_samples
    assert len(samples) == 51
    det = dict(img_id='P0025__112__0___0', pred_text='5,5,8,8,0 plane\n',
               img_shape=[224, 224])
    # the full key of tools/test.py --out, or only the fields that pick out one sample
    for record in (dict(det, task='det', dataset_name='demo_det_test', region_type='rbox'),
                   dict(det, task='det'), dict(det, region_type='rbox')):
        filled, missing = _fill(multitask_samples, [record])
        assert len(missing) == 50
        sample = next(s for s in filled if s.task == 'det' and s.img_id == det['img_id'])
        assert sample.pred_text == det['pred_text'] and sample.img_shape == (224, 224)
        assert sample.ori_shape == (112, 112)  # from the image header
        # parsed as the model parses: the 224-px answer back in the 112-px frame
        assert sample.parse_stats['num_lines'] == 1
        assert sample.pred_instances.bboxes[0, :4].tolist() == pytest.approx([2.5, 2.5, 4, 4])
        others = [s for s in filled if s is not sample]
        assert all(s.pred_text == '' for s in others)
        assert all('pred_instances' in s for s in others if s.get('codec'))

    with pytest.raises(tool.EvalOfflineError,
                       match=r"preds\.jsonl:1: missing field 'task': the prediction "
                       r"\(img_id='P0025__112__0___0'\) fits 7 test samples"):
        _fill(multitask_samples, [det])
    with pytest.raises(tool.EvalOfflineError,
                       match=r"preds\.jsonl:1: no test sample is \(img_id='P0025__112__0___0', "
                       r"task='vqa', question_id='nope'\)"):
        _fill(multitask_samples, [dict(det, task='vqa', question_id='nope')])
    with pytest.raises(tool.EvalOfflineError,
                       match=r"preds\.jsonl:2: a second prediction of test sample "
                       r"\(img_id='P0025__112__0___0', task='det', dataset_name='demo_det_test', "
                       r"region_type='rbox'\) \(the first is on line 1\)"):
        _fill(multitask_samples, [dict(det, task='det'), dict(det, region_type='rbox')])


ORACLE = '''"""tools/test.py with generation replaced by an oracle: the sample's own answer
(gt_text for box tasks, gt_answer otherwise), "There are none." for about a third."""
import runpy
import sys
import zlib

from rscovlm.models.vlms.base import BaseVLM


def oracle(sample):
    meta = sample.metainfo
    key = f"{meta.get('img_id')}/{meta.get('task')}/{meta.get('question_id')}"
    if zlib.crc32(key.encode()) % 3 == 0:
        return 'There are none.'
    return sample.gt_text if meta.get('codec') else sample.gt_answer


_predict = BaseVLM.predict


def predict(self, inputs, data_samples):
    self._oracle_texts = [oracle(s) for s in data_samples]
    return _predict(self, inputs, data_samples)  # parses boxes as usual


def generate(self, inputs, return_logprobs=False, **overrides):
    texts = list(self._oracle_texts)
    if not return_logprobs:
        return texts
    # each answer one token of log-probability 0: every box scores 1.0
    return texts, [[(text, 0.0)] if text else [] for text in texts]


BaseVLM.predict, BaseVLM.generate = predict, generate
sys.argv = ['tools/test.py'] + sys.argv[1:]
runpy.run_path('tools/test.py', run_name='__main__')
'''


def test_round_trip_with_test_py(tmp_path, demo_data):
    """tools/test.py --out on the tiny co-training model over every demo task, then
    eval_offline on the file: the same value for every metric."""
    script = tmp_path / 'oracle_test.py'
    script.write_text(ORACLE)
    preds = tmp_path / 'preds.jsonl'
    cmd = [sys.executable, str(script), COTRAIN, '--work-dir', str(tmp_path / 'test'),
           '--out', str(preds), '--cfg-options', f'data_root={demo_data}',
           'test_dataloader.num_workers=0', 'test_dataloader.batch_size=16']
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    online = json.loads(next((tmp_path / 'test').glob('*/results.json')).read_text())
    assert len(preds.read_text().splitlines()) == 51

    tool = _load_tool()
    tool.main([COTRAIN, str(preds), '--cfg-options', f'data_root={demo_data}',
               '--work-dir', str(tmp_path / 'offline')])
    offline = json.loads(next((tmp_path / 'offline').iterdir()).read_text())
    assert offline['num_missing_predictions'] == 0
    # each detection metric: mAP, AP50 and the 7 parse/ counts
    det_keys = [k for k in online['metrics'] if k.split('/')[0] in ('dota', 'dota_logprob')]
    assert len(det_keys) == 2 * 9
    # the oracle's boxes all score 1.0: the ranked mAP is mAP_nc
    assert online['metrics']['dota_logprob/mAP'] == online['metrics']['dota/mAP']
    assert offline['metrics'] == online['metrics']
    # not a trivial agreement: the oracle's answers score in between
    assert 0 < online['metrics']['dota/mAP'] < 1
    assert 0 < online['metrics']['vqa/accuracy'] < 100


def test_predictions_without_img_shape_use_the_configs_frame(tmp_path):
    """Text generated elsewhere ({"img_id", "pred_text"} only) is read in the frame the
    config's SmartResize gives (dota-v1.0_val.py: RSCoVLM's detection pixels)."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize
    frame = {}
    for img_id, (h, w) in (('P0001__128__0___0', (96, 128)), ('P0002__64__0___0', (64, 64))):
        frame[img_id] = smart_resize(h, w, factor=28, min_pixels=256 * 28 * 28,
                                     max_pixels=1296 * 28 * 28)
    assert frame['P0001__128__0___0'] == (392, 532)  # 96 x 128 upscaled, factor 28

    def in_frame(img_id, x1, y1, x2, y2, ori):
        (fh, fw), (oh, ow) = frame[img_id], ori
        pts = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
        return ','.join(f'{round(x * fw / ow)},{round(y * fh / oh)}' for x, y in pts)

    p1 = '\n'.join([in_frame('P0001__128__0___0', 10, 10, 40, 30, (96, 128)) + ' plane',
                    in_frame('P0001__128__0___0', 60, 50, 74, 58, (96, 128)) + ' small vehicle'])
    p2 = '\n'.join([in_frame('P0002__64__0___0', 8, 8, 24, 40, (64, 64)) + ' ship',
                    in_frame('P0002__64__0___0', 40, 40, 52, 48, (64, 64)) + ' small vehicle'])
    preds = tmp_path / 'preds.jsonl'
    preds.write_text(json.dumps(dict(img_id='P0001__128__0___0', pred_text=p1)) + '\n'
                     + json.dumps(dict(img_id='P0002__64__0___0', pred_text=p2)) + '\n')
    summary, output = run_tool(preds, tmp_path / 'work')
    assert summary['metrics']['dota/mAP'] == pytest.approx(1.0)
    assert "2 prediction(s) give no img_shape" in output
    assert "'P0001__128__0___0': [96, 128] -> [392, 532]" in output


def test_visualize_predictions_of_the_cotraining_demo(tmp_path, demo_data, capsys):
    """The README's command on the co-training config: every task drawn, one folder per
    task, one picture per sample (several VQA questions of one image do not overwrite
    each other), img_shape optional, and the count it reports is the files it wrote."""
    import cv2
    spec = importlib.util.spec_from_file_location(
        'visualize_predictions', osp.join(REPO, 'tools', 'analysis_tools',
                                          'visualize_predictions.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    preds = tmp_path / 'preds.jsonl'
    recs = [dict(r, img_shape=None) if i % 2 else r
            for i, r in enumerate(demo_predictions(demo_data))]
    dump_predictions([{k: v for k, v in r.items() if v is not None} for r in recs], str(preds))
    out = tmp_path / 'vis'
    (out / 'det').mkdir(parents=True)
    (out / 'det' / 'stale.png').write_bytes(b'')  # an older run's file is not counted
    written = tool.main([COTRAIN, str(preds), str(out), '--num', '3',
                         '--cfg-options', f'data_root={demo_data}'])
    expected = dict(caption=3, cls=3, conversation=2, det=3, grounding=3, vqa=3)
    assert written == expected
    files = {task: sorted(os.listdir(out / task)) for task in expected}
    files['det'].remove('stale.png')
    assert {task: len(names) for task, names in files.items()} == expected
    assert files['det'] == [f'P00{k}__112__0___0.png' for k in (25, 26, 27)]
    # two questions of P0025, one of P0026: told apart by their question ids
    assert files['vqa'] == ['P0025__112__0___0_0.png', 'P0025__112__0___0_1.png',
                            'P0026__112__0___0_0.png']
    assert files['grounding'][0].startswith('P0025__112__0___0_')
    assert 'wrote 17 pictures to' in capsys.readouterr().out
    # 112-px images drawn 512 px wide, with the title, legend and text panels under them
    picture = cv2.imread(str(out / 'det' / files['det'][0]))
    assert picture.shape[1] == 512 and picture.shape[0] > 512 + 40

    with pytest.raises(SystemExit, match=r'error: .*nope\.jsonl'):
        tool.main([COTRAIN, str(tmp_path / 'nope.jsonl'), str(out),
                   '--cfg-options', f'data_root={demo_data}'])
