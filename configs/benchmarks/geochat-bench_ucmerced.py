# GeoChat-Bench scene classification, UC Merced (GeoChat's `UCmerced.jsonl`): converter,
# record format, prompt and metric as geochat-bench_aid.py, written by
#   python tools/dataset_converters/geochat_bench.py ucmerced data/GeoChat-Bench/UCmerced.jsonl \
#       --out data/GeoChat-Bench/ucmerced_cls.json
#   <data_root>/ucmerced_cls.json   {"classes": [...], "images": [{"image", "label"}]}
#   <data_root>/images/UCMerced/<image>   (UC Merced images, which GeoChat-Bench does not ship)
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
_base_ = ['./geochat-bench_aid.py']
test_dataloader = dict(
    dataset=dict(ann_file='ucmerced_cls.json', data_prefix=dict(img_path='images/UCMerced/')))
val_dataloader = test_dataloader
