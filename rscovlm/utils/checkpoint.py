"""Finding checkpoints in a work dir."""
import glob
import os.path as osp
import re
from typing import Optional


def find_latest_checkpoint(work_dir: str) -> Optional[str]:
    """The newest ``iter_N.pth`` / ``epoch_N.pth`` in ``work_dir``, or ``None``.

    Looks at the files themselves rather than mmengine's ``last_checkpoint`` note, which a
    run killed right after saving may not have written yet. Checkpoints are written
    atomically (``VLMRunner``), so every visible one is complete.
    """
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = re.fullmatch(r'(iter|epoch)_(\d+)\.pth', osp.basename(path))
        if match:
            found.append((match.group(1) == 'iter', int(match.group(2)), path))
    return max(found)[2] if found else None
