# RSGPT captioning test on RSIEval (RSGPT test.py --task ic): 100 images, the fixed prompt
# "Please provide a detailed description of the picture.", RSGPT's beam search; BLEU-1..4,
# METEOR, ROUGE-L, CIDEr and rsgpt_caption.txt in the log folder.
#   python tools/test.py projects/rsgpt/configs/instructblip-vicuna-13b_rsieval-caption.py \
#       work_dirs/instructblip-vicuna-13b_qformer_8xb8-200it_rsicap/iter_200.pth \
#       --cfg-options data_root=data/RSIEval/
# The checkpoint holds the trained weights only; the rest comes from model.model.pretrained
# (loaded with strict=False, as RSGPT does). Leave the checkpoint out to score the
# InstructBLIP starting point.
_base_ = [
    './_base_/models/instructblip-vicuna-13b.py', './_base_/datasets/rsieval_caption.py',
    '../../../configs/_base_/default_runtime.py'
]
test_cfg = dict(type='TestLoop', fp16=True)  # the frozen parts are fp16 (autocast)
val_dataloader = None  # a test-only config
val_evaluator = None
