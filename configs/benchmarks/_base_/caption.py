# Captioning: rscovlm's caption JSON (docs/data_formats.md); a leaf sets the prompt.
# Metric: BLEU-1..4, METEOR, ROUGE-L, CIDEr (pycocoevalcap with the PTB tokenizer, x100: the
# captioning literature) and CIDEr_raw (lower-cased raw strings, no tokenizer: the number
# RSCoVLM reports). METEOR and PTB need Java; without it use
# metrics=('BLEU', 'ROUGE_L', 'CIDEr'), tokenizer=None. Every reference is scored, empty
# ones included, as upstream (docs/metrics.md); drop_empty_references=True leaves them out.
_base_ = ['./vlm_test.py']
test_dataloader = dict(dataset=dict(type='CaptionDataset'))
val_dataloader = test_dataloader
test_evaluator = dict(type='CaptionMetric', drop_empty_references=False)
val_evaluator = test_evaluator
