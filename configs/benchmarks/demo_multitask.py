# Every task of the generated demo data's test split (tools/misc/generate_demo_data.py),
# scored by its own metric: detection mAP_nc (200 images), grounding Acc@0.5 (hbox answers),
# captioning BLEU / ROUGE-L / CIDEr (PTB tokenizer; METEOR is left out here because its
# Java start-up costs 12 s), VQA contain-accuracy per question type, scene classification
# accuracy, and the multi-turn conversations' final box answers (Acc@0.5, earlier turns
# given as context). Prompts: the training prompts (see demo_det.py for detection's, and
# for the difficult objects' rule, ignore_mode='mmrotate': perfect answers score 0.9902).
_base_ = ['./demo_det.py']
demo_test_load_pipeline = [
    dict(type='LoadImages'),
    dict(type='SmartResize', min_pixels=112 * 112, max_pixels=112 * 112),
]
demo_test_process_pipeline = [dict(type='ProcessVLMInputs', processor=None), dict(type='PackVLMInputs')]
demo_test_conversation_pipeline = demo_test_load_pipeline + [dict(type='RenderConversation', with_answer=False)
                                           ] + demo_test_process_pipeline
val_dataloader = dict(
    batch_size=50,
    dataset=dict(
        _delete_=True,
        type='TaskMixDataset',
        datasets=dict(
            demo_det_test=dict(
                type='DemoDOTADataset',
                data_root={{_base_.demo_data_root}},
                ann_file='test/annfiles/',
                data_prefix=dict(img_path='test/images/'),
                region_types=('rbox', ),
                test_mode=True,
                pipeline=demo_test_load_pipeline + [
                    dict(type='RenderDetTarget', codec={{_base_.demo_codec}}, prompt='det_train',
                         with_answer=False, system_prompt=False)
                ] + demo_test_process_pipeline),
            demo_grounding_test=dict(
                type='GroundingDataset',
                data_root={{_base_.demo_data_root}},
                ann_file='test/grounding.jsonl',
                data_prefix=dict(img_path='test/'),
                test_mode=True,
                pipeline=demo_test_load_pipeline + [
                    dict(type='RenderGroundingTarget', codec=dict(type='HBoxCodec'),
                         with_answer=False, system_prompt=False)
                ] + demo_test_process_pipeline),
            demo_caption_test=dict(
                type='CaptionDataset',
                data_root={{_base_.demo_data_root}},
                ann_file='test/captions.json',
                data_prefix=dict(img_path='test/images/'),
                test_mode=True,
                pipeline=demo_test_conversation_pipeline),
            demo_vqa_test=dict(
                type='VQADataset',
                data_root={{_base_.demo_data_root}},
                ann_file='test/vqa.json',
                data_prefix=dict(img_path='test/images/'),
                test_mode=True,
                pipeline=demo_test_conversation_pipeline),
            demo_cls_test=dict(
                type='ClassificationDataset',
                data_root={{_base_.demo_data_root}},
                ann_file='test/cls.json',
                data_prefix=dict(img_path='test/images/'),
                test_mode=True,
                pipeline=demo_test_conversation_pipeline),
            demo_conversation_test=dict(
                type='ConversationDataset',
                data_root={{_base_.demo_data_root}},
                ann_file='test/conversations.json',
                data_prefix=dict(img_path='test/images/'),
                box_grid=100,
                test_mode=True,
                pipeline=demo_test_conversation_pipeline),
        )))
test_dataloader = val_dataloader
# detection twice from one generation: mAP_nc (every box 1.0, the RSCoVLM protocol) and a
# ranked mAP whose box scores are each box line's token probabilities (dota_logprob/; the
# model config sets box_scores='logprob', as the demo config does)
val_evaluator = [
    dict(type='RotatedDetMetric', task='det', metric='mAP', iou_thrs=[0.5],
         eval_mode='11points', predict_box_type='rbox', codec={{_base_.demo_codec}},
         ignore_mode='mmrotate'),
    dict(type='RotatedDetMetric', task='det', metric='mAP', iou_thrs=[0.5],
         eval_mode='11points', predict_box_type='rbox', codec={{_base_.demo_codec}},
         score_mode='logprob', ignore_mode='mmrotate', prefix='dota_logprob'),
    dict(type='GroundingMetric', task='grounding'),
    dict(type='CaptionMetric', task='caption', metrics=('BLEU', 'ROUGE_L', 'CIDEr')),
    dict(type='VQAMetric', task='vqa', rule='contain'),
    dict(type='ClassificationMetric', task='cls'),
    # the final answer of a conversation, when it is a box (48 of the 50): Acc@0.5
    dict(type='GroundingMetric', task='conversation', prefix='conversation',
         skip_without_gt=True),
]
test_evaluator = val_evaluator
