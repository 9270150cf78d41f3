# RSIEval-format VQA of the demo (563 questions: count / presence / colour; the raw
# question, contain-accuracy per type) for the tiny Qwen2.5-VL trained on the demo RSICap.
#   python tools/test.py configs/rsgpt/qwen2.5-vl-tiny_full_1xb16-1k_demo-rsicap_rsieval-vqa.py \
#       work_dirs/qwen2.5-vl-tiny_full_1xb16-1k_demo-rsicap/iter_1000.pth
_base_ = ['./qwen2.5-vl-tiny_full_1xb16-1k_demo-rsicap.py']
demo_rsieval_vqa = dict(
    type='VQADataset', ann_file='rsgpt/RSIEval/rsieval_vqa.json', prompt='vqa_raw')
val_dataloader = dict(dataset=demo_rsieval_vqa)
test_dataloader = dict(dataset=demo_rsieval_vqa)
val_evaluator = dict(type='VQAMetric', rule='contain', per_type=True)
test_evaluator = val_evaluator
