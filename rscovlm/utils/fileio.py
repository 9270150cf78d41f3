"""Reading JSON Lines, and writing result files so that a killed job never leaves a
truncated one."""
import json
import os
import os.path as osp
import tempfile
from typing import Any, Iterator, Tuple


def iter_jsonl(path: str) -> Iterator[Tuple[int, Any]]:
    """Yield ``(line number, value)`` for every non-blank line of a JSON Lines file (line
    numbers 1-based, blank lines counted, for messages that point into the file). A line
    that is not JSON raises ``ValueError('<path>:<line>: invalid JSON (...)')``."""
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}:{lineno}: invalid JSON ({e.msg} at column '
                                 f'{e.colno})') from None
            yield lineno, value


def dump_json_atomic(obj, path: str, **json_kwargs) -> None:
    """``json.dump(obj, **json_kwargs)`` into a temporary file beside ``path``, then
    ``os.replace`` it over ``path`` (the folder is created if needed)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            json.dump(obj, f, **json_kwargs)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
