# UCM-captions test split (five reference captions per image), caption JSON written by
# tools/dataset_converters/ucm_captions.py:
#   python tools/dataset_converters/ucm_captions.py data/UCM_captions/dataset.json \
#       --split test --out data/UCM_captions/ucm_caption_test.json
#   <data_root>/ucm_caption_test.json, <data_root>/imgs/1.tif ...
# Override the location with --cfg-options data_root=/path/to/UCM_captions/
# Prompt (RSCoVLM cap_ucm_caption; prompt 'caption'): "Describe the image"
# Metric: _base_/caption.py's (the PTB-tokenized scores are the RSGPT table's, CIDEr_raw
# RSCoVLM's). Pixels: the model's processor.
_base_ = ['./_base_/caption.py']
data_root = 'data/UCM_captions/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='ucm_caption_test.json',
                 data_prefix=dict(img_path='imgs/'), prompt='caption'))
val_dataloader = test_dataloader
