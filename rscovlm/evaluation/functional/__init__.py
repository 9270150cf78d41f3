"""Thin helpers over the mmrotate / mmdet evaluation functions."""
from .serial_pool import SerialContext, SerialPool, in_process_pools

__all__ = ['in_process_pools', 'SerialPool', 'SerialContext']
