"""Which test pipeline, prompt, classes and split settings an inference of each task
takes from a config (rscovlm.apis.find_task_inputs); no model is built."""
import os.path as osp

from mmengine.config import Config
from mmrotate.datasets import DOTADataset

from rscovlm.apis import TASKS, find_task_inputs
from rscovlm.utils import load_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def steps(task_input):
    return [s['type'] for s in task_input.pipeline]


def test_zoo_config_det_from_its_test_set_others_from_benchmark_bases():
    cfg = load_config(osp.join(
        REPO, 'configs/rscovlm/qwen2.5-vl-7b-instruct_zeroshot_dota-v1.0-val512.py'))
    found = find_task_inputs(cfg)
    assert sorted(found) == sorted(TASKS)
    det = found['det']
    assert det.source == 'test_dataloader (DOTADataset)' and det.region_type == 'qbox'
    render = det.pipeline[steps(det).index('RenderDetTarget')]
    assert render['prompt'] == 'det_eval' and render['codec']['type'] == 'QBoxCodec'
    assert det.default_classes() == tuple(DOTADataset.METAINFO['classes'])
    assert det.patch_split is None
    # the tasks this config has no test set of: the benchmark bases' pipelines, with
    # the config's own loading and resizing (the DOTA pixel budget)
    ground = found['grounding']
    assert ground.source.startswith('configs/benchmarks/_base_')
    assert steps(ground) == ['LoadImages', 'SmartResize', 'RenderGroundingTarget',
                             'ProcessVLMInputs', 'PackVLMInputs']
    assert ground.pipeline[1] == det.pipeline[1] and ground.region_type == 'hbox'
    assert found['vqa'].prompt == 'vqa' and found['caption'].prompt == 'caption'
    assert found['chat'].prompt is None and found['chat'].sample_task == 'conversation'
    vqa = found['vqa'].record(dict(question='Is there a ship?'))
    assert vqa['conversations'][0]['content'] == (
        '<image>Is there a ship? Answer the question using a single word or a short phrase.')


def test_online_split_test_set_gives_the_tiling():
    overlay = load_config(osp.join(REPO, 'configs/benchmarks/dota-v1.0_val_online-split1024.py'))
    found = find_task_inputs(Config(dict(test_dataloader=overlay.test_dataloader)))
    assert found['det'].patch_split['type'] == 'PatchSplitDataset'
    assert found['det'].patch_split.get('preset', 'ss_1024') == 'ss_1024'
    # the inferencer tiles with those settings unless told otherwise
    from rscovlm.apis import VLMInferencer

    class WithInputs:
        task_inputs = found

    assert VLMInferencer.tile_settings(WithInputs, 'det', None, None) == (1024, 200)
    assert VLMInferencer.tile_settings(WithInputs, 'det', 800, 100) == (800, 100)
    assert VLMInferencer.tile_settings(WithInputs, 'det', 0, None) is None
    assert VLMInferencer.tile_settings(WithInputs, 'caption', None, None) is None
