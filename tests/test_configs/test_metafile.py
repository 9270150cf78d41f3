"""The model zoo records (``model-index.yml`` and the metafiles it imports, OpenMMLab's
format) name configs that exist, cover every recipe, and list only measured numbers."""
import glob
import os.path as osp

import pytest
import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: configs every one of which needs a model zoo record
RECORDED = ('configs/rscovlm/*.py', 'configs/demo/*.py')


def load(path):
    with open(osp.join(REPO, path), encoding='utf-8') as f:
        return yaml.safe_load(f)


@pytest.fixture(scope='module')
def metafiles():
    imports = load('model-index.yml')['Import']
    assert imports, 'model-index.yml imports no metafile'
    for path in imports:
        assert osp.isfile(osp.join(REPO, path)), f'model-index.yml imports missing {path}'
    return {path: load(path) for path in imports}


@pytest.fixture(scope='module')
def models(metafiles):
    return [m for meta in metafiles.values() for m in meta['Models']]


def test_every_record_names_an_existing_config_and_collection(metafiles):
    for path, meta in metafiles.items():
        collections = {c['Name'] for c in meta['Collections']}
        for c in meta['Collections']:
            readme = c.get('README')
            assert readme is None or osp.isfile(osp.join(REPO, readme)), (path, readme)
        for model in meta['Models']:
            where = f"{path}: {model['Name']}"
            assert osp.isfile(osp.join(REPO, model['Config'])), f'{where}: no {model["Config"]}'
            # the config stem is the record's name (and the work dir)
            assert osp.splitext(osp.basename(model['Config']))[0] == model['Name'], where
            assert model['In Collection'] in collections, where
            weights = model.get('Weights')
            assert weights is None or weights.startswith('https://'), where


def test_every_recipe_has_a_record(models):
    names = [m['Name'] for m in models]
    assert len(names) == len(set(names)), 'a model is recorded twice'
    recorded = {m['Config'] for m in models}
    for pattern in RECORDED:
        for config in sorted(glob.glob(osp.join(REPO, pattern))):
            assert osp.relpath(config, REPO) in recorded, \
                f'{osp.relpath(config, REPO)} has no record in the metafiles'


def test_public_checkpoints_are_named(models):
    weights = {m['Name']: m.get('Weights') for m in models}
    assert weights['qwen2.5-vl-7b_full_32xb1-1e_rscovlm-cotrain'] == \
        'https://huggingface.co/Qingyun/RSCoVLM-7B-2512'
    assert weights['qwen2.5-vl-7b-instruct_zeroshot_dota-v1.0-val512'] == \
        'https://huggingface.co/Qwen/Qwen2.5-VL-7B-Instruct'


def test_results_are_the_measured_numbers_of_the_readme(models):
    """Every number in Results is one README.md reports as measured (a paper number
    would have to name its source in its metric name); records without a measurement
    list no Results."""
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    n = 0
    for model in models:
        for result in model.get('Results') or ():
            assert {'Task', 'Dataset', 'Metrics'} <= set(result), model['Name']
            for metric, value in result['Metrics'].items():
                assert isinstance(value, (int, float)), (model['Name'], metric, value)
                if 'paper' in metric:
                    assert 'arXiv' in metric, f'{metric}: a paper number names its source'
                    continue
                shown = {f'{value}', f'{value:.1f}', f'{value:.2f}', f'{value:.3f}'}
                assert any(s in readme for s in shown), \
                    f'{model["Name"]} {metric} = {value} is not a number README.md reports'
                n += 1
    assert n >= 12
    # the 7B recipes were not run with rscovlm: no numbers for them
    assert not any(m.get('Results') for m in models if '7b' in m['Name'])
