# Qwen2.5-VL-7B-Instruct from a local directory (download once:
#   huggingface-cli download Qwen/Qwen2.5-VL-7B-Instruct --local-dir checkpoints/Qwen2.5-VL-7B-Instruct)
# Override with --cfg-options model.model.pretrained=... model.processor.pretrained=...
pretrained = 'checkpoints/Qwen2.5-VL-7B-Instruct'
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
