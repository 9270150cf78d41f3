"""FSDP and DeepSpeed ZeRO on two gloo (CPU) ranks through tools/dist_train.sh, on the tiny
demo model: losses against a single process with the same global batch, a run killed and
resumed, sharded checkpoints read on another world size, generation in validation."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from hf_export_check import TOOL, assert_same_generation, write_image
from tool_runner import REPO, run, small_run_options

BASE = f'{REPO}/configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-det.py'
STRATEGIES = f'{REPO}/configs/_base_/strategies'
ITERS = 4


def strategy_config(tmp_path, name):
    path = tmp_path / f'demo_{name}.py'
    path.write_text(f"_base_ = ['{BASE}', '{STRATEGIES}/{name}.py']\n")
    return str(path)


def options(data_root, iters=ITERS, **extra):
    """One sample per rank and step, each step's own loss logged (no window mean);
    InfiniteSampler (its seed fixed: unset, a
    distributed run draws it) gives rank r the samples r, r + 2, ... of the shuffled
    stream that a single process reads in order."""
    return small_run_options(data_root, **{
        'train_dataloader.batch_size': 1, 'train_dataloader.sampler.seed': 0,
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters, 'default_hooks.checkpoint.interval': 2,
        'val_dataloader.batch_size': 2, 'log_processor.window_size': 1, **extra})


#: FSDP runs compare with fp32 single-process runs: no mixed precision, and a constant
#: lr (a schedule steps per iteration, and the single process takes two per step)
FSDP_FP32 = {'strategy.mixed_precision': None, 'param_scheduler': None}


def dist_train(config, work, data_root, port, *extra_args, **extra):
    return run(['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(work),
                *extra_args, *options(data_root, **extra)],
               PORT=str(port), DS_ACCELERATOR='cpu')


def kill_tree(proc):
    """SIGKILL the launcher and every process under it at once, as a lost node would be.
    torchrun starts each rank in a session of its own, so killing the launcher's process
    group would leave the ranks training (and writing checkpoints) on their own."""
    import psutil
    procs = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    assert len(procs) >= 3, f'expected the launcher and two ranks, found {len(procs)}'
    for p in procs:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    proc.wait()
    _, alive = psutil.wait_procs(procs, timeout=30)
    assert not alive, f'still running after SIGKILL: {[p.pid for p in alive]}'


def losses(log):
    return [float(x) for x in re.findall(r'Iter\(train\) \[ ?\d+/\d+\].*? loss: ([\d.]+)', log)]


def weights(path):
    from rscovlm.models.consolidate import load_consolidated_state_dict
    return load_consolidated_state_dict(str(path))


def assert_same_weights(a, b, atol=1e-6):
    assert set(a) == set(b)
    for key in a:
        torch.testing.assert_close(a[key].float(), b[key].float(), rtol=0, atol=atol)


@pytest.fixture(scope='module')
def init_weights(tmp_path_factory):
    """The runs start from the same weights (``load_from``): a random init depends on
    how much of the random stream a runner used before it built the model, and
    FlexibleRunner builds it later than Runner."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from rscovlm.registry import MODELS
    init_default_scope('rscovlm')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(BASE).model)
    path = tmp_path_factory.mktemp('init') / 'init.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


@pytest.fixture(scope='module')
def single(tmp_path_factory, demo_data, init_weights):
    """One process (VLMRunner, fp32), the same global batch of 2 as two gradient-
    accumulation steps of one sample: the same gradient as two ranks' average."""
    work = tmp_path_factory.mktemp('single')
    log = run([sys.executable, 'tools/train.py', BASE, '--work-dir', str(work),
               *options(demo_data, 2 * ITERS, **{'optim_wrapper.accumulative_counts': 2,
                                                 'param_scheduler': None,
                                                 'load_from': init_weights})])
    return losses(log), work / f'iter_{2 * ITERS}.pth'


@pytest.fixture(scope='module')
def fsdp_full(tmp_path_factory, demo_data, init_weights):
    """FSDP on two ranks x one sample, fp32, plain checkpoint files."""
    tmp = tmp_path_factory.mktemp('fsdp')
    work = tmp / 'work'
    log = dist_train(strategy_config(tmp, 'fsdp'), work, demo_data, 29641, **FSDP_FP32,
                     load_from=init_weights)
    return work, log


def test_fsdp_matches_single_process_losses_and_generates(fsdp_full, single):
    work, log = fsdp_full
    assert 'Distributed training: True' in log
    got = losses(log)
    reference, reference_ckpt = single
    assert len(got) == ITERS and len(reference) == 2 * ITERS
    # rank 0 logs the loss of its sample, the single process logs every sample: step t
    # of FSDP is iteration 2t there. Only the order of float sums differs (measured:
    # below 1e-6 relative); 1e-4 bounds it. A wrong gradient (a per-rank clip norm, a
    # missing reduction) moves the later losses by far more at lr 1e-3.
    assert got == pytest.approx(reference[0::2], rel=1e-4)
    assert got[-1] < got[0]
    assert_same_weights(weights(work / f'iter_{ITERS}.pth'), weights(reference_ckpt),
                        atol=1e-5)
    # the checkpoint is one plain file with the full model, as VLMRunner writes it
    ckpt = torch.load(work / f'iter_{ITERS}.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == ITERS and 'optimizer' in ckpt
    assert len(ckpt['state_dict']) == 105
    assert (work / 'processor' / 'tokenizer.json').is_file()
    assert not list(work.glob('.*.tmp'))
    assert 'dota/mAP' in log  # validation generated on both ranks without hanging


def test_fsdp_sharded_killed_resumes_exactly_and_loads_on_one_process(
        fsdp_full, tmp_path, demo_data, init_weights):
    """Sharded checkpoints (one shard per rank): a run killed after its first checkpoint
    resumes to the uninterrupted run's weights; tools/test.py reads the shards in a
    single process."""
    reference = weights(fsdp_full[0] / f'iter_{ITERS}.pth')
    config = strategy_config(tmp_path, 'fsdp')
    work = tmp_path / 'work'
    extra = {**FSDP_FP32, 'strategy.state_dict_cfg': 'sharded', 'load_from': init_weights}
    args = ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(work),
            *options(demo_data, 400, **extra,
                     **{'default_hooks.checkpoint.max_keep_ckpts': -1})]
    proc = subprocess.Popen(args, cwd=REPO, start_new_session=True,
                            env=dict(os.environ, OMP_NUM_THREADS='1', PORT='29642',
                                     PYTHON=sys.executable),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (work / 'iter_2.pth' / '.metadata').exists() and time.time() < deadline:
        assert proc.poll() is None, 'training exited before its first checkpoint'
        time.sleep(0.05)
    kill_tree(proc)
    assert (work / 'iter_2.pth' / 'extra_state.pth').is_file()

    log = dist_train(config, work, demo_data, 29643, '--resume', str(work / 'iter_2.pth'),
                     **extra)
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [1/4]' not in log and 'Iter(train) [3/4]' in log
    resumed = work / f'iter_{ITERS}.pth'
    assert (resumed / '.metadata').is_file()
    # same data order, optimizer and scheduler state: the uninterrupted run's weights
    assert_same_weights(weights(resumed), reference)
    # the HF export reads the shards as the full file, and transformers alone generates
    # from the exported folder what rscovlm generates from the plain FSDP checkpoint
    from rscovlm.models.export import load_state_dict_for_export
    assert_same_weights(load_state_dict_for_export(str(resumed)), reference)
    hf_dir = tmp_path / 'hf'
    run([sys.executable, TOOL, config, str(resumed), str(hf_dir)])
    assert_same_generation(BASE, str(fsdp_full[0] / f'iter_{ITERS}.pth'), str(hf_dir),
                           write_image(tmp_path / 'scene.png'), tmp_path)

    # a world size of one reads the two ranks' shards (plain VLMRunner: tools/test.py)
    preds = tmp_path / 'preds.jsonl'
    out = run([sys.executable, 'tools/test.py', BASE, str(resumed), '--work-dir',
               str(tmp_path / 'test'), '--out', str(preds), *small_run_options(demo_data)])
    assert f'Load checkpoint from {resumed}' in out
    assert len(preds.read_text().splitlines()) == 8


@pytest.fixture(scope='module', params=[1, 2, 3], ids=lambda stage: f'zero{stage}')
def deepspeed_run(request, tmp_path_factory, demo_data, init_weights):
    """DeepSpeed ZeRO-1, -2 and -3 (bf16, the recipes' mixed precision) on two ranks."""
    stage = request.param
    tmp = tmp_path_factory.mktemp(f'zero{stage}')
    work = tmp / 'work'
    config = strategy_config(tmp, f'deepspeed_zero{stage}')
    log = dist_train(config, work, demo_data, 29640 + 10 * stage, load_from=init_weights)
    return stage, config, work, log


def test_deepspeed_trains_generates_and_resumes(deepspeed_run, single, demo_data):
    """ZeRO-1/2/3 on CPU (DS_ACCELERATOR=cpu, gloo, torch AdamW): optimizer states (and
    under ZeRO-3 the weights) partitioned over the ranks, bf16 with fp32 masters,
    generation in validation (ZeRO-3: synced_gpus), resume from a checkpoint."""
    stage, config, work, log = deepspeed_run
    got = losses(log)
    assert len(got) == ITERS
    # bf16 compute: the first loss (before any update, same sample) within 1 % of the
    # fp32 single process
    assert got[0] == pytest.approx(single[0][0], rel=1e-2)
    assert got[-1] < got[0]
    assert 'dota/mAP' in log  # generation finished on both ranks
    ckpt = work / f'iter_{ITERS}.pth'
    # each rank wrote its own partition of the optimizer states
    assert len(list(ckpt.glob('*zero_pp_rank_*_mp_rank_00_optim_states.pt'))) == 2
    final = weights(ckpt)
    assert len(final) == 105 and final[next(iter(final))].dtype == torch.float32

    # resume from the iteration-2 checkpoint: the same final weights
    import shutil
    shutil.rmtree(ckpt)
    log = dist_train(config, work, demo_data, 29641 + 10 * stage, '--resume',
                     str(work / 'iter_2.pth'))
    assert 'resumed epoch: 0, iter: 2' in log
    assert_same_weights(weights(ckpt), final)
    if stage == 3:
        # one process (plain VLMRunner: tools/test.py) reads the partitioned checkpoint
        preds = work.parent / 'preds.jsonl'
        out = run([sys.executable, 'tools/test.py', BASE, str(ckpt), '--work-dir',
                   str(work.parent / 'test'), '--out', str(preds),
                   *small_run_options(demo_data)])
        assert f'Load checkpoint from {ckpt}' in out
        assert len(preds.read_text().splitlines()) == 8


@pytest.mark.parametrize('name,stage', [('deepspeed_zero1', 1), ('deepspeed_zero2', 2),
                                        ('deepspeed_zero3', 3),
                                        ('deepspeed_zero3_offload', 3)])
def test_deepspeed_configs_build_their_strategy(name, stage, tmp_path):
    """Every DeepSpeed file builds its strategy, and the recipe's AMP optimizer wrapper
    becomes DeepSpeed's: clip_grad -> gradient_clipping, bf16 kept."""
    from mmengine.config import Config

    from rscovlm import registry
    cfg = Config.fromfile(f'{STRATEGIES}/{name}.py')
    strategy = registry.STRATEGIES.build(dict(cfg.strategy, work_dir=str(tmp_path),
                                              env_kwargs=dict(launcher='none')))
    assert strategy.zero_stage == stage
    assert strategy.config['bf16'] == dict(enabled=True)
    model = torch.nn.Linear(2, 2)
    wrapper = strategy.build_optim_wrapper(dict(
        type='AmpOptimWrapper', dtype='bfloat16', clip_grad=dict(max_norm=1.0),
        accumulative_counts=2, optimizer=dict(type='AdamW', lr=2e-6)), model)
    assert type(wrapper).__name__ == 'DeepSpeedOptimWrapper'
    assert strategy.config['gradient_clipping'] == 1.0
    assert strategy.config['gradient_accumulation_steps'] == 2
    offload = cfg.strategy.zero_optimization.get('offload_optimizer')
    assert (offload is not None) == name.endswith('offload')


@pytest.mark.parametrize('name,model_cfg', [
    ('fsdp', 'lora=dict(r=4, lora_alpha=8, lora_dropout=0.0)'),
    ('deepspeed_zero3', 'freeze_vision=True'),
], ids=['fsdp-lora', 'zero3-frozen-vision'])
def test_lora_and_frozen_towers_train_sharded(name, model_cfg, tmp_path, demo_data,
                                              init_weights):
    """LoRA adapters (FSDP) and a frozen vision tower (ZeRO-3), both with gradient
    checkpointing as the 7B recipes use it: only the trainable weights change; the FSDP
    checkpoint holds exactly the adapters, gathered from the shards."""
    config = tmp_path / f'demo_{name}_partial.py'
    config.write_text(f"_base_ = ['{BASE}', '{STRATEGIES}/{name}.py']\n"
                      f"model = dict({model_cfg}, gradient_checkpointing=True)\n")
    work = tmp_path / 'work'
    extra = FSDP_FP32 if name == 'fsdp' else {}
    log = dist_train(str(config), work, demo_data, 29680 if name == 'fsdp' else 29681,
                     iters=2, load_from=init_weights, **extra)
    got = losses(log)
    assert len(got) == 2 and all(0 < x < 20 for x in got)
    init = torch.load(init_weights, map_location='cpu')['state_dict']
    saved = weights(work / 'iter_2.pth')
    if name == 'fsdp':
        assert saved and all('lora_' in k for k in saved)
        assert sum('lora_B' in k for k in saved) == sum('lora_A' in k for k in saved) > 0
        # B starts at zero: two steps moved every adapter
        assert all(saved[k].abs().sum() > 0 for k in saved if 'lora_B' in k)
    else:
        # DeepSpeed writes the whole (partitioned) model, frozen weights included; they
        # come back as they went in (bf16 rounding at most: 2**-8 relative), while the
        # trained ones moved (lr 1e-3: several per cent of their size in two steps)
        vision = [k for k in init if '.visual.' in k and '.merger.' not in k]
        assert vision and set(saved) == set(init)
        for key in vision:
            torch.testing.assert_close(saved[key].float(), init[key].float(), rtol=2**-8,
                                       atol=1e-8)
        changed = [k for k in saved if k not in vision and not torch.allclose(
            saved[k].float(), init[k].float(), rtol=2**-6, atol=1e-6)]
        assert len(changed) > (len(saved) - len(vision)) // 2
