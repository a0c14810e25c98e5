"""Per-axis resize plans: which input samples feed each output sample, with what weight.

Every resize, in every mode and framework convention, is separable: it is one
:class:`AxisPlan` per resized axis, applied one axis at a time.  A plan is a pair of
``(n_out, taps)`` arrays -- input indices (already clamped into ``[0, n_in)``) and
float64 weights -- plus an optional mask of output samples that take the
extrapolation value (``tf_crop_and_resize``).  Plans are built from
:mod:`upsampling.coords` (where each output sample looks) and
:mod:`upsampling.filters` (how the neighbours are weighted), cached, and shared by
the NumPy kernel, the explainer and the Dask tiler.

Builders:

``interpolation_plan``  nearest / linear / cubic, with or without ONNX-style antialias
``window_plan``         a kernel stretched over the output pixel's footprint: Pillow's
                        filters, PyTorch ``antialias=True``, TF ``scale_and_translate``
``area_plan``           box averaging: fractional overlap (TF, OpenCV), adaptive pooling
                        (PyTorch), and OpenCV's INTER_AREA upscaling rule
``nearest_loop_plan``   Pillow NEAREST / OpenCV 5 INTER_NEAREST_EXACT's accumulator loop
``index_plan``          explicit indices (framework shortcuts such as ``i >> 1``)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from upsampling import coords
from upsampling.filters import kernel as get_kernel
from upsampling.filters import quantize_fraction

__all__ = [
    "AxisPlan",
    "area_plan",
    "index_plan",
    "interpolation_plan",
    "nearest_loop_plan",
    "window_plan",
]


@dataclass(frozen=True, eq=False)
class AxisPlan:
    """How one axis is resized.

    Attributes
    ----------
    n_in, n_out : input and output lengths.
    index : ``(n_out, taps)`` intp array of input indices, each in ``[0, n_in)``.
    weight : ``(n_out, taps)`` float64 array; output ``o`` is ``sum_t weight[o, t] * x[index[o, t]]``.
    outside : ``(n_out,)`` bool array or None: outputs replaced by the extrapolation value.
    coordinate : ``(n_out,)`` source coordinate of each output (for explaining), or None.
    """

    n_in: int
    n_out: int
    index: np.ndarray
    weight: np.ndarray
    outside: np.ndarray | None = None
    coordinate: np.ndarray | None = None

    @property
    def taps(self) -> int:
        return self.index.shape[1]

    def matrix(self) -> np.ndarray:
        """The dense ``(n_out, n_in)`` interpolation matrix (rows of outside samples are 0)."""
        m = np.zeros((self.n_out, self.n_in))
        rows = np.repeat(np.arange(self.n_out), self.taps)
        np.add.at(m, (rows, self.index.ravel()), self.weight.ravel())
        if self.outside is not None:
            m[self.outside] = 0
        return m

    def source_window(self, start: int, stop: int) -> tuple[int, int]:
        """Input range ``[lo, hi)`` that outputs ``start:stop`` read (weights of 0 included)."""
        idx = self.index[start:stop]
        return int(idx.min()), int(idx.max()) + 1


def _freeze(*arrays: np.ndarray | None) -> None:
    for a in arrays:
        if a is not None:
            a.setflags(write=False)


def _make(n_in: int, n_out: int, index, weight, outside=None, coordinate=None) -> AxisPlan:
    index = np.ascontiguousarray(index, dtype=np.intp)
    weight = np.ascontiguousarray(weight, dtype=np.float64)
    if outside is not None:
        outside = np.asarray(outside, dtype=bool)
        if not outside.any():
            outside = None
    _freeze(index, weight, outside, coordinate)
    return AxisPlan(n_in, n_out, index, weight, outside, coordinate)


def _taps_around(x: np.ndarray, radius: float) -> np.ndarray:
    """Integer taps ``j`` with ``|j - x| < radius`` (a fixed-width window per row)."""
    first = np.floor(x - radius).astype(np.int64) + 1
    width = int(2 * math.ceil(radius)) + 1
    return first[:, None] + np.arange(width)[None, :]


@functools.lru_cache(maxsize=512)
def interpolation_plan(
    n_in: int,
    n_out: int,
    mode: str = "linear",
    coordinate_transformation_mode: str = "half_pixel",
    *,
    scale: float | None = None,
    inv_scale: float | None = None,
    out_length: float | None = None,
    roi: tuple[float, float] = (0.0, 1.0),
    precision: str = "float64",
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    cubic_table_size: int | None = None,
) -> AxisPlan:
    """Plan for ONNX-style ``nearest``, ``linear`` and ``cubic`` sampling along one axis.

    Border rules (those of every framework):

    * nearest: the rounded index is clamped to ``[0, n_in-1]``.
    * linear: ``x`` is clamped to ``[0, n_in-1]`` before weighting (edge value outside).
    * cubic: ``x`` is not clamped; out-of-range taps read the edge pixel
      (replicate), or with ``exclude_outside`` get weight 0 and the rest are
      renormalised to sum to 1.
    * antialias (ONNX Resize-18 semantics, linear/cubic only): the kernel is
      stretched by ``1/s`` when ``s < 1`` and evaluated at ``(j - x) * s`` around
      the coordinate ``x``; weights are normalised over all taps, out-of-range taps
      replicate the edge unless ``exclude_outside``.
    * ``cubic_table_size``: quantise the fractional position to that many steps, as
      TensorFlow's bicubic weight table does (1024).
    """
    x = coords.source_coordinates(
        n_in,
        n_out,
        coordinate_transformation_mode,
        scale=scale,
        inv_scale=inv_scale,
        out_length=out_length,
        roi=roi,
        precision=precision,
    )
    outside = None
    if coordinate_transformation_mode == "tf_crop_and_resize":
        outside = (x < 0) | (x > n_in - 1)
    coordinate = x.astype(np.float64)

    if mode == "nearest":
        idx = coords.nearest_index(x, nearest_mode, n_in)[:, None]
        return _make(n_in, n_out, idx, np.ones(idx.shape), outside, coordinate)

    x = x.astype(np.float64)
    s = (n_out / n_in if scale is None else scale) if inv_scale is None else 1.0 / inv_scale
    if mode == "linear" and not antialias:
        xc = np.clip(x, 0, n_in - 1)
        i0 = np.floor(xc)
        lam = xc - i0
        i0 = i0.astype(np.intp)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return _make(n_in, n_out, np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1), outside, coordinate)

    if mode == "linear":
        k = get_kernel("triangle")
    elif mode == "cubic":
        k = get_kernel("cubic", cubic_coeff_a)
    else:
        raise ValueError(f"interpolation_plan: unknown mode {mode!r}")

    stretch = min(s, 1.0) if antialias else 1.0
    if cubic_table_size is not None:
        base = np.floor(x)
        x = base + quantize_fraction(x - base, cubic_table_size)
    if antialias:
        taps = _taps_around(x, k.radius / stretch)
    else:  # the four taps floor(x)-1 .. floor(x)+2 every framework reads
        taps = np.floor(x).astype(np.int64)[:, None] + np.arange(-1, 3)[None, :]
    w = k.function((taps - x[:, None]) * stretch)
    inside = (taps >= 0) & (taps < n_in)
    if exclude_outside:
        w = np.where(inside, w, 0.0)
    if exclude_outside or antialias:
        total = w.sum(axis=1, keepdims=True)
        w = w / np.where(total == 0, 1.0, total)
    return _make(n_in, n_out, np.clip(taps, 0, n_in - 1), w, outside, coordinate)


@functools.lru_cache(maxsize=512)
def window_plan(
    n_in: int,
    n_out: int,
    kernel_name: str,
    *,
    antialias: bool = True,
    span_rule: str = "pillow",
    precision: str = "float64",
    inv_scale: float | None = None,
    cubic_coeff_a: float | None = None,
) -> AxisPlan:
    """A kernel centred on each output pixel's footprint, stretched when downscaling.

    Centres are ``c = (i + 0.5) * sc`` in *edge* units (input pixel ``j`` spans
    ``[j, j+1]``), with ``sc = n_in / n_out`` (or ``inv_scale``).  With ``antialias``
    the kernel is stretched by ``fs = max(sc, 1)``; the weight of pixel ``j`` is
    ``K((j + 0.5 - c) / fs)``, normalised over the in-range taps (out-of-range taps
    are dropped, never replicated).

    ``span_rule`` picks which taps are visited, which matters for kernels that do
    not vanish at their radius (box, TF's Gaussian):

    * ``"pillow"`` (``libImaging/Resample.c::precompute_coeffs``, copied by PyTorch's
      antialias kernels): ``j`` in ``[trunc(c - r*fs + 0.5), trunc(c + r*fs + 0.5))``.
    * ``"tf"`` (``scale_and_translate_op.cc``): ``j`` in
      ``[ceil(c - r*fs - 0.5), floor(c + r*fs - 0.5)]``; outputs whose centre lies
      outside ``[0, n_in]`` get no taps.  TF computes positions in float32.
    """
    k = get_kernel(kernel_name, cubic_coeff_a)
    f = np.float32 if precision == "float32" else np.float64
    if inv_scale is None:
        inv = f(1) / (f(n_out) / f(n_in)) if precision == "float32" else n_in / n_out
    else:
        inv = inv_scale
    inv = f(inv)
    fs = max(inv, f(1)) if antialias else f(1)
    support = f(k.radius) * fs
    centre = (np.arange(n_out, dtype=f) + f(0.5)) * inv
    if span_rule == "pillow":
        # C's (int) cast truncates towards zero.
        lo = np.maximum(np.trunc(centre - support + f(0.5)), 0).astype(np.int64)
        hi = np.minimum(np.trunc(centre + support + f(0.5)), n_in).astype(np.int64)
        empty = np.zeros(n_out, dtype=bool)
    elif span_rule == "tf":
        lo = np.clip(np.ceil(centre - support - f(0.5)), 0, n_in - 1).astype(np.int64)
        hi = np.clip(np.floor(centre + support - f(0.5)), 0, n_in - 1).astype(np.int64) + 1
        empty = (centre < 0) | (centre > n_in)
    else:
        raise ValueError(f"window_plan: unknown span_rule {span_rule!r}")
    width = max(int((hi - lo).max()), 1)
    taps = lo[:, None] + np.arange(width)[None, :]
    valid = (taps < hi[:, None]) & ~empty[:, None]
    pos = (taps.astype(f) + f(0.5) - centre[:, None]) * (f(1) / fs)
    w = np.where(valid, k.function(pos.astype(np.float64)), 0.0)
    if precision == "float32":
        w = w.astype(np.float32).astype(np.float64)
    total = w.sum(axis=1, keepdims=True)
    w = w / np.where(total == 0, 1.0, total)
    return _make(n_in, n_out, np.clip(taps, 0, n_in - 1), w, None, centre.astype(np.float64) - 0.5)


@functools.lru_cache(maxsize=512)
def area_plan(n_in: int, n_out: int, rule: str = "overlap", *, precision: str = "float64") -> AxisPlan:
    """Box averaging along one axis.

    ``"overlap"`` (TF ``area``, OpenCV ``INTER_AREA`` when downscaling): output ``i``
        averages the box ``[i*sc, (i+1)*sc)`` (``sc = n_in/n_out``), weighting each input
        pixel by its overlap with the box divided by ``sc``.  TF computes in float32.
    ``"adaptive"`` (PyTorch ``area`` = ``adaptive_avg_pool``): the uniform mean over
        ``[floor(i*n_in/n_out), ceil((i+1)*n_in/n_out))`` -- whole pixels, not fractions.
    ``"opencv_linear"`` (OpenCV ``INTER_AREA`` when either axis is upscaled, applied
        to both axes): ``sx = floor(i*sc)``, ``fx = (i+1) - (sx+1)/sc``, taken modulo 1
        when positive, else 0; weights ``1-fx`` on ``sx`` and ``fx`` on ``sx+1``, clamped.
    """
    i = np.arange(n_out)
    if rule == "adaptive":
        start = (i * n_in) // n_out
        stop = -((-(i + 1) * n_in) // n_out)
        width = int((stop - start).max())
        taps = start[:, None] + np.arange(width)[None, :]
        valid = taps < stop[:, None]
        w = valid / (stop - start)[:, None]
        return _make(n_in, n_out, np.clip(taps, 0, n_in - 1), w)
    if rule == "overlap":
        f = np.float32 if precision == "float32" else np.float64
        sc = f(n_in) / f(n_out) if precision == "float32" else n_in / n_out
        lo = i.astype(f) * f(sc)
        hi = (i + 1).astype(f) * f(sc)
        first = np.floor(lo).astype(np.int64)
        width = int((np.ceil(hi).astype(np.int64) - first).max()) + 1
        taps = first[:, None] + np.arange(width)[None, :]
        overlap = np.minimum(taps + 1, hi[:, None]) - np.maximum(taps, lo[:, None])
        w = np.clip(overlap.astype(np.float64), 0, None) / float(sc)
        w = np.where((taps >= 0) & (taps < n_in), w, 0.0)
        return _make(n_in, n_out, np.clip(taps, 0, n_in - 1), w)
    if rule == "opencv_linear":
        sc = n_in / n_out
        inv = n_out / n_in
        sx = np.floor(i * sc).astype(np.int64)
        fx = ((i + 1) - (sx + 1) * inv).astype(np.float32).astype(np.float64)
        fx = np.where(fx <= 0, 0.0, fx - np.floor(fx))
        low = sx < 0
        fx = np.where(low, 0.0, fx)
        sx = np.where(low, 0, sx)
        high = sx >= n_in - 1
        fx = np.where(high, 0.0, fx)
        sx = np.where(high, n_in - 1, sx)
        taps = np.stack([sx, np.minimum(sx + 1, n_in - 1)], 1)
        return _make(n_in, n_out, taps, np.stack([1 - fx, fx], 1))
    raise ValueError(f"area_plan: unknown rule {rule!r}")


@functools.lru_cache(maxsize=512)
def nearest_loop_plan(n_in: int, n_out: int) -> AxisPlan:
    """Pillow ``NEAREST`` / OpenCV 5 ``INTER_NEAREST_EXACT``: a running double accumulator.

    ``xx = 0.5 * (n_in/n_out); index_i = int(xx); xx += n_in/n_out`` -- the sum is
    accumulated step by step, so its rounding (and the tie positions that resolve one
    index lower than ``floor((i+0.5)*n_in/n_out)``) is reproduced exactly.
    """
    step = n_in / n_out
    xx = 0.5 * step
    idx = np.empty(n_out, dtype=np.intp)
    for i in range(n_out):
        idx[i] = min(int(xx), n_in - 1)
        xx += step
    return _make(n_in, n_out, idx[:, None], np.ones((n_out, 1)))


def index_plan(n_in: int, indices: np.ndarray) -> AxisPlan:
    """A nearest plan with explicit indices (clamped into range)."""
    idx = np.clip(np.asarray(indices, dtype=np.intp), 0, n_in - 1)[:, None]
    return _make(n_in, idx.shape[0], idx, np.ones(idx.shape))
