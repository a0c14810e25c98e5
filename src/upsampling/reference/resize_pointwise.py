# A deliberate, independent copy: the nearest rounding, the clamps and the antialias window
# below re-derive by hand, one scalar at a time, what upsampling.coords and upsampling.plan
# compute vectorised.  Do not replace them with calls into coords/plan: this file is the
# second reading of the spec that the fast path is tested against.
"""Resize one output pixel at a time, in the ONNX specification's words.

Slow and plain on purpose: it shares only the coordinate convention
(:func:`upsampling.coords.source_coordinates`) and the kernel formulas with the
engine, and re-derives each output pixel's taps and weights with scalar loops, so
the vectorised plans in :mod:`upsampling.plan` are checked against an independent
reading of the spec.  Use it on small arrays.
"""

from __future__ import annotations

import math

import numpy as np

from upsampling import coords
from upsampling.filters import cubic, triangle

__all__ = ["resize_pointwise", "taps_1d"]


def taps_1d(
    x: float,
    n_in: int,
    *,
    mode: str,
    scale: float,
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
) -> list[tuple[int, float]]:
    """``(input index, weight)`` pairs that make one output sample at coordinate ``x``."""
    if mode == "nearest":
        fl = math.floor(x)
        frac = x - fl
        if nearest_mode == "round_prefer_floor":
            j = fl + (frac > 0.5)
        elif nearest_mode == "round_prefer_ceil":
            j = fl + (frac >= 0.5)
        elif nearest_mode == "floor":
            j = fl
        else:
            j = math.ceil(x)
        return [(min(max(j, 0), n_in - 1), 1.0)]
    if mode == "linear" and not antialias:
        x = min(max(x, 0.0), n_in - 1.0)  # edge value outside the image
        j = math.floor(x)
        r = x - j
        return [(j, 1.0 - r), (min(j + 1, n_in - 1), r)]
    # cubic, or antialiased linear/cubic: the kernel evaluated at each neighbour
    radius = 1.0 if mode == "linear" else 2.0
    stretch = min(scale, 1.0) if antialias else 1.0
    reach = radius / stretch
    pairs = []
    for j in range(math.floor(x - reach), math.ceil(x + reach) + 1):
        t = (j - x) * stretch
        w = float(triangle(np.float64(t))) if mode == "linear" else float(cubic(np.float64(t), cubic_coeff_a))
        if w == 0.0:
            continue
        if not (0 <= j < n_in):
            if exclude_outside:
                continue
            j = min(max(j, 0), n_in - 1)  # replicate the edge
        pairs.append((j, w))
    if exclude_outside or antialias:
        total = sum(w for _, w in pairs)
        pairs = [(j, w / total) for j, w in pairs] if total != 0 else pairs
    return pairs


def area_taps(i: int, n_in: int, n_out: int) -> list[tuple[int, float]]:
    """Box ``[i*sc, (i+1)*sc)`` with ``sc = n_in/n_out``; each pixel weighted by overlap/sc."""
    sc = n_in / n_out
    lo, hi = i * sc, (i + 1) * sc
    pairs = []
    for j in range(math.floor(lo), min(math.ceil(hi), n_in)):
        overlap = min(j + 1, hi) - max(j, lo)
        if overlap > 0:
            pairs.append((j, overlap / sc))
    return pairs


def resize_pointwise(
    x: np.ndarray,
    size: tuple[int, int],
    *,
    axes: tuple[int, int],
    mode: str = "linear",
    coordinate_transformation_mode: str = "half_pixel",
    scale: tuple[float | None, float | None] = (None, None),
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    roi: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    extrapolation_value: float = 0.0,
) -> np.ndarray:
    """The same contract as :func:`upsampling.resize` (given the spatial ``axes``), in float64."""
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axes, (0, 1))
    n_in = x.shape[:2]
    per_axis = []
    for k in range(2):
        s = n_out_k = size[k]
        s = n_out_k / n_in[k] if scale[k] is None else scale[k]
        if mode == "area":
            per_axis.append(([area_taps(i, n_in[k], n_out_k) for i in range(n_out_k)], [False] * n_out_k))
            continue
        xs = coords.source_coordinates(
            n_in[k],
            n_out_k,
            coordinate_transformation_mode,
            scale=s,
            out_length=n_in[k] * s,
            roi=(roi[k], roi[k + 2]),
        )
        outside = [coordinate_transformation_mode == "tf_crop_and_resize" and not (0 <= v <= n_in[k] - 1) for v in xs]
        taps = [
            taps_1d(
                float(v),
                n_in[k],
                mode=mode,
                scale=s,
                nearest_mode=nearest_mode,
                cubic_coeff_a=cubic_coeff_a,
                exclude_outside=exclude_outside,
                antialias=antialias,
            )
            for v in xs
        ]
        per_axis.append((taps, outside))
    (ty, oy), (tx, ox) = per_axis
    out = np.empty((size[0], size[1]) + x.shape[2:])
    for i in range(size[0]):
        for j in range(size[1]):
            if oy[i] or ox[j]:
                out[i, j] = extrapolation_value
                continue
            acc = 0.0
            for yi, wy in ty[i]:
                for xj, wx in tx[j]:
                    acc = acc + wy * wx * x[yi, xj]
            out[i, j] = acc
    return np.moveaxis(out, (0, 1), axes)
