# The generated demo data's detection side alone (rbox answers), for the detection-only
# demo; data layout and pixels: _base_/datasets/demo.py. Test set: benchmarks/demo_det.py.
_base_ = ['../datasets/demo.py']
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(type='TaskMixDataset', datasets=[{{_base_.demo_det}}]))
