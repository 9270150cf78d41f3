# DOTA-v1.0 val, split into patches by mmrotate's img_split tool (512 px, gap 200):
#   <data_root>/val/annfiles/*.txt   DOTA labelTxt (x1 y1 ... x4 y4 class difficulty)
#   <data_root>/val/images/*.png     patches named P0003__512__0___0.png
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_512/
# Prompt, metric (mAP_nc as the RSCoVLM paper) and pixels: _base_/dota.py.
_base_ = ['./_base_/dota.py']
data_root = 'data/split_ss_dota_512/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='val/annfiles/',
                 data_prefix=dict(img_path='val/images/')))
val_dataloader = test_dataloader
