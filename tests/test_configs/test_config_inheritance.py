"""What a child config may override in one place: a mixture's source by its name, a
benchmark overlay's data location (``data_root``)."""
import os.path as osp

from mmengine.config import Config

from rscovlm.registry import DATASETS
from rscovlm.utils import walk_dataset_cfgs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
DOTA = osp.join(REPO, 'tests', 'data', 'dota')


def child(tmp_path, base, body):
    """Load a child config of ``base`` (a path under configs/) whose text is ``body``."""
    path = tmp_path / 'child.py'
    path.write_text(f'_base_ = [{osp.join(CONFIGS, base)!r}]\n' + body)
    return Config.fromfile(str(path))


def smart_resize(dataset_cfg):
    return next(t for t in dataset_cfg['pipeline'] if t['type'] == 'SmartResize')


def test_mixture_child_overrides_one_sources_pixels_by_name(tmp_path):
    base = Config.fromfile(osp.join(CONFIGS, '_base_', 'mixes', 'dota-v1.0-512_det.py'))
    source = base.train_dataloader.dataset.datasets.dota_poly_trainval512
    assert smart_resize(source) == dict(type='SmartResize', min_pixels=256 * 28 * 28,
                                        max_pixels=1296 * 28 * 28)
    cfg = child(tmp_path, '_base_/mixes/dota-v1.0-512_det.py', f"""
train_dataloader = dict(dataset=dict(datasets=dict(dota_poly_trainval512=dict(
    data_root={DOTA + '/'!r}, ann_file='val/annfiles/', data_prefix=dict(img_path='val/images/'),
    pipeline=[dict(type='LoadImages'),
              dict(type='SmartResize', min_pixels=56 * 56, max_pixels=112 * 112)]))))
""")
    mix_cfg = cfg.train_dataloader.dataset
    source = mix_cfg.datasets.dota_poly_trainval512
    assert smart_resize(source) == dict(type='SmartResize', min_pixels=56 * 56,
                                        max_pixels=112 * 112)
    # everything else of the source and of the mixture is inherited
    assert source.type == 'DOTADataset' and source.region_types == ('qbox', )
    assert mix_cfg.sampling == dict(dota_poly_trainval512='*1')
    mix = DATASETS.build(mix_cfg)
    assert mix.names == ['dota_poly_trainval512'] and len(mix) == 3
    assert mix.datasets[0].pipeline.transforms[1].max_pixels == 112 * 112


def test_cotrain_child_drops_and_reweighs_sources_by_name(tmp_path):
    cfg = child(tmp_path, '_base_/mixes/rscovlm_cotrain.py', """
train_dataloader = dict(dataset=dict(datasets=dict(llava_onevision_vl=None),
                                     sampling=dict(vhm_sft='*4')))
""")
    mix = cfg.train_dataloader.dataset
    assert mix.datasets.llava_onevision_vl is None
    assert mix.datasets.vhm_sft.ann_file  # the other sources are untouched
    assert mix.sampling.vhm_sft == '*4' and mix.sampling.geochat_instruct == '*6'
    # the tools walk the mapping form (processor filling, data_root)
    names = [d.get('name') for d in walk_dataset_cfgs(mix)][1:]
    assert names == ['geochat_instruct', 'vhm_sft', 'refgeo_poly', 'refgeo_hbb',
                     'dota_poly_trainval512', 'dota_hbb_trainval512']
