# DOTA-v1.0 test submission at full size (test images only, no labels), split into 1024 px
# patches (gap 200, the ss_1024 preset) while testing, no split on disk:
#   <data_root>/test/images/*.png    the original test images (P0006.png, ...)
# Override the location with --cfg-options data_root=/path/to/DOTA/
# Each patch is one sample, img_id P0006__1024__0___824 (PatchSplitDataset; see
# docs/large_images.md). Prompt and pixels: as dota-v1.0_val_online-split1024.py.
# Metric: none computed here (format_only). The answers of the patches are shifted by the
# patch offset, merged per image and class with rotated NMS at IoU 0.1 (mmrotate's
# DOTAMetric) and written as DOTA Task1 files, every score 1.0 (so the server's mAP is
# mAP_nc): work_dirs/dota-v1.0_test_online-split1024_submission/Task1/
#   Task1_<class>.txt  lines "P0006 1.0 x1 y1 x2 y2 x3 y3 x4 y4" (full-image pixels)
#   Task1.zip          the 15 files; upload it to the DOTA server (Task1, oriented boxes)
# If that folder exists, the files go to a fresh <...>/<timestamp>/Task1/ (logged).
_base_ = ['./dota-v1.0_val_online-split1024.py']
test_dataloader = dict(
    dataset=dict(
        patch_instances=False,  # test images have no labels
        dataset=dict(ann_file='',  # test images without annotations
                     data_prefix=dict(img_path='test/images/'))))
val_dataloader = test_dataloader
test_evaluator = dict(
    format_only=True,
    outfile_prefix='work_dirs/dota-v1.0_test_online-split1024_submission/Task1')
val_evaluator = test_evaluator
