from mmengine.config import Config

from rscovlm.utils import complete_config, find_latest_checkpoint, set_data_root


def test_find_latest_checkpoint_reads_the_files(tmp_path):
    assert find_latest_checkpoint(str(tmp_path)) is None
    for name in ('iter_2.pth', 'iter_10.pth', '.iter_12.pth.tmp', 'epoch_3.pth', 'x.pth'):
        (tmp_path / name).write_bytes(b'')
    # numeric order (10 > 2), a half-written temporary file is not a checkpoint
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')


def test_set_data_root_reaches_wrapped_datasets():
    cfg = Config(dict(
        data_root='a/',
        train_dataloader=dict(dataset=dict(type='Concat', datasets=[
            dict(type='X', data_root='a/'), dict(type='Y', dataset=dict(data_root='a/'))])),
        test_dataloader=dict(dataset=dict(type='X', data_root='a/'))))
    set_data_root(cfg, 'b/')
    ds = cfg.train_dataloader.dataset.datasets
    assert ds[0].data_root == ds[1].dataset.data_root == 'b/'
    assert cfg.test_dataloader.dataset.data_root == 'b/' and cfg.data_root == 'b/'


def test_complete_config_gives_the_model_processor_to_the_pipeline():
    processor = dict(type='TinyQwen2VLProcessor')
    cfg = Config(dict(
        model=dict(processor=processor),
        test_dataloader=dict(dataset=dict(pipeline=[
            dict(type='ProcessVLMInputs', processor=None),
            dict(type='ProcessVLMInputs', processor=dict(type='Other')),
            dict(type='LoadImages')]))))
    pipeline = complete_config(cfg).test_dataloader.dataset.pipeline
    assert pipeline[0].processor == processor
    assert pipeline[1].processor == dict(type='Other')  # an explicit one is kept
    assert 'processor' not in pipeline[2]
