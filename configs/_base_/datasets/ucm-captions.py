# UCM-captions (Karpathy-style dataset.json, five captions per image) converted by
# tools/dataset_converters/ucm_captions.py (the same script reads Sydney-captions and RSICD):
#   data/UCM_captions/imgs/, data/UCM_captions/ucm_caption_{train,val,test}.json
ucm_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
ucm_captions = dict(
    name='ucm_captions',
    type='CaptionDataset',
    data_root='data/UCM_captions/',
    ann_file='ucm_caption_train.json',
    data_prefix=dict(img_path='imgs/'),
    pipeline=ucm_pipeline)
