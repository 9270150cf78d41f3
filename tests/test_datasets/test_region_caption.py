"""GeoChat-Bench region captioning: one sample per region, the region in the prompt."""
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from PIL import Image

from rscovlm.registry import DATASETS
from rscovlm.utils import complete_config, set_data_root

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OVERLAY = osp.join(REPO, 'configs/benchmarks/geochat-bench_region-captioning.py')


def test_region_captioning_overlay(tmp_path, tiny_cfg, tiny_processor):
    img_dir = tmp_path / 'images' / 'region_captioning'
    img_dir.mkdir(parents=True)
    Image.fromarray(np.zeros((56, 84, 3), np.uint8)).save(img_dir / 'r1.png')
    records = [
        dict(image='r1.png', question='{<10><20><30><40>|<0>}', question_id='q0',
             captions=['a small white plane']),
        dict(image='r1.png', question='{<50><50><70><90>|<45>}', question_id='q1',
             captions=['a ship near the dock']),
    ]
    (tmp_path / 'region_captioning.json').write_text(json.dumps(records))
    cfg = Config.fromfile(OVERLAY)
    cfg.model = tiny_cfg.model
    set_data_root(cfg, str(tmp_path))
    complete_config(cfg)
    ds = DATASETS.build(cfg.test_dataloader.dataset)
    assert len(ds) == 2
    samples = [ds[i]['data_samples'] for i in range(2)]
    prompt = tiny_processor.tokenizer.decode(ds[1]['inputs']['input_ids'])
    assert ('<|vision_end|>[identify] What is the object present at {<50><50><70><90>|<45>}'
            '<|im_end|>\n<|im_start|>assistant\n') in prompt
    assert [s.question_id for s in samples] == ['q0', 'q1']
    assert [s.img_id for s in samples] == ['r1', 'r1']
    assert samples[1].references == ['a ship near the dock']
    evaluator = Evaluator(dict(cfg.test_evaluator, metrics=('BLEU', 'ROUGE_L'), tokenizer=None))
    samples[0].pred_text = 'a small white plane'
    samples[1].pred_text = 'a ship near the dock'
    evaluator.process([s.to_dict() for s in samples])
    res = evaluator.evaluate(2)
    assert res['caption/BLEU_1'] == pytest.approx(100.0) and res['caption/ROUGE_L'] == 100.0
