"""tools/analysis_tools/benchmark_generation.py runs and times every batch size on the
same prompts."""
import importlib.util
import os.path as osp

import pytest

from tool_runner import REPO


def load_tool():
    path = osp.join(REPO, 'tools/analysis_tools/benchmark_generation.py')
    spec = importlib.util.spec_from_file_location('benchmark_generation', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_batch_size_generates_every_sample(capsys):
    tool = load_tool()
    rows = tool.main(['--num-samples', '5', '--batch-sizes', '1', '2', '--max-new-tokens', '3'])
    assert [r['batch_size'] for r in rows] == [1, 2]
    assert all(r['samples'] == 5 for r in rows)  # 5 prompts, last batch of 2 has one
    assert all(r['tokens_per_s'] == pytest.approx(r['samples_per_s'] * 3) for r in rows)
    out = capsys.readouterr().out
    assert '5 prompts, 3 new tokens each' in out and '1.00x' in out
