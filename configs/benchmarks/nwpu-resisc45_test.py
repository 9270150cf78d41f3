# NWPU-RESISC45 scene classification (45 classes), test part of the seeded split written by
# tools/dataset_converters/scene_cls.py (10 % train, seed 0):
#   python tools/dataset_converters/scene_cls.py data/NWPU-RESISC45 --train-ratio 0.1 --seed 0 \
#       --out-dir data/NWPU-RESISC45/splits/tr10_seed0
#   <data_root>/splits/tr10_seed0/test.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/<class folder>/<image>  (paths in the JSON are relative to data_root)
# For zero-shot scoring on every image convert with --train-ratio 0 (only test.json).
# Override the location with --cfg-options data_root=/path/to/NWPU-RESISC45/
# Prompt (RSCoVLM cls_*; prompt 'cls', no space after the colon, trailing period), with the
# raw class folder names as upstream (eval/data/data_prepare/format_scene_cls.py):
#   "Classify the image within one of the given classes:airplane,airport,baseball_diamond,...."
# (a split converted with --readable-names lists "baseball diamond" instead, which does not
# compare with upstream's numbers).
# Deviation from upstream RSCoVLM's cls_resisc: upstream scores the images of an
# NWPU-Captions split, not a seeded 10 % split.
# Metric: contain-accuracy (%) (_base_/scene_cls.py): "baseball_diamond" scores,
# "baseball diamond" does not. Pixels: the model's processor.
_base_ = ['./_base_/scene_cls.py']
data_root = 'data/NWPU-RESISC45/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='splits/tr10_seed0/test.json',
                 data_prefix=dict(img_path='')))
val_dataloader = test_dataloader
