"""Per-task ``max_new_tokens`` and token log-probability box scores of ``BaseVLM``."""
import copy
import math

import numpy as np
import pytest
import torch

from rscovlm.datasets import vlm_collate
from rscovlm.datasets.transforms import (PackVLMInputs, ProcessVLMInputs, RenderDetTarget,
                                         SmartResize)
from rscovlm.structures import box_line_scores
from rscovlm.registry import MODELS


@pytest.fixture(scope='module')
def mixed_batch(tiny_cfg):
    """Two detection samples and one classification sample (same prompt, other task)."""
    process = ProcessVLMInputs(processor=tiny_cfg.processor)
    rng = np.random.default_rng(1)
    samples = []
    for i, task in enumerate(('det', 'cls', 'det')):
        res = dict(img=rng.integers(0, 255, (90, 110, 3), dtype=np.uint8), img_id=f'P{i}',
                   classes=('plane', 'ship'), ori_shape=(90, 110), task=task, instances=[])
        res = SmartResize(112 * 112, 112 * 112)(res)
        samples.append(PackVLMInputs()(process(RenderDetTarget()(res))))
    return vlm_collate(samples)


def build(tiny_cfg, **overrides):
    torch.manual_seed(0)
    cfg = copy.deepcopy(tiny_cfg.model)
    cfg.update(overrides)
    model = MODELS.build(cfg)
    model.eval()
    return model


def n_tokens(model, text):
    return len(model.processor.tokenizer(text, add_special_tokens=False)['input_ids'])


def test_task_max_new_tokens_cuts_each_row_at_its_task_limit(tiny_cfg, mixed_batch):
    # min_new_tokens keeps the random model from ending early, so lengths are exact
    model = build(tiny_cfg, generation_cfg=dict(max_new_tokens=20),
                  task_max_new_tokens=dict(det=3, cls=9))
    samples = model(mixed_batch['inputs'], copy.deepcopy(mixed_batch['data_samples']),
                    mode='predict')
    texts = [s.pred_text for s in samples]
    # the same answers as generating the whole batch with each task's own limit alone
    det = model.generate(mixed_batch['inputs'], max_new_tokens=3, min_new_tokens=3)
    cls = model.generate(mixed_batch['inputs'], max_new_tokens=9, min_new_tokens=9)
    assert model.generate(mixed_batch['inputs'], max_new_tokens=9)[1] == cls[1]
    assert texts == [det[0], cls[1], det[2]]
    assert texts[0] != cls[0]  # the det rows really stopped early


def test_without_task_limits_generation_cfg_applies(tiny_cfg, mixed_batch):
    model = build(tiny_cfg, generation_cfg=dict(max_new_tokens=4, min_new_tokens=4))
    samples = model(mixed_batch['inputs'], copy.deepcopy(mixed_batch['data_samples']),
                    mode='predict')
    assert [s.pred_text for s in samples] == model.generate(mixed_batch['inputs'])


def test_returned_log_probs_equal_a_teacher_forced_forward(tiny_cfg, mixed_batch):
    model = build(tiny_cfg, generation_cfg=dict(max_new_tokens=5, min_new_tokens=5))
    inputs = {k: v[:1] if k in ('input_ids', 'attention_mask', 'mm_token_type_ids') else v
              for k, v in mixed_batch['inputs'].items() if k != 'labels'}
    n_patches = int(inputs['image_grid_thw'][0].prod())
    inputs.update(pixel_values=inputs['pixel_values'][:n_patches],
                  image_grid_thw=inputs['image_grid_thw'][:1])
    texts, tokens = model.generate(inputs, return_logprobs=True)
    assert len(tokens[0]) == 5 and ''.join(t for t, _ in tokens[0]) == texts[0]
    # score the generated tokens with one forward pass over prompt + answer
    tok = model.processor.tokenizer
    new_ids = torch.tensor([[tok.convert_tokens_to_ids(tok.tokenize(t))[0]
                             for t, _ in tokens[0]]])
    full = dict(inputs, input_ids=torch.cat([inputs['input_ids'], new_ids], 1),
                attention_mask=torch.ones(1, inputs['input_ids'].shape[1] + 5, dtype=torch.long),
                mm_token_type_ids=torch.cat([inputs['mm_token_type_ids'],
                                             torch.zeros_like(new_ids)], 1))
    with torch.no_grad():
        logits = model.hf_model(**full).logits[0].float()
    prompt_len = inputs['input_ids'].shape[1]
    ref = logits[prompt_len - 1:-1].log_softmax(-1).gather(-1, new_ids[0][:, None])[:, 0]
    assert [lp for _, lp in tokens[0]] == pytest.approx(ref.tolist(), abs=1e-4)


def test_logprob_mode_scores_every_parsed_box(tiny_cfg, mixed_batch):
    model = build(tiny_cfg, generation_cfg=dict(max_new_tokens=6), box_scores='logprob')
    samples = model(mixed_batch['inputs'], copy.deepcopy(mixed_batch['data_samples']),
                    mode='predict')
    for sample in samples:
        scores = sample.pred_instances.logprob_scores
        assert len(scores) == len(sample.pred_instances)
        assert all(0 < s <= 1 for s in scores.tolist())
        assert sample.pred_instances.scores.tolist() == [1.0] * len(sample.pred_instances)
    with pytest.raises(ValueError, match='box_scores'):
        build(tiny_cfg, box_scores='confidence')


def test_box_line_scores_hand_computed():
    text = '1,2,3,4 plane\n\n5,6,7,8 ship\n'
    # tokens: '1,2' '3,4 plane\n' | '\n' (blank line) | '5,6,7,8' ' ship\n'
    tokens = [('1,2,', -0.2), ('3,4 plane\n', -0.4), ('\n', -5.0), ('5,6,7,8', -1.0),
              (' ship\n', -3.0)]
    scores = box_line_scores(text, tokens, 2)
    assert scores == pytest.approx([math.exp(-0.3), math.exp(-2.0)])
    # a line that did not parse: the counts differ, every box gets the whole answer's score
    whole = math.exp(sum(lp for _, lp in tokens) / 5)
    assert box_line_scores(text, tokens, 1) == pytest.approx([whole])
    assert box_line_scores(text, tokens, 0) == []
