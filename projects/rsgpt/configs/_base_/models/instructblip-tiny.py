# A tiny random-init InstructBLIP (about 2.5M parameters) with the offline tiny processor
# (LLaMA-style BPE tokenizer with LAVIS's quirks, BERT-style Q-Former tokenizer): the same
# architecture as InstructBLIP-Vicuna (ViT, instruction-aware Q-Former with cross-attention
# every 2nd layer, linear projection, LLaMA decoder), small enough for a laptop CPU.
# 112 px images (the demo's size): 64 patches of 14 px; 16 queries.
# Vocabulary sizes, special ids, image size and query count come from the processor.
# RSGPT's freezing and decoding; checkpoints keep every weight (the frozen parts are
# random here, so they exist only in the checkpoint).
custom_imports = dict(imports=['projects.rsgpt.rsgpt'], allow_failed_imports=False)
processor = dict(type='TinyInstructBlipProcessor', image_size=112, num_query_tokens=16)
model = dict(
    type='InstructBLIP',
    processor=processor,
    model=dict(
        type='InstructBlipForConditionalGeneration',
        config=dict(
            vision_config=dict(
                hidden_size=128, intermediate_size=256, num_hidden_layers=4,
                num_attention_heads=4, patch_size=14),
            qformer_config=dict(
                hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                num_attention_heads=4, cross_attention_frequency=2,
                max_position_embeddings=256),
            text_config=dict(
                model_type='llama', hidden_size=192, intermediate_size=512,
                num_hidden_layers=4, num_attention_heads=6, num_key_value_heads=2,
                max_position_embeddings=1024, tie_word_embeddings=True)),
        attn_implementation='sdpa'),
    freeze_vision=True,
    freeze_merger=False,
    freeze_language=True,
    train_ln_vision=True,
    save_trainable_only=False,
    generation_cfg=dict(
        num_beams=5, max_new_tokens=64, min_new_tokens=1, repetition_penalty=1.5,
        length_penalty=1.0, do_sample=False))
