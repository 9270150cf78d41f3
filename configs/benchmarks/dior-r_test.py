# DIOR-R test (11,738 images, 800 px, 20 classes) as COCO instances with polygons, written by
# tools/dataset_converters/dior_r.py (see dior_r.md):
#   python tools/dataset_converters/dior_r.py data/DIOR --split test \
#       --out data/DIOR/Annotations/test.json
#   <data_root>/Annotations/test.json, <data_root>/JPEGImages-test/*.jpg
# Override the location with --cfg-options data_root=/path/to/DIOR/
# Prompt (_base_/rotated_det.py): user = "find the airplane, airport, baseballfield, ...,
# windmill." (the 20 classes of the file's categories).
# Metric: mAP_nc (_base_/rotated_det.py); no object is ignored (mmrotate's DIOR protocol
# does not use <difficult>). Pixels: the model's processor (800 px stays 812 px under
# RSCoVLM's 1296*28*28 maximum).
_base_ = ['./_base_/rotated_det.py']
data_root = 'data/DIOR/'
test_dataloader = dict(
    dataset=dict(type='CocoDetDataset', data_root=data_root, ann_file='Annotations/test.json',
                 data_prefix=dict(img_path='JPEGImages-test/')))
val_dataloader = test_dataloader
