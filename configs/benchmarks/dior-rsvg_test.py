# DIOR-RSVG test (refGeo / GeoGround's `dior_rsvg_test`), grounding JSONL written by
# tools/dataset_converters/refgeo.py from refGeo's metainfo file of that split:
#   python tools/dataset_converters/refgeo.py data/refGeo/metainfo_v2/dior_rsvg_test_v2.jsonl \
#       --img-root data/refGeo/images --out data/refGeo/refgeo_dior_rsvg_test.jsonl
#   <data_root>/refgeo_dior_rsvg_test.jsonl, <data_root>/images/dior_rsvg/<image_id>
# Override the location with --cfg-options data_root=/path/to/refGeo/
# Prompt (upstream GeoGround plain; prompt 'ground') and metric (Acc@0.5, as upstream):
# _base_/grounding.py. Pixels: the model's processor (upstream `geoground_N` fixes
# min = max = N*N pixels).
_base_ = ['./_base_/grounding.py']
data_root = 'data/refGeo/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='refgeo_dior_rsvg_test.jsonl',
                 data_prefix=dict(img_path='images/')))
val_dataloader = test_dataloader
