"""Ask a model about your own images: the inference API of ``tools/infer.py`` and the web
demo, in the shape of mmdet's ``DetInferencer``.

One code path with ``tools/test.py``: the model is built from the config's ``model``
(``rscovlm.registry.MODELS``) and loaded with mmengine's ``load_checkpoint`` (the
processor saved beside the weights replaces the config's, as ``tools/test.py`` does);
each image becomes the results dict a test set of the task would give, goes through that
test set's pipeline (prompt, codec, resize, chat template), is collated by the test
loader's collate function and answered by ``model.test_step``; the model fills the
prediction with ``rscovlm.structures.fill_prediction`` and it is read back with
``read_prediction``, the metrics' reader. Large images are cut into the windows of the
split converter and their boxes merged by ``merge_patch_predictions``, the large-image
evaluation's merge.
"""
import copy
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar
from mmrotate.structures.bbox import rbox2qbox

from rscovlm.datasets.conversation import IMG_EXTENSIONS
from rscovlm.datasets.patch_windows import (SPLIT_DEFAULTS, crop_image, patch_name,
                                          preset_scales, sliding_windows)
from rscovlm.evaluation.metrics.rotated_det_metric import merge_patch_predictions
from rscovlm.processors import saved_processor_cfg
from rscovlm.registry import FUNCTIONS, METRICS, MODELS
from rscovlm.structures import read_prediction
from rscovlm.utils import complete_config, load_config
from .task_inputs import TASKS, find_task_inputs, split_pipeline

ImageInput = Union[str, np.ndarray]
#: what ``__call__`` overlaps windows by when a tile size is given without overlap
DEFAULT_OVERLAP = 200
DEFAULT_COLLATE = dict(type='rscovlm.vlm_collate', padding_side='left')
#: the tasks whose answers hold boxes
BOX_TASKS = ('det', 'grounding')


class ImageReadError(ValueError):
    """An input that is not an image rscovlm can read (the message says which and why)."""


def read_image_header(path: str):
    """``(width, height)`` of an image file from its header (PIL), or
    :class:`ImageReadError` naming the file."""
    from PIL import Image
    if not osp.isfile(path):
        raise ImageReadError(f'{path}: no such file')
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # remote-sensing scenes exceed PIL's bomb limit
    try:
        with Image.open(path) as im:
            return int(im.width), int(im.height)
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageReadError(f'{path}: not an image file that can be read ({e}); give a '
                             'PNG, JPEG, TIFF or another image format') from None
    finally:
        Image.MAX_IMAGE_PIXELS = old


def to_bgr(img: np.ndarray, where: str = 'image') -> np.ndarray:
    """An ``uint8`` BGR ``(H, W, 3)`` array of a BGR / BGRA / gray array (OpenCV's
    channel order, as ``LoadImages`` decodes files)."""
    import mmcv
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        raise ImageReadError(f'{where}: an image array must be (H, W), (H, W, 3) or '
                             f'(H, W, 4), got shape {img.shape}')
    if img.dtype != np.uint8:
        if np.issubdtype(img.dtype, np.floating) and img.size and img.max() <= 1.0:
            img = img * 255.0
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return mmcv.gray2bgr(img)
    return np.ascontiguousarray(img[..., :3])


def list_images(path: str) -> List[str]:
    """The image files of a folder (sorted; by extension, :data:`IMG_EXTENSIONS`)."""
    files = sorted(f for f in os.listdir(path) if f.lower().endswith(IMG_EXTENSIONS))
    if not files:
        raise ImageReadError(f'{path}: a folder with no image file ({", ".join(IMG_EXTENSIONS)})')
    return [osp.join(path, f) for f in files]


class _LoadArray:
    """The pipeline's first step for an image given as an array: what ``LoadImages``
    sets for a file (``img``, ``ori_shape``, ``img_shape``, ``ori_shapes``), with the
    same ``crop`` / ``crop_padding`` windows."""

    def __call__(self, results: dict) -> dict:
        img = results.pop('array')
        crop = results.get('crop')
        if crop is not None:
            img = crop_image(img, crop, results.get('crop_padding', 0))
        results['img'] = img
        results['ori_shapes'] = [img.shape[:2]]
        results['ori_shape'] = results['img_shape'] = img.shape[:2]
        return results


def use_saved_processor(cfg: Config, checkpoint: str) -> Optional[str]:
    """The processor saved in ``<checkpoint dir>/processor`` (the runner writes it)
    replaces the config's, so images are tokenized and resized as in training; the
    folder used, or None. The same rule as ``tools/test.py``."""
    saved = osp.join(osp.dirname(osp.abspath(checkpoint)), 'processor')
    processor = (cfg.get('model') or {}).get('processor') or {}
    reloaded = saved_processor_cfg(processor, saved) if osp.isdir(saved) else None
    if reloaded is None:
        return None
    cfg.model.processor = ConfigDict(reloaded)
    print_log(f'using the processor saved with the checkpoint: {saved}', logger='current')
    return saved


class VLMInferencer:
    """Answer one task about images with a model of a config.

    Args:
        config: a config file or ``Config`` with a ``model`` and (for the prompts and
            pipelines of the tasks) test or validation sets; tasks the config has no
            test set of use their benchmark base (``configs/benchmarks/_base_/``).
        checkpoint: a checkpoint of the config's model (``tools/train.py``'s
            ``iter_N.pth``); ``None`` for a model-zoo config whose weights come from
            ``model.model.pretrained`` (or random weights of a tiny test model).
        device: ``'cuda'``, ``'cpu'``, ...; ``None``: CUDA when available.
        cfg_options: ``--cfg-options`` style overrides of the config.
        batch_size: images (or windows of a large image) generated together.

    Call it with ``inferencer(images, task='det', classes=[...])``; see :meth:`__call__`.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = None,
                 cfg_options: Optional[dict] = None,
                 batch_size: int = 4) -> None:
        if isinstance(config, (str, os.PathLike)):
            cfg = load_config(str(config), cfg_options)
        else:
            cfg = copy.deepcopy(config)
            if cfg_options:
                cfg.merge_from_dict(cfg_options)
        if cfg.get('model') is None:
            raise ValueError('the config has no model to infer with; give a model config '
                             '(e.g. configs/demo/qwen2.5-vl-tiny_full_1xb16-3k_demo-cotrain.py)')
        if checkpoint is not None and not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
        if checkpoint is not None:
            use_saved_processor(cfg, checkpoint)
        self.cfg = complete_config(cfg)
        self.checkpoint = checkpoint
        self.batch_size = int(batch_size)
        self.device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
        self.scope = cfg.get('default_scope', 'rscovlm')
        with DefaultScope.overwrite_default_scope(self.scope):
            self.model = self._build_model()
            self.task_inputs = find_task_inputs(cfg)
            self._pipelines = {}
            collate = dict(cfg.get('test_dataloader', {}).get('collate_fn') or DEFAULT_COLLATE)
            collate_fn = FUNCTIONS.get(collate.pop('type'))
            self.collate = lambda batch: collate_fn(batch, **collate)
            self.merge_metric = self._det_metric()

    # ---- construction ----------------------------------------------------------------
    def _build_model(self):
        model = MODELS.build(self.cfg.model)
        if self.checkpoint is not None:
            ckpt = load_checkpoint(model, self.checkpoint, map_location='cpu', strict=False,
                                   logger='current', revise_keys=[(r'^module\.', '')])
            state = ckpt.get('state_dict', ckpt)
            names = {n for n, _ in model.named_parameters()}
            if not names & set(state):
                raise ValueError(f'checkpoint {self.checkpoint!r} holds no weight of the '
                                 "config's model; give the config it was trained with")
        return model.to(self.device).eval()

    def _det_metric(self):
        """The config's detection metric (``RotatedDetMetric``): its box type and merge
        IoU are the large-image merge's."""
        evaluators = self.cfg.get('test_evaluator') or []
        evaluators = [evaluators] if isinstance(evaluators, dict) else list(evaluators)
        det = next((e for e in evaluators if isinstance(e, dict) and
                    e.get('type') == 'RotatedDetMetric'), dict(type='RotatedDetMetric'))
        det = {k: v for k, v in det.items() if k not in ('outfile_prefix', 'format_only')}
        return METRICS.build(det)

    def pipeline(self, task: str, from_array: bool) -> Compose:
        """The test pipeline of ``task`` (built once); an array input replaces its
        ``LoadImages`` step."""
        key = (task, from_array)
        if key not in self._pipelines:
            load, rest = split_pipeline(self.task_inputs[task].pipeline)
            # the steps naming processor=None get this model's processor, whatever
            # config was completed since
            complete_config(self.cfg)
            with DefaultScope.overwrite_default_scope(self.scope):
                steps = ([_LoadArray()] if from_array else [load]) + rest
                if load is None and not from_array:
                    raise ValueError(f'the test pipeline of task {task!r} has no LoadImages')
                self._pipelines[key] = Compose(steps)
        return self._pipelines[key]

    # ---- inputs ------------------------------------------------------------------------
    @staticmethod
    def _inputs(images) -> List[ImageInput]:
        if isinstance(images, (str, os.PathLike)):
            images = list_images(str(images)) if osp.isdir(images) else [str(images)]
        elif isinstance(images, np.ndarray) or not isinstance(images, (list, tuple)):
            images = [images]
        out = []
        for k, img in enumerate(images):
            if isinstance(img, (str, os.PathLike)):
                out.append(str(img))
            elif isinstance(img, np.ndarray):
                out.append(to_bgr(img, where=f'image {k}'))
            elif hasattr(img, 'convert'):  # a PIL image: RGB
                out.append(np.ascontiguousarray(np.asarray(img.convert('RGB'))[..., ::-1]))
            else:
                raise ImageReadError(f'image {k}: give a file path, a folder, an array or '
                                     f'a PIL image, got {type(img).__name__}')
        return out

    def check_task(self, task: str, question: Optional[str],
                   classes: Optional[Sequence[str]]) -> dict:
        """The task's fields (question, classes) checked and completed, with errors that
        say what the task needs."""
        if task not in TASKS:
            raise ValueError(f'task must be one of {TASKS}, got {task!r}')
        info = self.task_inputs[task]
        if task in ('grounding', 'vqa', 'chat') and not (question or '').strip():
            raise ValueError(f"task {task!r} needs a question (for grounding: the object "
                             "to find, e.g. 'red ship at the top')")
        question = (question or '').strip() or None
        if task == 'grounding' and question.lower().startswith('the '):
            question = question[4:].strip()  # the prompt is 'find the {phrase}'
        if task in ('det', 'caption', 'cls') and question:
            raise ValueError(f"task {task!r} asks the config's prompt and takes no question; "
                             "use task='chat' to ask your own")
        if task not in ('det', 'cls') and classes:
            raise ValueError(f'task {task!r} takes no classes (det and cls do)')
        if task in ('det', 'cls'):
            if isinstance(classes, str):
                classes = [c.strip() for c in classes.split(',')]
            classes = [c for c in (classes or ()) if c] or None
            if classes is None:
                try:
                    with DefaultScope.overwrite_default_scope(self.scope):
                        classes = info.default_classes()
                except (OSError, KeyError, ValueError) as e:
                    raise ValueError(f'task {task!r} needs classes: the config\'s test set '
                                     f'({info.source}) could not give them ({e})') from None
            if not classes:
                raise ValueError(f'task {task!r} needs classes, e.g. classes=["plane", '
                                 '"ship"]; the config has no class list for it')
        return dict(question=question,
                    classes=tuple(classes) if classes else None)

    def tile_settings(self, task: str, tile: Optional[int], overlap: Optional[int]):
        """``(window size, gap)`` of the split, or None for no split: ``tile`` /
        ``overlap`` when given (``tile=0``: never), else the config's
        ``PatchSplitDataset`` settings (detection only)."""
        if tile == 0 or task != 'det':
            if tile and task != 'det':
                raise ValueError(f'tiling merges detections: it applies to task=\'det\', '
                                 f'not {task!r}')
            return None
        split = self.task_inputs[task].patch_split
        if tile is None and split is None:
            return None
        if tile is not None:
            sizes, gaps = preset_scales(None, tile, DEFAULT_OVERLAP if overlap is None
                                        else overlap)
        else:
            sizes, gaps = preset_scales(split.get('preset', 'ss_1024'),
                                        split.get('patch_size'), split.get('gap'),
                                        split.get('rates'))
        if len(sizes) != 1:
            raise ValueError(f'tiling takes one window size, the config gives {sizes}')
        return sizes[0], gaps[0]

    # ---- the call --------------------------------------------------------------------
    def __call__(self,
                 images,
                 task: str = 'det',
                 question: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 tile: Optional[int] = None,
                 overlap: Optional[int] = None,
                 return_vis: bool = False,
                 with_scores: bool = False,
                 max_new_tokens: Optional[int] = None,
                 show_progress: bool = True) -> dict:
        """Answer ``task`` about each image.

        Args:
            images: an image file, a folder of images, an array (BGR, OpenCV's order;
                gray and BGRA are converted), a PIL image, or a list of them.
            task: one of :data:`TASKS`: ``'det'`` (oriented boxes of ``classes``),
                ``'grounding'`` (the box of the object ``question`` describes),
                ``'caption'``, ``'vqa'`` (a short answer to ``question``), ``'cls'``
                (one of ``classes``), ``'chat'`` (``question`` asked as typed).
            question: the question (vqa, chat), or for grounding the object to find
                (``'red ship'``: the prompt is ``find the red ship``; a leading
                ``the`` is dropped).
            classes: class names (det, cls); default the config's test-set classes.
            tile: split images larger than ``tile`` px into ``tile`` px windows every
                ``tile - overlap`` px (the split converter's windows), answer each and
                merge their boxes by rotated NMS (the large-image evaluation's merge);
                ``None``: the config's ``PatchSplitDataset`` settings, if any; ``0``:
                never. Detection only. An image that fits in one window is not split.
            overlap: the windows' overlap in px (default 200).
            return_vis: also draw the boxes on each image (``visualization``).
            with_scores: score each box by its answer line's token probabilities
                (``exp(mean log p)``; the model config's ``box_scores='logprob'`` does
                it always).
            max_new_tokens: the most tokens an answer may have (default: the config's).
            show_progress: a progress bar over the windows of split images.

        Returns:
            ``dict(predictions=[...], visualization=[...] or None)``, one prediction per
            image: ``image`` (path, or ``None`` for an array), ``task``, ``prompt`` (the
            user turn asked), ``answer`` (the generated text; for a split image the
            windows' answers, each under a ``[window x1,y1,x2,y2]`` line),
            ``ori_shape`` (h, w), ``windows`` (``(x1, y1, x2, y2)`` of each window; one
            for an image not split), and for box tasks ``instances``: ``polygons``
            (N x 8 corners, original-image pixels), ``bboxes`` (N x 5 rotated boxes
            ``cx, cy, w, h, theta`` in radians), ``labels`` (class index, -1: none
            matched), ``label_names`` and ``scores`` (token-probability scores, or
            ``None`` when not asked).
        """
        fields = self.check_task(task, question, classes)
        split = self.tile_settings(task, tile, overlap)
        inputs = self._inputs(images)
        for img in inputs:
            if isinstance(img, str):
                read_image_header(img)  # fail on a non-image before generating anything
        model = self.model
        old = (model.box_scores, dict(model.generation_cfg))
        if with_scores:
            model.box_scores = 'logprob'
        if max_new_tokens is not None:
            model.generation_cfg['max_new_tokens'] = int(max_new_tokens)
        try:
            jobs = [self._windows(img, k, split) for k, img in enumerate(inputs)]
            samples = self._generate(task, fields, inputs, jobs, show_progress)
        finally:
            model.box_scores, model.generation_cfg = old[0], old[1]
        predictions = [self._prediction(task, fields, img, job, done)
                       for img, job, done in zip(inputs, jobs, samples)]
        vis = None
        if return_vis:
            from rscovlm.visualization.instances import draw_prediction
            vis = [draw_prediction(self._full_image(img), pred) for img, pred in
                   zip(inputs, predictions)]
        return dict(predictions=predictions, visualization=vis)

    # ---- steps -----------------------------------------------------------------------
    def _windows(self, img: ImageInput, k: int, split) -> dict:
        if isinstance(img, str):
            width, height = read_image_header(img)
            name = osp.splitext(osp.basename(img))[0]
        else:
            height, width = img.shape[:2]
            name = f'image{k}'
        # mmrotate's merge reads the image id as the part before the first '__'
        name = name.replace('__', '_') or f'image{k}'
        if split is None or (width <= split[0] and height <= split[0]):
            return dict(img_id=name, windows=None, shape=(height, width))
        windows = sliding_windows(width, height, [split[0]], [split[1]],
                                  SPLIT_DEFAULTS['img_rate_thr'])
        return dict(img_id=name, windows=[tuple(int(v) for v in w) for w in windows],
                    shape=(height, width))

    def _records(self, task: str, fields: dict, img: ImageInput, job: dict) -> List[dict]:
        base = self.task_inputs[task].record(fields)
        base['img_id'] = job['img_id']
        if isinstance(img, str):
            base['img_path'] = img
        if job['windows'] is None:
            return [dict(base, array=img) if not isinstance(img, str) else base]
        out = []
        for window in job['windows']:
            rec = dict(base, img_id=patch_name(job['img_id'], window), crop=window,
                       crop_padding=SPLIT_DEFAULTS['padding_value'])
            if not isinstance(img, str):
                rec['array'] = img
            out.append(rec)
        return out

    def _generate(self, task: str, fields: dict, inputs, jobs, show_progress: bool):
        """Every window of every image through the pipeline, collate and
        ``model.test_step``, ``batch_size`` at a time; the filled data samples per image."""
        queue = []
        for k, (img, job) in enumerate(zip(inputs, jobs)):
            queue += [(k, rec, not isinstance(img, str))
                      for rec in self._records(task, fields, img, job)]
        split = any(job['windows'] is not None for job in jobs)
        bar = ProgressBar(len(queue), file=sys.stderr) if show_progress and split else None
        out = [[] for _ in inputs]
        for start in range(0, len(queue), self.batch_size):
            chunk = queue[start:start + self.batch_size]
            with DefaultScope.overwrite_default_scope(self.scope):
                batch = [self.pipeline(task, from_array)(copy.copy(rec))
                         for _, rec, from_array in chunk]
                with torch.no_grad():
                    samples = self.model.test_step(self.collate(batch))
            for (k, _, _), sample in zip(chunk, samples):
                out[k].append(sample)
            if bar is not None:
                for _ in chunk:
                    bar.update()
        if bar is not None:
            sys.stderr.write('\n')
        return out

    def _read(self, sample) -> dict:
        """The sample's boxes as the metrics read them (``read_prediction``)."""
        data = sample.to_dict()
        with_logprob = 'logprob_scores' in (data.get('pred_instances') or {})
        pred, _ = read_prediction(data, 'logprob' if with_logprob else 'constant',
                                  box_type=self.merge_metric.predict_box_type)
        pred['with_scores'] = with_logprob
        return pred

    def _prediction(self, task: str, fields: dict, img, job: dict, samples: list) -> dict:
        first = samples[0]
        user = [c['text'] for m in first.messages if m['role'] == 'user'
                for c in m['content'] if isinstance(c, dict) and c.get('type') == 'text']
        out = dict(image=img if isinstance(img, str) else None, task=task,
                   prompt=''.join(user), ori_shape=tuple(int(v) for v in job['shape']),
                   windows=job['windows'] or [(0, 0, job['shape'][1], job['shape'][0])])
        if job['windows'] is None:
            out['answer'] = first.pred_text
        else:
            out['answer'] = '\n'.join(f'[window {",".join(map(str, w))}]\n{s.pred_text}'
                                      for w, s in zip(job['windows'], samples))
            out['window_answers'] = [s.pred_text for s in samples]
        if task not in BOX_TASKS or first.metainfo.get('codec') is None:
            return out
        names = list(first.metainfo.get('classes') or ())
        if job['windows'] is None:
            pred = self._read(first)
            polygons = pred['qboxes'].numpy().astype(np.float64).reshape(-1, 8)
            bboxes, labels = self._as_rbox(pred['bboxes'], polygons), pred['labels'].numpy()
            scores = pred['scores'].numpy() if pred['with_scores'] else None
        else:
            polygons, bboxes, labels, scores = self._merge(samples, len(names))
        if task == 'grounding':  # the box of the phrase asked for
            label_names = [fields['question']] * len(labels)
        else:
            label_names = [names[v] if 0 <= v < len(names) else None for v in labels]
        out['instances'] = dict(
            polygons=polygons.round(2).tolist(), bboxes=np.asarray(bboxes).round(4).tolist(),
            labels=[int(v) for v in labels], label_names=label_names,
            scores=None if scores is None else [round(float(v), 4) for v in scores])
        return out

    def _as_rbox(self, bboxes, polygons: np.ndarray) -> np.ndarray:
        if self.merge_metric.predict_box_type == 'rbox':
            return np.asarray(bboxes, np.float64).reshape(-1, 5)
        from rscovlm.structures.instances import qboxes_to
        return qboxes_to(polygons, 'rbox').numpy().astype(np.float64)

    def _merge(self, samples: list, num_classes: int):
        """The windows' boxes shifted into the image and reduced by the large-image
        evaluation's rotated NMS, per class (boxes of no class kept as a class of
        their own)."""
        box_type = self.merge_metric.predict_box_type
        preds, with_scores = [], False
        for sample in samples:
            pred = self._read(sample)
            with_scores = with_scores or pred['with_scores']
            # label -1 (no class matched) becomes 0 so the merge keeps those boxes too
            preds.append(dict(img_id=sample.metainfo['img_id'], bboxes=pred['bboxes'],
                              scores=pred['scores'], labels=pred['labels'] + 1))
        merged, _ = merge_patch_predictions(preds, num_classes + 1, box_type,
                                            self.merge_metric.iou_thr)
        per_class = next(iter(merged.values()))
        dets = np.concatenate(per_class, axis=0)
        labels = np.concatenate([np.full(len(d), c - 1) for c, d in enumerate(per_class)])
        boxes = torch.from_numpy(dets[:, :-1].astype(np.float32))
        if box_type == 'rbox':
            polygons = rbox2qbox(boxes).numpy().astype(np.float64)
            bboxes = dets[:, :5]
        else:
            polygons = dets[:, :8].astype(np.float64)
            bboxes = self._as_rbox(None, polygons)
        scores = dets[:, -1] if with_scores else None
        return polygons, bboxes, labels.astype(np.int64), scores

    def _full_image(self, img: ImageInput) -> np.ndarray:
        if not isinstance(img, str):
            return img
        import mmcv
        return mmcv.imread(img, 'color')


__all__ = ['VLMInferencer', 'ImageReadError', 'read_image_header', 'to_bgr', 'list_images',
           'use_saved_processor', 'TASKS']
