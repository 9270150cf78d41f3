# The generated demo data (tools/misc/generate_demo_data.py data/demo): 112 px images of
# four object classes on five scene types, with every task family derived from the same
# objects: data/demo/train/{images/, annfiles/ (DOTA), grounding.jsonl, captions.json,
# vqa.json, cls.json, conversations.json}. Images stay at 112 x 112 (16 visual tokens);
# no system prompts (the chat template's default), which keeps CPU steps short.
demo_load_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=112 * 112, max_pixels=112 * 112),
]
demo_process_pipeline = [dict(type='ProcessVLMInputs', processor=None), dict(type='PackVLMInputs')]
demo_det = dict(
    name='demo_det',
    type='DemoDOTADataset',
    data_root='data/demo/',
    ann_file='train/annfiles/',
    data_prefix=dict(img_path='train/images/'),
    region_types=('rbox', ),
    pipeline=demo_load_pipeline + [
        dict(type='RenderDetTarget', codec=dict(type='RBoxCodec'),
             prompt='det_train', system_prompt=False)
    ] + demo_process_pipeline)
demo_grounding = dict(
    name='demo_grounding',
    type='GroundingDataset',
    data_root='data/demo/',
    ann_file='train/grounding.jsonl',
    data_prefix=dict(img_path='train/'),  # records name dataset='images'
    region_types=('hbox', ),
    pipeline=demo_load_pipeline + [
        dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'), system_prompt=False)
    ] + demo_process_pipeline)
demo_caption = dict(
    name='demo_caption',
    type='CaptionDataset',
    data_root='data/demo/',
    ann_file='train/captions.json',
    data_prefix=dict(img_path='train/images/'),
    pipeline=demo_load_pipeline + [dict(type='RenderConversation')] + demo_process_pipeline)
demo_vqa = dict(
    name='demo_vqa',
    type='VQADataset',
    data_root='data/demo/',
    ann_file='train/vqa.json',
    data_prefix=dict(img_path='train/images/'),
    pipeline=demo_load_pipeline + [dict(type='RenderConversation')] + demo_process_pipeline)
demo_cls = dict(
    name='demo_cls',
    type='ClassificationDataset',
    data_root='data/demo/',
    ann_file='train/cls.json',
    data_prefix=dict(img_path='train/images/'),
    pipeline=demo_load_pipeline + [dict(type='RenderConversation')] + demo_process_pipeline)
demo_conversation = dict(
    name='demo_conversation',
    type='ConversationDataset',
    data_root='data/demo/',
    ann_file='train/conversations.json',
    data_prefix=dict(img_path='train/images/'),
    box_grid=100,
    pipeline=demo_load_pipeline + [dict(type='RenderConversation')] + demo_process_pipeline)
