"""Export an rscovlm checkpoint as a plain Hugging Face folder (for transformers, vLLM ...).

    python tools/model_converters/export_hf.py CONFIG CHECKPOINT OUT_DIR \
        [--dtype bf16] [--max-shard-size 5GB] [--cfg-options ...]

Builds CONFIG's model, loads CHECKPOINT (a full checkpoint, or a LoRA / trainable-only one
whose other weights come from ``model.model.pretrained``), merges LoRA adapters into the
weights and writes ``config.json``, ``generation_config.json``, safetensors weights and the
processor files (from ``<checkpoint dir>/processor`` when the run saved one there, else
the config's processor) into OUT_DIR; one line says what was written. The folder loads
without rscovlm: ``Qwen2_5_VLForConditionalGeneration.from_pretrained(OUT_DIR)``, and
``AutoProcessor.from_pretrained(OUT_DIR)`` (its video part needs torchvision; the tokenizer
and image processor alone load without it). CHECKPOINT is read by
``rscovlm.models.export.load_state_dict_for_export``, the one reader of export.
"""
import argparse

from mmengine.config import DictAction
from mmengine.registry import init_default_scope

from rscovlm.models.export import export_hf
from rscovlm.utils import load_config, run_tool
from rscovlm.utils.config import ConfigError


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export an rscovlm checkpoint as a Hugging Face folder')
    parser.add_argument('config', help='the config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='checkpoint (iter_N.pth / epoch_N.pth: a file, or '
                        'the directory of a sharded FSDP / DeepSpeed checkpoint)')
    parser.add_argument('out_dir', help='the folder to write')
    parser.add_argument('--dtype', choices=['bf16', 'fp16', 'fp32'],
                        help="cast the weights (default: keep the model's)")
    parser.add_argument('--max-shard-size', default='5GB',
                        help='the largest safetensors file (default 5GB)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config settings, e.g. '
                        'model.model.pretrained=checkpoints/Qwen2.5-VL-7B-Instruct')
    return parser.parse_args()


def main():
    args = parse_args()
    init_default_scope('rscovlm')
    cfg = load_config(args.config, args.cfg_options)
    try:
        summary = export_hf(cfg.model.to_dict(), args.checkpoint, args.out_dir,
                            dtype=args.dtype, max_shard_size=args.max_shard_size)
    except (ValueError, FileNotFoundError) as e:
        raise ConfigError([str(e)]) from None
    print(summary)


if __name__ == '__main__':
    run_tool(main)
