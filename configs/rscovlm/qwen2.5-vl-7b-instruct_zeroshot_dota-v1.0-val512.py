# Zero-shot Qwen2.5-VL-7B-Instruct on DOTA-v1.0 val (512 px patches), upstream eval prompt,
# mAP_nc through mmrotate's DOTAMetric.
#   python tools/test.py configs/rscovlm/qwen2.5-vl-7b-instruct_zeroshot_dota-v1.0-val512.py \
#       --cfg-options data_root=data/split_ss_dota_512/ \
#       model.model.pretrained=checkpoints/Qwen2.5-VL-7B-Instruct \
#       model.processor.pretrained=checkpoints/Qwen2.5-VL-7B-Instruct
# The same config scores RSCoVLM-7B-2512: point both pretrained paths at its directory.
_base_ = [
    '../_base_/models/qwen2.5-vl-7b-instruct.py', '../benchmarks/dota-v1.0_val.py',
    '../_base_/default_runtime.py'
]
test_dataloader = dict(batch_size=8)
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')
