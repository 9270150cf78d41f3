"""Generation throughput at several batch sizes, side by side.

    python tools/analysis_tools/benchmark_generation.py [--config CONFIG] \
        [--batch-sizes 1 4 16] [--num-samples 32] [--max-new-tokens 32] [--device cpu]

Builds ``--num-samples`` detection prompts on synthetic 112 px images (no download),
processed by the config's processor, and generates greedily with the config's model
(default: the tiny random-init Qwen2.5-VL) in batches of each size — left padding and the
KV cache, as ``tools/test.py`` does. Every answer is forced to ``--max-new-tokens`` tokens
(``min_new_tokens``), so each batch size does the same work. One untimed warm-up batch
per size, then all samples are timed; the table gives samples/s, generated tokens/s and
the speed-up over batch size 1.
"""
import argparse
import copy
import os.path as osp
import sys
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from rscovlm.datasets.collate import vlm_collate  # noqa: E402
from rscovlm.datasets.demo.generator import DEMO_CLASSES  # noqa: E402
from rscovlm.datasets.transforms import (PackVLMInputs, ProcessVLMInputs,  # noqa: E402
                                         RenderDetTarget, SmartResize)
from rscovlm.registry import MODELS  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=osp.join(
        REPO, 'configs/_base_/models/qwen2.5-vl-tiny.py'), help='a config with `model`')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 4, 16])
    parser.add_argument('--num-samples', type=int, default=32)
    parser.add_argument('--max-new-tokens', type=int, default=32)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def build_samples(processor_cfg, num: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    resize = SmartResize(112 * 112, 112 * 112)
    render = RenderDetTarget(prompt='det_eval', with_answer=False, classes=DEMO_CLASSES,
                             system_prompt=False)
    process, pack = ProcessVLMInputs(processor_cfg), PackVLMInputs()
    samples = []
    for i in range(num):
        img = rng.integers(0, 255, (112, 112, 3), dtype=np.uint8)
        results = dict(img=img, img_id=f'bench_{i}', ori_shape=(112, 112), instances=[],
                       classes=DEMO_CLASSES)
        samples.append(pack(process(render(resize(results)))))
    return samples


def main(argv=None) -> list:
    args = parse_args(argv)
    init_default_scope('rscovlm')
    cfg = Config.fromfile(args.config)
    torch.manual_seed(args.seed)
    model = MODELS.build(copy.deepcopy(cfg.model)).to(args.device).eval()
    samples = build_samples(cfg.model.processor, args.num_samples, args.seed)
    gen = dict(max_new_tokens=args.max_new_tokens, min_new_tokens=args.max_new_tokens)
    rows = []
    for bs in args.batch_sizes:
        batches = [samples[i:i + bs] for i in range(0, len(samples), bs)]

        def run(batch):
            inputs = vlm_collate(batch, padding_side='left')['inputs']
            inputs = {k: v.to(args.device) for k, v in inputs.items()}
            return model.generate(inputs, **gen)

        run(batches[0])  # warm-up
        start = time.perf_counter()
        n = sum(len(run(b)) for b in batches)
        elapsed = time.perf_counter() - start
        rows.append(dict(batch_size=bs, samples=n, seconds=elapsed, samples_per_s=n / elapsed,
                         tokens_per_s=n * args.max_new_tokens / elapsed))
    base = rows[0]['samples_per_s']
    print(f'{args.num_samples} prompts, {args.max_new_tokens} new tokens each, '
          f'{args.device}, {torch.get_num_threads()} threads, greedy with KV cache')
    print(f"{'batch':>5}  {'seconds':>8}  {'samples/s':>9}  {'tokens/s':>9}  {'speed-up':>8}")
    for r in rows:
        print(f"{r['batch_size']:>5}  {r['seconds']:>8.2f}  {r['samples_per_s']:>9.2f}  "
              f"{r['tokens_per_s']:>9.1f}  {r['samples_per_s'] / base:>7.2f}x")
    return rows


if __name__ == '__main__':
    main()
