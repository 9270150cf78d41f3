# GeoChat instruct (LLaVA conversations; boxes on a 0-100 grid, converted into pixels of
# the resized image as RSCoVLM trains them):
#   python tools/dataset_converters/geochat_instruct.py ...  (see its README)
#   data/GeoChat/images/, data/GeoChat/geochat_instruct.json
# Random resize off: RSCoVLM's generic-SFT path never applied it (set 1.0 to apply it;
# the boxes follow the drawn size).
geochat_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28,
         random_resize_prob=0.0),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
geochat_instruct = dict(
    name='geochat_instruct',
    type='ConversationDataset',
    data_root='data/GeoChat/',
    ann_file='geochat_instruct.json',
    data_prefix=dict(img_path='images/'),
    box_grid=100,
    pipeline=geochat_pipeline)
