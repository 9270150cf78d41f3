#!/usr/bin/env bash
# GPU smoke test of every training strategy: a random-init Qwen2.5-VL with the real 7B layer
# shapes (vision 1280 wide, language 3584 wide, 18944 MLP, 28 heads / 4 KV heads; the tiny
# tokenizer's vocabulary, not 152064) but only NLAYERS language and vision blocks, bf16, sdpa (or
# ATTN=flash_attention_2), packed batches of the generated demo data, a few steps per
# strategy. Prints tokens/s (from the train loop's time per step) and peak GPU memory per
# rank for each strategy. Needs `pip install deepspeed`. NGPUS=1 runs every strategy's code
# path (bf16, the attention kernel, checkpoint layout) on one GPU, where nothing is split
# across ranks; the memory saving of sharding shows from 2 GPUs on.
#   bash tools/misc/gpu_smoke.sh [NGPUS=2] [STEPS=10]
#   NLAYERS=2 STRATEGIES="fsdp deepspeed_zero3" bash tools/misc/gpu_smoke.sh 1 5
set -euo pipefail
NGPUS=${1:-2}
STEPS=${2:-10}
NLAYERS=${NLAYERS:-4}
ATTN=${ATTN:-sdpa}
STRATEGIES=${STRATEGIES:-"ddp fsdp deepspeed_zero1 deepspeed_zero2 deepspeed_zero3 deepspeed_zero3_offload"}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON=${PYTHON:-python}
OUT=${OUT:-"${ROOT}/work_dirs/gpu_smoke"}
DATA="${OUT}/demo_data"
mkdir -p "${OUT}"
[ -d "${DATA}/train" ] || "${PYTHON}" "${ROOT}/tools/misc/generate_demo_data.py" "${DATA}"

for S in ${STRATEGIES}; do
  CFG="${OUT}/smoke_${S}.py"
  cat > "${CFG}" <<PY
_base_ = ['${ROOT}/configs/demo/qwen2.5-vl-tiny_full_1xb1024tok-3k_demo-cotrain-packed.py',
          '${ROOT}/configs/_base_/strategies/${S}.py']
# the 7B layer shapes, ${NLAYERS} blocks per tower, bf16 weights (the strategies keep fp32
# masters where they shard), gradient checkpointing as in the 7B recipes
model = dict(
    gradient_checkpointing=True,
    model=dict(
        dtype='bf16', attn_implementation='${ATTN}',
        config=dict(
            vision_config=dict(depth=${NLAYERS}, hidden_size=1280, intermediate_size=3420,
                               num_heads=16, out_hidden_size=3584,
                               fullatt_block_indexes=[${NLAYERS} - 1]),
            text_config=dict(hidden_size=3584, intermediate_size=18944,
                             num_hidden_layers=${NLAYERS}, num_attention_heads=28,
                             num_key_value_heads=4, max_position_embeddings=32768,
                             rope_parameters=dict(rope_type='default', rope_theta=1e6,
                                                  mrope_section=[16, 24, 24])),
            tie_word_embeddings=False)))
PY
  LOG="${OUT}/${S}.log"
  echo "== ${S}"
  PORT=$((29500 + RANDOM % 1000)) PYTHON="${PYTHON}" bash "${ROOT}/tools/dist_train.sh" "${CFG}" "${NGPUS}" \
      --work-dir "${OUT}/${S}" --cfg-options data_root="${DATA}" \
      train_cfg.max_iters="${STEPS}" train_cfg.val_interval=100000 \
      default_hooks.checkpoint.interval=100000 default_hooks.logger.interval=1 \
      > "${LOG}" 2>&1 || { echo "   FAILED: see ${LOG}"; tail -n 20 "${LOG}"; continue; }
  "${PYTHON}" - "${LOG}" "${NGPUS}" <<'PY'
import re, sys
log, ngpus = open(sys.argv[1]).read(), int(sys.argv[2])
times = [float(t) for t in re.findall(r'Iter\(train\).*? time: ([\d.]+)', log)][2:]
mem = [int(m) for m in re.findall(r'Iter\(train\).*? memory: (\d+)', log)]
tokens = re.search(r'train_dataloader.*?max_tokens=(\d+)', log, re.S)
per_step = int(tokens.group(1)) if tokens else 1024
if times:
    step = sum(times) / len(times)
    print(f'   {ngpus * per_step / step:,.0f} tokens/s ({step:.3f} s/step, {ngpus} GPUs x '
          f'{per_step} packed tokens), peak memory {max(mem) if mem else "?"} MiB per rank')
else:
    print('   no training step logged')
PY
done
