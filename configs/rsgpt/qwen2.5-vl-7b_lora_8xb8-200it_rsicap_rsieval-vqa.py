# RSIEval VQA (configs/benchmarks/rsieval_vqa.py: the raw question, contain-accuracy per
# question type) of the RSICap-trained Qwen2.5-VL-7B LoRA model.
#   python tools/test.py configs/rsgpt/qwen2.5-vl-7b_lora_8xb8-200it_rsicap_rsieval-vqa.py \
#       work_dirs/qwen2.5-vl-7b_lora_8xb8-200it_rsicap/iter_200.pth \
#       --cfg-options data_root=data/RSIEval/
_base_ = ['./qwen2.5-vl-7b_lora_8xb8-200it_rsicap.py']
rsieval_vqa = dict(type='VQADataset', ann_file='rsieval_vqa.json', prompt='vqa_raw')
val_dataloader = dict(dataset=rsieval_vqa)
test_dataloader = dict(dataset=rsieval_vqa)
val_evaluator = dict(type='VQAMetric', rule='contain', per_type=True)
test_evaluator = val_evaluator
