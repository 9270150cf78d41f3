from .draw import draw_polygons

__all__ = ['draw_polygons']
