# GeoChat-Bench VQA, RSVQA-HRBEN (GeoChat's `hrben.jsonl`),
# in rscovlm's VQA JSON (docs/data_formats.md).
# Written by
#   python tools/dataset_converters/geochat_bench.py hrben data/GeoChat-Bench/hrben.jsonl \
#       --answers data/RSVQA/HR/USGS_split_test_phili_answers.json \
#       --out data/GeoChat-Bench/hrben_vqa.json
# (tools/dataset_converters/geochat_bench.md). Each record of hrben.jsonl has `image`,
# `text` (the question, a newline and GeoChat's answer instruction), `category` and
# `question_id`, but no answer: take it from RSVQA's answers file by `question_id`, as
# upstream (RSCoVLM's format_geochat.py) does. The converter writes
#   <data_root>/hrben_vqa.json, <data_root>/images/HRBEN/<image>
# with one {"image": <image>, "question": <the first line of `text`, stripped and
# lower-cased>, "answer": <the answer, lower-cased>, "type": <category>, "question_id"} per
# record (upstream lower-cases both).
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_hrben; prompt 'vqa'): "{question} Answer the question
# using a single word or a short phrase."
# Metric: contain-accuracy (%), overall and per question type (the records' `category`,
# RSVQA's presence, comp). Pixels: the model's processor.
_base_ = ['./_base_/vqa.py']
data_root = 'data/GeoChat-Bench/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='hrben_vqa.json',
                 data_prefix=dict(img_path='images/HRBEN/')))
val_dataloader = test_dataloader
