# VRSBench VQA (val images), VQA JSON written by tools/dataset_converters/vrsbench.py:
#   python tools/dataset_converters/vrsbench.py vqa data/VRSBench/VRSBench_EVAL_vqa.json \
#       --out data/VRSBench/vrsbench_vqa_test.json
#   <data_root>/vrsbench_vqa_test.json, <data_root>/Images_val/*.png
# Override the location with --cfg-options data_root=/path/to/VRSBench/
# Prompt (upstream; prompt 'vqa') and metric (contain-accuracy, overall and per question
# type): _base_/vqa.py. Pixels: the model's processor.
_base_ = ['./_base_/vqa.py']
data_root = 'data/VRSBench/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='vrsbench_vqa_test.json',
                 data_prefix=dict(img_path='Images_val/')))
val_dataloader = test_dataloader
