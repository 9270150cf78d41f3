"""tools/misc/web_demo.py: the upload checks and launch settings, and the page end to end
in a real browser (headless Chromium driven by Selenium) against the tiny model."""
import importlib.util
import os
import os.path as osp
import socket
import subprocess
import sys
import time
import urllib.request

import cv2
import numpy as np
import pytest
import torch
from tool_runner import REPO

CONFIG = 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py'
OPTIONS = {'model.generation_cfg.max_new_tokens': 8}
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')


def load_web_demo():
    spec = importlib.util.spec_from_file_location(
        'web_demo', osp.join(REPO, 'tools/misc/web_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def web_demo():
    return load_web_demo()


def test_upload_checks_refuse_non_images_and_oversize(web_demo, tmp_path):
    text = tmp_path / 'notes.png'
    text.write_text('not an image')
    with pytest.raises(ValueError, match='notes.png is not an image'):
        web_demo.check_upload(str(text))
    img = tmp_path / 'wide.png'
    cv2.imwrite(str(img), np.zeros((10, 300, 3), np.uint8))
    with pytest.raises(ValueError, match=r'300 x 10 px; this demo takes at most 200 px'):
        web_demo.check_upload(str(img), max_side=200)
    with pytest.raises(ValueError, match='MB; this demo takes images of at most'):
        web_demo.check_upload(str(img), max_mb=1e-6)
    with pytest.raises(ValueError, match='upload an image first'):
        web_demo.check_upload(None)
    assert web_demo.check_upload(str(img)) == str(img)


def test_launch_is_local_without_share_link_or_served_paths(web_demo, monkeypatch):
    import gradio as gr

    import rscovlm.apis
    seen = {}

    class FakeInferencer:

        def __init__(self, config, checkpoint=None, **kwargs):
            seen['init'] = (config, checkpoint)

    monkeypatch.setattr(rscovlm.apis, 'VLMInferencer', FakeInferencer)
    monkeypatch.setattr(gr.Blocks, 'launch', lambda self, **kw: seen.update(launch=kw))
    assert web_demo.main([CONFIG, '--port', '1234']) == 0
    launch = seen['launch']
    assert seen['init'] == (CONFIG, None)
    assert launch['server_name'] == '127.0.0.1' and launch['server_port'] == 1234
    assert launch['share'] is False and launch['allowed_paths'] is None
    assert launch['max_file_size'] == '50mb'
    assert os.environ['GRADIO_ANALYTICS_ENABLED'] == 'False'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for_page(url: str, proc, timeout: float = 180) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError('the web demo exited:\n' + proc.stdout.read()[-5000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f'the web demo did not answer on {url} within {timeout} s')


@pytest.fixture
def tiny_checkpoint(tmp_path):
    """The tiny model's random weights saved once, so the demo and this test load the
    same model."""
    from rscovlm.apis import VLMInferencer
    torch.manual_seed(0)
    inferencer = VLMInferencer(osp.join(REPO, CONFIG), device='cpu', cfg_options=OPTIONS)
    path = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=inferencer.model.state_dict()), path)
    return str(path)


@pytest.mark.skipif(not (osp.isfile(CHROMIUM) and osp.isfile(CHROMEDRIVER)),
                    reason=f'no Chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}); '
                    'apt-get install chromium chromium-driver')
def test_page_in_headless_chromium_shows_the_inferencers_answer(tmp_path, tiny_checkpoint):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from rscovlm.apis import VLMInferencer
    image = tmp_path / 'scene.png'
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (150, 200, 3), dtype=np.uint8)
    cv2.rectangle(img, (40, 30), (120, 80), (0, 0, 255), -1)
    cv2.imwrite(str(image), img)
    expected = VLMInferencer(osp.join(REPO, CONFIG), tiny_checkpoint, device='cpu',
                             cfg_options=OPTIONS)(str(image), task='det',
                                                  show_progress=False)['predictions'][0]

    port = free_port()
    cmd = [sys.executable, 'tools/misc/web_demo.py', CONFIG, tiny_checkpoint, '--port',
           str(port), '--device', 'cpu', '--cfg-options',
           *[f'{k}={v}' for k, v in OPTIONS.items()]]
    env = dict(os.environ, OMP_NUM_THREADS='1', GRADIO_ANALYTICS_ENABLED='False')
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    driver = None
    try:
        url = f'http://127.0.0.1:{port}/'
        wait_for_page(url, proc)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                     '--no-first-run', '--disable-background-networking',
                     '--disable-component-update', '--disable-sync',
                     '--disable-dev-shm-usage', '--window-size=1280,1000',
                     f'--user-data-dir={tmp_path / "chromium-profile"}'):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        wait = WebDriverWait(driver, 120)
        driver.get(url)
        upload = wait.until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, '#upload input[type=file]')))
        upload.send_keys(str(image))
        # the upload is done when the component lists the file (name and extension
        # in separate elements)
        wait.until(ec.text_to_be_present_in_element((By.ID, 'upload'), 'scene'))
        driver.find_element(By.ID, 'run').click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, '#picture img')))
        shown = driver.find_element(By.CSS_SELECTOR, '#answer textarea').get_attribute('value')
        driver.save_screenshot(str(tmp_path / 'web_demo.png'))
        assert shown == expected['answer']
        grid = driver.find_element(By.CSS_SELECTOR, '#boxes [role=grid]')
        num_boxes = len(expected['instances']['labels'])
        assert int(grid.get_attribute('aria-rowcount')) == num_boxes + 1  # + the header
        assert (tmp_path / 'web_demo.png').stat().st_size > 0

        # a file that is not an image is refused with the reason
        notes = tmp_path / 'notes.png'
        notes.write_text('not an image')
        driver.find_element(By.CSS_SELECTOR, '#upload button[aria-label=Clear]').click()
        wait.until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, '#upload input[type=file]'))).send_keys(str(notes))
        wait.until(ec.text_to_be_present_in_element((By.ID, 'upload'), 'notes'))
        driver.find_element(By.ID, 'run').click()
        wait.until(ec.text_to_be_present_in_element(
            (By.TAG_NAME, 'body'), 'notes.png is not an image (PNG, JPEG, TIFF, ...)'))
    finally:
        if driver is not None:
            driver.quit()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
