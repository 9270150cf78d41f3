# VQA test of the tiny InstructBLIP on the demo data exported as RSIEval (563 questions:
# count / presence / colour), the raw question as the prompt, RSGPT's decoding;
# contain-accuracy per type and rsgpt_vqa.txt in the log folder.
#   python tools/test.py projects/rsgpt/configs/instructblip-tiny_demo-rsieval-vqa.py \
#       work_dirs/instructblip-tiny_full_1xb16-1k_demo-rsicap/iter_1000.pth
_base_ = [
    './_base_/models/instructblip-tiny.py', './_base_/datasets/rsieval_vqa.py',
    './_base_/datasets/demo_rsgpt.py', '../../../configs/_base_/default_runtime.py'
]
test_dataloader = dict(batch_size=16, num_workers=1, dataset={{_base_.demo_rsieval}})
test_cfg = dict(type='TestLoop')
val_dataloader = None  # a test-only config
val_evaluator = None
