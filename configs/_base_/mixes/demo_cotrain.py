# The demo's co-training mixture: every task family of the generated data in one run.
# Detection keeps about half of the samples (it is by far the hardest task for a tiny
# model); the other families are seeded subsets, sized by what they need: classification
# and captions are learnt within a few hundred iterations from a few thousand samples,
# while the two other localisation tasks, grounding and the conversations' grid boxes,
# get more. One pass is about 33k samples.
_base_ = ['../datasets/demo.py']
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(
        type='TaskMixDataset',
        datasets=[
            {{_base_.demo_det}}, {{_base_.demo_grounding}}, {{_base_.demo_caption}},
            {{_base_.demo_vqa}}, {{_base_.demo_cls}}, {{_base_.demo_conversation}}
        ],
        sampling=dict(
            demo_det='*1',
            demo_grounding='%38',
            demo_caption='%5',
            demo_vqa='%10',
            demo_cls='%10',
            demo_conversation='*1'),
        seed=0))
