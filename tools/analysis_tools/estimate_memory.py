"""Per-GPU memory of a training config under each strategy, without loading weights.

    python tools/analysis_tools/estimate_memory.py CONFIG --gpus 8 [--strategy fsdp]
    python tools/analysis_tools/estimate_memory.py CONFIG --table   # README table

Parameters are counted on the meta device (the HF architecture is built without
weights): from ``model.model.config`` (random init), from ``<pretrained>/config.json``
when that directory exists, or else from the public ``config.json`` values of the
Qwen2.5-VL size named by the ``pretrained`` path (``QWEN25_VL``; ``--arch`` picks one).

Model states per GPU (standard mixed-precision accounting, bytes per parameter; N all
parameters, T trainable ones, G GPUs): bf16 weights 2N, bf16 gradients 2T, AdamW 12T
(fp32 master weights 4 + two fp32 moments 8); frozen weights 2 bytes, no gradient or
optimizer state.

==============  =========  ==========  ==========
strategy        weights    gradients   optimizer
==============  =========  ==========  ==========
ddp             2N         2T          12T
zero1           2N         2T          12T / G
zero2           2N         2T / G      12T / G
zero3, fsdp     2N / G     2T / G      12T / G
zero3_offload   0 (CPU)    0 (CPU)     0 (CPU)
==============  =========  ==========  ==========

ZeRO-3, FSDP and offload also hold the gathered weights of two transformer blocks
(the running one and the prefetched one), bf16. Activations (bf16, per GPU, s tokens
per sample, b samples per GPU, hidden h, KV width h_kv, MLP width i, vocab V; sdpa /
flash attention, so no s x s score matrix):

* one decoder layer: ``s*b*(12h + 4h_kv + 8i)`` bytes (layer inputs, norm outputs,
  q/k/v, attention output, MLP gate/up/activation/product);
* with gradient checkpointing (the recipes): every layer keeps its input, ``2*s*b*h``,
  and one layer is recomputed at a time: ``L*2*s*b*h + s*b*(12h + 4h_kv + 8i)``;
  without: ``L*s*b*(12h + 4h_kv + 8i)``;
* the vision tower the same way over its patches (4 per visual token);
* logits: ``6*s*b*V`` (bf16 logits and their fp32 copy for the cross-entropy).

``s`` = the visual tokens of an image at the config's ``max_pixels`` (one token per
28 x 28 pixels) + ``--text-tokens`` (default 1024: prompt and answer). The total leaves
out the CUDA context and allocator fragmentation (plan ~10 % headroom: ``--table``
counts a setting as fitting when the total is at most 90 % of the GPU).
"""
import argparse
import os.path as osp
import re

#: public config.json values of Qwen2.5-VL-{3B,7B,32B}-Instruct (Hugging Face Qwen/...)
QWEN25_VL = {
    '3b': dict(
        vision_config=dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16,
                           out_hidden_size=2048, patch_size=14, spatial_merge_size=2,
                           temporal_patch_size=2, window_size=112,
                           fullatt_block_indexes=[7, 15, 23, 31]),
        text_config=dict(hidden_size=2048, intermediate_size=11008, num_hidden_layers=36,
                         num_attention_heads=16, num_key_value_heads=2, vocab_size=151936),
        tie_word_embeddings=True),
    '7b': dict(
        vision_config=dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16,
                           out_hidden_size=3584, patch_size=14, spatial_merge_size=2,
                           temporal_patch_size=2, window_size=112,
                           fullatt_block_indexes=[7, 15, 23, 31]),
        text_config=dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                         num_attention_heads=28, num_key_value_heads=4, vocab_size=152064),
        tie_word_embeddings=False),
    '32b': dict(
        vision_config=dict(depth=32, hidden_size=1280, intermediate_size=3456, num_heads=16,
                           out_hidden_size=5120, patch_size=14, spatial_merge_size=2,
                           temporal_patch_size=2, window_size=112,
                           fullatt_block_indexes=[7, 15, 23, 31]),
        text_config=dict(hidden_size=5120, intermediate_size=27648, num_hidden_layers=64,
                         num_attention_heads=40, num_key_value_heads=8, vocab_size=152064),
        tie_word_embeddings=False),
}
STRATEGIES = ('ddp', 'zero1', 'zero2', 'zero3', 'fsdp', 'zero3_offload')
#: the strategy files of configs/_base_/strategies/ by the names used here
STRATEGY_FILES = dict(ddp='ddp', zero1='deepspeed_zero1', zero2='deepspeed_zero2',
                      zero3='deepspeed_zero3', fsdp='fsdp',
                      zero3_offload='deepspeed_zero3_offload')
GiB = 1024**3
PIXELS_PER_TOKEN = 28 * 28
DEFAULT_MAX_PIXELS = 1296 * 28 * 28  # the RSCoVLM recipes' max_pixels
#: the README table: columns (GPUs, GiB per GPU), models, tunings
TABLE_COLUMNS = ((1, 80), (8, 24), (8, 40), (8, 80), (32, 80))
TABLE_HEADROOM = 0.9


def parse_args():
    parser = argparse.ArgumentParser(description='Per-GPU training memory of a config')
    parser.add_argument('config')
    parser.add_argument('--gpus', type=int, default=8, help='number of GPUs (world size)')
    parser.add_argument('--strategy', choices=STRATEGIES,
                        help='one strategy (default: every one)')
    parser.add_argument('--arch', choices=sorted(QWEN25_VL),
                        help='count this Qwen2.5-VL size instead of the config\'s model')
    parser.add_argument('--lora-rank', type=int,
                        help='estimate LoRA of this rank on every language-model linear '
                        '(default: the config\'s model.lora)')
    parser.add_argument('--text-tokens', type=int, default=1024,
                        help='text tokens per sample besides the image (default 1024)')
    parser.add_argument('--batch-size', type=int,
                        help='samples per GPU (default: train_dataloader.batch_size)')
    parser.add_argument('--table', action='store_true',
                        help='print the README table "GPUs x memory -> strategy" for '
                        'Qwen2.5-VL 3B / 7B / 32B, full and LoRA, with this config\'s '
                        'sequence length, batch and gradient checkpointing')
    return parser.parse_args()


# ---- the model -----------------------------------------------------------------
def hf_config_of(cfg, arch=None) -> dict:
    """The HF config dict of the config's model (see the module docstring)."""
    if arch:
        return QWEN25_VL[arch]
    model = (cfg.get('model') or {}).get('model') or {}
    if model.get('config'):
        return dict(model['config'])
    pretrained = model.get('pretrained') or ''
    if osp.isfile(osp.join(pretrained, 'config.json')):
        import json
        with open(osp.join(pretrained, 'config.json')) as f:
            return json.load(f)
    match = re.search(r'qwen2\.5-vl-(\d+b)', str(pretrained).lower())
    if match and match.group(1) in QWEN25_VL:
        return QWEN25_VL[match.group(1)]
    raise ValueError(f'model.model.pretrained={pretrained!r}: no config.json there and no '
                     f'known Qwen2.5-VL size in the name; pass --arch {{{",".join(QWEN25_VL)}}}')


def build_meta_model(hf_config: dict, cls_name='Qwen2_5_VLForConditionalGeneration'):
    import torch
    import transformers
    cls = getattr(transformers, cls_name)
    hf_config = {k: v for k, v in hf_config.items() if k not in ('architectures', )}
    with torch.device('meta'):
        return cls._from_config(cls.config_class(**hf_config))


def count_params(cfg, hf_config: dict, lora_rank=None) -> dict:
    """Parameter counts (all, trainable, biggest block) of the config's model with its
    freeze / LoRA switches, on the meta device."""
    import torch.nn as nn
    model = build_meta_model(hf_config)
    switches = cfg.get('model') or {}
    lora = switches.get('lora')
    if lora_rank is not None:
        lora = dict(r=lora_rank) if lora_rank > 0 else None
    vision = ('model.visual.', 'visual.')
    merger = ('model.visual.merger.', 'visual.merger.')
    total = trainable = 0
    for name, p in model.named_parameters():
        total += p.numel()
        if lora is not None:
            continue
        if name.startswith(merger):
            frozen = switches.get('freeze_merger', False)
        elif name.startswith(vision):
            frozen = switches.get('freeze_vision', False)
        else:
            frozen = switches.get('freeze_language', False)
        trainable += 0 if frozen else p.numel()
    if lora is not None:  # peft 'all-linear' on the language model: r * (in + out) each
        rank = int(lora.get('r', 8))
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear) and not name.startswith(vision) \
                    and not name.endswith('lm_head'):
                trainable += rank * (module.in_features + module.out_features)
        total += trainable
    blocks = [m for m in model.modules()
              if type(m).__name__ in (model._no_split_modules or ())]
    block = max((sum(p.numel() for p in b.parameters()) for b in blocks), default=0)
    return dict(total=total, trainable=trainable, block=block, lora=lora is not None)


# ---- the data ------------------------------------------------------------------
def _find(node, key):
    if isinstance(node, dict):
        if key in node and not isinstance(node[key], (dict, list)):
            yield node[key]
        for v in node.values():
            yield from _find(v, key)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _find(v, key)


def sequence_length(cfg, text_tokens: int) -> tuple:
    """(tokens per sample, visual tokens per sample)."""
    pixels = [p for p in _find(cfg.to_dict(), 'max_pixels') if isinstance(p, (int, float))]
    max_pixels = max(pixels) if pixels else DEFAULT_MAX_PIXELS
    visual = int(max_pixels // PIXELS_PER_TOKEN)
    return visual + text_tokens, visual


# ---- the estimate --------------------------------------------------------------
def estimate(counts: dict, hf_config: dict, strategy: str, gpus: int, seq: int, visual: int,
             batch: int, checkpointing: bool) -> dict:
    """Bytes per GPU of weights, gradients, optimizer states, gathered blocks and
    activations (see the module docstring), plus the CPU memory of offloading."""
    n, t = counts['total'], counts['trainable']
    g = gpus
    weights, grads, optim = 2 * n, 2 * t, 12 * t
    gathered = cpu = 0
    if strategy in ('zero1', 'zero2', 'zero3', 'fsdp'):
        optim /= g
    if strategy in ('zero2', 'zero3', 'fsdp'):
        grads /= g
    if strategy in ('zero3', 'fsdp'):
        weights /= g
        gathered = 2 * 2 * counts['block']
    if strategy == 'zero3_offload':
        cpu = (2 * n + 2 * t + 12 * t) / g
        weights = grads = optim = 0
        gathered = 2 * 2 * counts['block']
    text = hf_config.get('text_config') or hf_config
    vis = hf_config.get('vision_config') or {}
    h, i, L = text['hidden_size'], text['intermediate_size'], text['num_hidden_layers']
    h_kv = h // text['num_attention_heads'] * text['num_key_value_heads']
    V = text['vocab_size']
    layer = seq * batch * (12 * h + 4 * h_kv + 8 * i)
    act = L * 2 * seq * batch * h + layer if checkpointing else L * layer
    if vis:
        patches = 4 * visual * batch
        hv, iv, Lv = vis['hidden_size'], vis['intermediate_size'], vis['depth']
        vlayer = patches * (12 * hv + 4 * hv + 8 * iv)
        act += Lv * 2 * patches * hv + vlayer if checkpointing else Lv * vlayer
    act += 6 * seq * batch * V
    total = weights + grads + optim + gathered + act
    return dict(weights=weights, gradients=grads, optimizer=optim, gathered=gathered,
                activations=act, total=total, cpu=cpu)


def fmt(nbytes: float) -> str:
    return f'{nbytes / GiB:.1f}'


def report(cfg, args) -> None:
    hf_config = hf_config_of(cfg, args.arch)
    counts = count_params(cfg, hf_config, args.lora_rank)
    seq, visual = sequence_length(cfg, args.text_tokens)
    batch = args.batch_size or (cfg.get('train_dataloader') or {}).get('batch_size', 1)
    ckpt = bool((cfg.get('model') or {}).get('gradient_checkpointing', False))
    print(f'{args.config}: {counts["total"] / 1e9:.2f}B parameters, '
          f'{counts["trainable"] / 1e9:.3f}B trainable{" (LoRA)" if counts["lora"] else ""}; '
          f'{batch} sample(s) x {seq} tokens ({visual} visual) per GPU, gradient '
          f'checkpointing {"on" if ckpt else "off"}, {args.gpus} GPUs; GiB per GPU')
    names = [args.strategy] if args.strategy else list(STRATEGIES)
    keys = ('weights', 'gradients', 'optimizer', 'gathered', 'activations', 'total')
    rows = [[n] + [fmt(estimate(counts, hf_config, n, args.gpus, seq, visual, batch,
                                ckpt)[k]) for k in keys] for n in names]
    widths = [max(len(str(r[c])) for r in rows + [['strategy', *keys]])
              for c in range(len(keys) + 1)]
    print('  '.join(h.ljust(w) for h, w in zip(['strategy', *keys], widths)))
    for row in rows:
        print('  '.join(str(v).ljust(w) for v, w in zip(row, widths)))
    if 'zero3_offload' in names:
        cpu = estimate(counts, hf_config, 'zero3_offload', args.gpus, seq, visual, batch,
                       ckpt)['cpu']
        print(f'zero3_offload keeps {fmt(cpu)} GiB per GPU in CPU memory')
    last = estimate(counts, hf_config, names[-1], args.gpus, seq, visual, batch, ckpt)
    print(f'total per GPU ({names[-1]}): {fmt(last["total"])} GiB')


def cheapest(counts, hf_config, gpus, gib, seq, visual, batch, ckpt) -> str:
    """The first strategy (least communication) whose total fits in 90 % of the GPU."""
    for name in ('ddp', 'zero1', 'zero2', 'fsdp', 'zero3_offload'):
        total = estimate(counts, hf_config, name, gpus, seq, visual, batch, ckpt)['total']
        if total <= TABLE_HEADROOM * gib * GiB:
            return f'{STRATEGY_FILES[name]} ({fmt(total)})'
    return '—'


def table(cfg, args) -> None:
    seq, visual = sequence_length(cfg, args.text_tokens)
    batch = args.batch_size or (cfg.get('train_dataloader') or {}).get('batch_size', 1)
    ckpt = bool((cfg.get('model') or {}).get('gradient_checkpointing', False))
    head = ['model', 'tuning'] + [f'{g} × {m} GB' for g, m in TABLE_COLUMNS]
    print(f'<!-- tools/analysis_tools/estimate_memory.py {args.config} --table: '
          f'{batch} sample(s) x {seq} tokens per GPU, gradient checkpointing '
          f'{"on" if ckpt else "off"}, AdamW; the cheapest strategy whose estimate fits '
          f'in {int(TABLE_HEADROOM * 100)} % of the GPU, estimated GiB per GPU in brackets -->')
    print('| ' + ' | '.join(head) + ' |')
    print('|' + '|'.join('---' for _ in head) + '|')
    for arch in ('3b', '7b', '32b'):
        hf_config = QWEN25_VL[arch]
        for tuning, rank in (('full', 0), ('LoRA r=64', 64)):
            counts = count_params(cfg, hf_config, rank)
            cells = [cheapest(counts, hf_config, g, m, seq, visual, batch, ckpt)
                     for g, m in TABLE_COLUMNS]
            print(f'| Qwen2.5-VL-{arch.upper()} | {tuning} | ' + ' | '.join(cells) + ' |')


def main():
    args = parse_args()
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.table:
        table(cfg, args)
    else:
        report(cfg, args)


if __name__ == '__main__':
    main()
