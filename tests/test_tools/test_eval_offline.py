"""The predictions file and tools/analysis_tools/eval_offline.py.

Test data (tests/data/dota/val, DOTA-v1.0 classes, all objects axis-aligned):
  P0001__128__0___0 (w 128, h 96, DOTA header lines):
      plane (10..40, 10..30); small-vehicle (60..74, 50..58);
      small-vehicle (90..104, 70..78) difficult -> ignored
  P0002__64__0___0 (64 x 64): ship (8..24, 8..40); small-vehicle (40..52, 40..48)
  P0003__64__0___0 (64 x 64): empty annotation file
Classes with GT: plane (1), small-vehicle (2), ship (1); mAP averages these three.
"""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from rscovlm.evaluation import dump_predictions, load_predictions

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
    ('{"img_id": "P0002", "pred_text": "x"}',
     r"preds\.jsonl:2: missing field 'img_shape'.*\[height, width\]"),
    ('{"img_id": 2, "pred_text": "x", "img_shape": [1, 2]}',
     r"preds\.jsonl:2: field 'img_id' must be a string, got int 2"),
    ('{"img_id": "P0002", "pred_text": null, "img_shape": [1, 2]}',
     r"preds\.jsonl:2: field 'pred_text' must be a string, got NoneType"),
    ('{"img_id": "P0002", "pred_text": "x", "img_shape": "504x504"}',
     r"preds\.jsonl:2: field 'img_shape' must be a list of two positive integers "
     r"\[height, width\], got '504x504'"),
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


def test_load_predictions_skips_blank_lines(tmp_path):
    path = write_lines(tmp_path / 'preds.jsonl', ['', json.dumps(GOOD), '   '])
    assert load_predictions(path) == [GOOD]


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


def test_eval_offline_missing_image_needs_ori_shape(tmp_path):
    tool = _load_tool()
    records = [dict(img_id='P0001__128__0___0', img_path=str(tmp_path / 'missing.png'),
                    instances=[])]
    preds = [dict(img_id='P0001__128__0___0', pred_text='', img_shape=[64, 64])]
    with pytest.raises(tool.EvalOfflineError, match=r"no 'ori_shape' for "
                       r"'P0001__128__0___0' .*add \"ori_shape\": \[h, w\]"):
        tool.build_samples(records, preds, 'preds.jsonl')


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
