# refGeo / GeoGround grounding benchmark, its seven evaluation splits (avvg_test,
# dior_rsvg_val, dior_rsvg_test, rsvg_val, rsvg_test, geochat_test, vrsbench_test), one
# grounding JSONL per split, written by tools/dataset_converters/refgeo.py from refGeo's
# metainfo file of that split, e.g.
#   python tools/dataset_converters/refgeo.py data/refGeo/metainfo_v2/rsvg_test_v2.jsonl \
#       --img-root data/refGeo/images --out data/refGeo/refgeo_rsvg_test.jsonl
#   <data_root>/refgeo_<split>.jsonl, <data_root>/images/<dataset>/<image_id>
# (each record's image is exactly images/<its `dataset`>/<its `image_id`>; upstream reads
# geochat_test's images from images/geochat_test/, trying .png when the .jpg is missing, so
# check that split's `dataset` and `image_id` against your copy: refgeo.py drops records
# whose image it cannot find, and counts them.)
# Override the location with --cfg-options data_root=/path/to/refGeo/
# Prompt (upstream GeoGround plain; prompt 'ground'): _base_/grounding.py.
# Metric: Acc@0.5 (%) per split (keys refgeo_<split>/Acc@0.5): the first line's box, mapped
# back to original pixels, is correct iff IoU > 0.5 (VLM-R1's "-1" pixel IoU, strict).
# Each split is its own task, so val and test of one source are scored apart; drop a split
# from refgeo_splits to skip it.
# Pixels: the model's processor (upstream `geoground_N` fixes min = max = N*N pixels).
_base_ = ['./_base_/grounding.py']
data_root = 'data/refGeo/'
refgeo_splits = ('avvg_test', 'dior_rsvg_val', 'dior_rsvg_test', 'rsvg_val', 'rsvg_test',
                 'geochat_test', 'vrsbench_test')
test_dataloader = dict(
    dataset=dict(
        _delete_=True,  # one GroundingDataset per split, in a mixture
        type='TaskMixDataset',
        datasets=[
            dict(name=f'refgeo_{split}', type='GroundingDataset', data_root=data_root,
                 ann_file=f'refgeo_{split}.jsonl', data_prefix=dict(img_path='images/'),
                 task=f'grounding_{split}', region_types=('hbox', ), test_mode=True,
                 pipeline=_base_.test_pipeline) for split in refgeo_splits
        ]))
val_dataloader = test_dataloader
test_evaluator = [
    dict(type='GroundingMetric', task=f'grounding_{split}', prefix=f'refgeo_{split}')
    for split in refgeo_splits
]
val_evaluator = test_evaluator
