# RSGPT: InstructBLIP-Vicuna13B fine-tuned on RSICap as train_configs/rsgpt_train.yaml does.
# The Q-Former (with its text embeddings), the 32 query tokens, the language projection and
# ln_vision train; the ViT and Vicuna are frozen; loss on the caption tokens and </s>.
# 8 GPUs x 8 images, 200 iterations (5 x 40), AdamW 3e-5 -> 1e-5 cosine after 40 warm-up
# iterations from 1e-6, fp16 AMP, seed 42 (+ rank). Checkpoints every 40 iterations hold
# the trained weights only; RSGPT evaluates the last one.
#   bash tools/dist_train.sh \
#       projects/rsgpt/configs/instructblip-vicuna-13b_qformer_8xb8-200it_rsicap.py 8 \
#       --cfg-options data_root=data/RSICap/
# Then test with instructblip-vicuna-13b_rsieval-caption.py / _rsieval-vqa.py.
_base_ = [
    './_base_/models/instructblip-vicuna-13b.py', './_base_/datasets/rsicap.py',
    './_base_/schedules/rsgpt_200it.py', '../../../configs/_base_/default_runtime.py'
]
optim_wrapper = dict(type='AmpOptimWrapper', dtype='float16', loss_scale='dynamic')
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=40, max_keep_ckpts=5))
randomness = dict(seed=42, diff_rank_seed=True)
# the schedule is set for 8 GPUs x 8 images (RSGPT's 64 images per iteration)
auto_scale_lr = dict(enable=False, base_batch_size=64)
