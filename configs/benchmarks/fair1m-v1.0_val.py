# FAIR1M val: FAIR1M-1.0 has no public labelled val/test split, so this scores the
# validation set of FAIR1M-2.0 (its train set is FAIR1M-1.0's), converted to DOTA labelTxt
# and split into 1024 px patches (gap 200) as fair1m.md describes:
#   python tools/dataset_converters/fair1m.py data/FAIR1M2.0/validation/labelXml \
#       --format dota --out data/FAIR1M2.0/validation/labelTxt
#   python tools/dataset_converters/dota_split.py --preset ss_1024 --nproc 8 \
#       --img-dirs data/FAIR1M2.0/validation/images \
#       --ann-dirs data/FAIR1M2.0/validation/labelTxt --out-dir data/split_ss_fair1m_2_0/val
#   <data_root>/val/annfiles/*.txt, <data_root>/val/images/*.png
# Override the location with --cfg-options data_root=/path/to/split_ss_fair1m_2_0/
# Prompt (_base_/rotated_det.py): user = "find the a220, a321, ..., van, warship."
# (FAIR1MDataset's 37 classes). Deviation: LMMRotate scores 34 classes (other-airplane /
# other-ship / other-vehicle skipped), but FAIR1MDataset stops on a class outside
# metainfo.classes, so the three other-* classes stay in the prompt and in the mAP here.
# Metric: mAP_nc (_base_/rotated_det.py); objects cut by a patch border (difficulty 2 from
# the splitter) are ignored (diff_thr=0). Pixels: the model's processor.
_base_ = ['./_base_/rotated_det.py']
data_root = 'data/split_ss_fair1m_2_0/'
test_dataloader = dict(
    batch_size=4,
    dataset=dict(type='FAIR1MDataset', data_root=data_root, ann_file='val/annfiles/',
                 data_prefix=dict(img_path='val/images/')))
val_dataloader = test_dataloader
