from typing import List

import torch
from mmengine.logging import MMLogger

from rscovlm.models.vlms.base import BaseVLM, to_left_padding
from rscovlm.registry import MODELS


@MODELS.register_module()
class InstructBLIP(BaseVLM):
    """InstructBLIP (``transformers.InstructBlipForConditionalGeneration``: ViT, instruction-
    aware Q-Former, linear projection, decoder-only LLM) trained the RSGPT way.

    Inputs (from ``ProcessInstructBlipInputs`` + ``instructblip_collate``): ``input_ids``
    ``[B, L]`` = ``num_query_tokens`` ``<image>`` placeholders, the LLM's BOS, the
    instruction, and in training the target + EOS; ``labels`` (-100 except target + EOS);
    ``attention_mask``; ``qformer_input_ids`` / ``qformer_attention_mask`` ``[B, Lq]`` (the
    instruction in BERT tokens); ``pixel_values`` ``[B, 3, S, S]``.

    What is trained (RSGPT, ``freeze_vit=True, freeze_qformer=False``), by HF module name:

    * ``qformer.*`` (with its BERT text embeddings), ``query_tokens`` and
      ``language_projection.*`` — ``freeze_merger`` switches these (the bridge from the
      vision tower to the LLM, like Qwen's merger);
    * ``vision_model.post_layernorm.*`` — LAVIS's ``ln_vision``, trained by RSGPT although
      the ViT is frozen (``train_ln_vision``);
    * frozen: the rest of ``vision_model.*`` (``freeze_vision``) and ``language_model.*``
      (``freeze_language``).

    The loss is BaseVLM's token cross-entropy over the target tokens and the EOS, averaged
    over the batch's supervised tokens (as LAVIS's ``LlamaForCausalLM`` loss).

    Generation follows RSGPT's ``generate``: the LLM runs on the input embeddings only, so
    ``max_new_tokens`` / ``min_new_tokens`` and the repetition penalty count generated
    tokens only (LAVIS's ``max_length`` / ``min_length`` had that meaning); output id 0 is
    read as EOS; the text is decoded without special tokens and stripped.

    Args:
        freeze_vision, freeze_merger, freeze_language: see above (RSGPT's defaults).
        train_ln_vision: train ``vision_model.post_layernorm`` even with a frozen ViT.
        upcast_trainable: keep trained parameters in fp32 when the checkpoint is loaded in
            half precision (LAVIS keeps the Q-Former fp32 and runs the frozen ViT and LLM
            in fp16 under autocast); AMP's gradient scaler needs fp32 parameters.
        Others: as :class:`rscovlm.models.BaseVLM`.
    """

    vision_prefixes = ('vision_model.', )
    merger_prefixes = ('qformer.', 'query_tokens', 'language_projection.')
    ln_vision_prefixes = ('vision_model.post_layernorm.', )

    def __init__(self,
                 model: dict,
                 processor: dict,
                 freeze_vision: bool = True,
                 freeze_merger: bool = False,
                 freeze_language: bool = True,
                 train_ln_vision: bool = True,
                 upcast_trainable: bool = True,
                 **kwargs) -> None:
        # read by set_trainable, which BaseVLM.__init__ calls
        self.train_ln_vision = train_ln_vision
        self.freeze_vision = freeze_vision
        super().__init__(model, processor, freeze_vision=freeze_vision,
                         freeze_merger=freeze_merger, freeze_language=freeze_language,
                         **kwargs)
        config = self.hf_model.config
        if config.num_query_tokens != self.processor.num_query_tokens:
            raise ValueError(
                f'the model has {config.num_query_tokens} query tokens but the processor '
                f'writes {self.processor.num_query_tokens} <image> placeholders; set '
                'model.processor.num_query_tokens to the checkpoint\'s num_query_tokens')
        if model.get('config') is not None:
            # random init: LAVIS draws the queries from N(0, 0.02) (transformers: zeros,
            # which start every query identical)
            torch.nn.init.normal_(self.hf_model.query_tokens, std=0.02)
        if upcast_trainable:
            for param in self.parameters():
                if param.requires_grad and param.dtype != torch.float32:
                    param.data = param.data.float()
        trained = sorted({'.'.join(n.split('.')[:2])
                          for n, p in self.hf_model.named_parameters() if p.requires_grad})
        MMLogger.get_current_instance().info('InstructBLIP trains: ' + ', '.join(trained))

    def complete_model_cfg(self, cfg: dict) -> dict:
        """A random-init ``config`` gets its vocabularies, special ids, image size and
        query count from the processor, so model and tokenizers always agree."""
        if cfg.get('config') is None:
            return cfg
        proc = self.processor
        tok, qtok = proc.tokenizer, proc.qformer_tokenizer
        config = dict(cfg['config'])
        config.update(num_query_tokens=proc.num_query_tokens,
                      image_token_index=proc.image_token_id)
        vision = dict(config.get('vision_config') or {})
        vision['image_size'] = proc.image_size
        text = dict(config.get('text_config') or {})
        text.update(vocab_size=len(tok), bos_token_id=tok.bos_token_id,
                    eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
        qformer = dict(config.get('qformer_config') or {})
        qformer.update(vocab_size=len(qtok), pad_token_id=qtok.pad_token_id)
        config.update(vision_config=vision, text_config=text, qformer_config=qformer)
        cfg['config'] = config
        return cfg

    def set_trainable(self, freeze_vision: bool, freeze_merger: bool,
                      freeze_language: bool) -> None:
        for name, param in self.hf_model.named_parameters():
            if self._part(name, self.merger_prefixes):
                train = not freeze_merger
            elif self._part(name, self.ln_vision_prefixes):
                train = self.train_ln_vision or not freeze_vision
            elif self._part(name, self.vision_prefixes):
                train = not freeze_vision
            else:
                train = not freeze_language
            param.requires_grad_(train)

    def train(self, mode: bool = True):
        """A frozen ViT stays in eval mode (LAVIS's ``disabled_train``)."""
        super().train(mode)
        if getattr(self, 'freeze_vision', False) and hasattr(self, 'hf_model'):
            self.hf_model.vision_model.eval()
        return self

    @torch.no_grad()
    def generate(self, inputs: dict, **overrides) -> List[str]:
        """Beam search (the config's ``generation_cfg``) on a batch; returns the texts."""
        from transformers import LogitsProcessorList, RepetitionPenaltyLogitsProcessor

        hf = self.hf_model
        tok = self.processor.tokenizer
        cfg = dict(self.generation_cfg, **overrides)
        llm = to_left_padding(
            dict(input_ids=inputs['input_ids'], attention_mask=inputs['attention_mask']))
        ids = llm['input_ids']
        image_mask = ids == hf.config.image_token_id
        if not bool((image_mask.sum(1) == hf.config.num_query_tokens).all()):
            raise ValueError(f'every prompt needs {hf.config.num_query_tokens} <image> '
                             'placeholders (ProcessInstructBlipInputs writes them)')
        features = hf.get_image_features(
            inputs['pixel_values'], qformer_input_ids=inputs['qformer_input_ids'],
            qformer_attention_mask=inputs.get('qformer_attention_mask'),
            return_dict=True).pooler_output
        embeds = hf.get_input_embeddings()(ids)
        embeds = embeds.masked_scatter(image_mask[..., None], features.to(embeds.dtype))

        # transformers skips the first `left padding` generated tokens in its repetition
        # penalty when it generates from embeddings only; LAVIS penalises every generated
        # token, so the penalty is applied here instead
        processors = LogitsProcessorList(cfg.pop('logits_processor', None) or [])
        penalty = cfg.pop('repetition_penalty', None)
        if penalty is not None and float(penalty) != 1.0:
            processors.append(RepetitionPenaltyLogitsProcessor(float(penalty)))
        cfg.setdefault('eos_token_id', tok.eos_token_id)
        cfg.setdefault('pad_token_id', tok.pad_token_id)
        cfg.setdefault('bos_token_id', tok.bos_token_id)
        out = hf.language_model.generate(
            inputs_embeds=embeds, attention_mask=llm['attention_mask'],
            logits_processor=processors, **cfg)
        out = out.masked_fill(out == 0, tok.eos_token_id)  # RSGPT: id 0 (<unk>) ends a text
        return [t.strip() for t in tok.batch_decode(
            out, skip_special_tokens=True, clean_up_tokenization_spaces=False)]
