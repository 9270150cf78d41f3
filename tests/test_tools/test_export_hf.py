"""tools/model_converters/export_hf.py writes a plain Hugging Face folder: transformers
alone (a subprocess that never imports rscovlm) loads it and generates what rscovlm
generates from the checkpoint, for a full checkpoint and for a LoRA one (merged)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from hf_export_check import TOOL, assert_same_generation, write_image
from mmengine.config import Config
from mmengine.runner import save_checkpoint
from qwen_hf_dir import write_qwen2_5_vl_dir
from tool_runner import REPO, run

from rscovlm.models.export import load_state_dict_for_export
from rscovlm.registry import MODELS

DEMO_CFG = osp.join(REPO, 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py')
ZOO_MODEL_CFG = osp.join(REPO, 'configs/_base_/models/qwen2.5-vl-7b-instruct.py')


@pytest.fixture(scope='module')
def image_file(tmp_path_factory):
    return write_image(tmp_path_factory.mktemp('img') / 'scene.png')


def test_full_checkpoint_exports_with_the_processor_saved_beside_it(tmp_path, image_file):
    cfg = Config.fromfile(DEMO_CFG)
    torch.manual_seed(7)
    model = MODELS.build(cfg.model)
    work_dir = tmp_path / 'work'
    checkpoint = str(work_dir / 'iter_10.pth')
    save_checkpoint(dict(meta=dict(iter=10), state_dict=model.state_dict()), checkpoint)
    model.processor.save_pretrained(str(work_dir / 'processor'))  # as the runner does

    out_dir = str(tmp_path / 'hf')
    log = run([sys.executable, TOOL, DEMO_CFG, checkpoint, out_dir])
    line = [s for s in log.splitlines() if s.startswith('exported ')]
    assert len(line) == 1, log[-2000:]
    assert 'Qwen2_5_VLForConditionalGeneration' in line[0] and 'LoRA' not in line[0]
    assert f'processor from {work_dir / "processor"}' in line[0]
    files = set(os.listdir(out_dir))
    assert {'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json',
            'tokenizer_config.json', 'chat_template.jinja',
            'preprocessor_config.json'} <= files
    with open(osp.join(out_dir, 'generation_config.json')) as f:
        stops = json.load(f)['eos_token_id']
    vocab = model.processor.tokenizer.get_vocab()
    assert sorted(stops) == sorted([vocab['<|im_end|>'], vocab['<|endoftext|>']])
    assert_same_generation(DEMO_CFG, checkpoint, out_dir, image_file, tmp_path)


def test_lora_checkpoint_is_merged_into_plain_weights(tmp_path, image_file):
    from transformers import Qwen2_5_VLForConditionalGeneration
    base = write_qwen2_5_vl_dir(str(tmp_path / 'base'), 'hub')
    cfg_path = str(tmp_path / 'lora_cfg.py')
    with open(cfg_path, 'w') as f:
        f.write(f"_base_ = [{ZOO_MODEL_CFG!r}]\n"
                f"model = dict(processor=dict(pretrained={base!r}),\n"
                f"             model=dict(pretrained={base!r}, dtype='fp32'),\n"
                "             lora=dict(r=4, lora_alpha=8, lora_dropout=0.0))\n")
    cfg = Config.fromfile(cfg_path)
    model = MODELS.build(cfg.model)
    torch.manual_seed(0)
    with torch.no_grad():  # "trained" adapters: B starts at zero, which would merge to nothing
        for name, param in model.named_parameters():
            if 'lora_B' in name:
                param.normal_(0, 0.2)
    state = model.state_dict()
    assert state and all('lora_' in k for k in state)  # the checkpoint holds adapters only
    checkpoint = str(tmp_path / 'work' / 'iter_5.pth')
    save_checkpoint(dict(meta=dict(iter=5), state_dict=state), checkpoint)

    out_dir = str(tmp_path / 'hf')
    log = run([sys.executable, TOOL, cfg_path, checkpoint, out_dir, '--max-shard-size', '2MB'])
    line = [s for s in log.splitlines() if s.startswith('exported ')][0]
    assert 'LoRA merged' in line and 'float32' in line and f'processor from {base}' in line
    files = set(os.listdir(out_dir))
    assert 'adapter_config.json' not in files and 'model.safetensors.index.json' in files
    exported = Qwen2_5_VLForConditionalGeneration.from_pretrained(out_dir)
    original = Qwen2_5_VLForConditionalGeneration.from_pretrained(base)
    names = dict(original.named_parameters())
    assert not any('lora' in n or 'base_layer' in n for n, _ in exported.named_parameters())
    q_proj = 'model.language_model.layers.0.self_attn.q_proj.weight'
    assert not torch.allclose(dict(exported.named_parameters())[q_proj], names[q_proj])
    patch = 'model.visual.patch_embed.proj.weight'  # no adapter in the vision tower
    assert torch.equal(dict(exported.named_parameters())[patch], names[patch])
    # the merged weights generate what rscovlm generates with the adapters
    assert_same_generation(cfg_path, checkpoint, out_dir, image_file, tmp_path)


def test_checkpoints_that_cannot_be_exported_say_why(tmp_path):
    with pytest.raises(ValueError, match='checkpoint directory'):
        load_state_dict_for_export(str(tmp_path))
    ckpt = str(tmp_path / 'module.pth')
    torch.save(dict(state_dict={'module.hf_model.x': torch.zeros(1)}), ckpt)
    assert list(load_state_dict_for_export(ckpt)) == ['hf_model.x']
    # a LoRA checkpoint of a model without pretrained weights would export random ones
    cfg_path = str(tmp_path / 'cfg.py')
    with open(cfg_path, 'w') as f:
        f.write(f"_base_ = [{DEMO_CFG!r}]\nmodel = dict(lora=dict(r=2, lora_alpha=4))\n")
    cfg = Config.fromfile(cfg_path)
    lora_ckpt = str(tmp_path / 'lora.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), lora_ckpt)
    out = subprocess.run([sys.executable, TOOL, cfg_path, lora_ckpt, str(tmp_path / 'o')],
                         cwd=REPO, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert out.returncode == 1
    assert 'export_hf.py: error:' in out.stderr and 'model.model.pretrained' in out.stderr
    assert 'Traceback' not in out.stderr
