# GeoChat-Bench scene classification, AID (GeoChat's `aid.jsonl`), in rscovlm's
# classification JSON (docs/data_formats.md), written by
#   python tools/dataset_converters/geochat_bench.py aid data/GeoChat-Bench/aid.jsonl \
#       --out data/GeoChat-Bench/aid_cls.json
# (tools/dataset_converters/geochat_bench.md).
# Each record of aid.jsonl has `image`, `ground_truth` and `text`, which holds
# "Classes: <the class list>" up to the end of a line; upstream (RSCoVLM's
# format_geochat.py) keeps that list, stripped and lower-cased, as the record's `classes`
# string and lower-cases the ground truth. The converter writes
#   <data_root>/aid_cls.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/images/AID/<image>   (AID images, which GeoChat-Bench does not ship)
# with "classes" = that `classes` string split on ',' and each piece kept exactly as written,
# spaces included (e.g. ["airport", " bare land", " beach"] for "airport, bare land, beach"),
# so that ','.join(classes) gives the string back verbatim, and "label" = the piece that
# equals the lower-cased ground truth once stripped (' bare land').
#   (as upstream's format_geochat, it also maps AID's 'MediumResidentialgt' to 'medium
#   residential' and writes the images as .jpg; a ground truth such as 'BareLand' is matched
#   to ' bare land' without spaces and kept as the image's "answer": 'bareland').
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_aid, no trailing period):
#   "Classify the image within one of the given classes:" + the record's `classes` string.
# Metric: contain-accuracy (%) against the ground truth as upstream's format_cls writes it
# (GeoChat's, lower-cased): 'bareland' scores and 'bare land' does not, although the prompt
# lists 'bare land'; test_evaluator=dict(gt_from='class') scores the listed name instead.
# Pixels: the model's processor.
_base_ = ['./_base_/scene_cls.py']
data_root = 'data/GeoChat-Bench/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='aid_cls.json',
                 data_prefix=dict(img_path='images/AID/'),
                 prompt='Classify the image within one of the given classes:{classes}'))
val_dataloader = test_dataloader
