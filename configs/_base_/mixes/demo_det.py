# The generated demo data's detection side alone (rbox answers), for the detection-only
# demo; data layout and pixels: _base_/datasets/demo.py. Test set: benchmarks/demo_det.py.
_base_ = ['../datasets/demo.py']
train_dataloader = dict(
    batch_size=16,
    # loading in the training process: on 2 cores a loader worker competes with the two
    # compute threads (measured on the demo: 0.31 s per iteration with one worker, 0.30 s
    # without)
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(type='TaskMixDataset', datasets=[{{_base_.demo_det}}]))
