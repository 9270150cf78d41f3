# General-domain LLaVA-OneVision instruction data, exported to a LLaVA JSON (the released
# HF dataset saved with its images; records without <image> get one before the first turn):
#   data/llava_onevision/images/, data/llava_onevision/llava_onevision_vl.json
llava_ov_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
llava_onevision_vl = dict(
    name='llava_onevision_vl',
    type='ConversationDataset',
    data_root='data/llava_onevision/',
    ann_file='llava_onevision_vl.json',
    data_prefix=dict(img_path='images/'),
    pipeline=llava_ov_pipeline)
