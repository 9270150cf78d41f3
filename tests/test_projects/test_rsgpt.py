"""projects/rsgpt: the InstructBLIP wrapper's freezing, inputs and generation, the RSICap /
RSIEval datasets on hand-made JSON, RSGPT's optimisation recipe and output files, and a
two-iteration train + captioning / VQA test of the tiny config through the tools."""
import copy
import glob
import json
import math
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from tool_runner import REPO, run

# projects/ lives in the repository, not in the installed package (the tools put the
# repository on sys.path through rscovlm.utils.load_config; pytest does not)
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from projects.rsgpt.rsgpt import (InstructBLIP, LinearWarmupCosineLR,  # noqa: E402
                                  PackInstructBlipInputs, ProcessInstructBlipInputs,
                                  RSGPTOutputDump, RSICapDataset, RSIEvalCaptionDataset,
                                  RSIEvalVQADataset, instructblip_collate)
from projects.rsgpt.rsgpt.engine.optim import lavis_param_groups  # noqa: E402
from rscovlm.datasets.transforms import LoadImages, RenderConversation  # noqa: E402
from rscovlm import registry as R  # noqa: E402
from rscovlm.registry import MODELS  # noqa: E402
from rscovlm.utils import complete_config, iter_dataset_cfgs, load_config  # noqa: E402

CONFIGS = 'projects/rsgpt/configs/'
TRAIN_CONFIG = CONFIGS + 'instructblip-tiny_qformer_1xb8-200it_demo-rsicap.py'
CAPTION_PROMPT = 'Please provide a detailed description of the picture.'
TRAINED_PREFIXES = ('qformer.', 'query_tokens', 'language_projection.',
                    'vision_model.post_layernorm.')


@pytest.fixture(scope='module')
def tiny_model_cfg():
    return load_config(osp.join(REPO, TRAIN_CONFIG)).model


@pytest.fixture(scope='module')
def model(tiny_model_cfg):
    torch.manual_seed(0)
    return MODELS.build(copy.deepcopy(tiny_model_cfg))


@pytest.fixture(scope='module')
def rsgpt_files(tmp_path_factory):
    """Hand-made RSICap / RSIEval files (the published formats) and two images."""
    root = tmp_path_factory.mktemp('rsgpt')
    (root / 'images').mkdir()
    rng = np.random.default_rng(0)
    for name in ('P0002_0001.png', 'P0001_0007.png'):
        cv2.imwrite(str(root / 'images' / name),
                    rng.integers(0, 255, (60, 80, 3), dtype=np.uint8))
    rsicap = {'annotations': [
        {'image_id': '0', 'filename': 'P0002_0001.png',
         'text_input': 'Describe this image in detail.',
         'text_output': 'This is a high-resolution aerial image showing a harbor. '},
        {'image_id': '1', 'filename': 'P0001_0007.png',
         'text_input': 'Take a look at this image and describe what you notice.',
         'text_output': 'Two tennis courts next to a road.'},
    ]}
    rsieval = {'annotations': [
        {'filename': 'P0002_0001.png', 'caption': 'A harbor with several boats.',
         'qa_pairs': [
             {'question': 'How many boats are there?', 'answer': 'There are seven boats.',
              'type': 'quantity'},
             {'question': '', 'answer': 'yes', 'type': 'presence'},
             {'question': 'Is the image panchromatic?', 'answer': 'No.', 'type': 'image'}]},
        {'filename': 'P0001_0007.png', 'caption': 'Two tennis courts.',
         'qa_pairs': [{'question': ' Is there a road? ', 'answer': 'Yes', 'type': 'presence'},
                      {'question': '   ', 'answer': 'no', 'type': 'presence'}]},
    ]}
    (root / 'captions.json').write_text(json.dumps(rsicap))
    (root / 'annotations.json').write_text(json.dumps(rsieval))
    return root


def dataset(cls, root, ann_file, **kwargs):
    ds = cls(data_root=str(root), ann_file=ann_file, data_prefix=dict(img_path='images/'),
             pipeline=[], **kwargs)
    ds.full_init()
    return [ds.get_data_info(i) for i in range(len(ds))]


# ----------------------------------------------------------------------------- configs
PROJECT_CONFIGS = sorted(osp.relpath(p, REPO) for p in glob.glob(
    osp.join(REPO, CONFIGS, '*.py')))


@pytest.mark.parametrize('path', PROJECT_CONFIGS)
def test_project_configs_resolve_and_build_their_pipelines(path, tiny_model_cfg):
    cfg = load_config(osp.join(REPO, path))
    assert MODELS.get(cfg.model.type) is InstructBLIP
    assert R.PROCESSORS.get(cfg.model.processor.type) is not None
    if cfg.model.processor.type != 'TinyInstructBlipProcessor':
        cfg.model = copy.deepcopy(tiny_model_cfg)  # no Vicuna-13B weights here
    complete_config(cfg)
    built = 0
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is None:
            continue
        assert R.FUNCTIONS.get(cfg[loader].collate_fn.type.split('.')[-1]) is not None
        evaluator = cfg.get(loader.replace('dataloader', 'evaluator'))
        for metric in ([evaluator] if isinstance(evaluator, dict) else evaluator or []):
            assert R.METRICS.get(metric['type']) is not None
    for dataset in iter_dataset_cfgs(cfg):
        assert R.DATASETS.get(dataset.type) is not None
        for t in dataset.pipeline:
            R.TRANSFORMS.build(t)
            built += 1
    assert built >= 4
    for scheduler in cfg.get('param_scheduler') or []:
        assert R.PARAM_SCHEDULERS.get(scheduler.type) is not None
    constructor = (cfg.get('optim_wrapper') or {}).get('constructor')
    assert constructor is None or R.OPTIM_WRAPPER_CONSTRUCTORS.get(constructor) is not None


# ---------------------------------------------------------------------------- datasets
def test_rsicap_dataset_reads_rsgpt_captions_json(rsgpt_files):
    records = dataset(RSICapDataset, rsgpt_files, 'captions.json')
    assert [r['img_id'] for r in records] == ['0', '1']
    first = records[0]
    assert first['img_path'] == osp.join(str(rsgpt_files), 'images', 'P0002_0001.png')
    # the entry's own instruction and the raw caption (trailing space kept, as RSGPT)
    assert first['conversations'] == [
        dict(role='user', content='<image>Describe this image in detail.'),
        dict(role='assistant',
             content='This is a high-resolution aerial image showing a harbor. ')]
    assert first['gt_answer'] == first['references'][0] == rsicap_caption(rsgpt_files, 0)
    assert first['task'] == 'caption'
    # a fixed prompt instead of text_input
    fixed = dataset(RSICapDataset, rsgpt_files, 'captions.json', prompt='caption_detailed')
    assert fixed[1]['conversations'][0]['content'] == '<image>' + CAPTION_PROMPT


def rsicap_caption(root, k):
    return json.loads((root / 'captions.json').read_text())['annotations'][k]['text_output']


def test_rsieval_caption_dataset_one_reference_per_image_in_name_order(rsgpt_files):
    records = dataset(RSIEvalCaptionDataset, rsgpt_files, 'annotations.json', test_mode=True)
    assert [r['img_id'] for r in records] == ['P0001_0007', 'P0002_0001']
    assert [r['references'] for r in records] == [['Two tennis courts.'],
                                                  ['A harbor with several boats.']]
    assert records[0]['conversations'][0]['content'] == '<image>' + CAPTION_PROMPT
    assert records[0]['task'] == 'caption'


def test_rsieval_vqa_dataset_skips_empty_questions_and_keeps_pair_index(rsgpt_files):
    records = dataset(RSIEvalVQADataset, rsgpt_files, 'annotations.json', test_mode=True)
    assert [r['question_id'] for r in records] == [
        'P0002_0001.png_0', 'P0002_0001.png_2', 'P0001_0007.png_0']
    assert [r['question_type'] for r in records] == ['quantity', 'image', 'presence']
    assert [r['gt_answer'] for r in records] == ['There are seven boats.', 'No.', 'Yes']
    # the raw question is the prompt, nothing appended
    assert records[2]['question'] == ' Is there a road? '
    assert records[2]['conversations'][0]['content'] == '<image> Is there a road? '
    assert {r['task'] for r in records} == {'vqa'}


def test_datasets_name_the_file_of_a_wrong_format(tmp_path):
    (tmp_path / 'bad.json').write_text(json.dumps([{'filename': 'a.png'}]))
    with pytest.raises(ValueError, match='bad.json.*annotations'):
        dataset(RSICapDataset, tmp_path, 'bad.json')


# ------------------------------------------------------------------ inputs and collate
def samples(root, cls, ann_file, processor, with_answer, **kwargs):
    pipeline = [LoadImages(), RenderConversation(with_answer=with_answer),
                ProcessInstructBlipInputs(processor=processor, **kwargs),
                PackInstructBlipInputs()]
    out = []
    for info in dataset(cls, root, ann_file, test_mode=not with_answer):
        for t in pipeline:
            info = t(info)
        out.append(info)
    return out


def test_inputs_supervise_the_caption_and_eos_only(rsgpt_files, model):
    proc = model.processor
    tok = proc.tokenizer
    sample = samples(rsgpt_files, RSICapDataset, 'captions.json', proc, True)[1]
    ids, labels = sample['inputs']['input_ids'], sample['inputs']['labels']
    n_query = proc.num_query_tokens
    assert ids[:n_query].tolist() == [proc.image_token_id] * n_query
    assert ids[n_query].item() == tok.bos_token_id == tok.eos_token_id  # LAVIS: bos = </s>
    supervised = labels != -100
    assert tok.decode(ids[n_query + 1:][~supervised[n_query + 1:]]) == \
        'Take a look at this image and describe what you notice.'
    assert tok.decode(labels[supervised]) == 'Two tennis courts next to a road.</s>'
    assert labels[-1].item() == tok.eos_token_id
    qids = sample['inputs']['qformer_input_ids'].tolist()
    qtok = proc.qformer_tokenizer
    assert qids[0] == qtok.cls_token_id and qids[-1] == qtok.sep_token_id
    assert sample['inputs']['pixel_values'].shape == (3, proc.image_size, proc.image_size)
    meta = sample['data_samples'].metainfo
    assert meta['prompt'] == 'Take a look at this image and describe what you notice.'
    assert meta['img_shape'] == (proc.image_size, proc.image_size)


def test_truncation_left_for_instructions_right_for_answers(rsgpt_files, model):
    tok = model.processor.tokenizer
    sample = samples(rsgpt_files, RSICapDataset, 'captions.json', model.processor, True,
                     max_txt_len=4, max_output_txt_len=4)[1]
    ids, labels = sample['inputs']['input_ids'], sample['inputs']['labels']
    instruction = ids[model.processor.num_query_tokens:][labels[
        model.processor.num_query_tokens:] == -100]
    full = tok('Take a look at this image and describe what you notice.')['input_ids']
    assert instruction.tolist() == [full[0]] + full[-3:]  # BOS kept, the end kept
    answer = tok('Two tennis courts next to a road.')['input_ids']
    assert labels[labels != -100].tolist() == answer[1:4]  # 4 with the BOS, no EOS left
    assert len(sample['inputs']['qformer_input_ids']) == 4


def test_collate_pads_llm_on_the_given_side_and_qformer_on_the_right(rsgpt_files, model):
    batch = samples(rsgpt_files, RSIEvalVQADataset, 'annotations.json', model.processor,
                    False)
    out = instructblip_collate(batch, padding_side='left')['inputs']
    lengths = [len(b['inputs']['input_ids']) for b in batch]
    assert out['input_ids'].shape == (3, max(lengths))
    short = int(np.argmin(lengths))
    pad = max(lengths) - lengths[short]
    assert pad > 0 and out['attention_mask'][short, :pad].sum() == 0
    assert out['attention_mask'][short, pad:].all()
    qlen = [len(b['inputs']['qformer_input_ids']) for b in batch]
    qshort = int(np.argmin(qlen))
    assert out['qformer_attention_mask'][qshort, :qlen[qshort]].all()
    assert out['qformer_attention_mask'][qshort, qlen[qshort]:].sum() == 0
    assert out['pixel_values'].shape == (3, 3, 112, 112)
    assert (out['labels'] == -100).all()  # test samples carry no answer


# ------------------------------------------------------------------------------ model
def test_rsgpt_trains_qformer_queries_projection_and_ln_vision_only(model):
    names = [n for n, _ in model.hf_model.named_parameters()]
    trained = {n for n, p in model.hf_model.named_parameters() if p.requires_grad}
    assert trained == {n for n in names if n.startswith(TRAINED_PREFIXES)}
    assert {'.'.join(n.split('.')[:2]) for n in trained} == {
        'qformer.embeddings', 'qformer.encoder', 'query_tokens', 'language_projection.weight',
        'language_projection.bias', 'vision_model.post_layernorm'}
    assert 'qformer.embeddings.word_embeddings.weight' in trained  # its text embeddings
    assert not any(n.startswith(('language_model.', 'vision_model.encoder.',
                                 'vision_model.embeddings.')) for n in trained)
    # the frozen ViT stays in eval mode (LAVIS's disabled_train), the Q-Former trains
    model.train()
    assert not model.hf_model.vision_model.training and model.hf_model.qformer.training
    model.eval()


def test_trainable_only_checkpoint_and_random_init_follows_processor(tiny_model_cfg):
    cfg = copy.deepcopy(tiny_model_cfg)
    cfg.save_trainable_only = None  # default: on when parts are frozen
    model = MODELS.build(cfg)
    keys = set(model.state_dict())
    assert keys == {'hf_model.' + n for n, p in model.hf_model.named_parameters()
                    if p.requires_grad}
    config, proc = model.hf_model.config, model.processor
    assert config.num_query_tokens == proc.num_query_tokens == 16
    assert config.image_token_id == proc.image_token_id
    assert config.text_config.vocab_size == len(proc.tokenizer)
    assert config.qformer_config.vocab_size == len(proc.qformer_tokenizer)
    assert config.vision_config.image_size == proc.image_size == 112
    assert model.hf_model.query_tokens.std().item() == pytest.approx(0.02, rel=0.2)


def test_loss_averages_caption_tokens(rsgpt_files, model):
    batch = instructblip_collate(samples(rsgpt_files, RSICapDataset, 'captions.json',
                                         model.processor, True))
    inputs = batch['inputs']
    loss = model(inputs, batch['data_samples'], mode='loss')['loss']
    logits = model(inputs, mode='tensor')
    ref = torch.nn.functional.cross_entropy(
        logits[:, :-1].flatten(0, 1), inputs['labels'][:, 1:].flatten(), ignore_index=-100)
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)


def test_batched_beam_search_equals_one_by_one(rsgpt_files, model):
    """Left padding changes nothing, also with RSGPT's repetition penalty (transformers
    would skip the first padding-length tokens in its own penalty)."""
    batch = samples(rsgpt_files, RSIEvalVQADataset, 'annotations.json', model.processor,
                    False)
    cfg = dict(max_new_tokens=6, min_new_tokens=6)
    together = model.generate(instructblip_collate(batch, padding_side='left')['inputs'],
                              **cfg)
    alone = [model.generate(instructblip_collate([b], padding_side='left')['inputs'], **cfg)[0]
             for b in batch]
    assert together == alone
    assert model.generation_cfg == dict(num_beams=5, max_new_tokens=64, min_new_tokens=1,
                                        repetition_penalty=1.5, length_penalty=1.0,
                                        do_sample=False)


# ------------------------------------------------------------------------ optimisation
def test_schedule_and_weight_decay_groups_follow_lavis(model):
    groups = lavis_param_groups(model, 0.05)
    decay = {id(p) for p in groups[0]['params']}
    flat = {id(p) for p in groups[1]['params']}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            assert id(p) not in decay | flat
        elif p.ndim < 2 or 'bias' in name:
            assert id(p) in flat
        else:
            assert id(p) in decay
    assert groups[0]['weight_decay'] == 0.05 and groups[1]['weight_decay'] == 0.0

    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=3e-5)
    sched = LinearWarmupCosineLR(optimizer, min_lr=1e-5, warmup_lr=1e-6, warmup_steps=40,
                                 begin=0, end=200)
    lrs = [optimizer.param_groups[0]['lr']]
    for _ in range(199):
        optimizer.step()
        sched.step()
        lrs.append(optimizer.param_groups[0]['lr'])
    assert lrs[0] == pytest.approx(1e-6)
    assert lrs[39] == pytest.approx(1e-6 + 29e-6 * 39 / 40)
    assert lrs[40] == pytest.approx(1e-5 + 1e-5 * (1 + math.cos(math.pi * 40 / 200)))
    assert lrs[40] == pytest.approx(2.809e-5, abs=1e-8)
    assert lrs[199] == pytest.approx(1e-5 + 1e-5 * (1 + math.cos(math.pi * 199 / 200)))


# ------------------------------------------------------------------------ output files
def test_output_files_have_rsgpts_layout(tmp_path):
    caption = RSGPTOutputDump(task='caption', out_dir=str(tmp_path))
    caption.process(None, [
        dict(task='caption', img_path='/d/images/P2.png', prompt=CAPTION_PROMPT,
             pred_text='a harbor'),
        dict(task='vqa', img_path='/d/images/P9.png', pred_text='ignored'),
        dict(task='caption', img_path='/d/images/P1.png', prompt=CAPTION_PROMPT,
             pred_text='a road')])
    assert caption.evaluate(3) == {}
    assert json.loads((tmp_path / 'rsgpt_caption.txt').read_text()) == [
        dict(image_name='P1.png', user_message=CAPTION_PROMPT, output_caption='a road'),
        dict(image_name='P2.png', user_message=CAPTION_PROMPT, output_caption='a harbor')]

    vqa = RSGPTOutputDump(task='vqa', out_dir=str(tmp_path))
    vqa.process(None, [
        dict(task='vqa', img_path='/d/P2.png', question='Q1', gt_answer='yes',
             question_type='presence', pred_text='yes'),
        dict(task='vqa', img_path='/d/P1.png', question='Q2', gt_answer='3',
             question_type='quantity', pred_text='two'),
        dict(task='vqa', img_path='/d/P2.png', question='Q3', gt_answer='red',
             question_type='color', pred_text='red')])
    vqa.evaluate(3)
    assert json.loads((tmp_path / 'rsgpt_vqa.txt').read_text()) == [
        dict(image_name='P2.png', qa_pairs=[
            dict(question='Q1', gt_answer='yes', pred_answer='yes', type='presence'),
            dict(question='Q3', gt_answer='red', pred_answer='red', type='color')]),
        dict(image_name='P1.png', qa_pairs=[
            dict(question='Q2', gt_answer='3', pred_answer='two', type='quantity')])]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['rsgpt_caption.txt', 'rsgpt_vqa.txt']


# ------------------------------------------------------------------------------ tools
@pytest.fixture(scope='module')
def demo_rsgpt(demo_data):
    """The test demo data (24 train / 8 test images) exported as RSICap / RSIEval."""
    from projects.rsgpt.tools.demo_to_rsgpt import export_demo
    stats = export_demo(demo_data)
    assert stats['rsicap'] == 24 and stats['rsieval_images'] == 8
    return demo_data, stats


def tool_options(data_root, loader):
    batch_size = 2 if loader == 'train_dataloader' else 4
    opts = {'data_root': data_root, f'{loader}.batch_size': batch_size,
            f'{loader}.num_workers': 0, f'{loader}.persistent_workers': False,
            'model.generation_cfg.max_new_tokens': 8, 'default_hooks.logger.interval': 1}
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def test_tiny_config_trains_and_tests_captioning_and_vqa(tmp_path, demo_rsgpt):
    data_root, stats = demo_rsgpt
    work = tmp_path / 'train'
    log = run([sys.executable, 'tools/train.py', TRAIN_CONFIG, '--work-dir', str(work),
               *tool_options(data_root, 'train_dataloader'), 'train_cfg.max_iters=2',
               'default_hooks.checkpoint.interval=2'])
    assert 'Iter(train) [2/2]' in log and 'lr: 1.7250e-06' in log  # LAVIS warm-up, step 1
    assert (work / 'processor' / 'qformer_tokenizer' / 'tokenizer.json').is_file()
    ckpt = str(work / 'iter_2.pth')

    # captioning: RSGPT's metrics and rsgpt_caption.txt in the log folder
    out = tmp_path / 'ic'
    log = run([sys.executable, 'tools/test.py',
               CONFIGS + 'instructblip-tiny_demo-rsieval-caption.py', ckpt, '--work-dir', str(out),
               *tool_options(data_root, 'test_dataloader')])
    # the tokenizers saved beside the checkpoint, not rebuilt ones
    assert f"using the processor saved with the checkpoint: {work / 'processor'}" in log
    log_dir = sorted(out.glob('*/results.json'))[-1].parent
    metrics = json.loads((log_dir / 'results.json').read_text())['metrics']
    assert {f'caption/{k}' for k in ('BLEU_1', 'BLEU_2', 'BLEU_3', 'BLEU_4', 'METEOR',
                                     'ROUGE_L', 'CIDEr')} <= set(metrics)
    assert metrics['caption/num_samples'] == 8
    captions = json.loads((log_dir / 'rsgpt_caption.txt').read_text())
    assert len(captions) == 8
    assert [c['image_name'] for c in captions] == sorted(c['image_name'] for c in captions)
    assert {c['user_message'] for c in captions} == {CAPTION_PROMPT}
    assert all(set(c) == {'image_name', 'user_message', 'output_caption'} and
               isinstance(c['output_caption'], str) for c in captions)

    # VQA: accuracy per question type and rsgpt_vqa.txt
    out = tmp_path / 'vqa'
    run([sys.executable, 'tools/test.py', CONFIGS + 'instructblip-tiny_demo-rsieval-vqa.py',
         ckpt, '--work-dir', str(out), *tool_options(data_root, 'test_dataloader')])
    log_dir = sorted(out.glob('*/results.json'))[-1].parent
    metrics = json.loads((log_dir / 'results.json').read_text())['metrics']
    assert metrics['vqa/num_samples'] == stats['rsieval_questions']
    assert {'vqa/accuracy', 'vqa/acc_count', 'vqa/acc_presence', 'vqa/acc_colour',
            'vqa/mean_type_acc'} <= set(metrics)
    answers = json.loads((log_dir / 'rsgpt_vqa.txt').read_text())
    assert len(answers) == 8
    pairs = [p for a in answers for p in a['qa_pairs']]
    assert len(pairs) == stats['rsieval_questions']
    assert set(pairs[0]) == {'question', 'gt_answer', 'pred_answer', 'type'}
    assert {p['type'] for p in pairs} == {'count', 'presence', 'colour'}
