"""A Hugging Face folder (the ``save_pretrained`` layout of Qwen2.5-VL-7B-Instruct or
RSCoVLM-7B-2512) loaded through the model-zoo config: its tokenizer, chat template and pixel
limits are used, rscovlm's prompt ids equal transformers' ``processor.apply_chat_template``
and its logits equal transformers' own forward."""
import copy
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config
from qwen_hf_dir import DEFAULT_SYSTEM, transformers_processor, write_qwen2_5_vl_dir

from rscovlm.datasets import vlm_collate
from rscovlm.datasets.transforms import LoadImages, PackVLMInputs, ProcessVLMInputs, SmartResize
from rscovlm.processors import IGNORE_INDEX, PretrainedProcessor, pixel_range
from rscovlm.processors.chat import IMAGE_PAD, encode_chat
from rscovlm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ZOO_MODEL_CFG = osp.join(REPO, 'configs/_base_/models/qwen2.5-vl-7b-instruct.py')
EXPERT = 'You are a remote sensing expert.'
QUESTION = 'find the plane, ship'
# (layout, the system prompt of the folder's chat_template.json / .jinja)
FOLDERS = [('transformers', DEFAULT_SYSTEM), ('hub', DEFAULT_SYSTEM), ('hub', EXPERT)]


@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp('hf')
    out = {}
    for layout, system in FOLDERS:
        name = f'{layout}-{"expert" if system == EXPERT else "default"}'
        out[layout, system] = write_qwen2_5_vl_dir(str(root / name), layout, system)
    return out


@pytest.fixture(scope='module')
def image_file(tmp_path_factory):
    """A 56 x 84 PNG: a size the folder's pixel limits keep, so both sides see the same
    pixels (rscovlm resizes with OpenCV, transformers with PIL)."""
    import cv2
    path = str(tmp_path_factory.mktemp('img') / 'scene.png')
    rng = np.random.default_rng(0)
    cv2.imwrite(path, rng.integers(0, 255, (56, 84, 3), dtype=np.uint8))
    return path


def zoo_cfg(folder):
    """The model-zoo model config pointed at ``folder`` (fp32 for exact comparisons)."""
    cfg = Config.fromfile(ZOO_MODEL_CFG)
    cfg.model.model.update(pretrained=folder, dtype='fp32')
    cfg.model.processor.pretrained = folder
    return cfg.model


def rscovlm_batch(processor_cfg, image_file, messages):
    """What rscovlm's test pipeline feeds the model for one image and ``messages``."""
    results = dict(img_path=image_file, img_id='scene', messages=messages)
    for transform in (LoadImages(), SmartResize(processor=processor_cfg),
                      ProcessVLMInputs(processor=processor_cfg), PackVLMInputs()):
        results = transform(results)
    return vlm_collate([results], padding_side='left')


def hf_messages(image_file, messages):
    """The same messages for transformers' processor (an image item names its file)."""
    out = copy.deepcopy(messages)
    for m in out:
        for c in m['content'] if isinstance(m['content'], list) else ():
            if c['type'] == 'image':
                c['image'] = image_file
    return out


def user_turn():
    return [dict(role='user', content=[dict(type='image'), dict(type='text', text=QUESTION)])]


def test_the_folder_is_sharded_like_a_hub_checkpoint(folders):
    folder = folders['hub', DEFAULT_SYSTEM]
    with open(osp.join(folder, 'model.safetensors.index.json')) as f:
        shards = set(json.load(f)['weight_map'].values())
    assert len(shards) > 1 and all(osp.isfile(osp.join(folder, s)) for s in shards)
    assert not osp.exists(osp.join(folder, 'model.safetensors'))


@pytest.mark.parametrize('layout,system', FOLDERS)
def test_the_folders_tokenizer_template_and_pixels_are_used(folders, layout, system):
    folder = folders[layout, system]
    processor = PretrainedProcessor(folder)
    hf = transformers_processor(folder)
    # the template transformers' processor reads (chat_template.json before the one in
    # tokenizer_config.json), not rscovlm's own
    assert processor.tokenizer.chat_template == hf.chat_template
    assert (EXPERT in processor.tokenizer.chat_template) == (system == EXPERT)
    assert processor.tokenizer.get_vocab() == hf.tokenizer.get_vocab()
    # min/max pixels of the folder's preprocessor_config.json, whichever way it writes them
    assert pixel_range(processor) == (56 * 56, 84 * 84)
    # a config overrides one bound or both; one alone keeps the folder's other
    assert pixel_range(PretrainedProcessor(folder, max_pixels=112 * 112)) == (56 * 56, 112 * 112)
    assert pixel_range(PretrainedProcessor(folder, min_pixels=28 * 28)) == (28 * 28, 84 * 84)
    assert pixel_range(PretrainedProcessor(folder, min_pixels=28 * 28,
                                           max_pixels=56 * 56)) == (28 * 28, 56 * 56)
    with pytest.raises(ValueError, match='min_pixels 12544 > max_pixels 7056'):
        PretrainedProcessor(folder, min_pixels=112 * 112)


@pytest.mark.parametrize('layout,system', FOLDERS)
def test_prompt_ids_equal_transformers_apply_chat_template(folders, image_file, layout,
                                                           system):
    folder = folders[layout, system]
    cfg = zoo_cfg(folder)
    batch = rscovlm_batch(cfg.processor, image_file, user_turn())
    hf = transformers_processor(folder)
    expected = hf.apply_chat_template(
        hf_messages(image_file, user_turn()), tokenize=True, add_generation_prompt=True,
        return_dict=True, return_tensors='pt')
    ids = batch['inputs']['input_ids']
    assert ids.tolist() == expected['input_ids'].tolist()
    # 56 x 84 pixels: 4 x 6 patches of 14, 2 x 3 merged, 6 image tokens
    assert (ids == hf.tokenizer.convert_tokens_to_ids(IMAGE_PAD)).sum() == 6
    text = hf.tokenizer.decode(ids[0])
    assert text.startswith(f'<|im_start|>system\n{system}<|im_end|>\n')
    assert text.endswith(f'{QUESTION}<|im_end|>\n<|im_start|>assistant\n')
    torch.testing.assert_close(batch['inputs']['image_grid_thw'], expected['image_grid_thw'])
    torch.testing.assert_close(batch['inputs']['pixel_values'], expected['pixel_values'])
    assert batch['inputs']['mm_token_type_ids'].tolist() == expected['mm_token_type_ids'].tolist()


def test_a_large_image_is_resized_into_the_folders_pixel_limits(folders, tmp_path):
    import cv2
    folder = folders['hub', DEFAULT_SYSTEM]
    path = str(tmp_path / 'large.png')
    cv2.imwrite(path, np.zeros((300, 400, 3), np.uint8))
    batch = rscovlm_batch(zoo_cfg(folder).processor, path, user_turn())
    expected = transformers_processor(folder).apply_chat_template(
        hf_messages(path, user_turn()), tokenize=True, add_generation_prompt=True,
        return_dict=True, return_tensors='pt')
    grid = batch['inputs']['image_grid_thw']
    assert grid.tolist() == expected['image_grid_thw'].tolist()
    assert int(grid.prod()) * 14 * 14 <= 84 * 84  # the folder's max_pixels, not the config's
    assert batch['inputs']['input_ids'].tolist() == expected['input_ids'].tolist()


def test_training_conversation_ids_and_labels_follow_the_template(folders):
    folder = folders['hub', EXPERT]
    hf = transformers_processor(folder)
    messages = user_turn() + [
        dict(role='assistant', content='1,2,3,4,5,6,7,8 plane'),
        dict(role='user', content='and the ships?'),
        dict(role='assistant', content=[dict(type='text', text='There are none.')])]
    ids, labels = encode_chat(PretrainedProcessor(folder).tokenizer, messages, [6])
    text = hf.apply_chat_template(messages, tokenize=False)
    expected = hf.tokenizer(text.replace(IMAGE_PAD, IMAGE_PAD * 6),
                            add_special_tokens=False)['input_ids']
    assert ids == expected
    supervised = [t for t, lab in zip(ids, labels) if lab != IGNORE_INDEX]
    assert hf.tokenizer.decode(supervised) == \
        '1,2,3,4,5,6,7,8 plane<|im_end|>There are none.<|im_end|>'


def test_logits_equal_transformers_forward(folders, image_file):
    from transformers import Qwen2_5_VLForConditionalGeneration
    folder = folders['hub', DEFAULT_SYSTEM]
    cfg = zoo_cfg(folder)
    model = MODELS.build(cfg).eval()
    hf_model = Qwen2_5_VLForConditionalGeneration.from_pretrained(
        folder, dtype=torch.float32).eval()
    # the folder's weights (not a random init) and generation defaults
    name, param = next(iter(hf_model.named_parameters()))
    torch.testing.assert_close(dict(model.hf_model.named_parameters())[name], param,
                               rtol=0, atol=0)
    assert model.hf_model.generation_config.repetition_penalty == 1.05
    batch = rscovlm_batch(cfg.processor, image_file, user_turn())
    hf_inputs = transformers_processor(folder).apply_chat_template(
        hf_messages(image_file, user_turn()), tokenize=True, add_generation_prompt=True,
        return_dict=True, return_tensors='pt')
    with torch.no_grad():
        ours = model(batch['inputs'], mode='tensor')
        theirs = hf_model(**hf_inputs).logits
    assert ours.dtype == torch.float32 and ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)
    assert ours.abs().max() > 0.1  # not a degenerate all-zero comparison


def test_incomplete_or_wrong_folders_fail_with_the_file_named(folders, tmp_path):
    source = folders['transformers', DEFAULT_SYSTEM]
    cfg = zoo_cfg(source)
    broken = str(tmp_path / 'broken')
    shutil.copytree(source, broken)
    os.remove(osp.join(broken, 'model-00002-of-00007.safetensors'))
    model_cfg = dict(cfg.model, pretrained=broken)
    with pytest.raises(FileNotFoundError, match=r'not in the folder \(model-00002-of-00007'):
        MODELS.build(model_cfg)
    with pytest.raises(ValueError, match="'qwen2_5_vl' model but the config builds "
                       'Qwen2VLForConditionalGeneration'):
        MODELS.build(dict(cfg.model, type='Qwen2VLForConditionalGeneration'))
    os.remove(osp.join(broken, 'config.json'))
    with pytest.raises(FileNotFoundError, match='has no config.json'):
        MODELS.build(model_cfg)
    with pytest.raises(FileNotFoundError, match='not a local directory'):
        PretrainedProcessor(str(tmp_path / 'nowhere'))
    # a folder without any chat template: the prompt cannot be written
    os.remove(osp.join(broken, 'chat_template.jinja'))
    tokenizer = PretrainedProcessor(broken).tokenizer
    with pytest.raises(ValueError, match='has no chat template'):
        encode_chat(tokenizer, user_turn(), [6])
