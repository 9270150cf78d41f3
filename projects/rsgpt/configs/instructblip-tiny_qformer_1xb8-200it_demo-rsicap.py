# RSGPT's recipe at toy scale: the tiny random-init InstructBLIP on the demo data exported
# as RSICap (projects/rsgpt/tools/demo_to_rsgpt.py), RSGPT's freezing, optimizer and
# 200-iteration schedule, 8 images per iteration, fp32 (no AMP) on CPU. A pipeline check (the
# test suite trains it for two iterations): behind a frozen *random* LLM the Q-Former has
# little to learn; instructblip-tiny_full_1xb16-1k_demo-rsicap.py is the demo that learns.
#   python tools/train.py projects/rsgpt/configs/instructblip-tiny_qformer_1xb8-200it_demo-rsicap.py
_base_ = [
    './_base_/models/instructblip-tiny.py', './_base_/datasets/rsicap.py',
    './_base_/datasets/demo_rsgpt.py', './_base_/schedules/rsgpt_200it.py',
    '../../../configs/_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=8, num_workers=1, dataset={{_base_.demo_rsicap}})
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(by_epoch=False, interval=40, max_keep_ckpts=1))
randomness = dict(seed=42)
