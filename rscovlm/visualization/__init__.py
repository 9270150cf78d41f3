from .draw import draw_polygons, render_text
from .sample_visualizer import STYLES, TEXT_TASKS, VLMVisualizer, draws_boxes

__all__ = ['draw_polygons', 'render_text', 'VLMVisualizer', 'STYLES', 'TEXT_TASKS',
           'draws_boxes']
