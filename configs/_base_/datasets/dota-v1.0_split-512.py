# DOTA-v1.0 trainval split into 512 px patches with gap 200 (mmrotate's single-scale preset):
#   python tools/dataset_converters/dota_split.py --preset ss_512 ...  (see its README)
#   data/split_ss_dota_512/trainval/{images,annfiles}
# One dataset per answer box type, as RSCoVLM's registry names them; a mixture
# (configs/_base_/mixes/) picks them with their sampling factors.
# Every source config under _base_/datasets/ carries RSCoVLM's multi-task recipe: min/max
# pixels 64*28*28 / 1296*28*28 and random resize on the box tasks (prob 1.0); the
# detection-only recipe (256*28*28 min, no random resize) is _base_/mixes/dota-v1.0-512_det.py.
dota512_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28,
         random_resize_prob=1.0),
    dict(type='RenderDetTarget', codec=dict(type='QBoxCodec', clockwise=True),
         prompt='det_train'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
dota_poly_trainval512 = dict(
    name='dota_poly_trainval512',
    type='DOTADataset',
    data_root='data/split_ss_dota_512/',
    ann_file='trainval/annfiles/',
    data_prefix=dict(img_path='trainval/images/'),
    region_types=('qbox', ),
    pipeline=dota512_pipeline)
dota_hbb_trainval512 = dict(
    dota_poly_trainval512, name='dota_hbb_trainval512', region_types=('hbox', ))
