# InstructBLIP (Vicuna-13B) from a local directory: the transformers conversion of the
# LAVIS InstructBLIP-Vicuna13B checkpoint RSGPT starts from (EVA ViT-g/14, 39 blocks,
# 224 px; BERT-base Q-Former, 32 queries; Vicuna-13B v1.1). Download once:
#   huggingface-cli download Salesforce/instructblip-vicuna-13b \
#       --local-dir checkpoints/instructblip-vicuna-13b
# Override with --cfg-options model.model.pretrained=... model.processor.pretrained=...
# Loaded in fp16; the parts RSGPT trains (Q-Former, query tokens, projection, ln_vision)
# are kept in fp32 and run under AMP, as LAVIS does. Decoding: RSGPT's generate (5 beams,
# at most 256 / at least 1 new tokens, repetition penalty 1.5, length penalty 1).
custom_imports = dict(imports=['projects.rsgpt.rsgpt'], allow_failed_imports=False)
pretrained = 'checkpoints/instructblip-vicuna-13b'
processor = dict(type='LocalInstructBlipProcessor', pretrained=pretrained)
model = dict(
    type='InstructBLIP',
    processor=processor,
    model=dict(
        type='InstructBlipForConditionalGeneration', pretrained=pretrained, dtype='fp16'),
    # RSGPT (freeze_vit=True, freeze_qformer=False): Q-Former + queries + projection and
    # ln_vision (vision_model.post_layernorm) train, the ViT and Vicuna stay frozen
    freeze_vision=True,
    freeze_merger=False,
    freeze_language=True,
    train_ln_vision=True,
    generation_cfg=dict(
        num_beams=5, max_new_tokens=256, min_new_tokens=1, repetition_penalty=1.5,
        length_penalty=1.0, do_sample=False))
