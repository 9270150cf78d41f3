# RSCoVLM's co-training mixture (upstream rscovlm/config/data.json), each source with its
# upstream sampling factor ('*K' repeats K times, '%P' keeps a seeded P % subset). Under the
# shuffled sampler a source's share is its samples x factor, and batches mix tasks.
# The sources are keyed by name, so a child changes or drops one alone:
#   train_dataloader = dict(dataset=dict(datasets=dict(llava_onevision_vl=None),
#                                        sampling=dict(vhm_sft='*4')))
# Two upstream entries are not in this mixture yet: 'teochatlas_video' (temporal
# instruction data) and 'lrsvqa_train_visual_cot*2' (the Zoom-in Chain tool-call turns).
_base_ = [
    '../datasets/geochat-instruct.py', '../datasets/vhm-sft.py',
    '../datasets/llava-onevision.py', '../datasets/refgeo.py',
    '../datasets/dota-v1.0_split-512.py'
]
train_dataloader = dict(
    batch_size=1,
    num_workers=16,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='rscovlm.vlm_collate'),
    dataset=dict(
        type='TaskMixDataset',
        datasets=dict(
            geochat_instruct={{_base_.geochat_instruct}},
            vhm_sft={{_base_.vhm_sft}},
            llava_onevision_vl={{_base_.llava_onevision_vl}},
            refgeo_poly={{_base_.refgeo_poly}},
            refgeo_hbb={{_base_.refgeo_hbb}},
            dota_poly_trainval512={{_base_.dota_poly_trainval512}},
            dota_hbb_trainval512={{_base_.dota_hbb_trainval512}}),
        sampling=dict(
            geochat_instruct='*6',
            vhm_sft='*8',
            llava_onevision_vl='%10',
            refgeo_poly='*1',
            refgeo_hbb='*1',
            dota_poly_trainval512='*25',
            dota_hbb_trainval512='*1'),
        seed=42))
