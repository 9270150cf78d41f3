# Qwen2.5-VL-7B-Instruct from a local directory (download once:
#   huggingface-cli download Qwen/Qwen2.5-VL-7B-Instruct --local-dir checkpoints/Qwen2.5-VL-7B-Instruct)
# Any Qwen2.5-VL folder written by save_pretrained loads the same way (RSCoVLM-7B-2512, a
# folder exported by tools/model_converters/export_hf.py): point both paths at it with
#   --cfg-options model.model.pretrained=DIR model.processor.pretrained=DIR
# The folder's tokenizer, chat template and min/max pixels (preprocessor_config.json) are
# used; model.processor.min_pixels / max_pixels override the pixel limits.
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
