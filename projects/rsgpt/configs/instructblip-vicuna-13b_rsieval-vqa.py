# RSGPT VQA test on RSIEval (RSGPT test.py --task vqa): every non-empty question, the raw
# question as the prompt, RSGPT's beam search; contain-accuracy per question type (an
# automatic substitute for RSGPT's manual judgement) and rsgpt_vqa.txt in the log folder.
#   python tools/test.py projects/rsgpt/configs/instructblip-vicuna-13b_rsieval-vqa.py \
#       work_dirs/instructblip-vicuna-13b_qformer_8xb8-200it_rsicap/iter_200.pth \
#       --cfg-options data_root=data/RSIEval/
_base_ = [
    './_base_/models/instructblip-vicuna-13b.py', './_base_/datasets/rsieval_vqa.py',
    '../../../configs/_base_/default_runtime.py'
]
test_cfg = dict(type='TestLoop', fp16=True)  # the frozen parts are fp16 (autocast)
val_dataloader = None  # a test-only config
val_evaluator = None
