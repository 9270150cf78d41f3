"""tools/analysis_tools/map_ac_sweep.py on tiny hand-computed cases (in-process).

Hand computation as in tests/test_evaluation/test_rotated_det_metric.py: kept boxes
score 1, so they rank images as listed, boxes as stored; VOC07 11-point AP.
"""
import importlib.util
import json
import os.path as osp
import pickle

import pytest
import torch

from rscovlm.structures import instances_to_gt

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'map_ac_sweep.py')
CONFIG = osp.join(REPO, 'configs', 'benchmarks', 'dota-v1.0_val.py')
DATA_ROOT = osp.join(REPO, 'tests', 'data', 'dota')


def load_tool():
    spec = importlib.util.spec_from_file_location('map_ac_sweep', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def box(x1, y1, x2, y2):
    return [x1, y1, x2, y1, x2, y2, x1, y2]


def rboxes(*polys):
    return instances_to_gt([dict(bbox=p, bbox_label=0) for p in polys])[0].bboxes


P1, P2, P3 = box(10, 10, 30, 30), box(10, 60, 30, 80), box(60, 10, 90, 30)
FP, FP2 = box(80, 80, 95, 95), box(40, 40, 50, 50)


def entry(img_id, gts, dets, scores):
    return dict(img_id=img_id,
                gt_instances=dict(bboxes=rboxes(*gts), labels=torch.zeros(len(gts)).long()),
                pred_instances=dict(bboxes=rboxes(*dets), scores=torch.tensor(scores),
                                    labels=torch.zeros(len(dets)).long()))


def test_pkl_sweep(tmp_path, capsys):
    path = tmp_path / 'results.pkl'
    with open(path, 'wb') as f:
        pickle.dump([entry('a', [P1, P2], [P1, FP, P2], [0.9, 0.6, 0.5]),
                     entry('b', [P3], [FP2, P3], [0.2, 0.8])], f)
    tool = load_tool()
    args = [str(path), '--classes', 'plane', '--thrs', '0', '0.5', '0.7', '0.85']
    # plane #GT 3.
    # tau 0: TP FP TP | FP TP -> recall 1/3 1/3 2/3 2/3 1, precision 1 1/2 2/3 1/2 3/5
    #   t 0..0.3 -> 1 (4), t .4..0.6 -> 2/3 (3), t .7..1 -> 3/5 (4) -> 8.4/11
    # tau .5 (>=): FP2 dropped -> TP FP TP | TP -> precision 1 1/2 2/3 3/4 -> 9.25/11
    # tau .7: P1 | P3 -> TP TP -> recall 2/3 -> 7/11;  tau .85: P1 -> 4/11
    rows = tool.main(args)
    expected = [8.4 / 11, 9.25 / 11, 7 / 11, 4 / 11]
    assert [r['mAP'] for r in rows] == pytest.approx(expected, abs=1e-6)
    assert [r['kept'] for r in rows] == [5, 4, 2, 1]
    out = capsys.readouterr().out
    assert 'best tau 0.5: map_ac = 0.8409' in out
    # strict (upstream): tau .5 also drops P2 (0.5) -> TP FP | TP -> recall 1/3 1/3
    #   2/3, precision 1 1/2 2/3 -> 4 points at 1, 3 at 2/3 -> 6/11; best tau 0
    rows = tool.main(args + ['--strict'])
    assert [r['mAP'] for r in rows] == pytest.approx(
        [8.4 / 11, 6 / 11, 7 / 11, 4 / 11], abs=1e-6)
    assert 'best tau 0: map_ac' in capsys.readouterr().out


def _jsonl_records(scores_field='pred_scores'):
    # P0001: plane (10..40, 10..30), small-vehicle (60..74, 50..58), a difficult one
    plane = ','.join(map(str, box(10, 10, 40, 30)))
    fp = ','.join(map(str, box(100, 10, 120, 30)))
    sv = ','.join(map(str, box(60, 50, 74, 58)))
    return [{'img_id': 'P0001__128__0___0', 'img_shape': [96, 128], 'ori_shape': [96, 128],
             'pred_text': f'{fp} plane\n{plane} plane\n{sv} small vehicle\n',
             scores_field: [0.3, 0.9, 0.8]}]


def _run_jsonl(tool, path, *extra):
    return tool.main([str(path), '--config', CONFIG, '--cfg-options',
                      f'data_root={DATA_ROOT}', 'test_evaluator.nproc=1',
                      '--thrs', '0', '0.5', *extra])


def test_jsonl_sweep_with_scores(tmp_path):
    """Predictions JSONL + config GT (tests/data/dota/val): per-box scores used."""
    path = tmp_path / 'preds.jsonl'
    path.write_text(''.join(json.dumps(r) + '\n' for r in _jsonl_records()))
    tool = load_tool()
    rows = _run_jsonl(tool, path)
    # classes with GT: plane (1), small-vehicle (2: one in P0002, which has no
    # prediction), ship (1, in P0002); small vehicle: recall 1/2 -> 6/11; ship 0
    # tau 0: plane FP (.3) then TP -> 1/2 at every t -> 1/2
    # tau .5: the FP is dropped -> plane 1
    assert [r['mAP'] for r in rows] == pytest.approx(
        [(1 / 2 + 6 / 11) / 3, (1 + 6 / 11) / 3], abs=1e-6)


def test_jsonl_old_scores_field_reads_as_pred_scores(tmp_path):
    """A file from before the rename (per-box ``scores``) gives the rows of one with
    ``pred_scores``, and ``--score-mode auto`` takes them as logprob scores in both."""
    tool = load_tool()
    rows = {}
    for field in ('pred_scores', 'scores'):
        path = tmp_path / field / 'preds.jsonl'
        path.parent.mkdir()
        path.write_text(''.join(json.dumps(r) + '\n' for r in _jsonl_records(field)))
        rows[field] = _run_jsonl(tool, path)
    assert rows['scores'] == rows['pred_scores']
    assert [r['kept'] for r in rows['scores']] == [3, 2]  # tau .5 drops the 0.3 box
