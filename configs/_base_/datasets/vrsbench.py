# VRSBench training conversations (captions, VQA and referring, questions tagged
# [caption]/[vqa]/[refer]) converted by tools/dataset_converters/vrsbench.py train:
#   data/VRSBench/Images_train/*.png, data/VRSBench/vrsbench_train.json
# Referring boxes are written on VRSBench's 0-100 grid and converted into pixels of the
# resized image (box_grid=100); each record reports under its task (caption, vqa,
# grounding). The evaluation sets are benchmark overlays.
vrsbench_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
vrsbench_train = dict(
    name='vrsbench_train',
    type='ConversationDataset',
    data_root='data/VRSBench/',
    ann_file='vrsbench_train.json',
    data_prefix=dict(img_path='Images_train/'),
    box_grid=100,
    pipeline=vrsbench_pipeline)
