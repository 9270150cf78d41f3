"""Evaluate a model on its config's test set, or on several benchmarks in one run.

    python tools/test.py CONFIG [CHECKPOINT]
    python tools/test.py CONFIG [CHECKPOINT] --benchmarks configs/benchmarks/a.py b.py ...

CONFIG gives the model (and, alone, the test set). Each ``--benchmarks`` overlay brings its
own ``test_dataloader`` / ``test_evaluator`` (and optionally ``test_cfg``, and a ``model``
dict limited to the generation settings ``generation_cfg``, ``task_max_new_tokens``,
``box_scores``); the model is built and loaded once and evaluated on each in turn by
``rscovlm.engine.MultiBenchmarkTestLoop``. ``--cfg-options`` apply to every benchmark's
composed config (e.g. ``test_dataloader.batch_size=4``). The results go to the run's log
dir: ``results.md`` / ``results.json`` for one config, ``summary.md`` / ``summary.json``
(one table, every benchmark) plus ``<benchmark>/results.json`` for several.
"""
import argparse
import os.path as osp

from mmengine.config import Config, ConfigDict
from mmengine.dist import is_main_process
from mmengine.logging import print_log

from rscovlm.utils import (ConfigError, MissingPathError, add_run_args, apply_cfg_options,
                           build_runner, check_before_build, complete_config, dump_json_atomic,
                           finish_distributed, format_metrics_table, format_summary_table,
                           load_config, load_run_config, run_tool)

TEST_KEYS = ('test_dataloader', 'test_evaluator', 'test_cfg')
JSON_STYLE = dict(indent=2, default=str)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) an rscovlm model')
    parser.add_argument('config', help='config file path (model, and the test set when '
                        'no --benchmarks are given)')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file; leave out for a model-zoo config whose weights come from '
        'model.model.pretrained')
    parser.add_argument(
        '--benchmarks', nargs='+', metavar='BENCHMARK',
        help='benchmark configs (configs/benchmarks/*.py) to evaluate the model on, one '
        'after another; one summary table at the end')
    parser.add_argument(
        '--out', help='dump predictions to this .jsonl file (re-score it with '
        'tools/analysis_tools/eval_offline.py); with several benchmarks, one file per '
        'benchmark: <out stem>_<benchmark>.jsonl')
    parser.add_argument(
        '--log-interval', type=int, default=10,
        help='print progress and ETA every this many batches (default 10)')
    add_run_args(parser, 'data_root=/data/dota test_dataloader.batch_size=4')
    return parser.parse_args()


def with_dump(evaluators, out: str):
    """The evaluator list plus the metric that writes the predictions file."""
    evaluators = [evaluators] if isinstance(evaluators, dict) else list(evaluators)
    return evaluators + [ConfigDict(type='DumpPredictions', out_file_path=out)]


def use_saved_processor(cfg, checkpoint: str) -> None:
    """Tokenize and resize exactly as the checkpoint was trained: the processor saved in
    ``<checkpoint dir>/processor`` replaces the config's. (A tiny tokenizer is rebuilt from
    the project's prompts, so it may have grown new tokens since the checkpoint was made.)
    Settings of the config's processor that the loader also takes (min/max pixels) still
    apply."""
    from rscovlm.processors import saved_processor_cfg
    saved = osp.join(osp.dirname(osp.abspath(checkpoint)), 'processor')
    processor = (cfg.get('model') or {}).get('processor') or {}
    reloaded = saved_processor_cfg(processor, saved) if osp.isdir(saved) else None
    if reloaded is None:
        return
    cfg.model.processor = ConfigDict(reloaded)
    print_log(f'using the processor saved with the checkpoint: {saved}', logger='current')


def setup_cfg(args):
    """The run's config and, with ``--benchmarks``, every benchmark composed with it
    (all read and checked before the first one runs)."""
    cfg = load_run_config(args)
    cfg.load_from = args.checkpoint
    if args.checkpoint:
        use_saved_processor(cfg, args.checkpoint)
    cfg.resume = False
    cfg.setdefault('default_hooks', ConfigDict()).setdefault('logger', ConfigDict(
        type='LoggerHook'))['interval'] = args.log_interval
    if args.out and not args.benchmarks:
        cfg.test_evaluator = with_dump(cfg.test_evaluator, args.out)
    # testing needs no training state
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler'):
        cfg[key] = None
    benchmarks = [load_benchmark(path, cfg, args) for path in args.benchmarks or ()]
    if benchmarks:
        # the runner needs a test set to be built; the loop runs each benchmark's own
        cfg.test_dataloader = benchmarks[0].test_dataloader
        cfg.test_evaluator = benchmarks[0].test_evaluator
        cfg.test_cfg = dict(type='MultiBenchmarkTestLoop', benchmarks=[
            dict(name=benchmark_name(path), config=path, test_dataloader=b.test_dataloader,
                 test_evaluator=b.test_evaluator, test_cfg=b.test_cfg,
                 model=b.model_overrides) for path, b in zip(args.benchmarks, benchmarks)])
    # the checkpoint, pretrained folders, test data and model config, before building
    check_before_build(cfg, phases=('test', ))
    return complete_config(cfg), benchmarks


def benchmark_name(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def load_benchmark(path: str, cfg: Config, args) -> Config:
    """The benchmark's test set, evaluator and generation settings, composed with the
    model of ``cfg`` (processors filled in) and the command line's ``--cfg-options``."""
    if not osp.isfile(path):
        raise MissingPathError(f'--benchmarks: {path!r} does not exist (benchmark configs '
                                'live in configs/benchmarks/)')
    bench = load_config(path)
    missing = [k for k in ('test_dataloader', 'test_evaluator') if bench.get(k) is None]
    if missing:
        raise ConfigError(f'--benchmarks: {path} has no {" / ".join(missing)}; a benchmark '
                         'config defines test_dataloader and test_evaluator')
    composed = Config(dict(model=cfg.model,
                           test_dataloader=bench.test_dataloader,
                           test_evaluator=bench.test_evaluator,
                           test_cfg=bench.get('test_cfg') or dict(type='TestLoop')))
    options = {k: v for k, v in (args.cfg_options or {}).items()
               if k.split('.')[0] in TEST_KEYS or k == 'data_root'}
    if options:
        apply_cfg_options(composed, options)
    if args.out:
        stem = osp.splitext(args.out)[0]
        composed.test_evaluator = with_dump(composed.test_evaluator,
                                            f'{stem}_{benchmark_name(path)}.jsonl')
    from rscovlm.engine import GENERATION_SETTINGS  # imports the runner (seconds)
    overrides = dict(bench.get('model') or {})
    unknown = sorted(set(overrides) - set(GENERATION_SETTINGS))
    if unknown:
        raise ConfigError(f'--benchmarks: {path} sets model.{unknown[0]}; a benchmark may only '
                         f'set the model\'s generation settings {GENERATION_SETTINGS}')
    composed.model_overrides = overrides
    return complete_config(composed)


def main():
    args = parse_args()
    cfg, benchmarks = setup_cfg(args)
    runner = build_runner(cfg)
    if benchmarks:
        results = runner.test()  # MultiBenchmarkTestLoop: {benchmark: results}
        if is_main_process():
            table = format_summary_table({k: v['metrics'] for k, v in results.items()})
            print(table)
            out = osp.join(runner.log_dir, 'summary')
            with open(out + '.md', 'w') as f:
                f.write(table + '\n')
            dump_json_atomic(dict(config=args.config, checkpoint=args.checkpoint,
                                  benchmarks=results), out + '.json', **JSON_STYLE)
            print(f'summary written to {out}.md and {out}.json')
    else:
        metrics = runner.test()
        if is_main_process():
            table = format_metrics_table(metrics, title=osp.basename(args.config))
            print(table)
            out = osp.join(runner.log_dir, 'results')
            with open(out + '.md', 'w') as f:
                f.write(table + '\n')
            dump_json_atomic(dict(config=args.config, checkpoint=args.checkpoint,
                                  metrics=metrics), out + '.json', **JSON_STYLE)
            print(f'results written to {out}.md and {out}.json')
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
