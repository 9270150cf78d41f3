"""``tools/test.py CONFIG --benchmarks ...``: one model, several benchmarks, one summary."""
import argparse
import importlib.util
import json
import os.path as osp
import sys

import pytest
from mmengine.config import Config
from tool_runner import REPO, run, small_run_options

CONFIG = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py'


def load_test_tool():
    spec = importlib.util.spec_from_file_location('rscovlm_test_tool',
                                                  osp.join(REPO, 'tools/test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def summary(tmp_path_factory, demo_data):
    work = tmp_path_factory.mktemp('bench')
    short = work / 'demo_det_short.py'
    short.write_text(f"_base_ = ['{REPO}/configs/benchmarks/demo_det.py']\n"
                     "model = dict(task_max_new_tokens=dict(det=2))\n")
    log = run([sys.executable, 'tools/test.py', CONFIG, '--work-dir', str(work),
               '--benchmarks', str(short), 'configs/benchmarks/demo_det.py',
               'configs/benchmarks/demo_multitask.py', 'configs/benchmarks/demo_det_ranked.py',
               '--out', str(work / 'preds.jsonl'), *small_run_options(demo_data)])
    run_dir = sorted(work.glob('2*/'))[-1]
    return work, run_dir, log


def test_summary_has_every_benchmark_and_headline_metrics(summary):
    work, run_dir, log = summary
    result = json.loads((run_dir / 'summary.json').read_text())
    assert list(result['benchmarks']) == ['demo_det_short', 'demo_det', 'demo_multitask', 'demo_det_ranked']
    multi = result['benchmarks']['demo_multitask']['metrics']
    for key in ('dota/mAP', 'grounding/Acc@0.5', 'caption/CIDEr', 'vqa/accuracy',
                'cls/accuracy', 'conversation/Acc@0.5'):
        assert key in multi
    det = result['benchmarks']['demo_det']['metrics']
    # the same model on the same detection samples, alone or in the mixed set
    assert det['dota/mAP'] == multi['dota/mAP']
    assert det['dota/parse/lines'] == multi['dota/parse/lines']
    table = (run_dir / 'summary.md').read_text()
    assert table.startswith('## Headline metrics')
    assert f"| demo_det | dota/mAP | {det['dota/mAP']:.4f} |" in table
    assert '|  | cls/accuracy |' in table and '|  | dota/AP50 |' in table
    # each benchmark's own results file, and progress lines with an ETA
    assert json.loads((run_dir / 'demo_multitask' / 'results.json').read_text())[
        'metrics'] == multi
    assert 'benchmark 3/4: demo_multitask' in log and 'eta:' in log


def test_one_predictions_file_per_benchmark(summary, demo_data):
    work, _, _ = summary
    det = [json.loads(l) for l in (work / 'preds_demo_det.jsonl').read_text().splitlines()]
    multi = [json.loads(l)
             for l in (work / 'preds_demo_multitask.jsonl').read_text().splitlines()]
    assert len(det) == 8  # the 8 test images of the generated data
    assert {r['task'] for r in multi} == {'det', 'grounding', 'caption', 'vqa', 'cls',
                                          'conversation'}
    assert [r['pred_text'] for r in multi if r['task'] == 'det'] == [r['pred_text'] for r in det]


def test_benchmark_generation_settings_apply_to_its_run_only(summary):
    """demo_det_short (run first) stops detection after 2 new tokens; demo_det (run next,
    same samples) is back to the model's own limit. Greedy: the short answers are
    prefixes of the full ones."""
    work, _, _ = summary
    short = [json.loads(l)
             for l in (work / 'preds_demo_det_short.jsonl').read_text().splitlines()]
    full = [json.loads(l) for l in (work / 'preds_demo_det.jsonl').read_text().splitlines()]
    assert [r['img_id'] for r in short] == [r['img_id'] for r in full]
    for a, b in zip(short, full):
        assert b['pred_text'].startswith(a['pred_text'])
    assert sum(len(a['pred_text']) < len(b['pred_text']) for a, b in zip(short, full)) >= 6


def test_logprob_scores_are_dumped_and_rescored_offline(summary, demo_data):
    """demo_det_ranked: the model scores box lines by token probability; the dump carries
    them, and eval_offline gives both numbers test.py printed."""
    work, run_dir, _ = summary
    result = json.loads((run_dir / 'summary.json').read_text())['benchmarks']
    metrics = result['demo_det_ranked']['metrics']
    # the constant-score metric is the plain mAP_nc of the same answers
    assert metrics['dota/mAP'] == result['demo_det']['metrics']['dota/mAP']
    preds = [json.loads(l)
             for l in (work / 'preds_demo_det_ranked.jsonl').read_text().splitlines()]
    # (the random-init model writes few whole box lines; the per-line values are checked
    # in tests/test_models/test_generation_options.py)
    assert all(len(r['pred_scores']) <= r['pred_text'].count('\n') + 1 for r in preds)
    assert all(0 < v <= 1 for r in preds for v in r['pred_scores'])
    offline = run([sys.executable, 'tools/analysis_tools/eval_offline.py',
                   'configs/benchmarks/demo_det_ranked.py',
                   str(work / 'preds_demo_det_ranked.jsonl'), '--work-dir', str(work / 'off'),
                   '--cfg-options', f'data_root={demo_data}'])
    rescored = json.loads(next((work / 'off').glob('eval_offline_*.json')).read_text())
    for key in ('dota/mAP', 'dota_logprob/mAP', 'dota_logprob/parse/lines'):
        assert rescored['metrics'][key] == metrics[key], (key, offline[-2000:])


def test_bad_benchmarks_are_named(tmp_path, tiny_cfg):
    tool = load_test_tool()
    cfg = Config(dict(model=dict(tiny_cfg.model)))
    args = argparse.Namespace(cfg_options=None, out=None)
    with pytest.raises(FileNotFoundError, match='nope.py'):
        tool.load_benchmark(str(tmp_path / 'nope.py'), cfg, args)
    no_eval = tmp_path / 'no_eval.py'
    no_eval.write_text("test_dataloader = dict(batch_size=1)\n")
    with pytest.raises(ValueError, match='no_eval.py has no test_evaluator'):
        tool.load_benchmark(str(no_eval), cfg, args)
    weights = tmp_path / 'weights.py'
    weights.write_text(f"_base_ = ['{REPO}/configs/benchmarks/demo_det.py']\n"
                       "model = dict(lora=dict(r=8))\n")
    with pytest.raises(ValueError, match='sets model.lora'):
        tool.load_benchmark(str(weights), cfg, args)


def test_checkpoint_processor_replaces_the_rebuilt_one(tmp_path, tiny_cfg):
    """A tiny tokenizer rebuilt today may have more tokens than the one a checkpoint was
    trained with; tools/test.py reloads the processor saved beside the checkpoint."""
    from rscovlm.processors import build_processor
    tool = load_test_tool()
    old = build_processor(
        dict(tiny_cfg.processor, corpus=[*tiny_cfg.processor.corpus, 'zyxwv qutsr']))
    old.save_pretrained(str(tmp_path / 'processor'))
    cfg = Config(dict(model=dict(tiny_cfg.model)))
    tool.use_saved_processor(cfg, str(tmp_path / 'iter_2.pth'))
    assert cfg.model.processor == dict(type='PretrainedProcessor',
                                       pretrained=str(tmp_path / 'processor'),
                                       min_pixels=56 * 56, max_pixels=112 * 112)
    reloaded = build_processor(cfg.model.processor)
    assert len(reloaded.tokenizer) == len(old.tokenizer)
    assert reloaded.tokenizer('zyxwv')['input_ids'] == old.tokenizer('zyxwv')['input_ids']
    # no saved processor, or one the config builds some other way: left alone
    cfg = Config(dict(model=dict(tiny_cfg.model)))
    tool.use_saved_processor(cfg, str(tmp_path / 'elsewhere' / 'iter_2.pth'))
    assert cfg.model.processor.type == 'TinyQwen2VLProcessor'


def test_multi_benchmark_loop_checks_its_benchmarks():
    from rscovlm.engine import MultiBenchmarkTestLoop
    with pytest.raises(ValueError, match='at least one benchmark'):
        MultiBenchmarkTestLoop(None, None, None, benchmarks=[])
    with pytest.raises(ValueError, match="benchmark 1 of MultiBenchmarkTestLoop has no "
                       "'test_evaluator'"):
        MultiBenchmarkTestLoop(None, None, None, benchmarks=[
            dict(name='a', test_dataloader={}, test_evaluator={}),
            dict(name='b', test_dataloader={})])


def test_generation_overrides_apply_in_the_block_only():
    from rscovlm.engine import GenerationOverrides

    class Model:
        generation_cfg = dict(max_new_tokens=8, do_sample=False)
        box_scores = 'constant'

    model = Model()
    with GenerationOverrides(model, dict(generation_cfg=dict(max_new_tokens=2),
                                         box_scores='logprob')):
        assert model.generation_cfg == dict(max_new_tokens=2, do_sample=False)
        assert model.box_scores == 'logprob'
    assert model.generation_cfg == dict(max_new_tokens=8, do_sample=False)
    assert model.box_scores == 'constant'
    with pytest.raises(ValueError, match='sets model.lora'):
        GenerationOverrides(model, dict(lora=dict(r=8)))
