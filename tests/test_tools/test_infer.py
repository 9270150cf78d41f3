"""tools/infer.py on the image files a user has: PNG, JPEG, TIFF (8 and 16 bit), gray,
RGBA; a folder of them; a clear one-line error for a file that is not an image."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from tool_runner import REPO

CONFIG = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py'
SMALL = ['--cfg-options', 'model.generation_cfg.max_new_tokens=4', '--device', 'cpu']


def load_infer():
    spec = importlib.util.spec_from_file_location('infer', osp.join(REPO, 'tools/infer.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    """One scene written in every format, with the shape a reader should see."""
    root = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    bgr = rng.integers(0, 255, (90, 130, 3), dtype=np.uint8)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    alpha = np.full((90, 130, 1), 200, np.uint8)
    files = {
        'photo.png': bgr, 'photo.jpg': bgr, 'scan.tif': bgr, 'gray.png': gray,
        'deep.tiff': gray.astype(np.uint16) * 257, 'overlay.png': np.concatenate(
            [bgr, alpha], axis=2)}
    for name, img in files.items():
        assert cv2.imwrite(str(root / name), img)
    return root, sorted(files)


def test_every_format_of_a_folder(images, tmp_path, capsys):
    root, names = images
    infer = load_infer()
    out = tmp_path / 'out'
    assert infer.main([CONFIG, str(root), '--out-dir', str(out), *SMALL]) == 0
    printed = capsys.readouterr().out
    for name in names:
        stem = osp.splitext(name)[0]
        # photo.png and photo.jpg share a stem: the extension tells them apart
        stem = f'{stem}_{name.rsplit(".", 1)[1]}' if stem == 'photo' else stem
        pred = json.loads((out / f'{stem}.json').read_text())
        assert pred['image'] == str(root / name)
        assert pred['ori_shape'] == [90, 130] and pred['task'] == 'det'
        assert pred['prompt'] == 'find the large vehicle, plane, ship, storage tank'
        assert isinstance(pred['answer'], str) and 'instances' in pred
        drawn = cv2.imread(str(out / f'{stem}.png'), cv2.IMREAD_UNCHANGED)
        # enlarged x4 to 520 px wide, three channels, the text panel below
        assert drawn.ndim == 3 and drawn.shape[2] == 3 and drawn.shape[1] == 520
        assert drawn.shape[0] > 360
        assert f'== {root / name} (130 x 90 px, task det, 1 window(s))' in printed
    assert printed.count('written: ') == len(names)


def test_box_table_and_classes(tmp_path, capsys, monkeypatch):
    """The printed table lists the parsed boxes (original pixels, degrees)."""
    infer = load_infer()
    from rscovlm.models.vlms.base import BaseVLM
    image = tmp_path / 'field.png'
    cv2.imwrite(str(image), np.zeros((224, 224, 3), np.uint8))

    def generate(self, inputs, return_logprobs=False, **kwargs):
        texts = ['56,28,20,10,30 ship\n'] * inputs['input_ids'].shape[0]
        return (texts, [[(t, 0.0)] for t in texts]) if return_logprobs else texts

    monkeypatch.setattr(BaseVLM, 'generate', generate)
    assert infer.main([CONFIG, str(image), '--out-dir', str(tmp_path), '--classes',
                       'ship,plane', '--scores', *SMALL]) == 0
    printed = capsys.readouterr().out
    assert 'prompt: find the plane, ship' in printed
    # 112 px answer frame, 224 px image: centre (112, 56), 40 x 20 px at 30 deg, written
    # in mmrotate's rotated-box convention (the metric's): 20 x 40 px at -60 deg
    assert '| 0 | ship | 1.00 | 112.0 | 56.0 | 20.0 | 40.0 | -60.0 |' in printed
    pred = json.loads((tmp_path / 'field.json').read_text())
    assert pred['instances']['label_names'] == ['ship']


def test_not_an_image_is_one_line_error(tmp_path):
    bad = tmp_path / 'report.png'
    bad.write_text('this is text')
    proc = subprocess.run([sys.executable, 'tools/infer.py', CONFIG, str(bad), *SMALL],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**__import__('os').environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode == 2
    errors = [l for l in proc.stderr.splitlines() if l.startswith('error:')]
    assert errors == [f'error: {bad}: not an image file that can be read (cannot identify '
                      f"image file '{bad}'); give a PNG, JPEG, TIFF or another image format"]
    assert 'Traceback' not in proc.stderr and '== ' not in proc.stdout
