"""Shared by the export tests: run tools/model_converters/export_hf.py's output folder
with transformers alone (a subprocess that never imports rscovlm) and compare its prompt
ids, last logits and greedy text with rscovlm's model loaded from the checkpoint."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from tool_runner import REPO

from rscovlm.datasets import vlm_collate
from rscovlm.datasets.transforms import LoadImages, PackVLMInputs, ProcessVLMInputs, SmartResize
from rscovlm.registry import MODELS

TOOL = osp.join(REPO, 'tools/model_converters/export_hf.py')
QUESTION = 'find the plane, ship'
NEW_TOKENS = 8

# Run by a fresh interpreter: transformers only (never rscovlm), greedy generation from the
# exported folder with transformers' own processor (its video part left out: it needs
# torchvision, which has no CPU build here).
TRANSFORMERS_ONLY = r'''
import json, sys
import torch
from transformers import Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor

class ImageOnlyProcessor(Qwen2_5_VLProcessor):
    @classmethod
    def get_attributes(cls):
        return [a for a in super().get_attributes() if a != 'video_processor']

folder, image, question, result, new_tokens = sys.argv[1:6]
processor = ImageOnlyProcessor.from_pretrained(folder)
model = Qwen2_5_VLForConditionalGeneration.from_pretrained(folder).eval()
messages = [dict(role='user', content=[dict(type='image', image=image),
                                       dict(type='text', text=question)])]
inputs = processor.apply_chat_template(messages, tokenize=True, add_generation_prompt=True,
                                       return_dict=True, return_tensors='pt')
with torch.no_grad():
    logits = model(**inputs).logits[0, -1]
    out = model.generate(**inputs, do_sample=False, max_new_tokens=int(new_tokens))
new = out[0, inputs['input_ids'].shape[1]:]
json.dump(dict(
    text=processor.tokenizer.decode(new, skip_special_tokens=True,
                                    clean_up_tokenization_spaces=False),
    new_ids=new.tolist(), input_ids=inputs['input_ids'][0].tolist(),
    last_logits=logits.tolist(), dtype=str(model.dtype),
    rscovlm_imported=any(m.split('.')[0] == 'rscovlm' for m in sys.modules)), open(result, 'w'))
'''


def write_image(path):
    """A 56 x 84 PNG, a size both processors keep (no resampling difference)."""
    import cv2
    cv2.imwrite(str(path), np.random.default_rng(3).integers(0, 255, (56, 84, 3),
                                                             dtype=np.uint8))
    return str(path)


def rscovlm_generation(cfg_path, checkpoint, image_file):
    """Prompt ids, last-position logits and greedy text of rscovlm's model loaded from
    ``checkpoint`` as tools/test.py loads it."""
    cfg = Config.fromfile(cfg_path)
    torch.manual_seed(123)  # a random init other than the checkpoint's
    model = MODELS.build(cfg.model).eval()
    load_checkpoint(model, checkpoint, map_location='cpu', strict=False)
    results = dict(img_path=image_file, img_id='scene', messages=[dict(
        role='user', content=[dict(type='image'), dict(type='text', text=QUESTION)])])
    for transform in (LoadImages(), SmartResize(processor=cfg.model.processor),
                      ProcessVLMInputs(processor=cfg.model.processor), PackVLMInputs()):
        results = transform(results)
    inputs = vlm_collate([results], padding_side='left')['inputs']
    with torch.no_grad():
        logits = model(inputs, mode='tensor')[0, -1]
    text = model.generate(inputs, max_new_tokens=NEW_TOKENS)[0]
    return inputs['input_ids'][0].tolist(), logits, text


def transformers_generation(folder, image_file, tmp_path):
    result = str(tmp_path / 'transformers.json')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run(
        [sys.executable, '-c', TRANSFORMERS_ONLY, folder, image_file, QUESTION, result,
         str(NEW_TOKENS)], cwd=str(tmp_path), env=dict(env, OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(result) as f:
        out = json.load(f)
    assert out['rscovlm_imported'] is False
    return out


def assert_same_generation(cfg_path, checkpoint, folder, image_file, tmp_path):
    ids, logits, text = rscovlm_generation(cfg_path, checkpoint, image_file)
    theirs = transformers_generation(folder, image_file, tmp_path)
    assert theirs['input_ids'] == ids
    torch.testing.assert_close(torch.tensor(theirs['last_logits']), logits, rtol=0, atol=1e-4)
    assert theirs['text'] == text
    # a real answer was compared, not an immediate stop
    assert len(theirs['new_ids']) == NEW_TOKENS and text.strip()
    return text
