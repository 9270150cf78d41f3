# GeoChat-Bench VQA, RSVQA-LRBEN (GeoChat's `lrben.jsonl`): converter, record format, prompt
# and metric as geochat-bench_hrben.py (question types: presence, comp, rural_urban),
# written by
#   python tools/dataset_converters/geochat_bench.py lrben data/GeoChat-Bench/lrben.jsonl \
#       --answers data/RSVQA/LR/LR_split_test_answers.json \
#       --out data/GeoChat-Bench/lrben_vqa.json
#   <data_root>/lrben_vqa.json, <data_root>/images/LRBEN/<image>
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
_base_ = ['./geochat-bench_hrben.py']
test_dataloader = dict(
    dataset=dict(ann_file='lrben_vqa.json', data_prefix=dict(img_path='images/LRBEN/')))
val_dataloader = test_dataloader
