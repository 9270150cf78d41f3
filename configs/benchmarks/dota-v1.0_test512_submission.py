# DOTA-v1.0 test submission (test images only, no labels), 512 px patches (gap 200):
#   python tools/dataset_converters/dota_split.py --preset ss_512 --nproc 8 \
#       --img-dirs data/DOTA/test/images --out-dir data/split_ss_dota_512/test
#   <data_root>/test/images/*.png    patches named P0006__512__0___0.png (no annfiles/)
# Override the location with --cfg-options data_root=/path/to/split_ss_dota_512/
# Prompt and pixels: as dota-v1.0_val.py (_base_/dota.py).
# Metric: none computed here. RotatedDetMetric passes format_only / merge_patches /
# outfile_prefix to mmrotate's DOTAMetric: patch answers are shifted by the patch offset in
# their name, merged per original image with rotated NMS (iou 0.1), and written as DOTA
# Task1 files (every score 1.0, so the server's mAP is mAP_nc):
# work_dirs/dota-v1.0_test512_submission/Task1/{Task1_<class>.txt, Task1.zip} (upload the zip
# to the DOTA server); lines "P0006 1.0 x1 y1 ... x4 y4" in full-image pixels. If that folder
# exists (mmrotate does not write into one), the files go to a fresh <...>/<timestamp>/Task1/
# (logged). Without splitting on disk: dota-v1.0_test_online-split1024_submission.py.
_base_ = ['./dota-v1.0_val.py']
test_dataloader = dict(
    dataset=dict(ann_file='',  # test images without annotations
                 data_prefix=dict(img_path='test/images/')))
val_dataloader = test_dataloader
test_evaluator = dict(
    format_only=True, merge_patches=True,
    outfile_prefix='work_dirs/dota-v1.0_test512_submission/Task1')
val_evaluator = test_evaluator
