from .setup_env import (complete_config, find_latest_checkpoint, format_metrics_table,
                        iter_dataset_cfgs, load_config, set_data_root,
                        setup_cpu_distributed, walk_dataset_cfgs)

__all__ = [
    'complete_config', 'find_latest_checkpoint', 'format_metrics_table',
    'iter_dataset_cfgs', 'load_config', 'set_data_root', 'setup_cpu_distributed',
    'walk_dataset_cfgs'
]
