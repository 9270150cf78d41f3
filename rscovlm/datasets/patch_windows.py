"""Window geometry of DOTA-style patch splitting, shared by the offline converter
(``tools/dataset_converters/dota_split.py``) and the online wrapper
(:class:`rscovlm.datasets.PatchSplitDataset`).

Semantics are mmrotate's ``tools/data/dota/split/img_split.py``:

* windows of ``size`` every ``size - gap`` pixels; the last window of a row / column is
  moved back to end at the image border; windows whose part inside the image is not more
  than ``img_rate_thr`` of the window are dropped (the best ones are kept if none
  passes); a window larger than the image is padded (bottom / right);
* an object is kept in a window when IoF = area(polygon ∩ window) / area(polygon)
  >= ``iof_thr``; its polygon is translated, not clipped; an object not entirely inside
  (IoF < 1) becomes difficult (DOTA difficulty ``2``);
* a patch is named ``{img_id}__{size}__{x_start}___{y_start}``: mmrotate's
  ``DOTAMetric.merge_results`` reads the original image id as the part before the first
  ``__`` and the offset from the first match of ``__\\d+___\\d+``.

Nothing here reads images or depends on the tools.
"""
import contextlib
import math
import re
from itertools import product
from typing import Optional, Sequence, Tuple, Union

import numpy as np

#: single scale: mmrotate's ``split_configs/ss_*.json`` (1024) and the same with 512 px
PRESETS = {
    'ss_1024': dict(sizes=[1024], gaps=[200], rates=[1.0]),
    'ss_512': dict(sizes=[512], gaps=[200], rates=[1.0]),
}
#: mmrotate's img_split defaults (``padding_value`` in BGR order)
SPLIT_DEFAULTS = dict(img_rate_thr=0.6, iof_thr=0.7, padding_value=[104, 116, 124])
#: how mmrotate's merge finds a patch's offset in its name
PATCH_OFFSET_RE = re.compile(r'__\d+___\d+')
TRUNCATED_DIFFICULTY = 2


def resolve_window_scales(sizes: Sequence[int], gaps: Sequence[int],
                          rates: Sequence[float] = (1.0, )) -> Tuple[list, list]:
    """Window sizes and gaps in original-image pixels: every ``size / rate`` and
    ``gap / rate`` (truncated to int, as mmrotate). Several sizes or several rates, not
    both; each size larger than its gap. Raises ``ValueError`` naming the values."""
    sizes, gaps, rates = list(sizes), list(gaps), list(rates)
    if not sizes or not rates:
        raise ValueError(f'need at least one window size and one rate, got sizes {sizes}, '
                         f'rates {rates}')
    if len(sizes) != len(gaps):
        raise ValueError(f'sizes {sizes} and gaps {gaps} differ in length: give one gap '
                         'per window size')
    if len(sizes) > 1 and len(rates) > 1:
        raise ValueError(f'give several sizes ({sizes}) or several rates ({rates}), not both')
    for size, gap in zip(sizes, gaps):
        if size <= gap:
            raise ValueError(f'window size {size} must be larger than the gap {gap}')
    for rate in rates:
        if not rate > 0:
            raise ValueError(f'rates must be > 0, got {rates}')
    out_sizes, out_gaps = [], []
    for rate in rates:
        out_sizes += [int(size / rate) for size in sizes]
        out_gaps += [int(gap / rate) for gap in gaps]
    return out_sizes, out_gaps


def preset_scales(preset: Optional[str] = 'ss_1024',
                  sizes: Union[int, Sequence[int], None] = None,
                  gaps: Union[int, Sequence[int], None] = None,
                  rates: Union[float, Sequence[float], None] = None) -> Tuple[list, list]:
    """Sizes and gaps of a preset (default ``ss_1024``), each overridden by an explicit
    value, through :func:`resolve_window_scales`."""
    if preset is None:
        preset = 'ss_1024'
    if preset not in PRESETS:
        raise KeyError(f'unknown patch split preset {preset!r}; choose one of '
                       f'{sorted(PRESETS)} or give the sizes / gaps / rates')

    def as_list(value):
        return None if value is None else (
            list(value) if isinstance(value, (list, tuple)) else [value])

    base = PRESETS[preset]
    return resolve_window_scales(as_list(sizes) or base['sizes'],
                                 as_list(gaps) or base['gaps'],
                                 as_list(rates) or base['rates'])


def sliding_windows(width: int, height: int, sizes: Sequence[int], gaps: Sequence[int],
                    img_rate_thr: float) -> np.ndarray:
    """Windows ``(N, 4)`` as ``x_start, y_start, x_stop, y_stop`` (pixels), x-major
    (each size larger than its gap)."""
    windows = []
    for size, gap in zip(sizes, gaps):
        step = size - gap
        starts = []
        for length in (width, height):
            num = 1 if length <= size else math.ceil((length - size) / step + 1)
            start = [step * i for i in range(num)]
            if len(start) > 1 and start[-1] + size > length:
                start[-1] = length - size
            starts.append(start)
        start = np.array(list(product(*starts)), dtype=np.int64)
        windows.append(np.concatenate([start, start + size], axis=1))
    windows = np.concatenate(windows, axis=0)
    inside = windows.copy()
    inside[:, 0::2] = np.clip(inside[:, 0::2], 0, width)
    inside[:, 1::2] = np.clip(inside[:, 1::2], 0, height)
    img_rates = ((inside[:, 2] - inside[:, 0]) * (inside[:, 3] - inside[:, 1]) /
                 ((windows[:, 2] - windows[:, 0]) * (windows[:, 3] - windows[:, 1])))
    if not (img_rates > img_rate_thr).any():
        img_rates[abs(img_rates - img_rates.max()) < 0.01] = 1  # keep the best windows
    return windows[img_rates > img_rate_thr]


def polygon_area(poly: Sequence[float]) -> float:
    """Area (shoelace, absolute) of a polygon given as ``x1, y1, x2, y2, ...``."""
    pts = np.asarray(poly, dtype=np.float64).reshape(-1, 2)
    x, y = pts[:, 0], pts[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def clip_polygon(pts: np.ndarray, x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    """Sutherland-Hodgman clipping of a polygon ``(K, 2)`` by an axis-aligned box.

    Exact for any simple polygon (the clip region is convex); returns ``(M, 2)``.
    """
    # each edge: (axis, bound, keep points with coordinate >= bound if sign > 0)
    for axis, bound, sign in ((0, x1, 1), (0, x2, -1), (1, y1, 1), (1, y2, -1)):
        if len(pts) == 0:
            break
        out = []
        for k in range(len(pts)):
            cur, nxt = pts[k], pts[(k + 1) % len(pts)]
            cur_in = sign * (cur[axis] - bound) >= 0
            nxt_in = sign * (nxt[axis] - bound) >= 0
            if cur_in:
                out.append(cur)
            if cur_in != nxt_in:
                t = (bound - cur[axis]) / (nxt[axis] - cur[axis])
                out.append(cur + t * (nxt - cur))
        pts = np.asarray(out, dtype=np.float64).reshape(-1, 2)
    return pts


def window_iofs(polys: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """IoF ``(num_objects, num_windows)``: area of the polygon inside the window over
    the polygon's area (0 for degenerate polygons)."""
    polys = np.asarray(polys, dtype=np.float64).reshape(-1, 8)
    windows = np.asarray(windows).reshape(-1, 4)
    iofs = np.zeros((len(polys), len(windows)), dtype=np.float64)
    if not len(polys) or not len(windows):
        return iofs
    pts = polys.reshape(len(polys), -1, 2)
    lo, hi = pts.min(axis=1), pts.max(axis=1)  # object hbbs
    areas = np.array([polygon_area(p) for p in polys])
    valid = areas > 0
    for j, (wx1, wy1, wx2, wy2) in enumerate(windows.tolist()):
        inside = (lo[:, 0] >= wx1) & (lo[:, 1] >= wy1) & (hi[:, 0] <= wx2) & (hi[:, 1] <= wy2)
        overlap = (lo[:, 0] < wx2) & (hi[:, 0] > wx1) & (lo[:, 1] < wy2) & (hi[:, 1] > wy1)
        iofs[inside & overlap & valid, j] = 1.0
        for i in np.nonzero(overlap & ~inside & valid)[0]:
            clipped = clip_polygon(pts[i], wx1, wy1, wx2, wy2)
            if len(clipped):
                iofs[i, j] = polygon_area(clipped.reshape(-1)) / areas[i]
    return iofs


def patch_name(img_id: str, window: Sequence[int]) -> str:
    """``{img_id}__{size}__{x_start}___{y_start}`` of a window ``(x1, y1, x2, y2)`` (size
    = its width, as mmrotate's img_split)."""
    x1, y1, x2, _ = (int(v) for v in window[:4])
    return f'{img_id}__{x2 - x1}__{x1}___{y1}'


def parse_patch_name(name: str) -> Tuple[str, int, int]:
    """``(original img_id, x_start, y_start)`` of a patch name, read as mmrotate's
    ``DOTAMetric.merge_results`` reads it. Raises ``ValueError`` for other names."""
    match = PATCH_OFFSET_RE.search(str(name))
    if match is None:
        raise ValueError(
            f'img_id {name!r} is not a patch name {{img_id}}__{{size}}__{{x}}___{{y}} '
            '(e.g. P0003__1024__0___824): patch merging needs the patches of '
            'PatchSplitDataset or of tools/dataset_converters/dota_split.py')
    x, y = (int(v) for v in re.findall(r'\d+', match.group(0)))
    return str(name).split('__')[0], x, y


def check_image_id(img_id: str, where: str = '') -> None:
    """An image id that mmrotate's merge would misread (it contains ``__``) is refused."""
    if '__' in str(img_id):
        raise ValueError(
            f'{where}image id {img_id!r} contains "__": mmrotate\'s patch merge reads the '
            'original image id as the part before the first "__", so its patches would be '
            'merged into the wrong image; rename the image (and its labelTxt) without "__"')


@contextlib.contextmanager
def _no_pixel_limit():
    from PIL import Image
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # DOTA / FAIR1M scenes exceed PIL's bomb limit
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = old


def image_size(path: str) -> Tuple[int, int]:
    """``(width, height)`` of an image from its header only (PIL; no pixel is decoded).
    Raises ``FileNotFoundError`` naming the file."""
    from PIL import Image
    try:
        with _no_pixel_limit(), Image.open(path) as im:
            return int(im.width), int(im.height)
    except (OSError, ValueError) as e:
        raise FileNotFoundError(f'cannot read the header of image {path!r} ({e}); check '
                                'data_root and data_prefix.img_path') from None


def crop_shape(height: int, width: int, window: Sequence[int], padding: bool) -> Tuple[int, int]:
    """``(h, w)`` of the patch of ``window`` in an image of ``height x width``: the window's
    size when padded, else its part inside the image."""
    x1, y1, x2, y2 = (int(v) for v in window[:4])
    if padding:
        return y2 - y1, x2 - x1
    return min(y2, height) - y1, min(x2, width) - x1


def crop_image(img: np.ndarray, window: Sequence[int],
               padding_value: Union[None, int, float, Sequence] = None) -> np.ndarray:
    """The window ``(x1, y1, x2, y2)`` of ``img`` (a fresh array, so the full image can be
    freed), padded bottom / right to the window size with ``padding_value`` (a value or
    one per channel; ``None``: not padded), as the converter writes its patches."""
    x1, y1, x2, y2 = (int(v) for v in window[:4])
    height, width = img.shape[:2]
    if not (0 <= x1 < x2 and 0 <= y1 < y2 and x1 < width and y1 < height):
        raise ValueError(f'crop window {(x1, y1, x2, y2)} does not start inside the image '
                         f'({width} x {height}); need 0 <= x1 < min(x2, width), '
                         '0 <= y1 < min(y2, height)')
    patch = img[y1:y2, x1:x2]
    if padding_value is None or patch.shape[:2] == (y2 - y1, x2 - x1):
        return np.ascontiguousarray(patch).copy()
    out = np.empty((y2 - y1, x2 - x1) + img.shape[2:], dtype=img.dtype)
    value = np.asarray(padding_value, dtype=img.dtype)
    if img.ndim == 2 and value.ndim:
        value = value.reshape(-1)[0]
    out[...] = value
    out[:patch.shape[0], :patch.shape[1]] = patch
    return out


__all__ = [
    'PRESETS', 'SPLIT_DEFAULTS', 'PATCH_OFFSET_RE', 'TRUNCATED_DIFFICULTY',
    'resolve_window_scales', 'preset_scales', 'sliding_windows', 'polygon_area',
    'clip_polygon', 'window_iofs', 'patch_name', 'parse_patch_name', 'check_image_id',
    'image_size', 'crop_shape', 'crop_image'
]
