# Qwen2.5-VL-3B-Instruct from a local directory (download once:
#   huggingface-cli download Qwen/Qwen2.5-VL-3B-Instruct --local-dir checkpoints/Qwen2.5-VL-3B-Instruct)
# Everything else as the 7B model config (qwen2.5-vl-7b-instruct.py): the folder's
# tokenizer, chat template and min/max pixels, bf16, sdpa; other save_pretrained folders
# of the 3B model through --cfg-options model.model.pretrained=DIR model.processor.pretrained=DIR
_base_ = ['./qwen2.5-vl-7b-instruct.py']
pretrained = 'checkpoints/Qwen2.5-VL-3B-Instruct'
processor = dict(pretrained=pretrained)
model = dict(processor=dict(pretrained=pretrained), model=dict(pretrained=pretrained))
