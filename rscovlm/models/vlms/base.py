import logging
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from transformers import StoppingCriteria, StoppingCriteriaList

from rscovlm.processors import IGNORE_INDEX, build_processor
from rscovlm.processors.chat import IM_END, PAD_TOKEN
from rscovlm.registry import MODELS
from rscovlm.structures import check_score_mode, fill_prediction


class BaseVLM(BaseModel):
    """A Hugging Face vision-language model behind mmengine's ``BaseModel`` interface.

    ``forward(inputs, data_samples, mode)``: ``'loss'`` returns ``dict(loss=...)``
    (token cross-entropy, averaged over the supervised tokens of the batch) plus, for the
    log only, ``loss_{task}`` (the same average over each task's tokens) and ``share_{task}``
    (the task's fraction of the batch's samples); ``'predict'`` generates greedily in
    batches and fills each data sample with ``rscovlm.structures.fill_prediction``:
    ``pred_text``, plus ``pred_instances`` (boxes in the original frame) and
    ``parse_stats`` for samples whose metainfo names a box ``codec`` (detection,
    grounding).

    Args:
        model: HF model config, e.g. ``dict(type='Qwen2_5_VLForConditionalGeneration',
            pretrained='/ckpts/Qwen2.5-VL-7B-Instruct')`` or ``config=dict(...)``.
        processor: processor config (tokenizer + image processor).
        lora: ``peft.LoraConfig`` keyword arguments; ``None`` trains without LoRA.
        gradient_checkpointing: recompute activations in backward (non-reentrant).
        generation_cfg: keyword arguments of ``generate`` (``max_new_tokens`` ...).
        task_max_new_tokens: ``{task: n}``, the most new tokens a sample of that task may
            generate (e.g. ``dict(det=2048, cls=16)``); other tasks use
            ``generation_cfg['max_new_tokens']``. A batch that mixes tasks generates up to
            its largest limit and each answer is cut at its own, which under greedy
            decoding gives the same text as generating each task alone.
        box_scores: one of ``rscovlm.structures.SCORE_MODES``, the scores the metrics'
            ``score_mode`` may rank by. ``'constant'`` / ``'order'`` need nothing beyond
            the parsed boxes; ``'logprob'`` also generates token log-probabilities and
            stores each box line's ``exp(mean log p)`` as ``pred_instances.logprob_scores``
            (``pred_instances.scores`` stay 1.0, so mAP_nc is unchanged). Plain-text
            answers are scored line by line; a JSON answer gives every box the score of
            the whole answer.
        save_trainable_only: checkpoints keep only trainable weights (default: on with
            LoRA or frozen parts, so a 7B LoRA checkpoint is megabytes).
    """

    # module-name prefixes of the parts that the freeze switches act on (set by subclasses)
    vision_prefixes: Sequence[str] = ()
    merger_prefixes: Sequence[str] = ()

    def __init__(self,
                 model: dict,
                 processor: dict,
                 freeze_vision: bool = False,
                 freeze_merger: bool = False,
                 freeze_language: bool = False,
                 lora: Optional[dict] = None,
                 gradient_checkpointing: bool = False,
                 generation_cfg: Optional[dict] = None,
                 task_max_new_tokens: Optional[Dict[str, int]] = None,
                 box_scores: str = 'constant',
                 save_trainable_only: Optional[bool] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.processor = build_processor(processor)
        self.hf_model = MODELS.build(self.complete_model_cfg(dict(model)))
        self.generation_cfg = dict(max_new_tokens=256, do_sample=False)
        self.generation_cfg.update(generation_cfg or {})
        self.task_max_new_tokens = dict(task_max_new_tokens or {})
        self.box_scores = check_score_mode(box_scores, 'box_scores')
        self._seen_tasks = set()

        self.set_trainable(freeze_vision, freeze_merger, freeze_language)
        if gradient_checkpointing:
            self.hf_model.gradient_checkpointing_enable(
                gradient_checkpointing_kwargs=dict(use_reentrant=False))
            self.hf_model.config.use_cache = False
        if lora is not None:
            self.hf_model = self._apply_lora(dict(lora))
        if save_trainable_only is None:
            save_trainable_only = lora is not None or freeze_vision or freeze_language
        self.save_trainable_only = save_trainable_only
        self._lora = lora is not None
        self._base_weights = dict(model).get('pretrained')
        self.register_load_state_dict_post_hook(self._trainable_only_loaded)
        n_train = sum(p.numel() for p in self.parameters() if p.requires_grad)
        n_all = sum(p.numel() for p in self.parameters())
        MMLogger.get_current_instance().info(
            f'{type(self).__name__}: {n_all / 1e6:.2f}M parameters, '
            f'{n_train / 1e6:.2f}M trainable')

    # ---- construction hooks -------------------------------------------------------
    def complete_model_cfg(self, cfg: dict) -> dict:
        """Fill what a random-init ``config`` must share with the tokenizer."""
        return cfg

    def _part(self, name: str, prefixes: Sequence[str]) -> bool:
        return any(name.startswith(p) for p in prefixes)

    def set_trainable(self, freeze_vision: bool, freeze_merger: bool,
                      freeze_language: bool) -> None:
        for name, param in self.hf_model.named_parameters():
            if self._part(name, self.merger_prefixes):
                param.requires_grad_(not freeze_merger)
            elif self._part(name, self.vision_prefixes):
                param.requires_grad_(not freeze_vision)
            else:
                param.requires_grad_(not freeze_language)

    def _apply_lora(self, lora: dict):
        from peft import LoraConfig, get_peft_model
        # Upstream default: every linear layer of the language model; the vision tower
        # is left out unless the config targets it.
        lora.setdefault('target_modules', 'all-linear')
        if self.vision_prefixes and 'exclude_modules' not in lora:
            lora['exclude_modules'] = r'.*(' + '|'.join(
                p.rstrip('.').replace('.', r'\.') for p in self.vision_prefixes) + r').*'
        if getattr(self.hf_model, 'is_gradient_checkpointing', False):
            self.hf_model.enable_input_require_grads()
        return get_peft_model(self.hf_model, LoraConfig(**lora))

    # ---- checkpoints ---------------------------------------------------------------
    def state_dict(self, *args, **kwargs):
        state = super().state_dict(*args, **kwargs)
        if not getattr(self, 'save_trainable_only', False):
            return state
        prefix = kwargs.get('prefix', args[1] if len(args) > 1 else '')
        trainable = {prefix + n for n, p in self.named_parameters() if p.requires_grad}
        return type(state)((k, v) for k, v in state.items() if k in trainable)

    @staticmethod
    def _trainable_only_loaded(module: 'BaseVLM', incompatible) -> None:
        """After a checkpoint is loaded into this model (the root module): when it keeps
        only trainable weights (``save_trainable_only``), the frozen weights it lacks are
        expected to be missing. They are taken off the missing keys (mmengine and torch
        would list every one of them, ~100 lines for a 7B LoRA run, reading as a failed
        load) and one line says what was loaded and where the rest comes from."""
        if not getattr(module, 'save_trainable_only', False) or not incompatible.missing_keys:
            return
        # every key of the unfiltered state dict (tied weights appear under each name)
        names = set(BaseModel.state_dict(module, keep_vars=True))
        if not set(incompatible.missing_keys) <= names:
            return  # loaded through a parent module (keys with its prefix): left as they are
        trainable = {n for n, p in module.named_parameters() if p.requires_grad}
        frozen = [k for k in incompatible.missing_keys if k not in trainable]
        if not frozen:
            return
        missing_trainable = len(incompatible.missing_keys) - len(frozen)
        incompatible.missing_keys[:] = [k for k in incompatible.missing_keys if k in trainable]
        what = 'LoRA' if module._lora else 'trainable'
        loaded = len(trainable) - missing_trainable
        source = (f'the pretrained model {module._base_weights}' if module._base_weights
                  else 'the random initialisation (model.model has no pretrained)')
        message = (f'{type(module).__name__}: loaded {loaded} of {len(trainable)} {what} '
                   f'tensors from the checkpoint; the other {len(frozen)} (frozen, not saved '
                   f'with it) are those of {source}')
        MMLogger.get_current_instance().log(
            logging.INFO if module._base_weights and not missing_trainable
            else logging.WARNING, message)

    # ---- forward -------------------------------------------------------------------
    def forward(self, inputs: dict, data_samples: Optional[list] = None, mode: str = 'loss'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            model_inputs = self.prepare_inputs(inputs)
            model_inputs.pop('labels', None)
            return self.hf_model(**model_inputs).logits
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def prepare_inputs(self, inputs: dict) -> dict:
        """The keyword arguments of the HF model for a collated batch (a copy).

        Subclasses turn rscovlm's batch extras into model inputs here; the packed batches
        of ``vlm_pack_collate`` carry ``seq_lens`` (``[rows, max_samples_per_row]``, the
        lengths of the samples laid end to end in each row).
        """
        return dict(inputs)

    def token_losses(self, inputs: dict) -> torch.Tensor:
        """Cross-entropy of every next-token prediction, ``[B, L-1]`` (0 where masked)."""
        model_inputs = self.prepare_inputs(inputs)
        labels = model_inputs.pop('labels')
        logits = self.hf_model(**model_inputs).logits
        target = labels[:, 1:]
        losses = F.cross_entropy(
            logits[:, :-1].flatten(0, 1).float(), target.flatten(), ignore_index=IGNORE_INDEX,
            reduction='none')
        return losses.view_as(target)

    def loss(self, inputs: dict, data_samples: Optional[list] = None) -> dict:
        token_loss = self.token_losses(inputs)
        supervised = inputs['labels'][:, 1:] != IGNORE_INDEX
        losses = dict(loss=token_loss.sum() / supervised.sum().clamp(min=1))
        if data_samples:
            tasks = [s.metainfo.get('task', 'unknown') for s in data_samples]
            # a task missing from this batch still logs its share (0), so the logged
            # window average is the task's share of all samples
            self._seen_tasks.update(tasks)
            losses.update(task_log_vars(token_loss.detach(), supervised, inputs, tasks,
                                        sorted(self._seen_tasks)))
        return losses

    def register_tasks(self, tasks: Sequence[str]) -> None:
        """Tasks to log a share for from the first batch on (0 while absent)."""
        self._seen_tasks.update(tasks)

    def parse_losses(self, losses: dict):
        """Only ``loss`` is optimised; ``loss_{task}`` / ``share_{task}`` are log values."""
        loss = losses['loss']
        log_vars = OrderedDict(loss=loss.detach())
        log_vars.update((k, v.detach()) for k, v in losses.items() if k != 'loss')
        return loss, log_vars

    @torch.no_grad()
    def generate(self, inputs: dict, return_logprobs: bool = False, **overrides):
        """Greedy batched generation; returns the decoded answers.

        With ``return_logprobs`` it returns ``(texts, tokens)``: per answer the list of
        ``(token_text, log_prob)`` pairs of its generated tokens (up to the end token),
        the log-probability of the token under the model's output distribution.
        """
        if 'seq_lens' in inputs:
            raise ValueError('generation needs one sample per row: packed batches '
                             '(vlm_pack_collate) are for training; evaluate with '
                             "collate_fn=dict(type='rscovlm.vlm_collate', padding_side='left')")
        inputs = to_left_padding({k: v for k, v in inputs.items() if k != 'labels'})
        tok = self.processor.tokenizer
        cfg = dict(self.generation_cfg, **overrides)
        cfg.setdefault('eos_token_id', tok.convert_tokens_to_ids([IM_END, PAD_TOKEN]))
        cfg.setdefault('pad_token_id', tok.pad_token_id)
        if return_logprobs:
            cfg.update(return_dict_in_generate=True, output_logits=True)
        out = self.hf_model.generate(**inputs, **cfg)
        sequences = out.sequences if return_logprobs else out
        new_tokens = sequences[:, inputs['input_ids'].shape[1]:]
        texts = tok.batch_decode(new_tokens, skip_special_tokens=True,
                                 clean_up_tokenization_spaces=False)
        if not return_logprobs:
            return texts
        # logits, not the processed scores: the distribution the model gave
        logprobs = torch.stack(out.logits, dim=1).float().log_softmax(-1)
        logprobs = logprobs.gather(-1, new_tokens[..., None])[..., 0]
        special = set(tok.all_special_ids)
        tokens = []
        for ids, lps in zip(new_tokens.tolist(), logprobs.tolist()):
            pairs = []
            for token_id, lp in zip(ids, lps):
                if token_id in special:
                    break
                pairs.append((tok.decode([token_id], clean_up_tokenization_spaces=False), lp))
            tokens.append(pairs)
        return texts, tokens

    def predict(self, inputs: dict, data_samples: list) -> list:
        overrides = {}
        if self.task_max_new_tokens:
            default = self.generation_cfg.get('max_new_tokens')
            limits = [self.task_max_new_tokens.get(s.metainfo.get('task'), default)
                      for s in data_samples]
            if None not in limits and len(set(limits)) > 1:
                overrides['stopping_criteria'] = StoppingCriteriaList([RowLimits(limits)])
            if None not in limits:
                overrides['max_new_tokens'] = max(limits)
        if self.box_scores == 'logprob':
            texts, tokens = self.generate(inputs, return_logprobs=True, **overrides)
        else:
            texts = self.generate(inputs, **overrides)
            tokens = [None] * len(texts)
        for sample, text, token_logprobs in zip(data_samples, texts, tokens):
            fill_prediction(sample, text, token_logprobs)
        return data_samples


class RowLimits(StoppingCriteria):
    """Stop each row of a batch after its own number of new tokens (``limits[i]``).

    The prompt length is read on the first call, which comes after the first new token,
    so it holds whatever the model prepends to ``input_ids`` during generation."""

    def __init__(self, limits: Sequence[int]) -> None:
        self.limits = torch.as_tensor(list(limits))
        self.prompt_len = None

    def __call__(self, input_ids: torch.Tensor, scores, **kwargs) -> torch.Tensor:
        if self.prompt_len is None:
            self.prompt_len = input_ids.shape[1] - 1
        new = input_ids.shape[1] - self.prompt_len
        return new >= self.limits.to(input_ids.device)


def sample_index(inputs: dict) -> torch.Tensor:
    """Index of the sample (in ``data_samples`` order) that every token belongs to,
    ``[B, L]``, -1 on padding. Padded batches hold one sample per row; packed batches
    (``seq_lens``) lay several end to end in each row."""
    mask = inputs['attention_mask']
    if 'seq_lens' not in inputs:
        rows = torch.arange(mask.shape[0], device=mask.device)[:, None].expand_as(mask)
        return torch.where(mask.bool(), rows, torch.full_like(rows, -1))
    out = torch.full(mask.shape[:2], -1, dtype=torch.long, device=mask.device)
    n = 0
    for row, lens in enumerate(inputs['seq_lens'].tolist()):
        start = 0
        for length in lens:
            if length <= 0:
                continue
            out[row, start:start + length] = n
            start += length
            n += 1
    return out


def task_log_vars(token_loss: torch.Tensor, supervised: torch.Tensor, inputs: dict,
                  tasks: Sequence[str],
                  all_tasks: Optional[Sequence[str]] = None) -> Dict[str, torch.Tensor]:
    """Per-task mean token loss and share of samples of one batch (log values).

    ``tasks`` names the task of each sample; ``all_tasks`` (default: those present) get a
    share, 0 when absent."""
    owner = sample_index(inputs)[:, 1:]  # the sample of each predicted token
    task_ids = sorted(set(tasks) | set(all_tasks or ()))
    sample_task = torch.tensor([task_ids.index(t) for t in tasks], device=owner.device)
    token_task = torch.where(owner >= 0, sample_task[owner.clamp(min=0)], -1)
    out = {}
    for i, task in enumerate(task_ids):
        sel = supervised & (token_task == i)
        if sel.any():
            out[f'loss_{task}'] = token_loss[sel].sum() / sel.sum()
        out[f'share_{task}'] = (sample_task == i).float().mean()
    return out


def to_left_padding(inputs: dict) -> dict:
    """Move padding to the left (generation appends on the right) in every per-token
    tensor (``input_ids``, ``attention_mask``, ``mm_token_type_ids``). No-op when the
    batch is already left-padded."""
    mask = inputs['attention_mask']
    if bool(mask[:, -1].all()):
        return inputs
    length = mask.shape[1]
    out = dict(inputs)
    for key, value in inputs.items():
        if not (torch.is_tensor(value) and value.shape == mask.shape):
            continue
        moved = torch.zeros_like(value)
        for i in range(mask.shape[0]):
            keep = mask[i].bool()
            moved[i, length - int(keep.sum()):] = value[i][keep]
        out[key] = moved
    return out
