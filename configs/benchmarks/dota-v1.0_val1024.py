# DOTA-v1.0 val, split into 1024 px patches (gap 200) by tools/dataset_converters/dota_split.py:
#   python tools/dataset_converters/dota_split.py --preset ss_1024 --nproc 8 \
#       --img-dirs data/DOTA/val/images --ann-dirs data/DOTA/val/labelTxt \
#       --out-dir data/split_ss_dota_1024/val
#   <data_root>/val/annfiles/*.txt   DOTA labelTxt (x1 y1 ... x4 y4 class difficulty)
#   <data_root>/val/images/*.png     patches named P0003__1024__0___0.png
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_1024/
# Prompt, metric and pixels: as dota-v1.0_val.py (_base_/dota.py).
_base_ = ['./dota-v1.0_val.py']
data_root = 'data/split_ss_dota_1024/'
test_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
val_dataloader = test_dataloader
