# VRSBench captioning (val images), caption JSON written by tools/dataset_converters/vrsbench.py:
#   python tools/dataset_converters/vrsbench.py caption data/VRSBench/VRSBench_EVAL_Cap.json \
#       --out data/VRSBench/vrsbench_caption_test.json
#   <data_root>/vrsbench_caption_test.json, <data_root>/Images_val/*.png
# Override the location with --cfg-options data_root=/path/to/VRSBench/
# Prompt: "Describe the image in detail" (no trailing period). Upstream asks each record's
# own `question` from VRSBench_EVAL_Cap.json, which the converter does not keep; VRSBench
# writes that same question for every image (lx709/VRSBench prepare_eval_all.ipynb), so it
# is fixed here.
# Metric: one reference per image, _base_/caption.py's scores (the PTB-tokenized ones are
# VRSBench's official scores; CIDEr_raw is the number RSCoVLM reports).
# Pixels: the model's processor.
_base_ = ['./_base_/caption.py']
data_root = 'data/VRSBench/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='vrsbench_caption_test.json',
                 data_prefix=dict(img_path='Images_val/'),
                 prompt='Describe the image in detail'))
val_dataloader = test_dataloader
test_evaluator = dict(raw_cider=True)
val_evaluator = test_evaluator
