"""The demo configs train and test detection with one answer format and one prompt: the
from-scratch demo model knows only what it was trained on."""
import glob

import pytest
from mmengine.config import Config


def _sources(dataset):
    datasets = dataset.get('datasets', [dataset])
    return list(datasets.values()) if isinstance(datasets, dict) else list(datasets)


def _det_render(dataset_cfgs):
    out = []
    for ds in dataset_cfgs:
        if ds is None:
            continue
        for t in ds.get('pipeline', []):
            if t['type'] == 'RenderDetTarget':
                out.append((ds.get('region_types'), t['codec']['type'], t['prompt']))
    return out


@pytest.mark.parametrize('path', sorted(glob.glob('configs/demo/*.py')))
def test_detection_trains_and_tests_alike(path):
    cfg = Config.fromfile(path)
    train_set = cfg.train_dataloader.dataset
    train = _det_render(_sources(train_set.get('dataset', train_set)))  # packed: its source
    test = _det_render(_sources(cfg.test_dataloader.dataset))
    val = _det_render(_sources(cfg.val_dataloader.dataset))
    assert train and test and val
    region, codec, prompt = train[0]
    assert region == ('rbox', ) and codec == 'RBoxCodec' and prompt == 'det_train'
    assert set(train) == set(test) == set(val) == {(region, codec, prompt)}
    evaluators = cfg.test_evaluator
    evaluators = evaluators if isinstance(evaluators, list) else [evaluators]
    det = [e for e in evaluators if e['type'] == 'RotatedDetMetric']
    assert det and all(e['codec']['type'] == codec for e in det)
