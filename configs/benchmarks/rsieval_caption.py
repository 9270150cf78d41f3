# RSIEval captioning (RSGPT; 100 DOTA crops, one human-written reference caption each),
# caption JSON written by tools/dataset_converters/rsgpt.py:
#   python tools/dataset_converters/rsgpt.py rsieval data/RSIEval/annotations.json \
#       --caption-out data/RSIEval/rsieval_caption.json --vqa-out data/RSIEval/rsieval_vqa.json
#   <data_root>/rsieval_caption.json, <data_root>/images/P1384_0054.png ...
# Override the location with --cfg-options data_root=/path/to/RSIEval/
# Prompt (RSGPT test.py, fixed; prompt 'caption_detailed'):
#   "Please provide a detailed description of the picture."
# Metric: _base_/caption.py's, as RSGPT (RSGPT also rated captions by hand).
# Pixels: the model's processor.
_base_ = ['./_base_/caption.py']
data_root = 'data/RSIEval/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='rsieval_caption.json',
                 data_prefix=dict(img_path='images/'), prompt='caption_detailed'))
val_dataloader = test_dataloader
