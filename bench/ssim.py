"""Structural similarity (SSIM, Wang et al. 2004) of two pictures, in numpy: the figure the image
pipeline's changes are judged by (bench/image_bench.py, tests/render/test_picture_quality.py).

Luma only (ITU-R 601 `L`, what the eye resolves detail in), an 11×11 Gaussian window of σ 1.5,
K1 0.01, K2 0.03, L 255 — the parameters of the paper and of scikit-image's
`structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)`; the mean
over the 'valid' part of the picture (no padding at the edges). 1.0 means identical.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

_RADIUS, _SIGMA = 5, 1.5
_TAPS = np.exp(-(np.arange(-_RADIUS, _RADIUS + 1) ** 2) / (2 * _SIGMA**2))
_TAPS /= _TAPS.sum()


def _blur(a: np.ndarray) -> np.ndarray:
    """Separable Gaussian filter, 'valid' part only (a window view times the taps: no copies)."""
    n = 2 * _RADIUS + 1
    rows = sliding_window_view(a, n, axis=1) @ _TAPS
    return sliding_window_view(rows, n, axis=0) @ _TAPS


def luma(im: Image.Image) -> np.ndarray:
    """The picture as seen: transparency flattened on white, then luma as float64."""
    if im.mode in ("RGBA", "LA", "P"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    return np.asarray(im.convert("L"), dtype=np.float64)


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM of two pictures of the same size (ValueError otherwise)."""
    if a.size != b.size:
        raise ValueError(f"sizes differ: {a.size} and {b.size}")
    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _blur(x), _blur(y)
    sxx, syy, sxy = _blur(x * x) - mx * mx, _blur(y * y) - my * my, _blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s.mean())
