# Data parallel (the default): every GPU holds the whole model, its gradients and the
# optimizer states; VLMRunner wraps the model in MMDistributedDataParallel (gloo on CPU).
# Fits Qwen2.5-VL-3B full fine-tuning on 80 GB, 7B only with LoRA
# (tools/analysis_tools/estimate_memory.py). Inheriting this file states the choice;
# a recipe without any strategy file trains the same way.
strategy = None
