"""Helpers of the tools, each in the module named for its concern."""
from .checkpoint import find_latest_checkpoint
from .checks import (check_before_build, model_config_problems, path_problems,
                     preview_samples, run_tool)
from .config import (ConfigError, MissingPathError, apply_cfg_options, build_gt_dataset,
                     complete_config, import_custom_modules, iter_dataset_cfgs, load_config,
                     set_data_root, walk_dataset_cfgs)
from .dist import finish_distributed, setup_cpu_distributed
from .fileio import dump_json_atomic
from .run import add_run_args, build_runner, load_run_config
from .table import format_metrics_table, format_summary_table, markdown_table

__all__ = [
    'check_before_build', 'model_config_problems', 'path_problems', 'preview_samples',
    'run_tool', 'ConfigError', 'MissingPathError', 'find_latest_checkpoint',
    'apply_cfg_options', 'build_gt_dataset', 'complete_config',
    'import_custom_modules', 'iter_dataset_cfgs', 'load_config', 'set_data_root',
    'walk_dataset_cfgs', 'finish_distributed', 'setup_cpu_distributed', 'dump_json_atomic',
    'add_run_args', 'build_runner', 'load_run_config', 'format_metrics_table',
    'format_summary_table', 'markdown_table'
]
