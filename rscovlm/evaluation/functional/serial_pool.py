"""The one shim over mmrotate / mmdet internals: their VOC mAP functions open a process
pool whatever ``nproc`` is.

mmrotate's ``eval_rbbox_map`` always starts a *spawn* pool (``get_context('spawn')``: a
fresh interpreter per worker that imports torch and mmcv, several seconds, and a script
that evaluates needs an ``if __name__ == '__main__':`` guard), and mmdet's ``eval_map``
a fork ``Pool`` for more than one image, even with ``nproc=1``. The per-image matching is
small, so a pool rarely pays (2000 images x 15 classes: 2.7 s in process, 13 s with
``nproc=2`` on a 2-core machine). Inside :func:`in_process_pools` with ``nproc <= 1`` both
functions run their very same ``starmap`` in this process; with ``nproc > 1`` nothing is
changed and the libraries start their pools. The names are swapped only for the block.
"""
import contextlib
import importlib
import itertools

_POOL_FACTORIES = (
    # (module, name, replacement factory) of each library's pool opener
    ('mmrotate.evaluation.functional.mean_ap', 'get_context',
     lambda method=None: SerialContext()),
    ('mmdet.evaluation.functional.mean_ap', 'Pool', lambda processes=None: SerialPool()),
)


class SerialPool:
    """What the mAP functions use of a ``multiprocessing.Pool``, in this process."""

    def starmap(self, func, iterable):
        return list(itertools.starmap(func, iterable))

    def close(self):
        pass


class SerialContext:
    """A ``multiprocessing`` context whose pools are :class:`SerialPool`."""

    @staticmethod
    def Pool(processes=None):  # noqa: N802 (multiprocessing's name)
        return SerialPool()


@contextlib.contextmanager
def in_process_pools(nproc: int):
    """Run mmrotate's ``eval_rbbox_map`` / mmdet's ``eval_map`` without a pool in the
    block when ``nproc <= 1``."""
    if nproc > 1:
        yield
        return
    saved = []
    try:
        for module_name, name, factory in _POOL_FACTORIES:
            module = importlib.import_module(module_name)
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, factory)
        yield
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


__all__ = ['in_process_pools', 'SerialPool', 'SerialContext']
