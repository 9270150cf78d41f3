"""Padded versus packed batches: padding waste and training throughput, side by side.

    python tools/analysis_tools/benchmark_packing.py [--config CONFIG] [--steps 10] \
        [--warmup 5] [--batch-size 8] [--max-tokens N] [--attn sdpa] [--device cpu]

Builds a synthetic mixed-length set (no download): images of very different sizes
(``SmartResize`` between ``--min-pixels`` and ``--max-pixels``, 4 to 64 visual tokens by
default), some text-only samples, and answers of 1 to ~100 words (long-tailed), all
processed by the config's processor. The model is the config's ``model`` (default: the
tiny random-init Qwen2.5-VL), trained in float32.

* padded: batches of ``--batch-size`` samples, in random order, padded to the longest
  (``vlm_collate``);
* packed: the same samples in first-fit-decreasing bins of ``--max-tokens`` tokens
  (default: the longest sample), ``--batch-size`` rows per batch (``vlm_pack_collate``).
  A packed batch and a padded batch of long samples are tensors of the same size: the
  same token budget per step, filled with real tokens instead of padding.

Each mode runs ``--warmup`` untimed then ``--steps`` timed forward+backward steps
(gradients zeroed, no optimizer step), the two modes alternating step by step so that a
change in machine load hits both alike; the packed batches (fewer) start over when used
up. Keep a few warm-up steps: the first steps of a fresh process can be many times
slower (memory touched for the first time). Throughput counts real (non-padding)
tokens: ``real tok/s`` over all timed steps, ``median`` of the steps (robust to stalls
of a shared machine). ``(--warmup + --steps) x --batch-size`` samples are generated.
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

from rscovlm.datasets.collate import vlm_collate, vlm_pack_collate  # noqa: E402
from rscovlm.datasets.transforms import (PackVLMInputs, ProcessVLMInputs,  # noqa: E402
                                         SmartResize)
from rscovlm.datasets.wrappers.packed import first_fit_decreasing  # noqa: E402
from rscovlm.registry import MODELS  # noqa: E402

WORDS = ('plane ship storage tank harbor bridge vehicle court field roundabout pool '
         'helicopter at near left right of the small large').split()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=osp.join(
        REPO, 'configs/_base_/models/qwen2.5-vl-tiny.py'), help='a config with `model`')
    parser.add_argument('--steps', type=int, default=10, help='timed steps per mode')
    parser.add_argument('--warmup', type=int, default=5, help='untimed steps per mode')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='samples per padded batch = rows per packed batch')
    parser.add_argument('--max-tokens', type=int, default=None,
                        help='packed row budget (default: the longest sample)')
    parser.add_argument('--min-pixels', type=int, default=56 * 56)
    parser.add_argument('--max-pixels', type=int, default=224 * 224)
    parser.add_argument('--attn', default='sdpa', help='attn_implementation')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.batch_size < 1:
        parser.error('need --steps >= 1, --warmup >= 0, --batch-size >= 1')
    return args


def make_samples(processor_cfg, n, min_pixels, max_pixels, rng):
    """``n`` processed samples of very different lengths."""
    process = ProcessVLMInputs(processor=processor_cfg)
    resize = SmartResize(min_pixels, max_pixels)
    samples = []
    for i in range(n):
        n_words = min(int(rng.lognormal(2.5, 1.0)) + 1, 100)
        answer = ' '.join(rng.choice(WORDS, n_words))
        if i % 5 == 4:  # text-only
            user = 'describe a typical airport'
            res = dict(task='text')
        else:
            side = np.sqrt(rng.uniform(min_pixels, max_pixels))
            h, w = (int(side * a) for a in (rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0)))
            user = [dict(type='image'), dict(type='text', text='describe the image')]
            res = resize(dict(task='cap', img=rng.integers(0, 255, (h, w, 3), np.uint8)))
        res['messages'] = [dict(role='user', content=user),
                           dict(role='assistant', content=answer)]
        samples.append(PackVLMInputs()(process(res)))
    return samples


def to_device(inputs, device):
    return {k: v.to(device) if torch.is_tensor(v) else v for k, v in inputs.items()}


def step_time(model, batch, device):
    """Seconds of one forward+backward step."""
    inputs = to_device(batch['inputs'], device)
    sync = torch.cuda.synchronize if device.startswith('cuda') else (lambda: None)
    sync()
    start = time.perf_counter()
    model.zero_grad(set_to_none=True)
    model(inputs, batch['data_samples'], mode='loss')['loss'].backward()
    sync()
    return time.perf_counter() - start


def waste(batches):
    mask = [b['inputs']['attention_mask'] for b in batches]
    return 1 - sum(int(m.sum()) for m in mask) / sum(m.numel() for m in mask)


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('rscovlm')
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    cfg = Config.fromfile(args.config)
    n = (args.warmup + args.steps) * args.batch_size
    samples = make_samples(cfg.model.processor, n, args.min_pixels, args.max_pixels, rng)
    lengths = [len(s['inputs']['input_ids']) for s in samples]
    max_tokens = args.max_tokens or max(lengths)

    order = rng.permutation(n)
    padded = [vlm_collate([samples[j] for j in order[i:i + args.batch_size]])
              for i in range(0, n, args.batch_size)]
    bins = first_fit_decreasing(lengths, max_tokens)
    bins = [bins[b] for b in rng.permutation(len(bins))]
    packed = [vlm_pack_collate([[samples[j] for j in b] for b in bins[i:i + args.batch_size]])
              for i in range(0, len(bins), args.batch_size)]

    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.model.attn_implementation = args.attn
    model = MODELS.build(model_cfg).to(args.device).train()
    modes = dict(padded=padded, packed=packed)
    # the modes alternate step by step, so a change in machine load hits both alike;
    # a mode with fewer batches than steps starts over
    results = {name: dict(batches=len(b), waste=waste(b), steps=args.steps, tokens=0,
                          slots=0, samples=0, time=0.0, rates=[])
               for name, b in modes.items()}
    for step in range(args.warmup + args.steps):
        for name, batches in modes.items():
            batch = batches[step % len(batches)]
            seconds = step_time(model, batch, args.device)
            if step >= args.warmup:
                r = results[name]
                r['time'] += seconds
                r['tokens'] += int(batch['inputs']['attention_mask'].sum())
                r['slots'] += batch['inputs']['attention_mask'].numel()
                r['samples'] += len(batch['data_samples'])
                r['rates'].append(int(batch['inputs']['attention_mask'].sum()) / seconds)

    print(f'\n{n} samples, {sum(lengths)} tokens, lengths {min(lengths)}-{max(lengths)} '
          f'(median {int(np.median(lengths))}); batch size {args.batch_size}, packed row '
          f'budget {max_tokens}; {args.attn}, {args.device}, '
          f'{torch.get_num_threads()} threads')
    head = (f"{'mode':<8}{'batches':>8}{'samples/batch':>15}{'slots/batch':>13}"
            f"{'pad waste':>11}{'s/step':>9}{'real tok/s':>12}{'median':>8}{'samples/s':>11}")
    print(head + '\n' + '-' * len(head))
    for name, r in results.items():
        r['tok_s'], r['smp_s'] = r['tokens'] / r['time'], r['samples'] / r['time']
        print(f"{name:<8}{r['batches']:>8}{r['samples'] / r['steps']:>15.1f}"
              f"{r['slots'] / r['steps']:>13.0f}{r['waste']:>11.1%}"
              f"{r['time'] / r['steps']:>9.3f}{r['tok_s']:>12.0f}{np.median(r['rates']):>8.0f}"
              f"{r['smp_s']:>11.1f}")
    pk, pd = results['packed'], results['padded']
    print(f"packed / padded real tokens per second: {pk['tok_s'] / pd['tok_s']:.2f}x "
          f"(medians of the steps: {np.median(pk['rates']) / np.median(pd['rates']):.2f}x)")
    return results


if __name__ == '__main__':
    main()
