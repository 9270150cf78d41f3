# DOTA-v1.0 (15 classes) as RSCoVLM scores it (rotated_det.py): DOTA labelTxt read by
# DOTADataset, difficult objects ignored (diff_thr=0, DOTA's protocol; upstream's own val
# kept them: diff_thr=100). Prompt: "find the baseball diamond, basketball court, ...,
# tennis court." Pixels: RSCoVLM's detection recipe, min 256*28*28, max 1296*28*28
# (a 512 px patch becomes 504 px, a 1024 px one 1008 px). A leaf sets the layout.
_base_ = ['./rotated_det.py']
test_pipeline = [
    dict(type='LoadImages'),  # crops the patch's window when PatchSplitDataset gives one
    dict(type='SmartResize', min_pixels=256 * 28 * 28, max_pixels=1296 * 28 * 28),
    dict(type='RenderDetTarget', codec={{_base_.codec}}, prompt='det_eval', with_answer=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(dataset=dict(type='DOTADataset', pipeline=test_pipeline))
val_dataloader = test_dataloader
