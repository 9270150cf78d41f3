# VHM supervised fine-tuning mix (LLaVA conversations: scene classification, captioning,
# VQA, counting, ...): data/vhm/images/, data/vhm/vhm_sft.json (the released JSON is already
# in LLaVA format). Random resize off, as RSCoVLM's generic-SFT path effectively trains.
vhm_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28,
         random_resize_prob=0.0),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
vhm_sft = dict(
    name='vhm_sft',
    type='ConversationDataset',
    data_root='data/vhm/',
    ann_file='vhm_sft.json',
    data_prefix=dict(img_path='images/'),
    pipeline=vhm_pipeline)
