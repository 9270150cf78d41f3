# DOTA-v1.0 val at full size: the original images are split into 1024 px patches (gap 200,
# the ss_1024 preset of tools/dataset_converters/dota_split.py) while testing, no split on disk:
#   <data_root>/val/images/*.png     the original val images (P0003.png, 4000 x 4000 px and so)
#   <data_root>/val/labelTxt/*.txt   DOTA labelTxt (imagesource / gsd header lines skipped)
# Override the location with --cfg-options data_root=/path/to/DOTA/
# Each patch is one sample, img_id P0003__1024__0___824 (PatchSplitDataset: the image header
# gives the windows, LoadImages crops the window when the patch is loaded, pixel-identical
# to the converter's patches; see docs/large_images.md).
# Prompt and pixels: as dota-v1.0_val1024.py (_base_/dota.py).
# Metric: mAP_nc of the merged full images: the answers of the patches are shifted by the
# patch offset, merged per image and class with rotated NMS at IoU 0.1 (mmrotate's
# DOTAMetric / the RSCoVLM protocol) and scored against the full-image labelTxt (rotated
# IoU 0.5, VOC07 11-point AP, every box scores 1.0, difficult objects ignored: diff_thr=0).
# Also reported: merge/images, merge/patch_boxes (before NMS), merge/boxes (after).
_base_ = ['./_base_/dota.py']
data_root = 'data/DOTA/'
test_dataloader = dict(
    batch_size=4,
    dataset=dict(
        _delete_=True,  # the wrapper holds the image dataset
        type='PatchSplitDataset',
        preset='ss_1024',  # or patch_size=..., gap=..., rates=[...]
        dataset=dict(
            type='DOTADataset',
            data_root=data_root,
            ann_file='val/labelTxt/',
            data_prefix=dict(img_path='val/images/'),
            test_mode=True,
            pipeline={{_base_.test_pipeline}})))
val_dataloader = test_dataloader
test_evaluator = dict(merge_patches=True, iou_thr=0.1)
val_evaluator = test_evaluator
