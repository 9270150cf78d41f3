"""Writing result files so that a killed job never leaves a truncated one."""
import json
import os
import os.path as osp
import tempfile


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
