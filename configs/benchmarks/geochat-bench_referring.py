# GeoChat-Bench referring (GeoChat's `referring.jsonl`), in rscovlm's grounding JSONL
# (docs/data_formats.md), written by
#   python tools/dataset_converters/geochat_bench.py referring data/GeoChat-Bench/referring.jsonl \
#       --out data/GeoChat-Bench/referring_grounding.jsonl
# (tools/dataset_converters/geochat_bench.md). Each GeoChat record
# {"question_id", "image_id", "ground_truth", "question", "type", "dataset", "obj_ids",
# "size_group"} already gives `ground_truth` as one 4-point polygon [[x, y] x 4] per object
# the expression refers to, in original pixels, and an `image_id` without extension (the
# image is `<image_id>.png` of GeoChat_Instruct's images; upstream's format_geochat.py appends
# '.png'). The converter writes it as {"image_id": "<image_id>.png", "question", "question_id",
# "polys": <ground_truth>, "type", "size_group", "obj_ids"}, without `dataset` (FAST, SIOR,
# SOTA: GroundingDataset would read it as an image sub-folder):
#   <data_root>/referring_grounding.jsonl, <data_root>/images/referring/<image_id>.png
# (not referring.jsonl, GeoChat's own file in the same folder).
# Override the location with --cfg-options data_root=/path/to/GeoChat-Bench/
# Prompt (upstream geochat_referring plain, no system prompt):
#   "Find all {expression}, delivering each oriented coordinates in plain text format
#   'x1,y1,x2,y2,x3,y3,x4,y4 object'"
# Metric: Pr(F1=1, IoU=0.5) (%): every 8-int (else 4-int) box of the answer is matched
# greedily to the ground truth by GIoU >= 0.5; an expression is correct iff F1 = 1. Also
# per size group, per type, and single vs multiple objects. The answer is parsed as upstream,
# with unsigned integers (\d+): a polygon past the image border ("30,-6,130,4,...", which
# GeoChat-Bench's GT has and QBoxCodec writes) is misread, so even its exact answer fails.
# That default is what compares with the papers; GeoChatReferringMetric(signed_coords=True)
# reads -?\d+ and scores such answers correctly:
#   --cfg-options test_evaluator.signed_coords=True
# Ground truth: each GeoChat polygon as given (upstream's polygon_giou), so PackVLMInputs
# packs qboxes (box_type='qbox'), not their rotated rectangles. rscovlm's earlier rule,
# every polygon replaced by its minimum-area rectangle, is
#   --cfg-options test_evaluator.gt_min_area_rect=True
# Pixels: the model's processor.
_base_ = ['./_base_/vlm_test.py']
data_root = 'data/GeoChat-Bench/'
test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderGroundingTarget', codec=dict(type='QBoxCodec'),
         prompt=("Find all {phrase}, delivering each oriented coordinates in plain text "
                 "format 'x1,y1,x2,y2,x3,y3,x4,y4 object'"),
         with_answer=False, system_prompt=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs', box_type='qbox'),  # the GT polygons as given
]
test_dataloader = dict(
    dataset=dict(type='GroundingDataset', data_root=data_root,
                 ann_file='referring_grounding.jsonl',
                 data_prefix=dict(img_path='images/referring/'), task='referring',
                 region_types=('qbox', ), pipeline=test_pipeline))
val_dataloader = test_dataloader
test_evaluator = dict(type='GeoChatReferringMetric', task='referring', iou_thr=0.5, f1_thr=1.0,
                      gt_min_area_rect=False)
val_evaluator = test_evaluator
