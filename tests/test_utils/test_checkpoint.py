from rscovlm.utils import find_latest_checkpoint


def test_find_latest_checkpoint_reads_the_files(tmp_path):
    assert find_latest_checkpoint(str(tmp_path)) is None
    for name in ('iter_2.pth', 'iter_10.pth', '.iter_12.pth.tmp', 'epoch_3.pth', 'x.pth'):
        (tmp_path / name).write_bytes(b'')
    # numeric order (10 > 2), a half-written temporary file is not a checkpoint
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')
