"""tools/analysis_tools/estimate_memory.py: parameter counts from the architecture on the
meta device and the standard mixed-precision accounting of each strategy."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RECIPE = osp.join(REPO, 'configs/rscovlm/qwen2.5-vl-7b_full_32xb1-1e_rscovlm-cotrain.py')
GiB = 1024**3


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location(
        'estimate_memory', osp.join(REPO, 'tools/analysis_tools/estimate_memory.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def recipe():
    return Config.fromfile(RECIPE)


def test_7b_parameters_from_public_config_values(tool, recipe):
    # the recipe's pretrained dir is not on disk: the 7B values of QWEN25_VL are used
    hf_config = tool.hf_config_of(recipe)
    assert hf_config is tool.QWEN25_VL['7b']
    counts = tool.count_params(recipe, hf_config)
    # Qwen2.5-VL-7B-Instruct: 8,292,166,656 parameters (its safetensors index)
    assert counts['total'] == counts['trainable'] == 8_292_166_656
    lora = tool.count_params(recipe, hf_config, lora_rank=64)
    # r * (in + out) over the language model's linears: 28 layers x 7 projections
    per_layer = 64 * ((3584 + 3584) * 2 + (3584 + 512) * 2 + (3584 + 18944) * 2
                      + (18944 + 3584))
    assert lora['trainable'] == 28 * per_layer


def test_model_states_follow_the_standard_accounting(tool, recipe):
    hf_config = tool.QWEN25_VL['7b']
    counts = dict(total=1000, trainable=600, block=10, lora=False)
    n, t, g = 1000, 600, 8

    def states(name):
        e = tool.estimate(counts, hf_config, name, g, 100, 50, 1, True)
        return e['weights'], e['gradients'], e['optimizer'], e['gathered']

    assert states('ddp') == (2 * n, 2 * t, 12 * t, 0)
    assert states('zero1') == (2 * n, 2 * t, 12 * t / g, 0)
    assert states('zero2') == (2 * n, 2 * t / g, 12 * t / g, 0)
    assert states('zero3') == states('fsdp') == (2 * n / g, 2 * t / g, 12 * t / g, 40)
    assert states('zero3_offload') == (0, 0, 0, 40)
    e = tool.estimate(counts, hf_config, 'zero3_offload', g, 100, 50, 1, True)
    assert e['cpu'] == (2 * n + 2 * t + 12 * t) / g


def test_activations_formula(tool):
    hf_config = dict(text_config=dict(hidden_size=8, intermediate_size=16,
                                      num_hidden_layers=3, num_attention_heads=2,
                                      num_key_value_heads=1, vocab_size=10))
    counts = dict(total=0, trainable=0, block=0, lora=False)
    s, b = 5, 2
    layer = s * b * (12 * 8 + 4 * 4 + 8 * 16)
    ckpt = tool.estimate(counts, hf_config, 'ddp', 1, s, 0, b, True)['activations']
    assert ckpt == 3 * 2 * s * b * 8 + layer + 6 * s * b * 10
    full = tool.estimate(counts, hf_config, 'ddp', 1, s, 0, b, False)['activations']
    assert full == 3 * layer + 6 * s * b * 10


def test_report_prints_every_strategy_and_the_total_last(tool, recipe, capsys):
    class Args:
        config, gpus, strategy, arch, lora_rank, text_tokens, batch_size = \
            RECIPE, 8, None, None, None, 1024, None
    tool.report(recipe, Args)
    lines = capsys.readouterr().out.strip().splitlines()
    assert '8.29B parameters' in lines[0] and '1296 visual' in lines[0]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:8]}
    assert list(rows) == list(tool.STRATEGIES)
    # ddp: 16 bytes per parameter + activations; zero1 shards the 12 optimizer bytes
    assert float(rows['ddp'][2]) == pytest.approx(12 * 8_292_166_656 / GiB, abs=0.05)
    assert float(rows['zero1'][2]) == pytest.approx(12 * 8_292_166_656 / 8 / GiB, abs=0.05)
    assert float(rows['ddp'][-1]) > 80 > float(rows['zero1'][-1])
    assert lines[-1] == f'total per GPU (zero3_offload): {rows["zero3_offload"][-1]} GiB'


def test_readme_and_distributed_doc_show_the_tools_table(tool, recipe, capsys):
    """The "GPUs x memory -> strategy" tables of the README and docs/distributed.md are
    the tool's ``--table`` output, row for row."""
    class Args:
        config, gpus, strategy, arch, lora_rank, text_tokens, batch_size = \
            RECIPE, 8, None, None, None, 1024, None
    tool.table(recipe, Args)
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith('|')]
    assert len(rows) == 2 + 6  # header, rule, 3 sizes x (full, LoRA)
    for doc in ('README.md', 'docs/distributed.md'):
        with open(osp.join(REPO, doc), encoding='utf-8') as f:
            text = f.read()
        assert '\n'.join(rows) in text, f'{doc}: the memory table differs from --table'
