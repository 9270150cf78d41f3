# A tiny random-init Qwen2.5-VL (about 3M parameters) with the offline tiny processor:
# same architecture as Qwen2.5-VL-7B (window-attention ViT, patch 14, 2x2 merger, M-RoPE
# language model), small enough to train on a laptop CPU. Tests and the demo use it.
# The tokenizer learns its words from every text rscovlm writes into a conversation and
# from the generated demo data.
processor = dict(type='TinyQwen2VLProcessor', min_pixels=56 * 56, max_pixels=112 * 112,
                 corpus=[dict(type='tokenizer_corpus'), dict(type='demo_corpus')])
model = dict(
    type='QwenVL',
    processor=processor,
    model=dict(
        type='Qwen2_5_VLForConditionalGeneration',
        config=dict(
            vision_config=dict(
                depth=4, hidden_size=128, intermediate_size=256, num_heads=4,
                out_hidden_size=192, patch_size=14, spatial_merge_size=2,
                temporal_patch_size=2, window_size=112, fullatt_block_indexes=[1, 3]),
            text_config=dict(
                hidden_size=192, intermediate_size=512, num_hidden_layers=4,
                num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=2048,
                # M-RoPE splits each head's 16 rotary frequencies into time / row / column
                # sections, the columns getting the slowest. With Qwen's theta (1e6, 128-d
                # heads) a 4 x 4 grid of visual tokens would be nearly indistinguishable
                # here; theta 10 keeps rows and columns apart.
                rope_parameters=dict(
                    rope_type='default', rope_theta=10.0, mrope_section=[4, 6, 6])),
            tie_word_embeddings=True),
        attn_implementation='sdpa'),
    generation_cfg=dict(max_new_tokens=160))
