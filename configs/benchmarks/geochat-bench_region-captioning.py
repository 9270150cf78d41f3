# GeoChat-Bench region captioning (GeoChat's `region_captioning.jsonl`), in rscovlm's
# caption JSON (docs/data_formats.md), written by
#   python tools/dataset_converters/geochat_bench.py region-captioning \
#       data/GeoChat-Bench/region_captioning.jsonl --out data/GeoChat-Bench/region_captioning.json
# (tools/dataset_converters/geochat_bench.md): each record as {"image": "<image_id>.png",
# "question": <the region exactly as GeoChat writes it, e.g. "{<22><35><41><60>|<0>}">,
# "question_id", "captions": [<ground truth>]} (GeoChat's image_id has no extension; its
# eval and upstream's format_geochat.py append '.png'; the images are GeoChat_Instruct's):
#   <data_root>/region_captioning.json, <data_root>/images/region_captioning/<image_id>.png
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (RSCoVLM geochat_region_captioning; prompt 'region_caption'):
#   "[identify] What is the object present at {question}"
# Metric: CIDEr (RSCoVLM's number: CIDEr_raw, lower-cased raw strings) next to BLEU /
# METEOR / ROUGE-L / CIDEr with the PTB tokenizer; one sample per region (question_id).
# Pixels: the model's processor.
_base_ = ['./_base_/caption.py']
data_root = 'data/GeoChat-Bench/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='region_captioning.json',
                 data_prefix=dict(img_path='images/region_captioning/'),
                 prompt='region_caption'))
val_dataloader = test_dataloader
