"""Loading a checkpoint that keeps only the trainable weights (LoRA): one line says what
was loaded, instead of a "missing keys" line per frozen weight."""
import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import load_checkpoint

from rscovlm.registry import MODELS

LORA = dict(r=4, lora_alpha=8)


@pytest.fixture
def log_lines():
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_a_lora_checkpoint_loads_with_one_summary_line(tiny_cfg, tmp_path, capsys, log_lines):
    torch.manual_seed(0)
    trained = MODELS.build(dict(tiny_cfg.model, lora=LORA))
    state = trained.state_dict()
    assert state and all('lora_' in k for k in state)  # trainable weights only
    for value in state.values():
        value.add_(1.0)
    torch.save(dict(state_dict=state), tmp_path / 'iter_2.pth')

    model = MODELS.build(dict(tiny_cfg.model, lora=LORA))
    capsys.readouterr()
    load_checkpoint(model, str(tmp_path / 'iter_2.pth'))
    printed = capsys.readouterr()
    assert 'missing keys' not in printed.out + printed.err
    frozen = sum(1 for k in torch.nn.Module.state_dict(model) if k not in state)
    summary = [line for line in log_lines if 'tensors from the checkpoint' in line]
    assert summary == [
        f'QwenVL: loaded {len(state)} of {len(state)} LoRA tensors from the checkpoint; the '
        f'other {frozen} (frozen, not saved with it) are those of the random initialisation '
        '(model.model has no pretrained)']
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key])

    # torch's strict load takes it too; a trainable weight that is missing is still an error
    model.load_state_dict(state, strict=True)
    state.pop(next(iter(state)))
    with pytest.raises(RuntimeError, match='lora_A'):
        model.load_state_dict(state, strict=True)
