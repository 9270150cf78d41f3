import copy

import numpy as np
import pytest
import torch

from rscovlm.datasets import vlm_collate
from rscovlm.datasets.transforms import (PackVLMInputs, ProcessVLMInputs, RenderDetTarget,
                                         SmartResize)
from rscovlm.registry import MODELS


@pytest.fixture(scope='module')
def batch(tiny_cfg):
    process = ProcessVLMInputs(processor=tiny_cfg.processor)
    rng = np.random.default_rng(0)
    samples = []
    for n in (2, 0):
        res = dict(img=rng.integers(0, 255, (100, 120, 3), dtype=np.uint8), img_id=f'P{n}',
                   classes=('plane', 'ship'), ori_shape=(100, 120),
                   instances=[dict(bbox=[10, 10, 50, 10, 50, 30, 10, 30], bbox_label=1,
                                   ignore_flag=0)] * n)
        res = SmartResize(112 * 112, 112 * 112)(res)
        samples.append(PackVLMInputs()(process(RenderDetTarget()(res))))
    return vlm_collate(samples)


def build(tiny_cfg, **overrides):
    torch.manual_seed(0)
    cfg = copy.deepcopy(tiny_cfg.model)
    cfg.update(overrides)
    return MODELS.build(cfg)


def test_config_token_ids_follow_tokenizer(tiny_cfg, tiny_processor):
    model = build(tiny_cfg)
    tok = tiny_processor.tokenizer
    config = model.hf_model.config
    assert config.image_token_id == tok.convert_tokens_to_ids('<|image_pad|>')
    assert config.text_config.vocab_size == len(tok)
    assert model.hf_model.model.visual.merger is not None


def test_loss_backward_and_hand_computed_cross_entropy(tiny_cfg, batch):
    model = build(tiny_cfg)
    losses = model(batch['inputs'], batch['data_samples'], mode='loss')
    loss = losses['loss']
    assert loss.ndim == 0 and torch.isfinite(loss)
    # same value as cross-entropy over the supervised (shifted) positions of the logits
    logits = model(batch['inputs'], mode='tensor')
    labels = batch['inputs']['labels']
    ref = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]).float(), labels[:, 1:].reshape(-1),
        ignore_index=-100)
    assert loss.item() == pytest.approx(ref.item(), rel=1e-4)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads)
    assert model.hf_model.model.visual.patch_embed.proj.weight.grad.abs().sum() > 0


def test_predict_fills_text_and_parsed_instances(tiny_cfg, batch):
    model = build(tiny_cfg, generation_cfg=dict(max_new_tokens=6))
    model.eval()
    samples = copy.deepcopy(batch['data_samples'])
    out = model(batch['inputs'], samples, mode='predict')
    assert len(out) == 2
    for sample in out:
        assert isinstance(sample.pred_text, str)
        assert sample.pred_instances.bboxes.shape[1] == 5
        assert set(sample.parse_stats) == {'num_lines', 'num_skipped', 'failed', 'blank',
                                           'num_unknown_class', 'num_out_of_image'}


def test_batched_generation_equals_one_by_one(tiny_cfg, batch):
    """Left padding must not change what each sample generates."""
    model = build(tiny_cfg, generation_cfg=dict(max_new_tokens=8))
    model.eval()
    together = model.generate(batch['inputs'])
    inputs = batch['inputs']
    alone = []
    n_patches = [int(t.prod()) for t in inputs['image_grid_thw']]
    for i in range(2):
        keep = inputs['attention_mask'][i].bool()
        start = sum(n_patches[:i])
        alone += model.generate(dict(
            input_ids=inputs['input_ids'][i][keep][None],
            attention_mask=inputs['attention_mask'][i][keep][None],
            mm_token_type_ids=inputs['mm_token_type_ids'][i][keep][None],
            pixel_values=inputs['pixel_values'][start:start + n_patches[i]],
            image_grid_thw=inputs['image_grid_thw'][i:i + 1]))
    assert together == alone


def test_image_tokens_get_3d_mrope_positions(tiny_cfg, batch):
    """Visual tokens must carry (row, column) positions: transformers only computes them
    when the inputs hold ``mm_token_type_ids``."""
    model = build(tiny_cfg)
    inputs = batch['inputs']
    hf = model.hf_model.model
    pos = hf.compute_3d_position_ids(
        input_ids=inputs['input_ids'], image_grid_thw=inputs['image_grid_thw'],
        video_grid_thw=None, inputs_embeds=None, attention_mask=inputs['attention_mask'],
        past_key_values=None, mm_token_type_ids=inputs['mm_token_type_ids'])
    assert pos is not None and pos.shape == (3, 2, inputs['input_ids'].shape[1])
    image = inputs['mm_token_type_ids'][0].bool()
    t, h, w = (pos[k, 0][image] - pos[k, 0][image].min() for k in range(3))
    # 112 x 112 -> 4 x 4 merged tokens in raster order
    assert t.tolist() == [0] * 16
    assert h.tolist() == [r for r in range(4) for _ in range(4)]
    assert w.tolist() == [c for _ in range(4) for c in range(4)]


def test_parse_boxes_maps_text_back_to_original_frame(tiny_cfg, batch):
    model = build(tiny_cfg)
    sample = copy.deepcopy(batch['data_samples'][0])
    # 100 x 120 image resized to 112 x 112 (the tiny processor's fixed size here)
    assert sample.img_shape == (112, 112)
    from rscovlm.structures import fill_prediction
    fill_prediction(sample, '0,0,56,0,56,28,0,28 ship\n1,2,3 bad\n')
    assert sample.parse_stats == dict(num_lines=2, num_skipped=1, failed=False, blank=False,
                                      num_unknown_class=0, num_out_of_image=0)
    cx, cy, w, h, _ = sample.pred_instances.bboxes[0].tolist()
    assert sample.pred_instances.labels.tolist() == [1]
    assert cx == pytest.approx(28 * 120 / 112) and cy == pytest.approx(14 * 100 / 112)
    assert sorted([w, h]) == pytest.approx(sorted([56 * 120 / 112, 28 * 100 / 112]))


@pytest.mark.parametrize('switch,frozen_prefix', [
    ('freeze_vision', 'model.visual.blocks.'),
    ('freeze_merger', 'model.visual.merger.'),
    ('freeze_language', 'model.language_model.'),
])
def test_freeze_switches(tiny_cfg, switch, frozen_prefix):
    model = build(tiny_cfg, **{switch: True})
    for name, param in model.hf_model.named_parameters():
        if name.startswith(frozen_prefix):
            assert not param.requires_grad, name
    trainable = [n for n, p in model.hf_model.named_parameters() if p.requires_grad]
    assert trainable and not any(n.startswith(frozen_prefix) for n in trainable)
    if switch == 'freeze_vision':  # the merger keeps its own switch
        assert any(n.startswith('model.visual.merger.') for n in trainable)


def test_lora_trains_adapters_only_and_checkpoints_hold_only_them(tiny_cfg, batch):
    model = build(tiny_cfg, freeze_language=True, freeze_vision=True,
                  lora=dict(r=4, lora_alpha=8, lora_dropout=0.0))
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    # no adapter inside the vision tower; the merger is trainable by its own switch
    assert trainable and all('lora_' in n or '.visual.merger.' in n for n in trainable)
    assert not any('lora_' in n and '.visual.' in n and '.merger.' not in n for n in trainable)
    state = model.state_dict()
    assert set(state) == set(trainable)
    loss = model(batch['inputs'], mode='loss')['loss']
    loss.backward()
    # a fresh model restores the adapters from such a checkpoint
    other = build(tiny_cfg, freeze_language=True, freeze_vision=True,
                  lora=dict(r=4, lora_alpha=8, lora_dropout=0.0))
    missing, unexpected = other.load_state_dict(state, strict=False)
    assert not unexpected
    assert all(torch.equal(other.state_dict()[k], v) for k, v in state.items())


def test_gradient_checkpointing_gives_same_loss(tiny_cfg, batch):
    plain = build(tiny_cfg)
    ckpt = build(tiny_cfg, gradient_checkpointing=True)
    ckpt.load_state_dict(plain.state_dict())
    plain.train(), ckpt.train()
    a = plain(batch['inputs'], mode='loss')['loss']
    b = ckpt(batch['inputs'], mode='loss')['loss']
    assert a.item() == pytest.approx(b.item(), rel=1e-5)
    b.backward()
    assert ckpt.hf_model.is_gradient_checkpointing


def test_missing_pretrained_dir_is_clear(tiny_cfg):
    cfg = copy.deepcopy(tiny_cfg.model)
    cfg.model = dict(type='Qwen2_5_VLForConditionalGeneration', pretrained='/nonexistent/ckpt')
    with pytest.raises(FileNotFoundError, match='local directory'):
        MODELS.build(cfg)


def test_qwen2_vl_family_member_trains_and_generates(tiny_cfg, batch):
    """The same wrapper drives Qwen2-VL (``Qwen2VLForConditionalGeneration``)."""
    cfg = copy.deepcopy(tiny_cfg.model)
    cfg.model = dict(
        type='Qwen2VLForConditionalGeneration',
        config=dict(
            vision_config=dict(depth=2, embed_dim=64, num_heads=4, mlp_ratio=2,
                               hidden_size=96, patch_size=14, spatial_merge_size=2,
                               temporal_patch_size=2),
            text_config=dict(hidden_size=96, intermediate_size=192, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2,
                             rope_parameters=dict(rope_type='default', rope_theta=10000.0,
                                                  mrope_section=[4, 4, 4]))))
    cfg.generation_cfg = dict(max_new_tokens=4)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    assert type(model.hf_model).__name__ == 'Qwen2VLForConditionalGeneration'
    loss = model(batch['inputs'], mode='loss')['loss']
    loss.backward()
    assert torch.isfinite(loss)
    model.eval()
    texts = model.generate(batch['inputs'])
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)
