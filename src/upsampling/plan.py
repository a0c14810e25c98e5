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
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling import _checks, coords
from upsampling._options import _options, on_change
from upsampling.errors import InvalidArgumentError
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


# ---------------------------------------------------------------------------------------------
# memory: what a plan costs, and caches bounded by bytes

#: Rows of a plan built at once hold at most this many taps: the builders' temporaries
#: (coordinates, distances, kernel values, masks; about ten arrays of that size) stay near
#: 20 MiB however long the axis, instead of ten times the plan (issue 19: a cubic plan of
#: 20,000,000 outputs peaked near 6 GB).
CHUNK_TAPS = 1 << 18
#: Bytes of those temporaries, as :func:`building_bytes` counts them.
CHUNK_BYTES = 12 * 8 * CHUNK_TAPS


def plan_bytes(n_out: int, taps: int, outside: bool = False) -> int:
    """Bytes of an :class:`AxisPlan`: intp indices and float64 weights per tap, a float64
    coordinate per output (and a bool mask with ``outside``)."""
    return int(n_out) * (16 * int(taps) + 8 + (1 if outside else 0))


def building_bytes(n_out: int, taps: int) -> int:
    """Peak bytes while a builder makes a plan of ``n_out`` outputs and ``taps`` taps: the plan,
    the source coordinates in two precisions and a mask, and one chunk of temporaries."""
    return plan_bytes(n_out, taps, True) + 17 * int(n_out) + min(CHUNK_BYTES, 12 * 8 * int(n_out) * int(taps))


def _check_building(n_out: int, taps: int) -> None:
    _checks.work_bytes(None, building_bytes(n_out, taps), "the resize plan (per-axis indices and weights)")


def _nbytes(value: Any) -> int:
    """Bytes of the arrays a cached value holds (plans, tuples of plans or arrays, tensors)."""
    if isinstance(value, AxisPlan):
        return sum(a.nbytes for a in (value.index, value.weight, value.outside, value.coordinate) if a is not None)
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    nbytes = getattr(value, "nbytes", None)  # a torch tensor
    if isinstance(nbytes, int):
        return nbytes
    return 0


class ByteLRU(OrderedDict):
    """A least-recently-used cache holding at most ``options(plan_cache_bytes=...)`` bytes (and
    ``max_entries`` entries).

    ``put(key, value)`` counts the arrays ``value`` holds (:func:`_nbytes`); a value larger
    than the whole budget is not cached at all.  Every instance is registered, so that
    :func:`trim_caches` (run by ``set_options(plan_cache_bytes=...)``) can shrink them all.
    """

    def __init__(self, name: str, max_entries: int = 1024) -> None:
        super().__init__()
        self.name = name
        self.max_entries = max_entries  # the keys and small objects are not counted in bytes
        self.nbytes = 0
        self._sizes: dict[Any, int] = {}
        self._lock = threading.RLock()
        _CACHES.append(self)

    def lookup(self, key: Any) -> Any:
        """The cached value (now the most recent) or ``None``; raises TypeError for unhashable keys."""
        with self._lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value

    def put(self, key: Any, value: Any, nbytes: int | None = None) -> None:
        nbytes = _nbytes(value) if nbytes is None else nbytes
        limit = _options.get("plan_cache_bytes", 0)
        with self._lock:
            if key in self:
                self.nbytes -= self._sizes.pop(key)
                del self[key]
            if nbytes > limit:
                return
            self[key] = value
            self._sizes[key] = nbytes
            self.nbytes += nbytes
            self._trim(limit)

    def _trim(self, limit: int) -> None:
        while self and (self.nbytes > limit or len(self) > self.max_entries):
            key, _ = self.popitem(last=False)
            self.nbytes -= self._sizes.pop(key)

    def trim(self) -> None:
        with self._lock:
            self._trim(_options.get("plan_cache_bytes", 0))

    def clear(self) -> None:
        with self._lock:
            super().clear()
            self._sizes.clear()
            self.nbytes = 0

    def _new_lock(self) -> None:  # pragma: no cover - forked children
        self._lock = threading.RLock()


_CACHES: list[ByteLRU] = []


def trim_caches() -> None:
    """Shrink every plan cache to ``options(plan_cache_bytes=...)``, least recent first."""
    for cache in _CACHES:
        cache.trim()


on_change("plan_cache_bytes", trim_caches)  # lowering the budget releases what is held at once


def cache_stats() -> dict[str, int]:
    """Bytes each plan cache holds now."""
    return {cache.name: cache.nbytes for cache in _CACHES}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: [cache._new_lock() for cache in _CACHES])


def cached_plan(builder: Callable) -> Callable:
    """``functools.lru_cache`` for the plan builders, bounded by bytes (:class:`ByteLRU`).

    Keys are the arguments as ``lru_cache`` makes them (plans passed as arguments are keyed by
    identity); a plan larger than the budget is built every time.
    """
    cache = ByteLRU(f"plan.{builder.__name__}")

    @functools.wraps(builder)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        hit = cache.lookup(key)
        if hit is not None:
            return hit
        value = builder(*args, **kwargs)
        held = [a for a in args if isinstance(a, AxisPlan)]  # keys keep these alive too
        cache.put(key, value, _nbytes(value) + sum(_nbytes(a) for a in held))
        return value

    wrapper.cache = cache  # type: ignore[attr-defined]
    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper


def _fill_rows(n_out: int, width: int, rows: Callable[[int, int], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """``(index, weight)`` of ``n_out`` rows of ``width`` taps, built :data:`CHUNK_TAPS` taps at
    a time by ``rows(lo, hi)`` (its rows' indices and weights): the same numbers as one call
    for all rows (each row's arithmetic is its own), with bounded temporaries."""
    step = max(1, CHUNK_TAPS // max(1, width))
    if n_out <= step:
        index, weight = rows(0, n_out)
        return np.ascontiguousarray(index, dtype=np.intp), np.ascontiguousarray(weight, dtype=np.float64)
    index = np.empty((n_out, width), dtype=np.intp)
    weight = np.empty((n_out, width), dtype=np.float64)
    for lo in range(0, n_out, step):
        hi = min(n_out, lo + step)
        index[lo:hi], weight[lo:hi] = rows(lo, hi)
    return index, weight


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
    k = None
    if mode == "nearest":
        width = 1
    elif mode == "linear" and not antialias:
        width = 2
    else:
        if mode == "linear":
            k = get_kernel("triangle")
        elif mode == "cubic":
            k = get_kernel("cubic", cubic_coeff_a)
        elif mode == "lanczos4":
            k = get_kernel("lanczos4")
        else:
            raise ValueError(f"interpolation_plan: unknown mode {mode!r}")
        stretch = min(s, 1.0) if antialias else 1.0
        # _taps_around's window, or the 4 (8) taps floor(x)-1 .. floor(x)+2 every framework reads
        width = int(2 * math.ceil(k.radius / stretch)) + 1 if antialias else (8 if mode == "lanczos4" else 4)
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
        if coordinate_storage not in coords.PRECISIONS:
            raise ValueError(f"interpolation_plan: unknown coordinate_storage {coordinate_storage!r}")
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
    if mode == "linear" and not antialias and linear_border == "replicate":
        def rows(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            xr = x[lo:hi]
            i0 = np.floor(xr)
            lam = xr - i0
            taps = i0.astype(np.int64)[:, None] + np.arange(2)[None, :]
            return np.clip(taps, 0, n_in - 1), np.stack([1 - lam, lam], 1)

        return _make(n_in, n_out, *_fill_rows(n_out, 2, rows), outside, coordinate)
    if mode == "linear" and not antialias:
        def rows(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            xc = np.clip(x[lo:hi], 0, n_in - 1)
            i0 = np.floor(xc)
            lam = xc - i0
            i0 = i0.astype(np.intp)
            i1 = np.minimum(i0 + 1, n_in - 1)
            return np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1)

        return _make(n_in, n_out, *_fill_rows(n_out, 2, rows), outside, coordinate)

    assert k is not None

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
        return np.clip(taps, 0, n_in - 1), w

    return _make(n_in, n_out, *_fill_rows(n_out, width, rows), outside, coordinate)


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
    f = np.float32 if precision == "float32" else np.float64
    if inv_scale is None:
        inv = f(1) / (f(n_out) / f(n_in)) if precision == "float32" else n_in / n_out
    else:
        inv = inv_scale
    inv = f(inv)
    fs = max(inv, f(1)) if antialias else f(1)
    support = f(k.radius) * fs
    _check_building(n_out, int(math.ceil(2 * float(support))) + 2)  # hi - lo <= 2 * support + 1
    centre = (np.arange(n_out, dtype=f) + f(0.5)) * inv
    if offset:
        centre = f(offset) + centre
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
        return np.clip(taps, 0, n_in - 1), w

    return _make(n_in, n_out, *_fill_rows(n_out, width, rows), None, centre.astype(np.float64) - 0.5)


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
    if rule in ("overlap", "opencv_overlap"):
        sc_bound = float(inv_scale) if rule == "overlap" and inv_scale is not None else (
            n_in / n_out if scale is None else 1.0 / float(scale))
        width_bound = int(math.ceil(abs(sc_bound))) + 3 if math.isfinite(sc_bound) else n_in + 3
    elif rule == "adaptive":
        width_bound = -(-n_in // n_out) + 1
    elif rule == "block":
        width_bound = int(factor) if isinstance(factor, int) and factor > 0 else 1
    else:
        width_bound = 2
    _check_building(n_out, width_bound)
    i = np.arange(n_out)
    if rule == "adaptive":
        start = (i * n_in) // n_out
        stop = -((-(i + 1) * n_in) // n_out)
        width = int((stop - start).max())

        def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
            taps = start[r0:r1, None] + np.arange(width)[None, :]
            valid = taps < stop[r0:r1, None]
            return np.clip(taps, 0, n_in - 1), valid / (stop[r0:r1] - start[r0:r1])[:, None]

        return _make(n_in, n_out, *_fill_rows(n_out, width, rows))
    if rule == "overlap":
        f = np.float32 if precision == "float32" else np.float64
        if inv_scale is not None:
            sc = f(inv_scale)
        else:
            sc = f(n_in) / f(n_out) if precision == "float32" else n_in / n_out
        lo = i.astype(f) * f(sc)
        hi = (i + 1).astype(f) * f(sc)
        first = np.floor(lo).astype(np.int64)
        width = int((np.ceil(hi).astype(np.int64) - first).max()) + 1
        if border not in ("exclude", "replicate"):
            raise ValueError(f"area_plan: unknown border {border!r}")

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
            return np.clip(taps, 0, n_in - 1), w

        return _make(n_in, n_out, *_fill_rows(n_out, width, rows))
    if rule == "opencv_overlap":
        sc = n_in / n_out if scale is None else 1.0 / scale
        lo = i * sc  # fsx1
        hi = lo + sc  # fsx2 = fsx1 + scale, as OpenCV adds it
        cell = np.minimum(sc, n_in - lo)  # cellWidth
        last = np.minimum(np.floor(hi), n_in - 1)  # sx2
        first = np.minimum(np.ceil(lo), last)  # sx1
        width = int((last - first).max()) + 2

        def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
            fr, la, lo_r, hi_r, ce = (a[r0:r1, None] for a in (first, last, lo, hi, cell))
            taps = (fr - 1).astype(np.int64) + np.arange(width)[None, :]
            head, tail = fr - lo_r, np.minimum(hi_r - la, 1.0)
            w = np.where((taps >= fr) & (taps < la), 1.0, 0.0)
            w = np.where((taps == fr - 1) & (head > 1e-3), head, w)
            w = np.where((taps == la) & (hi_r - la > 1e-3), np.minimum(tail, ce), w)
            return np.clip(taps, 0, n_in - 1), w / ce

        return _make(n_in, n_out, *_fill_rows(n_out, width, rows))
    if rule == "block":
        if factor is None or factor < 1:
            raise ValueError(f"area_plan: rule 'block' needs a factor >= 1, got {factor!r}")
        lo = start + i * factor
        hi = np.minimum(lo + factor, n_in if stop is None else stop)

        def rows(r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
            taps = lo[r0:r1, None] + np.arange(factor)[None, :]
            valid = taps < hi[r0:r1, None]
            return np.clip(taps, 0, n_in - 1), valid / (hi[r0:r1] - lo[r0:r1])[:, None]

        return _make(n_in, n_out, *_fill_rows(n_out, factor, rows))
    if rule == "opencv_linear":
        sc = n_in / n_out if scale is None else 1.0 / scale
        inv = n_out / n_in if scale is None else scale
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
    step = n_in / n_out if step is None else float(step)
    xx = start + step * 0.5 if start else 0.5 * step
    # The loop's running sum, as one sequential accumulate (the same additions in the same
    # order; a Python loop took half a minute for 10**8 outputs).
    terms = np.full(n_out, step)
    if n_out:
        terms[0] = xx
    positions = np.add.accumulate(terms)
    idx = np.minimum(np.trunc(positions), n_in - 1).astype(np.intp)  # int(xx) truncates
    return _make(n_in, n_out, idx[:, None], np.ones((n_out, 1)))


def index_plan(n_in: int, indices: np.ndarray) -> AxisPlan:
    """A nearest plan with explicit indices (clamped into range)."""
    idx = np.clip(np.asarray(indices, dtype=np.intp), 0, n_in - 1)[:, None]
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
        raise ValueError(f"complement_fixed_plan: needs a two-tap plan, got {plan.taps} taps")
    one = 2.0**bits
    w1 = np.rint(plan.weight[:, 1] * one) / one
    weight = np.stack([1.0 - w1, w1], 1)
    return _make(plan.n_in, plan.n_out, plan.index.copy(), weight, plan.outside, plan.coordinate)
