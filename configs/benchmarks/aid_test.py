# AID scene classification (30 classes), test part of the seeded split written by
# tools/dataset_converters/scene_cls.py (20 % train, seed 0):
#   python tools/dataset_converters/scene_cls.py data/AID --train-ratio 0.2 --seed 0 \
#       --out-dir data/AID/splits/tr20_seed0
#   <data_root>/splits/tr20_seed0/test.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/<class folder>/<image>  (paths in the JSON are relative to data_root)
# For zero-shot scoring on every image convert with --train-ratio 0 (only test.json).
# Override the location with --cfg-options data_root=/path/to/AID/
# Prompt (RSCoVLM cls_*; prompt 'cls', no space after the colon, trailing period), with the
# raw class folder names as upstream (eval/data/data_prepare/format_scene_cls.py):
#   "Classify the image within one of the given classes:Airport,BareLand,...,Viaduct."
# (a split converted with --readable-names lists "airport,bare land,..." instead, which does
# not compare with upstream's numbers).
# Deviation from upstream RSCoVLM's cls_aid: upstream's 20 % split is unseeded.
# Metric: contain-accuracy (%) (_base_/scene_cls.py): "BareLand" / "bareland" score,
# "bare land" does not. Pixels: the model's processor.
_base_ = ['./_base_/scene_cls.py']
data_root = 'data/AID/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='splits/tr20_seed0/test.json',
                 data_prefix=dict(img_path='')))
val_dataloader = test_dataloader
