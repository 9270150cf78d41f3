# RSIEval VQA (RSGPT; open-ended questions on 100 DOTA crops, 10 question types), VQA JSON
# written by tools/dataset_converters/rsgpt.py (pairs with an empty question skipped):
#   python tools/dataset_converters/rsgpt.py rsieval data/RSIEval/annotations.json \
#       --caption-out data/RSIEval/rsieval_caption.json --vqa-out data/RSIEval/rsieval_vqa.json
#   <data_root>/rsieval_vqa.json, <data_root>/images/P1384_0054.png ...
# Override the location with --cfg-options data_root=/path/to/RSIEval/
# Prompt (RSGPT test.py; prompt 'vqa_raw'): the raw question, nothing appended.
# Metric: accuracy (%) overall and per type (presence, quantity, color, ab_position,
# re_position, area_comp, road_ori, image, scene, reasoning). RSGPT judged these open-ended
# answers by hand; contain-accuracy (the answer contains the normalised ground truth) is the
# automatic substitute here, a deviation: long ground truths ("There are seven planes in the
# image.") rarely match, so read the per-type numbers of yes/no and short answers.
# Pixels: the model's processor.
_base_ = ['./_base_/vqa.py']
data_root = 'data/RSIEval/'
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='rsieval_vqa.json',
                 data_prefix=dict(img_path='images/'), prompt='vqa_raw'))
val_dataloader = test_dataloader
