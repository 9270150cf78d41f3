# The co-training demo with sequence packing: the same mixture, packed into rows of at
# most 1024 tokens (about 16 samples, a padded batch's worth) with attention kept inside
# each sample, so no step computes padding.
_base_ = ['./qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py']
train_dataloader = dict(
    batch_size=1,
    collate_fn=dict(type='rscovlm.vlm_pack_collate'),
    dataset=dict(
        _delete_=True,
        type='PackedDataset',
        dataset={{_base_.train_dataloader.dataset}},
        max_tokens=1024))
