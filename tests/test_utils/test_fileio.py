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


def test_iter_jsonl_numbers_lines_and_names_the_bad_one(tmp_path):
    from rscovlm.utils.fileio import iter_jsonl
    path = tmp_path / 'a.jsonl'
    path.write_text('{"a": 1}\n\n[2]\n')
    assert list(iter_jsonl(str(path))) == [(1, dict(a=1)), (3, [2])]
    path.write_text('{"a": 1}\n{bad\n')
    with pytest.raises(ValueError, match=r'a\.jsonl:2: invalid JSON \(.* at column 2\)'):
        list(iter_jsonl(str(path)))
