# Qwen2.5-VL-3B-Instruct from a local directory (download once:
#   huggingface-cli download Qwen/Qwen2.5-VL-3B-Instruct --local-dir checkpoints/Qwen2.5-VL-3B-Instruct)
# Loaded as the 7B model config loads its folder (qwen2.5-vl-7b-instruct.py): the folder's
# tokenizer, chat template and min/max pixels; other save_pretrained folders of the 3B
# model through --cfg-options model.model.pretrained=DIR model.processor.pretrained=DIR
pretrained = 'checkpoints/Qwen2.5-VL-3B-Instruct'
processor = dict(type='PretrainedProcessor', pretrained=pretrained)
model = dict(
    type='QwenVL',
    processor=processor,
    model=dict(
        type='Qwen2_5_VLForConditionalGeneration',
        pretrained=pretrained,
        dtype='bf16',
        attn_implementation='sdpa'),
    generation_cfg=dict(max_new_tokens=2048))
