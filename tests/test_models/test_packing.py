"""Sequence packing: collate, first-fit-decreasing bins, ``PackedDataset``, and the proof
that a packed batch gives the same logits and losses as the same samples unpacked."""
import copy
import json

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose

from rscovlm.datasets.collate import vlm_collate, vlm_pack_collate
from rscovlm.datasets.transforms import PackVLMInputs, ProcessVLMInputs, SmartResize
from rscovlm.datasets.wrappers.packed import PackedDataset, first_fit_decreasing
from rscovlm.models.vlms.base import sample_index
from rscovlm.registry import MODELS, TRANSFORMS

# float32 on CPU: packed and unpacked differ only by summation order (~1e-6 seen)
LOGITS_ATOL = 1e-5
LOSS_RTOL = 1e-5
GRAD_ATOL = 1e-6
# a wrong packing moves the logits of a row's later samples by far more than this
WRONG_MIN_DIFF = 1e-3

# the bins of the packed batch (indices into ``samples``), and the row-major order
BINS = [[0, 2], [1, 3]]
PACKED_ORDER = [i for b in BINS for i in b]


def make_sample(process, rng, answer, task, hw=None, pixels=None):
    """A processed sample: an image of ``hw`` resized within ``pixels``, or text-only."""
    user = [dict(type='image'), dict(type='text', text='describe')] if hw else 'hello there'
    res = dict(messages=[dict(role='user', content=user),
                         dict(role='assistant', content=answer)], task=task)
    if hw:
        res['img'] = rng.integers(0, 255, (*hw, 3), dtype=np.uint8)
        res = SmartResize(*pixels)(res)
    return PackVLMInputs()(process(res))


@pytest.fixture(scope='module')
def samples(tiny_cfg):
    """Four samples of different lengths: three image sizes (16, 14 and 2 visual tokens),
    one text-only, two tasks."""
    process = ProcessVLMInputs(processor=tiny_cfg.processor)
    rng = np.random.default_rng(0)
    out = [
        make_sample(process, rng, 'a plane at 1,2,3,4 and a ship at 5,6', 'det', (100, 120),
                    (112 * 112, 112 * 112)),
        make_sample(process, rng, 'short', 'cap', (60, 200), (56 * 56, 84 * 168)),
        make_sample(process, rng, 'a text-only answer, a bit longer than the others', 'cap'),
        make_sample(process, rng, 'x y z', 'det', (150, 90), (56 * 56, 56 * 56)),
    ]
    assert len({len(s['inputs']['input_ids']) for s in out}) == 4
    return out


def build(tiny_cfg, attn='sdpa', **overrides):
    torch.manual_seed(0)
    cfg = copy.deepcopy(tiny_cfg.model)
    cfg.model.attn_implementation = attn
    for key, value in overrides.items():
        # replaced, not merged: a Qwen2-VL ``model`` must not keep Qwen2.5-VL's vision keys
        cfg[key] = value
    return MODELS.build(cfg).eval()


def per_sample(values, inputs):
    """Split a ``[B, L, ...]`` tensor into the samples' real tokens (``data_samples`` order)."""
    owner = sample_index(inputs)
    return [values[owner == i] for i in range(int(owner.max()) + 1)]


def mean_token_losses(model, inputs):
    """Per-sample mean cross-entropy over the supervised tokens."""
    with torch.no_grad():
        losses = model.token_losses(inputs)
    owner = sample_index(inputs)[:, 1:]
    sup = inputs['labels'][:, 1:] != -100
    return torch.stack([losses[(owner == i) & sup].mean() for i in range(int(owner.max()) + 1)])


# ---- collate -------------------------------------------------------------------------
def test_pack_collate_layout(samples):
    lens = [len(s['inputs']['input_ids']) for s in samples]
    out = vlm_pack_collate([[samples[0], samples[2]], [samples[1]]], pad_token_id=7)
    inputs = out['inputs']
    rows = [lens[0] + lens[2], lens[1]]
    assert inputs['input_ids'].shape == (2, max(rows))
    assert inputs['seq_lens'].tolist() == [[lens[0], lens[2]], [lens[1], 0]]
    assert inputs['attention_mask'].sum(1).tolist() == rows
    assert inputs['input_ids'][0].tolist() == (samples[0]['inputs']['input_ids'].tolist()
                                               + samples[2]['inputs']['input_ids'].tolist())
    pad = slice(rows[1], None)
    assert (inputs['input_ids'][1, pad] == 7).all() and (inputs['labels'][1, pad] == -100).all()
    assert (inputs['mm_token_type_ids'][1, pad] == 0).all()
    # images in sample order (sample 2 is text-only)
    assert torch.equal(inputs['image_grid_thw'], torch.cat(
        [samples[0]['inputs']['image_grid_thw'], samples[1]['inputs']['image_grid_thw']]))
    assert torch.equal(inputs['pixel_values'], torch.cat(
        [samples[0]['inputs']['pixel_values'], samples[1]['inputs']['pixel_values']]))
    assert out['data_samples'] == [samples[i]['data_samples'] for i in (0, 2, 1)]
    # sample_index (base.py) reads the layout back
    owner = sample_index(inputs)
    assert [(owner == i).sum().item() for i in range(3)] == [lens[0], lens[2], lens[1]]

    bad = copy.deepcopy(samples[1])
    bad['inputs']['labels'][0] = 5
    with pytest.raises(ValueError, match='-100'):
        vlm_pack_collate([[samples[0], bad]])


# ---- bin packing -----------------------------------------------------------------------
def test_first_fit_decreasing_exact_bins():
    # decreasing: 12 (own bin, oversized), 9, 7, 5, 4 -> with 5, 3 -> with 7,
    # 2 -> new bin (no room left), 1 -> with 9
    lengths = [5, 3, 7, 2, 4, 1, 9, 12]
    assert first_fit_decreasing(lengths, 10) == [[7], [6, 5], [2, 1], [0, 4], [3]]
    assert first_fit_decreasing([], 10) == []
    assert first_fit_decreasing([4, 4, 4], 4) == [[0], [1], [2]]


def test_first_fit_decreasing_matches_plain_loop():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 120, 300).tolist()
    ref_bins, space = [], []
    for i in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        b = next((b for b, s in enumerate(space) if lengths[i] <= s), None)
        if b is None:
            ref_bins.append([]), space.append(100)
            b = len(space) - 1
        ref_bins[b].append(i)
        space[b] -= min(lengths[i], 100)
    assert first_fit_decreasing(lengths, 100) == ref_bins


# ---- the model: packed == unpacked -------------------------------------------------------
@pytest.mark.parametrize('attn', ['sdpa', 'eager'])
def test_packed_equals_unpacked(tiny_cfg, samples, attn):
    model = build(tiny_cfg, attn)
    unpacked = vlm_collate(samples)['inputs']
    packed = vlm_pack_collate([[samples[i] for i in b] for b in BINS])['inputs']
    with torch.no_grad():
        ref = per_sample(model(unpacked, mode='tensor'), unpacked)
        got = per_sample(model(packed, mode='tensor'), packed)
    for k, i in enumerate(PACKED_ORDER):
        torch.testing.assert_close(got[k], ref[i], atol=LOGITS_ATOL, rtol=0)
    torch.testing.assert_close(mean_token_losses(model, packed),
                               mean_token_losses(model, unpacked)[PACKED_ORDER],
                               rtol=LOSS_RTOL, atol=0)

    # Wrong packings must not pass. Attention leaking from a row's first sample into the
    # second changes the second; 1-D positions on image tokens change the image samples.
    # (A constant offset of a whole sample's positions would change nothing: RoPE is
    # relative. The text positions restart so that transformers finds the blocks.)
    model_inputs = model.prepare_inputs(packed)
    model_inputs.pop('labels')
    hf_inputs = dict(model_inputs, attention_mask=packed['attention_mask'])
    text_pos = model_inputs['position_ids'][:1]
    second, images = (1, 3), (0, 2, 3)  # in PACKED_ORDER
    wrong = {
        # no position restart, causal attention over the whole row
        'plain rows': (dict(hf_inputs, position_ids=None), second),
        # positions restart, but the padding mask stops the packed-mask detection
        'no block mask': (hf_inputs, second),
        # positions restart, but a KV cache also stops the packed-mask detection
        'use_cache on': (dict(model_inputs, use_cache=True), second),
        # block mask right, but no 3-D M-RoPE positions for the image tokens
        '1-D positions': (dict(model_inputs, position_ids=text_pos.expand(4, -1, -1)), images),
    }
    with torch.no_grad():
        for name, (kwargs, changed) in wrong.items():
            logits = per_sample(model.hf_model(**kwargs).logits, packed)
            for k in changed:
                diff = (logits[k] - ref[PACKED_ORDER[k]]).abs().max().item()
                assert diff > WRONG_MIN_DIFF, (name, k, diff)


def test_packed_loss_task_logs_and_grads_equal_unpacked(tiny_cfg, samples):
    """``BaseVLM.loss`` on a packed batch: the same loss, ``loss_{task}`` values and
    gradients (vision tower included)."""
    model = build(tiny_cfg)
    unpacked = vlm_collate(samples)
    packed = vlm_pack_collate([[samples[i] for i in b] for b in BINS])
    results = []
    for batch in (unpacked, packed):
        model.zero_grad()
        losses = model.loss(batch['inputs'], batch['data_samples'])
        losses['loss'].backward()
        results.append((losses, {n: p.grad.clone() for n, p in model.named_parameters()}))
    (ref, ref_grads), (got, grads) = results
    assert set(got) == set(ref) == {'loss', 'loss_det', 'loss_cap', 'share_det', 'share_cap'}
    for key in ref:
        assert got[key].item() == pytest.approx(ref[key].item(), rel=LOSS_RTOL), key
    for name, grad in ref_grads.items():
        torch.testing.assert_close(grads[name], grad, atol=GRAD_ATOL, rtol=1e-4)
    assert ref_grads['hf_model.model.visual.patch_embed.proj.weight'].abs().sum() > 0
    # the batch dict is not modified (loss reads seq_lens / attention_mask after forward)
    assert 'seq_lens' in packed['inputs'] and 'attention_mask' in packed['inputs']


def test_qwen2_vl_packs(tiny_cfg, samples):
    """The same packing drives Qwen2-VL (its own ``get_rope_index``)."""
    model = build(tiny_cfg, model=dict(
        type='Qwen2VLForConditionalGeneration', attn_implementation='sdpa', config=dict(
            vision_config=dict(depth=2, embed_dim=64, num_heads=4, mlp_ratio=2,
                               hidden_size=96, patch_size=14, spatial_merge_size=2,
                               temporal_patch_size=2),
            text_config=dict(hidden_size=96, intermediate_size=192, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2,
                             rope_parameters=dict(rope_type='default', rope_theta=10.0,
                                                  mrope_section=[4, 4, 4])))))
    unpacked = vlm_collate(samples)['inputs']
    packed = vlm_pack_collate([[samples[i] for i in b] for b in BINS])['inputs']
    torch.testing.assert_close(mean_token_losses(model, packed),
                               mean_token_losses(model, unpacked)[PACKED_ORDER],
                               rtol=LOSS_RTOL, atol=0)


def test_flash_attention_one_row_layout(tiny_cfg, samples, monkeypatch):
    """flash-attention gets all rows as one (its varlen path needs a batch of one); the
    layout is checked with sdpa here, and the ``cu_seqlens`` that transformers' flash path
    would read from the positions must be the sample (and padding) boundaries."""
    from transformers.modeling_flash_attention_utils import \
        prepare_fa_kwargs_from_position_ids
    model = build(tiny_cfg)
    monkeypatch.setattr(model, 'packs_into_one_row', lambda: True)
    unpacked = vlm_collate(samples)
    packed = vlm_pack_collate([[samples[i] for i in b] for b in BINS])
    inputs = packed['inputs']
    pos = model.prepare_inputs(inputs)['position_ids']
    rows, length = inputs['input_ids'].shape
    assert pos.shape == (4, 1, rows * length)
    (cu_seqlens, _), _ = prepare_fa_kwargs_from_position_ids(pos[0])
    bounds = []
    for r, lens in enumerate(inputs['seq_lens'].tolist()):
        starts = np.cumsum([0] + [n for n in lens if n])
        bounds += [r * length + s for s in starts if s < length]
    assert cu_seqlens.tolist() == bounds + [rows * length]
    with torch.no_grad():
        ref = model.loss(unpacked['inputs'], unpacked['data_samples'])
        got = model.loss(inputs, packed['data_samples'])
    for key in ref:
        assert got[key].item() == pytest.approx(ref[key].item(), rel=LOSS_RTOL), key


def test_lora_model_packs(tiny_cfg, samples):
    """Under peft the rope index is still found, and packing stays exact."""
    model = build(tiny_cfg, lora=dict(r=4, lora_alpha=8, lora_dropout=0.0))
    unpacked = vlm_collate(samples)['inputs']
    packed = vlm_pack_collate([[samples[i] for i in b] for b in BINS])['inputs']
    torch.testing.assert_close(mean_token_losses(model, packed),
                               mean_token_losses(model, unpacked)[PACKED_ORDER],
                               rtol=LOSS_RTOL, atol=0)


def test_unpacked_batch_passes_through(tiny_cfg, samples):
    model = build(tiny_cfg)
    inputs = vlm_collate(samples)['inputs']
    out = model.prepare_inputs(inputs)
    assert out == inputs and out is not inputs


# ---- PackedDataset ---------------------------------------------------------------------
class FakeLoad:
    """Makes the image of a record; with ``length_only`` only its shape, as ``LoadImages``
    does (counts the decodes)."""
    decoded = 0

    def __call__(self, results):
        if results.get('hw') is None:
            return results
        h, w = results['hw']
        if not results.get('length_only'):
            FakeLoad.decoded += 1
            rng = np.random.default_rng(results['sample_idx'])
            results['img'] = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
        results['ori_shapes'] = [(h, w)]
        results['ori_shape'] = results['img_shape'] = (h, w)
        return results


class FakeDataset:
    """Image / text samples of very different lengths behind mmengine's dataset API."""
    metainfo = dict(classes=('plane', ), dataset_type='fake')

    def __init__(self, processor, n=12):
        words = 'one two three four five six seven eight'.split()
        self.infos = [dict(sample_idx=i, task='cap', hw=None if i % 4 == 3 else
                           (56 + 28 * (i % 3), 112 - 14 * (i % 2)),
                           answer=' '.join(words[:1 + i % 8] * (1 + i % 5)))
                      for i in range(n)]
        self.pipeline = Compose([
            FakeLoad(), self.render, SmartResize(56 * 56, 112 * 112),
            ProcessVLMInputs(processor=processor), PackVLMInputs()])

    @staticmethod
    def render(results):
        user = [dict(type='image'), dict(type='text', text='describe')] \
            if results['hw'] else 'a question'
        results['messages'] = [dict(role='user', content=user),
                               dict(role='assistant', content=results['answer'])]
        return results

    def get_data_info(self, idx):
        return copy.deepcopy(self.infos[idx])

    def __len__(self):
        return len(self.infos)

    def __getitem__(self, idx):
        return self.pipeline(self.get_data_info(idx))


def test_packed_dataset_lengths_bins_and_cache(tiny_cfg, tmp_path, monkeypatch):
    data = FakeDataset(tiny_cfg.processor)
    real = [len(data[i]['inputs']['input_ids']) for i in range(len(data))]
    FakeLoad.decoded = 0
    cache = tmp_path / 'lengths.json'
    budget = 150
    packed = PackedDataset(data, max_tokens=budget, seed=1, cache_file=str(cache))
    assert FakeLoad.decoded == 0  # the length pass decodes no image
    assert packed.lengths == real
    assert sorted(i for b in packed.bins for i in b) == list(range(len(data)))
    assert all(sum(real[i] for i in b) <= budget or len(b) == 1 for b in packed.bins)
    assert len(packed) == len(packed.bins) < len(data)
    stats = packed.packing_stats()
    assert stats['fill_ratio'] == pytest.approx(sum(real) / (len(packed) * budget))
    # an item is the bin's processed samples, which collate into one row
    item = packed[0]
    assert [len(s['inputs']['input_ids']) for s in item] == [real[i] for i in packed.bins[0]]
    batch = vlm_pack_collate([item])['inputs']
    assert batch['seq_lens'][0].tolist() == [real[i] for i in packed.bins[0]]
    # the cache is read back (no length pass), and another seed only reorders the bins
    assert json.loads(cache.read_text())['lengths'] == real
    monkeypatch.setattr(PackedDataset, 'sample_length', None)  # no length pass possible
    again = PackedDataset(data, max_tokens=budget, seed=2, cache_file=str(cache))
    assert sorted(again.bins) == sorted(packed.bins)
    assert again.metainfo == FakeDataset.metainfo


def test_packed_dataset_oversized_and_runner(tiny_cfg):
    from mmengine.runner import Runner
    data = FakeDataset(tiny_cfg.processor, n=8)
    longest = max(range(len(data)), key=lambda i: len(data[i]['inputs']['input_ids']))
    budget = len(data[longest]['inputs']['input_ids']) - 1
    packed = PackedDataset(data, max_tokens=budget)
    assert [longest] in packed.bins
    for sampler in ('DefaultSampler', 'InfiniteSampler'):
        loader = Runner.build_dataloader(dict(
            batch_size=2, num_workers=0,
            sampler=dict(type=sampler, shuffle=True),
            collate_fn=dict(type='rscovlm.vlm_pack_collate'),
            dataset=dict(type='PackedDataset', dataset=data, max_tokens=budget,
                         lazy_init=True)), seed=0)
        batch = next(iter(loader))
        assert loader.dataset.metainfo['dataset_type'] == 'fake'
        assert batch['inputs']['seq_lens'].shape[0] == 2
        assert (batch['inputs']['seq_lens'] > 0).sum() == len(batch['data_samples'])


def test_packed_dataset_over_task_mix(tiny_cfg):
    """A mixture has no pipeline: each record goes through its own dataset's."""
    from rscovlm.datasets.wrappers import TaskMixDataset
    parts = [FakeDataset(tiny_cfg.processor, n=5), FakeDataset(tiny_cfg.processor, n=3)]
    mix = TaskMixDataset(parts)
    packed = PackedDataset(mix, max_tokens=200)
    assert packed.lengths == [len(mix[i]['inputs']['input_ids']) for i in range(len(mix))]


def test_packed_dataset_real_demo_pipeline(tiny_cfg, demo_data):
    """Lengths from the real ``length_only`` pass of the demo pipeline equal the fully
    processed lengths."""
    if 'LoadImages' not in TRANSFORMS.module_dict:
        pytest.skip('LoadImages (length_only) is not available yet')
    from rscovlm.datasets.demo import DemoDOTADataset
    pipeline = [
        dict(type='LoadImages'),
        dict(type='SmartResize', min_pixels=56 * 56, max_pixels=112 * 112),
        dict(type='RenderDetTarget', codec=dict(type='QBoxCodec', fmt='plain'),
             system_prompt=False),
        dict(type='ProcessVLMInputs', processor=tiny_cfg.processor),
        dict(type='PackVLMInputs'),
    ]
    data = DemoDOTADataset(data_root=demo_data, ann_file='train/annfiles/',
                           data_prefix=dict(img_path='train/images/'), pipeline=pipeline,
                           indices=8)
    packed = PackedDataset(data, max_tokens=400)
    real = [len(data[i]['inputs']['input_ids']) for i in range(len(data))]
    assert packed.lengths == real and len(set(real)) > 1
    item = packed[0]
    assert [len(s['inputs']['input_ids']) for s in item] == [real[i] for i in packed.bins[0]]
