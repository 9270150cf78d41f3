# VRSBench referring (visual grounding, val images), grounding JSONL written by
# tools/dataset_converters/vrsbench.py (boxes converted from the 0-100 grid to pixels):
#   python tools/dataset_converters/vrsbench.py referring \
#       data/VRSBench/VRSBench_EVAL_referring.json --img-dir data/VRSBench/Images_val \
#       --out data/VRSBench/vrsbench_referring_test.jsonl
#   ln -s Images_val data/VRSBench/vrsbench   # records name dataset 'vrsbench'
#   <data_root>/vrsbench_referring_test.jsonl, <data_root>/vrsbench/<image_id>
# (Converting with --dataset '' instead reads Images_val/ directly: set img_path='Images_val/'.)
# Override the location with --cfg-options data_root=/path/to/VRSBench/
# Prompt (upstream plain; prompt 'ground_vrsbench'), no system prompt:
#   "find the {expression}, delivering coordinates in plain text format 'x1,y1,x2,y2 object'"
# where the expression is upstream's (format_vrsbench.py `normal_caption`), as the converter
# writes it: VRSBench's sentence with a leading "the " (any case) removed and then, in that
# case, the trailing "." ("The white car at the top." -> "find the white car at the top, ...").
# Metric: Acc@0.5 (%) (_base_/grounding.py) against the record's `bbox` (VRSBench's GT box
# in pixels; the `poly` from obj_corner is not used for hbox), upstream compared with the
# 0-100 grid box here, which looks inconsistent; GeoGround's vrsbench_test is in pixels.
# Pixels: the model's processor.
_base_ = ['./_base_/grounding.py']
data_root = 'data/VRSBench/'
test_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', processor=None),
    dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'), prompt='ground_vrsbench',
         with_answer=False, system_prompt=False),
    dict(type='ProcessVLMInputs', processor=None),
    dict(type='PackVLMInputs'),
]
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='vrsbench_referring_test.jsonl',
                 data_prefix=dict(img_path=''), pipeline=test_pipeline))
val_dataloader = test_dataloader
