"""rscovlm.apis.VLMInferencer on the tiny demo model (random weights, few new tokens):
every task answers, boxes come back in the original frame, the answer is the test
path's, large images are split into windows and merged."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from rscovlm.apis import ImageReadError, VLMInferencer
from rscovlm.datasets.demo import DEMO_CLASSES
from rscovlm.datasets.transforms.resize import SmartResize

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py')
OPTIONS = {'model.generation_cfg.max_new_tokens': 4}
DEMO_SIDE = 112  # the demo pipeline resizes every image to 112 x 112 px of area


@pytest.fixture(scope='module')
def inferencer():
    torch.manual_seed(0)
    return VLMInferencer(CONFIG, device='cpu', cfg_options=OPTIONS, batch_size=2)


@pytest.fixture
def forced_answers(inferencer, monkeypatch):
    """Make the model answer the given texts, one per generated row, in order."""
    queue = []

    def generate(inputs, return_logprobs=False, **kwargs):
        rows = inputs['input_ids'].shape[0]
        texts = [queue.pop(0) for _ in range(rows)]
        if return_logprobs:  # one token per answer, probability 0.5
            return texts, [[(t, float(np.log(0.5)))] for t in texts]
        return texts

    monkeypatch.setattr(inferencer.model, 'generate', generate)
    return queue


def write_image(path, width, height, seed=0):
    img = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    cv2.imwrite(str(path), img)
    return str(path)


def test_every_task_answers_with_the_configs_prompt(inferencer, tmp_path):
    image = write_image(tmp_path / 'scene.png', 120, 100)
    asks = dict(det={}, grounding=dict(question='the red ship'), caption={},
                vqa=dict(question='how many ships are there?'),
                cls=dict(classes=['urban', 'water']), chat=dict(question='what is here?'))
    prompts = {}
    for task, fields in asks.items():
        pred = inferencer(image, task=task, **fields)['predictions'][0]
        assert isinstance(pred['answer'], str) and pred['task'] == task
        assert pred['ori_shape'] == (100, 120) and pred['windows'] == [(0, 0, 120, 100)]
        assert ('instances' in pred) == (task in ('det', 'grounding'))
        prompts[task] = pred['prompt']
    # the prompts of the demo test sets (configs/benchmarks/demo_multitask.py)
    assert prompts == dict(
        det='find the large vehicle, plane, ship, storage tank',
        grounding='find the red ship', caption='Describe the image',
        vqa='how many ships are there? Answer the question using a single word or a '
        'short phrase.',
        cls='Classify the image within one of the given classes:urban,water.',
        chat='what is here?')


def test_answer_and_inputs_equal_the_test_path(inferencer, demo_data):
    """The dataset's sample through the config's pipeline, collate and test_step (what
    tools/test.py runs) gives the inferencer's inputs and answer."""
    from rscovlm.registry import DATASETS
    from rscovlm.utils import complete_config, set_data_root
    cfg = inferencer.cfg.copy()
    set_data_root(cfg, demo_data)
    complete_config(cfg)
    ds_cfg = cfg.test_dataloader.dataset.datasets.demo_det_test
    dataset = DATASETS.build(ds_cfg)
    item = dataset[0]
    batch = inferencer.collate([item])
    with torch.no_grad():
        expected = inferencer.model.test_step(batch)[0]

    info = dataset.get_data_info(0)
    record = inferencer.task_inputs['det'].record(dict(classes=DEMO_CLASSES))
    mine = inferencer.pipeline('det', False)(dict(record, img_path=info['img_path'],
                                                  img_id=info['img_id']))
    for key in ('input_ids', 'pixel_values', 'image_grid_thw'):
        assert torch.equal(mine['inputs'][key], item['inputs'][key]), key
    pred = inferencer(info['img_path'], task='det')['predictions'][0]
    assert pred['answer'] == expected.pred_text
    assert pred['prompt'] == 'find the large vehicle, plane, ship, storage tank'


def test_det_boxes_in_the_original_frame(inferencer, forced_answers):
    """A 700 x 500 image (a gray array) is answered in the resized frame; the boxes come
    back in its own pixels."""
    img = np.zeros((500, 700), np.uint8)
    new_h, new_w = SmartResize(DEMO_SIDE**2, DEMO_SIDE**2).target_size(500, 700)
    assert (new_h, new_w) != (500, 700)
    forced_answers.append('40,30,20,10,0 plane\n10,10,8,4,0 large vehicle\n')
    pred = inferencer(img, task='det')['predictions'][0]
    inst = pred['instances']
    sx, sy = 700 / new_w, 500 / new_h
    assert inst['label_names'] == ['plane', 'large-vehicle'] and inst['labels'] == [0, 3]
    # the rbox (40, 30, 20, 10, 0 deg) of the resized frame: x 30..50, y 25..35
    xs, ys = np.array(inst['polygons'][0][0::2]), np.array(inst['polygons'][0][1::2])
    np.testing.assert_allclose([xs.min(), xs.max()], [30 * sx, 50 * sx], atol=0.01)
    np.testing.assert_allclose([ys.min(), ys.max()], [25 * sy, 35 * sy], atol=0.01)
    np.testing.assert_allclose(inst['bboxes'][0][:2], [40 * sx, 30 * sy], atol=0.01)
    assert inst['scores'] == [0.5, 0.5]  # each box line's token probability
    assert pred['image'] is None and pred['ori_shape'] == (500, 700)


def test_tiles_map_boxes_back_and_merge_duplicates(inferencer, forced_answers, tmp_path):
    """300 x 200 px, tile 200, overlap 100: windows x 0..200 and 100..300. The same
    plane seen by both windows is kept once; each window's boxes are shifted by its
    offset."""
    image = write_image(tmp_path / 'big.png', 300, 200)
    k = 200 / DEMO_SIDE  # a 200 px window is answered at 112 px
    forced_answers += [
        '84,56,20,10,0 plane\n',  # full image (150, 100)
        '28,56,20,10,0 plane\n56,28,10,4,0 ship\n',  # (150, 100) again, (200, 50)
    ]
    result = inferencer(image, task='det', tile=200, overlap=100, return_vis=True)
    pred = result['predictions'][0]
    assert pred['windows'] == [(0, 0, 200, 200), (100, 0, 300, 200)]
    assert pred['window_answers'] == ['84,56,20,10,0 plane\n',
                                      '28,56,20,10,0 plane\n56,28,10,4,0 ship\n']
    inst = pred['instances']
    # each box as (class, centre, extent along x and y) of its corners
    boxes = []
    for name, poly in zip(inst['label_names'], inst['polygons']):
        xs, ys = np.array(poly[0::2]), np.array(poly[1::2])
        boxes.append((name, [xs.mean(), ys.mean(), np.ptp(xs), np.ptp(ys)]))
    boxes.sort()
    assert [b[0] for b in boxes] == ['plane', 'ship']
    np.testing.assert_allclose([b[1] for b in boxes], [[150, 100, 20 * k, 10 * k],
                                                       [200, 50, 10 * k, 4 * k]], atol=0.02)
    np.testing.assert_allclose(np.array(inst['bboxes'])[:, :2], [[150, 100], [200, 50]],
                               atol=0.01)
    assert not forced_answers
    # drawn: the image (enlarged to 512 px or more) above a text panel
    vis = result['visualization'][0]
    assert vis.shape[1] == 600 and vis.shape[0] > 400


def test_small_images_are_not_split(inferencer, forced_answers, tmp_path):
    image = write_image(tmp_path / 'small.png', 150, 120)
    forced_answers.append('There are none.')
    pred = inferencer(image, task='det', tile=200, overlap=50)['predictions'][0]
    assert pred['windows'] == [(0, 0, 150, 120)] and pred['instances']['labels'] == []


def test_clear_errors(inferencer, tmp_path):
    text = tmp_path / 'notes.jpg'
    text.write_text('hello')
    with pytest.raises(ImageReadError, match='notes.jpg: not an image file'):
        inferencer(str(text), task='caption')
    image = write_image(tmp_path / 'ok.png', 50, 40)
    with pytest.raises(ValueError, match="task 'vqa' needs a question"):
        inferencer(image, task='vqa')
    with pytest.raises(ValueError, match='task must be one of'):
        inferencer(image, task='segment')
    with pytest.raises(ValueError, match="applies to task='det'"):
        inferencer(image, task='caption', tile=512)
    with pytest.raises(ValueError, match="task 'caption' takes no classes"):
        inferencer(image, task='caption', classes=['a'])


def test_checkpoint_with_saved_processor(tmp_path, tiny_processor, inferencer):
    """A checkpoint folder with processor/ (the runner saves it) is read with that
    processor, as tools/test.py does; a checkpoint of another model is refused."""
    ckpt = tmp_path / 'iter_1.pth'
    torch.save(dict(state_dict=inferencer.model.state_dict()), ckpt)
    tiny_processor.save_pretrained(str(tmp_path / 'processor'))
    loaded = VLMInferencer(CONFIG, str(ckpt), device='cpu', cfg_options=OPTIONS)
    assert loaded.cfg.model.processor['pretrained'] == str(tmp_path / 'processor')
    for name, param in loaded.model.named_parameters():
        assert torch.equal(param, dict(inferencer.model.named_parameters())[name]), name
    other = tmp_path / 'other.pth'
    torch.save(dict(state_dict={'foo.weight': torch.zeros(1)}), other)
    with pytest.raises(ValueError, match="holds no weight of the config's model"):
        VLMInferencer(CONFIG, str(other), device='cpu', cfg_options=OPTIONS)
