# The generated demo data in RSGPT's formats (RSICap / RSIEval JSON), written by
#   python tools/misc/generate_demo_data.py data/demo
#   python projects/rsgpt/tools/demo_to_rsgpt.py data/demo
# RSICap: data/demo/rsgpt/RSICap/captions.json over data/demo/train/images/ (16,000
# images, one two-sentence description each); RSIEval: data/demo/rsgpt/RSIEval/
# annotations.json over data/demo/test/images/ (200 images, 563 questions of the types
# count / presence / colour). Child configs put these into the RSICap / RSIEval datasets.
demo_data_root = 'data/demo/'
demo_rsicap = dict(
    data_root=demo_data_root,
    ann_file='rsgpt/RSICap/captions.json',
    data_prefix=dict(img_path='train/images/'))
demo_rsieval = dict(
    data_root=demo_data_root,
    ann_file='rsgpt/RSIEval/annotations.json',
    data_prefix=dict(img_path='test/images/'))
