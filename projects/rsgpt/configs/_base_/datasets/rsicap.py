# RSICap in RSGPT's own format: <data_root>/captions.json ({"annotations": [{"image_id",
# "filename", "text_input", "text_output"}]}) and <data_root>/images/P0378_0001.png ...
# Each entry's own instruction (text_input) and caption (text_output), raw; 224 px bicubic,
# CLIP mean / std, no augmentation (RSGPT's rs_image_train); instruction <= 160 tokens
# (left truncation), caption <= 256 (right truncation). 8 images per GPU, shuffled,
# endless (RSGPT counts "epochs" of 40 iterations).
rsicap_train_pipeline = [
    dict(type='LoadImages'),
    dict(type='RenderConversation'),
    dict(type='ProcessInstructBlipInputs', processor=None, max_txt_len=160,
         max_output_txt_len=256),
    dict(type='PackInstructBlipInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.instructblip_collate'),
    dataset=dict(
        type='RSICapDataset',
        data_root='data/RSICap/',
        ann_file='captions.json',
        data_prefix=dict(img_path='images/'),
        pipeline=rsicap_train_pipeline))
