"""Fused two-axis resize, nearest bit copy, per-axis resize and fused argmax: the dispatch onto the
compiled kernels (``csrc/resize.hpp``, ``copy.hpp``, ``argmax.hpp``), bit-identical to the
per-axis NumPy path.

The array is viewed as ``(outer, H, W, inner)``: NHWC is ``(N, H, W, C)``, NCHW is
``(N·C, H, W, 1)``, HW is ``(1, H, W, 1)``.  The per-axis path resizes H over the whole array,
then W (or W then H: :func:`upsampling.resizing.axis_order`).  Here each thread takes a run of
output rows and, for each row, does the same arithmetic on a row-sized buffer:

* **W first** (every upscale): each input row the rows need is resized along W once into a row
  cache (``taps + 1`` rows, least recently used evicted), and each output row blends whole
  cached rows.  A thread's chunk starts with an empty cache.
* **H first** (H shrinks more than W): blend the ``taps`` input rows the row reads into a buffer
  one input row wide, then weight its columns into the output row; a downscale reads only the
  rows its plan names, and a row whose taps and weights equal the previous row's is a copy of
  it.  When W shrinks too, so that ``W_out · taps < W_in``, and a pixel has 8 or more channels
  (logits), the blend is computed only at the columns the W taps read (**sparse**).

Nearest neighbour (one tap of weight 1 on both axes, output dtype the input's) copies bits
instead (:func:`_copy_taps`).  Outputs larger than the last-level cache are written with
streaming stores (:func:`stream_min_bytes`).

Every output value is ``Σ_t wh[o,t] · (Σ_u ww[j,u] · x[...])`` (or the W-first mirror) with the
same taps in the same order, a multiply then an add, each rounded in the work dtype (the C++ is
built with ``-ffp-contract=off`` and no fast-math), so the results equal
:mod:`.numpy_resize`'s bit for bit (``tests/test_fast_paths.py``).  Integer outputs are computed
in float64 and rounded half to even and saturated in the same loop, as
:func:`upsampling.resizing.cast_output` does.  Nothing the size of the input or output is
allocated besides the output (pass ``out=`` to skip that too).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from upsampling import _memory
from upsampling._cache import ByteLRU, _nbytes
from upsampling._options import _options
from upsampling.kernels.loader import native, thread_count

_native = native()
if _native is None:  # pragma: no cover - kernels/__init__ hands this module out only with the extension
    raise ImportError("upsampling.kernels.fused needs the compiled kernels (upsampling.kernels._native)")
# Fresh large outputs on 2 MiB-aligned huge pages (upsampling._memory; Linux builds have it).
_memory.use_page_allocator(getattr(_native, "empty_pages", None))

# Channels per pixel from which the sparse H-first kernel pays (each column a vectorised run).
_PIXEL_LOOP_MIN_CHANNELS = 8
# Below this many multiply-adds a call runs on the calling thread alone; otherwise on
# thread_count() threads, CHUNKS_PER_THREAD chunks each (dynamic: a thread that is not scheduled
# leaves its chunks to the others).  More chunks balance a busy machine better but restart each
# W-first chunk's row cache; 3 per thread was fastest on the harness's A, B and D (Numba era).
PARALLEL_MIN_WORK = 200_000
CHUNKS_PER_THREAD = 3
# Kernel kinds of _native.resize_fused.
_W_FIRST, _H_FIRST, _H_FIRST_SPARSE = 0, 1, 2
_SPIN_US = 200.0
_spin_applied: list[bool] = [True]


def _schedule(rows: int, row_cost: float) -> tuple[int, int]:
    """``(threads, chunks)`` for ``rows`` job rows of ``row_cost`` multiply-adds each."""
    spin = _options["spin_workers"]
    if spin is not _spin_applied[0]:
        _native.set_spin_us(_SPIN_US if spin else 0.0)
        _spin_applied[0] = spin
    threads = thread_count()
    if rows <= 1 or threads <= 1 or rows * row_cost < PARALLEL_MIN_WORK:
        return 1, 1
    return threads, max(1, min(rows, CHUNKS_PER_THREAD * threads))


# Integer outputs the fused loop rounds and saturates itself (wider ones take the per-axis path,
# whose float64 -> int64 clip is not exact at the top of the range).
_INT_OUT = frozenset(np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32))
_FLOAT = frozenset(np.dtype(t) for t in (np.float32, np.float64))
_INT_IN = _INT_OUT | {np.dtype(np.int64), np.dtype(np.uint64)}

# (id(plan_h), id(plan_w), *key) -> (plan_h, plan_w, value): the kernel-ready taps of
# recently used plans (:func:`_for_plans`).
_PREPARED = ByteLRU("fused kernel taps", max_entries=64)

# Outputs from this many bytes on are written with streaming (non-temporal) stores, by the
# W-first kernel and the nearest copy; ``None``: :func:`stream_min_bytes` derives it from the
# cache.  A number overrides it (the harness's ``--ab`` and the tests set one).
STREAM_MIN_BYTES: int | None = None
# Nearest neighbour copies bits when the output has the input's dtype; False: it blends with
# weight 1 like the other modes (a switch for the harness's --ab, and for tests of the blend
# kernels' one-tap plans).
NEAREST_COPY = True
# The derived threshold is at most this: see stream_min_bytes.
_STREAM_CAP_BYTES = 64 * 2**20
_stream_auto_bytes: int | None = None


def stream_min_bytes() -> int:
    """The output size from which the kernels write with streaming stores.

    A streaming store skips reading each output line before writing it, but sends the output to
    memory; an output that fits the last-level cache and is written again and again (or read
    next) is faster with ordinary stores.  So: the last-level cache's size from ``/sys`` (32 MiB
    when it lists none), capped at 64 MiB, because a guest gets only part of a large server L3
    (Linux listed 480 MiB on session 9's Intel host, where a nearest copy of 84 MiB was faster
    with ordinary stores and one of 128 MiB 2x slower; docs/performance.md).
    :data:`STREAM_MIN_BYTES` overrides it.
    """
    global _stream_auto_bytes
    if STREAM_MIN_BYTES is not None:
        return STREAM_MIN_BYTES
    if _stream_auto_bytes is None:
        _stream_auto_bytes = min(_last_level_cache_bytes() or 32 * 2**20, _STREAM_CAP_BYTES)
    return _stream_auto_bytes


def _last_level_cache_bytes() -> int:
    """The largest cache Linux lists for CPU 0 (``/sys/.../cache/index*/size``, e.g.
    ``32768K``), or 0 when it lists none (other systems, some containers).  Plain ``os`` calls:
    ``glob`` (its import and patterns) and text-mode ``open`` cost about 0.5 ms of the first
    call."""
    folder = "/sys/devices/system/cpu/cpu0/cache"
    try:
        entries = [e for e in os.listdir(folder) if e.startswith("index")]
    except OSError:
        return 0
    best = 0
    for entry in entries:
        try:
            fd = os.open(f"{folder}/{entry}/size", os.O_RDONLY)
            try:
                text = os.read(fd, 64).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
        except OSError:
            continue
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
        digits = text[:-1] if scale != 1 else text
        if digits.isdigit():
            best = max(best, int(digits) * scale)
    return best


def _streamable_rows(out3: np.ndarray) -> bool:
    """Whether streaming stores pay on these output rows: rows of 16 KiB or more.  On 2 KiB
    rows (21 NCHW planes of 512 columns) the Numba W-first kernel took 3.5x longer with
    streaming stores than with ordinary ones on one thread (a one-off probe), so short rows
    keep ordinary stores."""
    return out3.shape[2] * out3.itemsize >= 16384


def _for_plans(plan_h, plan_w, key: tuple, build: Callable[[], Any]) -> Any:
    """``build()``, cached per plan pair and ``key`` in :data:`_PREPARED`, a cache bounded by
    ``options(plan_cache_bytes=...)`` like the plans' own (plans are cached, so repeated calls
    hit; the plans kept in the entry keep their ids from being reused)."""
    full_key = (id(plan_h), id(plan_w), *key)
    hit = _PREPARED.lookup(full_key)
    if hit is not None and hit[0] is plan_h and hit[1] is plan_w:
        return hit[2]
    value = build()
    _PREPARED.put(full_key, (plan_h, plan_w, value), nbytes=_nbytes(value))  # the plans are counted where cached
    return value


def _taps(plan, work: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """A plan's ``(n_out, taps)`` indices (C-ordered int64) and weights in ``work``."""
    return np.ascontiguousarray(plan.index, dtype=np.int64), np.ascontiguousarray(plan.weight.astype(work))


def _prepared(plan_h, plan_w, work: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ih, wh, iw, ww``: the plans' indices and weights as the kernels take them (cached)."""
    return _for_plans(plan_h, plan_w, (work.str,), lambda: (*_taps(plan_h, work), *_taps(plan_w, work)))


# Periods looked for in W plans (integer upscale factors up to 16).
MAX_PHASES = 16
# False: no phase-by-phase W pass (a switch for the harness's --ab and for tests).
PERIODIC = True


def find_period(index: np.ndarray, weight: np.ndarray, max_phases: int = MAX_PHASES) -> tuple | None:
    """The W plan's longest unit-stride periodic run: ``(P, j_lo, blocks, base, rel)`` such that
    output pixel ``j_lo + P·m + r`` (``m < blocks``), tap ``t``, reads input pixel
    ``base + m + rel[r, t]`` with weight ``weight[j_lo + r, t]`` (bit for bit), covering at least
    half of the outputs with two or more periods; ``None`` if there is none.

    index, weight : the plan's ``(n_out, taps)`` indices and its weights *in the work dtype*.
    Integer upscales repeat (x2 half-pixel: output ``1 + 2m + r`` reads ``m + r`` and ``m + 1``
    with weights that depend on ``r`` only); the W-first kernel then runs its W pass phase by
    phase, as contiguous multiply-adds (``csrc/resize.hpp`` ``w_pass_planar``).
    """
    n_out, taps = index.shape
    for p in range(1, max_phases + 1):
        if 4 * p > n_out:
            break
        step = index[p:] - index[:-p]
        good = np.all(step == 1, axis=1) & np.all(weight[p:] == weight[:-p], axis=1)
        if not good.any():
            continue
        padded = np.concatenate(([False], good, [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded))
        k = int(np.argmax(edges[1::2] - edges[::2]))
        a, b = int(edges[2 * k]), int(edges[2 * k + 1])
        blocks = (b + p - a) // p
        if blocks < 2 or blocks * p * 2 < n_out:
            continue
        base = int(index[a : a + p].min())
        rel = np.ascontiguousarray(index[a : a + p] - base, dtype=np.int64)
        return p, a, blocks, base, rel
    return None


def _period(plan_h, plan_w, work: np.dtype, iw: np.ndarray, ww: np.ndarray) -> tuple | None:
    """:func:`find_period` of a W plan, cached like :func:`_prepared`."""
    return _for_plans(plan_h, plan_w, ("period", work.str), lambda: find_period(iw, ww))


def _copy_taps(plan_h, plan_w, q: int) -> tuple[np.ndarray, np.ndarray, int] | None:
    """``(ih, cols, run)`` for the bit copy when both plans are one tap of weight exactly 1
    (nearest neighbour), else ``None``.  With 2-4 channels and from
    :data:`_PIXEL_LOOP_MIN_CHANNELS` on, each pixel's channels are copied as a run from
    ``cols[j] = iw[j]·Q`` (``run = Q``; 2-4 with a fixed count); 5-7 channels element by element
    (``cols[j·Q + k] = iw[j]·Q + k``, ``run = 1``).  Cached like :func:`_prepared`."""

    def build() -> tuple[np.ndarray, np.ndarray, int] | None:
        if plan_h.taps != 1 or plan_w.taps != 1 or not (np.all(plan_h.weight == 1) and np.all(plan_w.weight == 1)):
            return None
        ih = np.ascontiguousarray(plan_h.index[:, 0], dtype=np.int64)
        start = plan_w.index[:, 0].astype(np.int64) * q
        if q >= _PIXEL_LOOP_MIN_CHANNELS or q <= 4:
            cols, run = start, q
        else:
            cols, run = (start[:, None] + np.arange(q)).reshape(-1), 1
        return ih, np.ascontiguousarray(cols, dtype=np.int64), run

    return _for_plans(plan_h, plan_w, ("copy", q), build)


def supports(x_dtype: np.dtype, work: np.dtype, out_dtype: np.dtype) -> bool:
    """Whether :func:`apply_two_axes` handles this combination (float16 and bool do not)."""
    x_ok = x_dtype in _FLOAT or x_dtype in _INT_IN
    if work == np.float32 and x_dtype != np.float32:
        return False
    return x_ok and work in _FLOAT and (out_dtype in _FLOAT or out_dtype in _INT_OUT)


def _rows3(x: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """``x`` as C-ordered ``shape``: a view for C-ordered data and most views, one copy otherwise."""
    x3 = x.reshape(shape)
    return x3 if x3.flags.c_contiguous else np.ascontiguousarray(x3)


def apply_two_axes(
    x: np.ndarray,
    axis: int,
    plan_h,
    plan_w,
    h_first: bool,
    work: np.dtype,
    out: np.ndarray,
) -> None:
    """Resize axes ``axis`` (with ``plan_h``) and ``axis + 1`` (``plan_w``) of ``x`` into ``out``.

    ``out`` has the output shape, C order and its final dtype; the result equals the
    per-axis path applying the axes in the order ``h_first`` names, then
    :func:`upsampling.resizing.cast_output`, bit for bit.
    """
    shape = x.shape
    p = math.prod(shape[:axis])
    q = math.prod(shape[axis + 2 :])
    x3 = _rows3(x, (p, shape[axis], shape[axis + 1] * q))
    out3 = out.reshape(p, plan_h.n_out, plan_w.n_out * q)
    rows = p * plan_h.n_out
    if NEAREST_COPY and x.dtype == out.dtype:
        copy = _copy_taps(plan_h, plan_w, q)
        if copy is not None:
            ih0, cols, run = copy
            bits = np.dtype(f"u{x.dtype.itemsize}")
            stream = out.nbytes >= stream_min_bytes()
            threads, chunks = _schedule(rows, out3.shape[2])
            _native.copy_rows(x3.view(bits), out3.view(bits), ih0, cols, run, stream, threads, chunks)
            return
    ih, wh, iw, ww = _prepared(plan_h, plan_w, work)
    if not h_first:
        kind = _W_FIRST
    elif plan_w.n_out * plan_w.taps < shape[axis + 1] and q >= _PIXEL_LOOP_MIN_CHANNELS:
        # Blending whole input rows would compute unread columns; skipping them pays off only
        # when each column is a vectorised run of channels (logits).
        kind = _H_FIRST_SPARSE
    else:
        kind = _H_FIRST
    # Work per output row, in multiply-adds (the blend of input rows plus the row itself).
    row_cost = q * (plan_h.taps * shape[axis + 1] + plan_w.taps * plan_w.n_out)
    stream = kind == _W_FIRST and out.dtype == work and out.nbytes >= stream_min_bytes() and _streamable_rows(out3)
    threads, chunks = _schedule(rows, row_cost)
    period = None
    if kind == _W_FIRST and q <= 4 and PERIODIC and plan_w.n_out >= plan_w.n_in and plan_w.taps >= 2:
        period = _period(plan_h, plan_w, work, iw, ww)
    _native.resize_fused(x3, ih, wh, iw, ww, q, out3, kind, stream, threads, chunks, period)


def apply_axis(x: np.ndarray, axis: int, plan, dtype: np.dtype) -> np.ndarray:
    """Same contract and same bits as :func:`upsampling.kernels.numpy_resize.apply_axis`: ``x``
    resized along ``axis`` with ``plan``, computed and returned in ``dtype`` (float32/float64)."""
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT:
        from upsampling.kernels.numpy_resize import apply_axis as numpy_apply_axis

        return numpy_apply_axis(x, axis, plan, dtype)
    x = np.ascontiguousarray(x, dtype=dtype)
    shape = x.shape
    outer = math.prod(shape[:axis])
    inner = math.prod(shape[axis + 1 :])
    out = np.empty(shape[:axis] + (plan.n_out,) + shape[axis + 1 :], dtype=dtype)
    index, weight = _taps(plan, dtype)
    rows = outer if inner == 1 else outer * plan.n_out
    threads, chunks = _schedule(rows, plan.taps * (plan.n_out if inner == 1 else inner))
    _native.resize_axis(
        x.reshape(outer, shape[axis], inner), index, weight, out.reshape(outer, plan.n_out, inner), threads, chunks
    )
    return out


def argmax_two_axes(x: np.ndarray, axis: int, c_axis: int, plan_h, plan_w, labels: np.ndarray, h_first: bool = True) -> None:
    """``labels[...] = argmax(resize(x), axis=c_axis)`` for plans on axes ``axis, axis + 1``,
    resized in the order ``h_first`` names.

    ``x`` is float32 or float64 in CHW/NCHW (``c_axis == axis - 1``) or HWC/NHWC
    (``c_axis == axis + 2``); ``labels`` is C-ordered, the output without the class axis.
    The scores are never stored beyond one output row per thread.
    """
    work = x.dtype
    shape = x.shape
    n_classes = shape[c_axis]
    classes_first = c_axis < axis
    batch = math.prod(shape[: min(axis, c_axis)])
    if classes_first:
        x3 = _rows3(x, (batch * n_classes, shape[axis], shape[axis + 1]))
    else:
        x3 = _rows3(x, (batch, shape[axis], shape[axis + 1] * n_classes))
    labels3 = labels.reshape(batch, plan_h.n_out, plan_w.n_out)
    ih, wh, iw, ww = _prepared(plan_h, plan_w, work)
    rows = batch * plan_h.n_out
    row_cost = n_classes * (plan_h.taps * shape[axis + 1] + (plan_w.taps + 1) * plan_w.n_out)
    threads, chunks = _schedule(rows, row_cost)
    _native.argmax(x3, classes_first, n_classes, ih, wh, iw, ww, labels3, h_first, threads, chunks)


def fixed_linear_uint8(x: np.ndarray, qx, qy) -> np.ndarray:
    """OpenCV's 8-bit bilinear resize in its fixed point (``csrc/fixed_point.hpp``): the same
    bits as :func:`upsampling.frameworks.opencv.resize._linear_uint8`'s NumPy pipeline.

    ``x`` is ``(H, W)`` or ``(H, W, C)`` uint8; ``qx`` and ``qy`` are the W and H plans with
    weights on the 2**-11 grid (:func:`upsampling.plan.quantized_plan`).  Returns the uint8
    result ``(H_out, W_out[, C])``.
    """
    ix, iy, ax, by = _for_plans(qy, qx, ("fixed-u8",), lambda: (
        np.ascontiguousarray(qx.index, dtype=np.int64),
        np.ascontiguousarray(qy.index, dtype=np.int64),
        np.ascontiguousarray(np.rint(qx.weight * 2048), dtype=np.int64),
        np.ascontiguousarray(np.rint(qy.weight * 2048), dtype=np.int64),
    ))
    q = x.shape[2] if x.ndim == 3 else 1
    x2 = _rows3(x, (1, x.shape[0], x.shape[1] * q))[0]
    out = _memory.empty((qy.n_out, qx.n_out) + x.shape[2:], np.uint8)
    threads, chunks = _schedule(qy.n_out, q * (qx.taps + qy.taps) * qx.n_out)
    _native.fixed_linear_u8(x2, q, ix, ax, iy, by, out.reshape(qy.n_out, qx.n_out * q), threads, chunks)
    return out
