import json

import pytest

from rscovlm.utils import dump_json_atomic


def test_dump_json_atomic_writes_and_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / 'sub' / 'results.json'
    dump_json_atomic(dict(mAP=0.5), str(path), indent=2)
    assert json.loads(path.read_text()) == dict(mAP=0.5)
    with pytest.raises(TypeError):
        dump_json_atomic(dict(bad=object()), str(path))  # not JSON: fails while writing
    assert json.loads(path.read_text()) == dict(mAP=0.5)  # the old file is intact
    assert [p.name for p in path.parent.iterdir()] == ['results.json']  # no temp left
