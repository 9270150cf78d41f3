from .instances import instances_to_gt, qboxes_to
from .prediction import (PARSERS, SCORE_MODES, TASK_PARSERS, box_line_scores,
                         check_score_mode, default_parser, fill_prediction, frame_scale,
                         parse_prediction, read_prediction)
from .vlm_data_sample import VLMDataSample

__all__ = [
    'VLMDataSample', 'instances_to_gt', 'qboxes_to', 'SCORE_MODES', 'PARSERS',
    'TASK_PARSERS', 'check_score_mode', 'frame_scale', 'default_parser', 'parse_prediction',
    'fill_prediction', 'read_prediction', 'box_line_scores'
]
