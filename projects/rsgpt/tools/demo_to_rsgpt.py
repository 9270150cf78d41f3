"""Export the generated demo data (tools/misc/generate_demo_data.py) in RSGPT's formats, so
the RSGPT project and the Qwen2.5-VL configs of configs/rsgpt/ train and test on the same
RSICap / RSIEval files as with the real data.

    python tools/misc/generate_demo_data.py data/demo
    python projects/rsgpt/tools/demo_to_rsgpt.py data/demo [--max-train N]

Writes, under ``<demo>/rsgpt/``:

* ``RSICap/captions.json`` (train split): one annotation per image, ``text_output`` = the
  image's two demo captions joined into one description (RSICap has one paragraph per
  image), ``text_input`` cycling through RSICap's four instructions;
* ``RSIEval/annotations.json`` (test split): per image the joined caption as the one
  reference and the image's demo questions as ``qa_pairs`` (types ``count``,
  ``presence``, ``colour``);
* ``RSICap/rsicap_caption.json``, ``RSIEval/rsieval_caption.json`` and
  ``RSIEval/rsieval_vqa.json``: the same data through rscovlm's converter
  (tools/dataset_converters/rsgpt.py), for ``CaptionDataset`` / ``VQADataset``.

Image paths stay relative to the demo's ``train/images/`` and ``test/images/`` folders
(``filename`` is the image's name; configs point ``data_prefix.img_path`` there).
"""
import argparse
import importlib.util
import json
import os.path as osp
import sys
from typing import Dict, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
from projects.rsgpt.rsgpt.datasets.rsgpt_datasets import RSICAP_PROMPTS  # noqa: E402
from rscovlm.utils import dump_json_atomic  # noqa: E402

JSON_STYLE = dict(indent=1, ensure_ascii=False)


def _load(path: str):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _converter():
    """tools/dataset_converters/rsgpt.py as a module (it imports its folder's _common)."""
    folder = osp.join(REPO, 'tools', 'dataset_converters')
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location('rscovlm_rsgpt_converter',
                                                  osp.join(folder, 'rsgpt.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export_demo(root: str, out_dir: Optional[str] = None,
                max_train: Optional[int] = None) -> Dict[str, int]:
    """Write the RSGPT-format files of the demo at ``root``; returns counts."""
    out_dir = out_dir or osp.join(root, 'rsgpt')
    captions = _load(osp.join(root, 'train', 'captions.json'))[:max_train]
    rsicap = [dict(image_id=str(k), filename=rec['image'],
                   text_input=RSICAP_PROMPTS[k % len(RSICAP_PROMPTS)],
                   text_output=' '.join(rec['captions']))
              for k, rec in enumerate(captions)]
    dump_json_atomic(dict(annotations=rsicap), osp.join(out_dir, 'RSICap', 'captions.json'),
                     **JSON_STYLE)

    questions = {}
    for rec in _load(osp.join(root, 'test', 'vqa.json')):
        questions.setdefault(rec['image'], []).append(
            dict(question=rec['question'], answer=rec['answer'], type=rec.get('type')))
    rsieval = [dict(filename=rec['image'], caption=' '.join(rec['captions']),
                    qa_pairs=questions.get(rec['image'], []))
               for rec in _load(osp.join(root, 'test', 'captions.json'))]
    dump_json_atomic(dict(annotations=rsieval),
                     osp.join(out_dir, 'RSIEval', 'annotations.json'), **JSON_STYLE)

    conv = _converter()
    conv.convert_rsicap(osp.join(out_dir, 'RSICap', 'captions.json'),
                        osp.join(out_dir, 'RSICap', 'rsicap_caption.json'))
    conv.convert_rsieval(osp.join(out_dir, 'RSIEval', 'annotations.json'),
                         osp.join(out_dir, 'RSIEval', 'rsieval_caption.json'),
                         osp.join(out_dir, 'RSIEval', 'rsieval_vqa.json'))
    return dict(rsicap=len(rsicap), rsieval_images=len(rsieval),
                rsieval_questions=sum(len(r['qa_pairs']) for r in rsieval))


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description='Demo data -> RSICap / RSIEval JSON')
    parser.add_argument('root', help='the generated demo data, e.g. data/demo')
    parser.add_argument('--out-dir', help='output folder (default: <root>/rsgpt)')
    parser.add_argument('--max-train', type=int, help='export only the first N train images')
    args = parser.parse_args(argv)
    stats = export_demo(args.root, args.out_dir, args.max_train)
    print(', '.join(f'{k}: {v}' for k, v in stats.items()))


if __name__ == '__main__':
    main()
