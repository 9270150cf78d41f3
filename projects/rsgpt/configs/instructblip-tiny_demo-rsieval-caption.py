# Captioning test of the tiny InstructBLIP on the demo data exported as RSIEval (200
# images), RSGPT's prompt and decoding; BLEU-1..4, METEOR, ROUGE-L, CIDEr and
# rsgpt_caption.txt in the log folder.
#   python tools/test.py projects/rsgpt/configs/instructblip-tiny_demo-rsieval-caption.py \
#       work_dirs/instructblip-tiny_full_1xb16-1k_demo-rsicap/iter_1000.pth
_base_ = [
    './_base_/models/instructblip-tiny.py', './_base_/datasets/rsieval_caption.py',
    './_base_/datasets/demo_rsgpt.py', '../../../configs/_base_/default_runtime.py'
]
test_dataloader = dict(batch_size=16, num_workers=1, dataset={{_base_.demo_rsieval}})
test_cfg = dict(type='TestLoop')
val_dataloader = None  # a test-only config
val_evaluator = None
