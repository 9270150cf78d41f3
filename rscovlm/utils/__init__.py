from .fileio import dump_json_atomic
from .setup_env import (add_run_args, apply_cfg_options, build_gt_dataset, build_runner,
                        complete_config, find_latest_checkpoint, finish_distributed,
                        format_metrics_table, format_summary_table, iter_dataset_cfgs,
                        load_config, load_run_config, set_data_root, setup_cpu_distributed,
                        walk_dataset_cfgs)

__all__ = [
    'dump_json_atomic', 'add_run_args', 'apply_cfg_options', 'build_gt_dataset', 'build_runner',
    'complete_config', 'find_latest_checkpoint', 'finish_distributed',
    'format_metrics_table', 'format_summary_table', 'iter_dataset_cfgs', 'load_config',
    'load_run_config', 'set_data_root', 'setup_cpu_distributed', 'walk_dataset_cfgs'
]
