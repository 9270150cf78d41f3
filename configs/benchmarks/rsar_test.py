# RSAR (SAR oriented detection, 6 classes) test split as COCO instances with polygons
# (docs/data_formats.md), the layout LMMRotate uses:
#   <data_root>/test.json, <data_root>/test/images/*
# No rscovlm converter writes RSAR yet: use LMMRotate's test.json, or convert RSAR's DOTA
# labelTxt annfiles into COCO instances (segmentation = the 4 corners) with these names.
# Override the location with --cfg-options data_root=/path/to/RSAR/
# Classes (LMMRotate, B9): ship, aircraft, car, tank, bridge, harbor.
# Prompt (_base_/rotated_det.py): user = "find the aircraft, bridge, car, harbor, ship, tank."
# Metric: mAP_nc (_base_/rotated_det.py). Pixels: the model's processor.
_base_ = ['./_base_/rotated_det.py']
data_root = 'data/RSAR/'
test_dataloader = dict(
    dataset=dict(type='CocoDetDataset', data_root=data_root, ann_file='test.json',
                 data_prefix=dict(img_path='test/images/'),
                 metainfo=dict(classes=('ship', 'aircraft', 'car', 'tank', 'bridge',
                                        'harbor'))))
val_dataloader = test_dataloader
