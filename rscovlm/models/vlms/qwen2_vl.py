from rscovlm.registry import MODELS
from .base import BaseVLM


@MODELS.register_module()
class QwenVL(BaseVLM):
    """Qwen2-VL / Qwen2.5-VL (``Qwen2_5_VLForConditionalGeneration`` or
    ``Qwen2VLForConditionalGeneration``) for rscovlm's tasks.

    Freeze switches act on the vision tower (``model.visual``), its patch merger
    (``model.visual.merger``) and the language model (everything else, ``lm_head`` included).
    With a random-init ``config``, the vocabulary size and the special-token ids are taken
    from the processor's tokenizer so the two always agree.
    """

    vision_prefixes = ('model.visual.', 'visual.')
    merger_prefixes = ('model.visual.merger.', 'visual.merger.')

    def complete_model_cfg(self, cfg: dict) -> dict:
        if cfg.get('config') is None:
            return cfg
        tok = self.processor.tokenizer
        ids = tok.convert_tokens_to_ids
        config = dict(cfg['config'])
        config.update(
            image_token_id=ids('<|image_pad|>'), video_token_id=ids('<|video_pad|>'),
            vision_start_token_id=ids('<|vision_start|>'),
            vision_end_token_id=ids('<|vision_end|>'))
        text = dict(config.get('text_config') or {})
        text.update(vocab_size=len(tok), bos_token_id=ids('<|endoftext|>'),
                    eos_token_id=ids('<|im_end|>'), pad_token_id=tok.pad_token_id)
        config['text_config'] = text
        cfg['config'] = config
        return cfg
