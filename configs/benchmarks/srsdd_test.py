# SRSDD (SAR ship detection, 6 classes) test split as COCO instances with polygons, laid
# out as rsar_test.py (LMMRotate's layout):
#   <data_root>/test.json, <data_root>/test/images/*
# No rscovlm converter writes SRSDD yet: use LMMRotate's test.json, or convert SRSDD's DOTA
# labelTxt into COCO instances (segmentation = the 4 corners) with these category names.
# Override the location with --cfg-options data_root=/path/to/SRSDD/
# Classes (LMMRotate, B9): Cell-Container, Container, Dredger, Fishing, LawEnforce, ore-oil;
# a category of the file with another name is skipped, so the names must match.
# Prompt (_base_/rotated_det.py): user = "find the cell container, container, dredger,
# fishing, lawenforce, ore oil."
# Metric: mAP_nc (_base_/rotated_det.py); LMMRotate's conventional-detector baselines on
# SRSDD used RotatedCocoMetric bbox_mAP_50 instead. Pixels: the model's processor.
_base_ = ['./rsar_test.py']
data_root = 'data/SRSDD/'
test_dataloader = dict(
    dataset=dict(data_root=data_root,
                 metainfo=dict(classes=('Cell-Container', 'Container', 'Dredger', 'Fishing',
                                        'LawEnforce', 'ore-oil'))))
val_dataloader = test_dataloader
