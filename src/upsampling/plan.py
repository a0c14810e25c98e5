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

and the fixed-point forms of a plan's weights for 8-bit kernels (``fixed_point_plan``,
``quantized_plan``, ``complement_fixed_plan``).  :class:`AxisPlan`, the memory a plan costs and
the builders' cache live in :mod:`upsampling.axis_plan` (re-exported here); the caches bounded
by bytes in :mod:`upsampling._cache` (re-exported too).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from upsampling import _checks, coords
from upsampling._cache import ByteLRU, _nbytes, cache_stats, trim_caches  # noqa: F401 - their old home
from upsampling.axis_plan import (  # noqa: F401 - re-exported: upsampling.plan.<name> is their public home
    CHUNK_BYTES,
    CHUNK_TAPS,
    AxisPlan,
    _check_building,
    _fill_rows,
    _make,
    building_bytes,
    cached_plan,
    plan_bytes,
)
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.filters import kernel as get_kernel
from upsampling.filters import quantize_fraction

__all__ = [
    "AxisPlan",
    "area_plan",
    "complement_fixed_plan",
    "fixed_point_plan",
    "index_plan",
    "interpolation_plan",
    "nearest_loop_plan",
    "quantized_plan",
    "window_plan",
]


#: ONNX Runtime's nearest rounding treats coordinates this close to a half as ties (observed).
ORT_TIE_TOLERANCE = 1e-6


def _taps_around(x: np.ndarray, radius: float) -> np.ndarray:
    """Integer taps ``j`` with ``|j - x| < radius`` (a fixed-width window per row)."""
    first = np.floor(x - radius).astype(np.int64) + 1
    width = int(2 * math.ceil(radius)) + 1
    return first[:, None] + np.arange(width)[None, :]


@cached_plan
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
    fused: bool = False,
    rounding_precision: str | None = None,
    linear_border: str = "clamp",
    coordinate_storage: str | None = None,
    onnxruntime: bool = False,
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
    * ``fused`` and ``rounding_precision`` reproduce compiled arithmetic exactly (see
      :func:`upsampling.coords.source_coordinates` and :func:`upsampling.coords.nearest_index`).
    * ``mode="lanczos4"`` (OpenCV ``INTER_LANCZOS4``, ``resize.cpp interpolateLanczos4``): the
      eight taps ``floor(x)-3 .. floor(x)+4`` of a radius-4 Lanczos window, normalised to sum 1;
      ``x`` is not clamped and out-of-range taps replicate the edge, as for cubic.
    * ``linear_border="replicate"``: linear without clamping ``x``: taps ``floor(x)`` and
      ``floor(x)+1`` keep weights ``1-λ, λ`` and read the edge pixel when out of range.  Same
      values as ``"clamp"`` in exact arithmetic; it is the tap layout OpenCV's vertical pass
      uses, which matters to its per-tap fixed-point rounding (uint8).
    * ``coordinate_storage="float32"``: round ``x`` to float32 after computing it in
      ``precision`` (OpenCV computes ``(i+0.5)*scale-0.5`` in double and stores a float).
    * ``onnxruntime``: ONNX Runtime 1.32's coordinate arithmetic
      (:func:`upsampling.coords.source_coordinates`) and its nearest ties
      (:func:`upsampling.coords.nearest_index`, ``tie_tolerance=1e-6``).
    """
    s = (n_out / n_in if scale is None else scale) if inv_scale is None else 1.0 / inv_scale
    k, stretch, width = _tap_kernel(mode, cubic_coeff_a, antialias, s)
    _check_building(n_out, width)
    x = coords.source_coordinates(
        n_in,
        n_out,
        coordinate_transformation_mode,
        scale=scale,
        inv_scale=inv_scale,
        out_length=out_length,
        roi=roi,
        precision=precision,
        fused=fused,
        onnxruntime=onnxruntime,
    )
    if coordinate_storage is not None:
        _checks.choice("coordinate_storage", coordinate_storage, coords.PRECISIONS)
        x = x.astype(coordinate_storage)
    outside = None
    if coordinate_transformation_mode == "tf_crop_and_resize":
        if np.isnan(x).any():  # an roi so large that (end - start) * (n_in - 1) overflows
            raise InvalidArgumentError("roi", roi, "an roi whose sample coordinates stay finite")
        outside = (x < 0) | (x > n_in - 1)
    coordinate = x.astype(np.float64)

    if mode == "nearest":
        def rows(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            idx = coords.nearest_index(x[lo:hi], nearest_mode, n_in, rounding_precision=rounding_precision,
                                       tie_tolerance=ORT_TIE_TOLERANCE if onnxruntime else None)[:, None]
            return idx, np.ones(idx.shape)

        return _make(n_in, n_out, *_fill_rows(n_out, 1, rows), outside, coordinate)

    x = coordinate  # float64 (a copy of x, read only)
    if k is None:  # linear without antialias
        _checks.choice("linear_border", linear_border, ("clamp", "replicate"))
        rows = _linear_rows(x, n_in, replicate=linear_border == "replicate")
    else:
        rows = _kernel_rows(x, n_in, k, stretch, mode=mode, antialias=antialias, exclude_outside=exclude_outside,
                            cubic_table_size=cubic_table_size)
    return _make(n_in, n_out, *_fill_rows(n_out, width, rows), outside, coordinate)


def _tap_kernel(mode: str, cubic_coeff_a: float, antialias: bool, s: float) -> tuple[Any, float, int]:
    """``(kernel, stretch, taps per output)`` of an :func:`interpolation_plan` mode; the kernel is
    None for nearest and for linear without antialias (their taps are written out)."""
    if mode == "nearest":
        return None, 1.0, 1
    if mode == "linear" and not antialias:
        return None, 1.0, 2
    if mode == "linear":
        k = get_kernel("triangle")
    elif mode == "cubic":
        k = get_kernel("cubic", cubic_coeff_a)
    elif mode == "lanczos4":
        k = get_kernel("lanczos4")
    else:
        raise InvalidArgumentError("mode", mode, "one of 'nearest', 'linear', 'cubic', 'lanczos4'")
    stretch = min(s, 1.0) if antialias else 1.0
    # _taps_around's window, or the 4 (8) taps floor(x)-1 .. floor(x)+2 every framework reads
    width = int(2 * math.ceil(k.radius / stretch)) + 1 if antialias else (8 if mode == "lanczos4" else 4)
    return k, stretch, width


def _linear_rows(x: np.ndarray, n_in: int, *, replicate: bool) -> Callable[[int, int], tuple[np.ndarray, np.ndarray]]:
    """Rows of a two-tap linear plan at coordinates ``x`` (float64): ``x`` clamped into the image
    first, or with ``replicate`` the taps ``floor(x), floor(x)+1`` clamped instead."""
    if replicate:
        def rows(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            xr = x[lo:hi]
            i0 = np.floor(xr)
            lam = xr - i0
            taps = i0.astype(np.int64)[:, None] + np.arange(2)[None, :]
            return coords.clamp(taps, n_in), np.stack([1 - lam, lam], 1)

        return rows

    def rows(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        xc = coords.clamp(x[lo:hi], n_in)
        i0 = np.floor(xc)
        lam = xc - i0
        i0 = i0.astype(np.intp)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1)

    return rows


def _kernel_rows(
    x: np.ndarray, n_in: int, k: Any, stretch: float, *, mode: str, antialias: bool, exclude_outside: bool,
    cubic_table_size: int | None,
) -> Callable[[int, int], tuple[np.ndarray, np.ndarray]]:
    """Rows of a kernel plan (cubic, lanczos4, antialiased linear/cubic) at coordinates ``x``:
    the kernel ``k`` stretched by ``1/stretch`` evaluated at each tap (:func:`interpolation_plan`'s
    border rules)."""

    def rows(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        xr = x[lo:hi]
        if cubic_table_size is not None:
            base = np.floor(xr)
            xr = base + quantize_fraction(xr - base, cubic_table_size)
        if antialias:
            taps = _taps_around(xr, k.radius / stretch)
        else:  # the four taps floor(x)-1 .. floor(x)+2 every framework reads (eight for lanczos4)
            reach = 4 if mode == "lanczos4" else 2
            taps = np.floor(xr).astype(np.int64)[:, None] + np.arange(1 - reach, reach + 1)[None, :]
        w = k.function((taps - xr[:, None]) * stretch)
        if exclude_outside:
            w = np.where((taps >= 0) & (taps < n_in), w, 0.0)
        if exclude_outside or antialias or mode == "lanczos4":
            total = w.sum(axis=1, keepdims=True)
            w = w / np.where(total == 0, 1.0, total)
        return coords.clamp(taps, n_in), w

    return rows


@cached_plan
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
    offset: float = 0.0,
    pillow_rounding: bool = False,
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

    ``offset`` shifts every centre, ``c = offset + (i + 0.5) * sc``: Pillow's ``box``
    argument (``precompute_coeffs(in0, in1)``: ``sc = (in1 - in0) / n_out``, passed as
    ``inv_scale``, and ``offset = in0``).

    ``pillow_rounding`` evaluates the kernel argument in Pillow's order,
    ``((j - c) + 0.5) * (1 / fs)``, instead of ``((j + 0.5) - c) * (1 / fs)``: the same
    number but for the last bit, which is what makes mode-F results bit-identical to Pillow.
    """
    k = get_kernel(kernel_name, cubic_coeff_a)
    _checks.choice("span_rule", span_rule, ("pillow", "tf"))
    f = np.float32 if precision == "float32" else np.float64
    inv = coords.footprint_scale(n_in, n_out, inv_scale=inv_scale, precision=precision)
    fs = max(inv, f(1)) if antialias else f(1)
    support = f(k.radius) * fs
    _check_building(n_out, int(math.ceil(2 * float(support))) + 2)  # hi - lo <= 2 * support + 1
    centre = coords.window_centres(n_out, inv, offset=offset, precision=precision)
    lo, hi, empty = coords.window_span(centre, support, n_in, span_rule, precision=precision)
    width = max(int((hi - lo).max(initial=0)), 1)

    def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
        c = centre[r0:r1, None]
        taps = lo[r0:r1, None] + np.arange(width)[None, :]
        valid = (taps < hi[r0:r1, None]) & ~empty[r0:r1, None]
        if pillow_rounding:
            pos = (taps.astype(f) - c + f(0.5)) * (f(1) / fs)
        else:
            pos = (taps.astype(f) + f(0.5) - c) * (f(1) / fs)
        w = np.where(valid, k.function(pos.astype(np.float64)), 0.0)
        if precision == "float32":
            w = w.astype(np.float32).astype(np.float64)
        total = w.sum(axis=1, keepdims=True)
        w = w / np.where(total == 0, 1.0, total)
        return coords.clamp(taps, n_in), w

    return _make(n_in, n_out, *_fill_rows(n_out, width, rows), None, centre.astype(np.float64) - 0.5)


AREA_RULES = ("overlap", "adaptive", "opencv_linear", "opencv_overlap", "block")


@cached_plan
def area_plan(
    n_in: int,
    n_out: int,
    rule: str = "overlap",
    *,
    precision: str = "float64",
    inv_scale: float | None = None,
    border: str = "exclude",
    scale: float | None = None,
    factor: int | None = None,
    start: int = 0,
    stop: int | None = None,
) -> AxisPlan:
    """Box averaging along one axis.

    ``"overlap"`` (TF ``area``, OpenCV ``INTER_AREA`` when downscaling): output ``i``
        averages the box ``[i*sc, (i+1)*sc)`` (``sc = n_in/n_out``), weighting each input
        pixel by its overlap with the box divided by ``sc``.  TF computes in float32.
        ``inv_scale`` replaces ``sc`` (TF1 ``resize_area(align_corners=True)`` uses
        ``(n_in-1)/(n_out-1)``, so boxes run past the image).  ``border``: ``"exclude"``
        drops box parts past the last pixel; ``"replicate"`` reads the last pixel for
        them, as TF's ``BoundIfNeeded`` does (``resize_area_op.cc``).
    ``"adaptive"`` (PyTorch ``area`` = ``adaptive_avg_pool``): the uniform mean over
        ``[floor(i*n_in/n_out), ceil((i+1)*n_in/n_out))`` -- whole pixels, not fractions.
    ``"opencv_linear"`` (OpenCV ``INTER_AREA`` when either axis is upscaled, applied
        to both axes): ``sx = floor(i*sc)``, ``fx = (i+1) - (sx+1)/sc``, taken modulo 1
        when positive, else 0; weights ``1-fx`` on ``sx`` and ``fx`` on ``sx+1``, clamped.
    ``"opencv_overlap"`` (OpenCV ``INTER_AREA`` when both axes downscale;
        ``resize.cpp computeResizeAreaTab`` and ``resizeAreaFast``): the box
        ``[i*sc, i*sc + sc)``; a partly covered pixel counts only if its overlap exceeds
        1e-3 (smaller ones are dropped without renormalising), and weights are divided by
        ``min(sc, n_in - i*sc)``, so a box running past the image is renormalised.

    ``"block"`` (Pillow ``Image.reduce``, ``Reduce.c``): output ``i`` is the plain mean of
        pixels ``start + i*factor`` up to ``start + (i+1)*factor`` (exclusive), the last block
        cut at ``stop`` (default: the image end); ``n_out`` is ``ceil((stop - start) / factor)``.

    ``scale`` (``"opencv_linear"``, ``"opencv_overlap"``): the ``out/in`` ratio as OpenCV
    holds it (``inv_scale_x``: ``fx`` when given, else ``dsize/ssize`` in double); then
    ``sc = 1/scale`` as OpenCV computes it.  Default ``sc = n_in/n_out``.
    """
    _checks.choice("rule", rule, AREA_RULES)
    if rule == "overlap":
        _checks.choice("border", border, ("exclude", "replicate"))
    if rule == "block":
        factor = _checks.integer("factor", factor, minimum=1, what="a whole number >= 1 (the block width of rule='block')")
    if rule in ("overlap", "opencv_overlap"):
        sc_bound = float(inv_scale) if rule == "overlap" and inv_scale is not None else (
            n_in / n_out if scale is None else 1.0 / float(scale))
        width_bound = int(math.ceil(abs(sc_bound))) + 3 if math.isfinite(sc_bound) else n_in + 3
    elif rule == "adaptive":
        width_bound = -(-n_in // n_out) + 1
    elif rule == "block":
        width_bound = factor
    else:
        width_bound = 2
    _check_building(n_out, width_bound)
    if rule == "adaptive":
        start, stop = coords.adaptive_boxes(n_in, n_out)
        width = int((stop - start).max())

        def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
            taps = start[r0:r1, None] + np.arange(width)[None, :]
            valid = taps < stop[r0:r1, None]
            return coords.clamp(taps, n_in), valid / (stop[r0:r1] - start[r0:r1])[:, None]

        return _make(n_in, n_out, *_fill_rows(n_out, width, rows))
    if rule == "overlap":
        lo, hi, sc = coords.area_boxes(n_in, n_out, precision=precision, inv_scale=inv_scale)
        first = np.floor(lo).astype(np.int64)
        width = int((np.ceil(hi).astype(np.int64) - first).max()) + 1

        def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
            taps = first[r0:r1, None] + np.arange(width)[None, :]
            lo_r, hi_r = lo[r0:r1, None], hi[r0:r1, None]
            overlap = np.minimum(taps + 1, hi_r) - np.maximum(taps, lo_r)
            # A box inside one pixel overlaps it by the box width itself, not by the difference
            # of its rounded ends (TF resize_area_op.cc; matters when upscaling in float32).
            overlap = np.where((taps < lo_r) & (taps + 1 > hi_r), float(sc), overlap)
            w = np.clip(overlap.astype(np.float64), 0, None) / float(sc)
            if border == "exclude":
                w = np.where((taps >= 0) & (taps < n_in), w, 0.0)
            return coords.clamp(taps, n_in), w

        return _make(n_in, n_out, *_fill_rows(n_out, width, rows))
    if rule == "opencv_overlap":
        lo, hi, cell, first, last = coords.opencv_area_boxes(n_in, n_out, scale)
        width = int((last - first).max()) + 2

        def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
            fr, la, lo_r, hi_r, ce = (a[r0:r1, None] for a in (first, last, lo, hi, cell))
            taps = (fr - 1).astype(np.int64) + np.arange(width)[None, :]
            head, tail = fr - lo_r, np.minimum(hi_r - la, 1.0)
            w = np.where((taps >= fr) & (taps < la), 1.0, 0.0)
            w = np.where((taps == fr - 1) & (head > 1e-3), head, w)
            w = np.where((taps == la) & (hi_r - la > 1e-3), np.minimum(tail, ce), w)
            return coords.clamp(taps, n_in), w / ce

        return _make(n_in, n_out, *_fill_rows(n_out, width, rows))
    if rule == "block":
        lo, hi = coords.block_boxes(n_in, n_out, factor, start=start, stop=stop)

        def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
            taps = lo[r0:r1, None] + np.arange(factor)[None, :]
            valid = taps < hi[r0:r1, None]
            return coords.clamp(taps, n_in), valid / (hi[r0:r1] - lo[r0:r1])[:, None]

        return _make(n_in, n_out, *_fill_rows(n_out, factor, rows))
    # rule == "opencv_linear"
    sx, fx = coords.opencv_area_linear(n_in, n_out, scale)
    taps = np.stack([sx, np.minimum(sx + 1, n_in - 1)], 1)
    return _make(n_in, n_out, taps, np.stack([1 - fx, fx], 1))


@cached_plan
def nearest_loop_plan(n_in: int, n_out: int, *, start: float = 0.0, step: float | None = None) -> AxisPlan:
    """Pillow ``NEAREST`` / OpenCV 5 ``INTER_NEAREST_EXACT``: a running double accumulator.

    ``xx = 0.5 * (n_in/n_out); index_i = int(xx); xx += n_in/n_out`` -- the sum is
    accumulated step by step, so its rounding (and the tie positions that resolve one
    index lower than ``floor((i+0.5)*n_in/n_out)``) is reproduced exactly.

    ``start``, ``step``: Pillow's ``box`` (``Geometry.c ImagingScaleAffine``: ``step =
    (box1 - box0) / n_out``, ``xx = box0 + step * 0.5``).  Defaults: ``0`` and ``n_in/n_out``.
    """
    _check_building(n_out, 1)
    idx = coords.accumulator_index(n_in, n_out, start=start, step=step)
    return _make(n_in, n_out, idx[:, None], np.ones((n_out, 1)))


def index_plan(n_in: int, indices: np.ndarray) -> AxisPlan:
    """A nearest plan with explicit indices (clamped into range)."""
    idx = coords.clamp(np.asarray(indices, dtype=np.intp), n_in)[:, None]
    return _make(n_in, idx.shape[0], idx, np.ones(idx.shape))


@cached_plan
def fixed_point_plan(plan: AxisPlan, word_bits: int = 16, max_precision: int = 22) -> AxisPlan:
    """``plan`` with the fixed-point weights of 8-bit kernels (PyTorch uint8, Pillow).

    Taps that read the same input pixel (clamped border taps) are merged first.  The
    precision ``p`` is the first ``p`` (at most ``max_precision``) with
    ``int(0.5 + w_max * 2**(p+1)) >= 2**(word_bits-1)``, i.e. the largest that keeps the
    largest weight inside a signed ``word_bits`` integer; each weight becomes
    ``round_half_away(w * 2**p) / 2**p``.  Applying the result in float64 gives the
    fixed-point accumulator divided by ``2**p`` exactly; the kernels then round it half
    up (``(acc + 2**(p-1)) >> p``) and saturate.  Source: PyTorch
    ``UpSampleKernel.cpp::_compute_index_ranges_int16_weights``.
    """
    index, weight = plan.index, plan.weight.copy()
    for t in range(plan.taps):
        for s in range(t):
            dup = index[:, s] == index[:, t]
            weight[dup, s] += weight[dup, t]
            weight[dup, t] = 0.0
    w_max = float(weight.max(initial=0.0))
    precision = 0
    while precision < max_precision and int(0.5 + w_max * 2 ** (precision + 1)) < 2 ** (word_bits - 1):
        precision += 1
    scaled = weight * 2.0**precision
    fixed = np.trunc(np.where(scaled < 0, scaled - 0.5, scaled + 0.5))
    return _make(plan.n_in, plan.n_out, index.copy(), fixed / 2.0**precision, plan.outside, plan.coordinate)


@cached_plan
def quantized_plan(plan: AxisPlan, bits: int = 11) -> AxisPlan:
    """``plan`` with OpenCV's fixed-point weights for 8-bit images.

    Each weight is rounded to float32 (OpenCV keeps them in a ``float`` buffer), then to the
    nearest multiple of ``2**-bits``, ties to even: ``saturate_cast<short>(w * (1 << bits))``
    with ``INTER_RESIZE_COEF_BITS = 11`` (``resize.cpp``).  Taps are kept as they are, not
    merged: OpenCV rounds each tap's product separately.
    """
    w32 = plan.weight.astype(np.float32).astype(np.float64)
    fixed = np.rint(w32 * 2.0**bits) / 2.0**bits
    return _make(plan.n_in, plan.n_out, plan.index.copy(), fixed, plan.outside, plan.coordinate)


@cached_plan
def complement_fixed_plan(plan: AxisPlan, bits: int) -> AxisPlan:
    """A two-tap linear ``plan`` with OpenCV's bit-exact weights (``INTER_LINEAR_EXACT``).

    The fraction becomes ``w1 = rint(lambda * 2**bits) / 2**bits`` and the first tap gets
    ``1 - w1``, so the pair sums to one exactly (``resize.cpp resize_bitExact``, the
    ``fixedpoint.inl.hpp`` types: 8 fraction bits for uint8, 16 for int8/uint16/int16).
    Applying it in float64 to 8- or 16-bit integers gives the fixed-point accumulator
    divided by ``2**(2*bits)`` exactly; OpenCV then rounds it half up and saturates.
    """
    if plan.taps != 2:
        raise ShapeError("plan", f"a plan of {plan.taps} taps", "a two-tap (linear) plan")
    one = 2.0**bits
    w1 = np.rint(plan.weight[:, 1] * one) / one
    weight = np.stack([1.0 - w1, w1], 1)
    return _make(plan.n_in, plan.n_out, plan.index.copy(), weight, plan.outside, plan.coordinate)


def round_fixed_point(acc: np.ndarray, dtype: Any = np.uint8) -> np.ndarray:
    """The last stage of the fixed-point kernels: round half up, saturate to ``dtype``.

    ``acc`` is the float64 result of applying a fixed-point plan (:func:`fixed_point_plan`,
    :func:`quantized_plan`, :func:`complement_fixed_plan`): the integer accumulator divided by
    ``2**p``, exactly.  The kernels' ``(acc + 2**(p-1)) >> p`` is then ``floor(acc + 0.5)``,
    clipped to ``dtype``'s range (PyTorch's uint8 passes, Pillow's ``clip8``, OpenCV's
    ``FixedPtCast`` and ``resize_bitExact``).
    """
    info = np.iinfo(dtype)
    return np.clip(np.floor(acc + 0.5), info.min, info.max).astype(dtype)


def counting_plan(plan: AxisPlan) -> AxisPlan:
    """``plan`` with weight 1 on every tap it uses (and 0 on the others): applied in float64 to an
    integer image, two of them give the exact integer sum of each box, as the integer box
    kernels hold it (OpenCV ``resizeAreaFast``, Pillow ``Reduce.c``)."""
    return _make(plan.n_in, plan.n_out, plan.index.copy(), (plan.weight != 0).astype(np.float64), plan.outside,
                 plan.coordinate)


def box_counts(plan_y: AxisPlan, plan_x: AxisPlan, ndim: int = 2) -> np.ndarray:
    """How many pixels each output box of ``plan_y`` x ``plan_x`` holds, shaped to broadcast
    against an ``ndim``-D ``(H, W, ...)`` image (int64)."""
    count = np.count_nonzero(plan_y.weight, axis=1)[:, None] * np.count_nonzero(plan_x.weight, axis=1)[None, :]
    return count.reshape(count.shape + (1,) * (ndim - 2)).astype(np.int64)
