# RSICap: 2,585 human-written captions of DOTA crops (RSGPT's fine-tuning data), converted by
# tools/dataset_converters/rsgpt.py: data/RSICap/images/, data/RSICap/rsicap_caption.json.
# Prompt: RSGPT's fixed caption instruction.
rsicap_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=64 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderConversation'),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
rsicap = dict(
    name='rsicap',
    type='CaptionDataset',
    data_root='data/RSICap/',
    ann_file='rsicap_caption.json',
    data_prefix=dict(img_path='images/'),
    prompt='caption_detailed',
    pipeline=rsicap_pipeline)
