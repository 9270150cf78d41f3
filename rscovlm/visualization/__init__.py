from .draw import draw_polygons, render_text

__all__ = ['draw_polygons', 'render_text']
