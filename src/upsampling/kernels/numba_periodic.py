"""Fused kernels specialised for a periodic W plan (integer scale factors), extra ``fast``.

An integer upscale repeats the same taps every ``P`` output pixels: at ×2 half-pixel, output
pixel ``1 + 2m + r`` reads input pixels ``m`` and ``m + 1`` with weights that depend only on
the phase ``r``.  A W plan is *periodic* over output pixels ``[j_lo, j_lo + P·M)`` when

    ``iw[j_lo + P·m + r, t] = base + S·m + rel[r, t]``  and  ``ww[j_lo + P·m + r, t] = wt[r, t]``

for every block ``m < M``, phase ``r < P`` and tap ``t`` (exactly: same indices, same weight
bits).  The generic kernels load each pixel's indices and weights and gather its channels one
at a time; with ``P``, ``S``, the channel count ``q``, the taps and ``rel`` known when the
kernel is compiled, every access of a block sits at a constant offset, and LLVM turns a
block's loads and stores into whole vectors and shuffles (``vpermt2ps``): the W pass of a ×2
RGB upscale ran 3x faster on this project's machine (``benchmarks/kernel_probe.py``).  The
pixels outside ``[j_lo, j_lo + P·M)`` (the clamped borders) take the generic per-pixel loop.

Same operations in the same order as :mod:`.numba_fused` (a multiply, then an add per tap,
left to right, each rounded in the work dtype), so the same bits -- tested in
``tests/test_periodic_stream.py``.

Two kernels use it: the W-first kernel of upscales, and (since session 8) the whole-row
H-first kernel of downscales whose W plan repeats, which runs the periods in groups
(:func:`widen`; ÷4 RGB repeats every output pixel).  Since session 9 the W-first kernel of
bicubic RGB/RGBA upscales runs its W pass phase by phase (:func:`planar`).  Each
``(q, P, S, taps, rel, wide, planar)`` is its
own compiled kernel (a closure; Numba caches it on disk under those values).  A combination is compiled the first time a plan needs it, in a
background thread; until it is ready the generic kernel runs, which gives the same bits, so
no result depends on the timing.  :func:`wait_for_compiles` waits for them (tests, the
benchmark harness).
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass

import numba
import numpy as np

from upsampling.kernels.numba_fused import _blend, _blend_ahead, _cache_slot, _new_row_cache, _store_row
from upsampling.kernels.numba_stream import blend_into, store_fence

__all__ = ["Period", "find_period", "kernel", "planar", "wait_for_compiles"]

# Specialise only small unrolled blocks: P·q·taps stores per block.
MAX_PHASES = 16
MAX_CHANNELS = 4
MAX_BLOCK_TERMS = 128
# Distinct specialisations compiled per process at most (each costs 2-6 s of compiling once per
# machine and dtype, then ~0.1 s to load from Numba's disk cache).
MAX_KERNELS = 48
# Periods per group in the H-first kernels' W pass (:func:`widen`).
WIDEN_MAX = 16
# Calls below this many multiply-adds never ask for a specialisation: compiling one would cost
# more than it could ever save them.
MIN_WORK = 2_000_000


@dataclass(frozen=True)
class Period:
    """A W plan's periodic run: output pixel ``j_lo + P·m + r``, tap ``t`` reads input pixel
    ``base + S·m + rel[r·taps + t]`` with weight ``weights[r·taps + t]``, for ``m < blocks``."""

    phases: int
    stride: int
    j_lo: int
    blocks: int
    base: int
    rel: tuple[int, ...]
    weights: np.ndarray  # (P·taps,) float64, the plan's own weights


def _longest_run(good: np.ndarray) -> tuple[int, int]:
    """``[a, b)``: the longest run of True in a 1-D bool array (``(0, 0)`` if none)."""
    if not good.any():
        return 0, 0
    padded = np.concatenate(([False], good, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, stops = edges[::2], edges[1::2]
    k = int(np.argmax(stops - starts))
    return int(starts[k]), int(stops[k])


def find_period(index: np.ndarray, weight: np.ndarray, max_phases: int = MAX_PHASES) -> Period | None:
    """The smallest period ``P <= max_phases`` over which a W plan repeats on at least half of
    its outputs (at least two blocks), or ``None``.

    index, weight : the plan's ``(n_out, taps)`` indices and weights (weights compared bit for
    bit).  Only strides ``S >= 1`` (indices that advance) count.
    """
    n_out, taps = index.shape
    for p in range(1, max_phases + 1):
        if 2 * p > n_out:
            break
        step = index[p:] - index[:-p]
        mid = (n_out - p) // 2
        s = int(step[mid, 0])
        if s < 1:
            continue
        good = np.all(step == s, axis=1) & np.all(weight[p:] == weight[:-p], axis=1)
        a, b = _longest_run(good)
        blocks = (b + p - a) // p
        if blocks < 2 or blocks * p * 2 < n_out:
            continue
        block = index[a : a + p]
        base = int(block.min())
        rel = tuple(int(v) for v in (block - base).ravel())
        if max(rel) > 4 * (taps + p):  # not a local stencil: leave it to the generic loop
            continue
        return Period(p, s, a, blocks, base, rel, np.ascontiguousarray(weight[a : a + p]).ravel())
    return None


def _make(
    q: int, phases: int, stride: int, taps: int, rel: tuple[int, ...], wide: int = 0, planar: bool = False
) -> numba.core.registry.CPUDispatcher:
    """The W-first kernel (every upscale; ``wide == 0``) or the whole-row H-first kernel
    (downscales; ``wide`` periods per group, :func:`widen`) for one specialisation (see the
    module docstring).

    H first: each output row blends its input rows into a row buffer
    (:func:`~upsampling.kernels.numba_fused._blend_ahead`), then the W pass below reads it in
    groups of ``wide`` periods: ÷4 RGB repeats every output pixel, and one pixel gives LLVM
    little to vectorise, while a group of 16 does (session 8, Intel host, harness case D, one
    thread: 1.36 -> 1.25 ms, OpenCV 1.01; docs/performance.md).  On session 7's AMD host a
    periodic H-first kernel without the groups was no faster, and a periodic *sparse* one 2x
    slower.

    ``planar`` (W-first, unit stride only; :func:`planar`): the W pass computes each phase's
    outputs of all periods as one contiguous run -- phase ``r``'s tap ``t`` reads the input row
    from a fixed offset on, so it is a shifted vector multiply-add -- into a scratch row per
    phase, then interleaves the phases into the cached row.  Same operations per element in the
    same order, stored in the work dtype between taps, hence only for inputs already in the work
    dtype."""
    Q = np.uint64(q)
    BLOCK_IN = np.uint64(stride * q)
    BLOCK_OUT = np.uint64(phases * q)
    REL = tuple(np.uint64(v * q) for v in rel)
    P = phases
    PU = np.uint64(phases)
    WIDE = max(1, wide)
    PLANAR = planar

    @numba.njit(inline="always")
    def border(src, dst, iw, ww, j0, j1):  # pragma: no cover - compiled
        """Pixels ``j0:j1`` pixel by pixel (the generic arithmetic)."""
        for j in range(j0, j1):
            for k in range(q):
                acc = ww[j, 0] * src[iw[j, 0] * q + k]
                for u in range(1, taps):
                    acc = acc + ww[j, u] * src[iw[j, u] * q + k]
                dst[j * q + k] = acc

    @numba.njit(inline="always")
    def block(src, dst, sb, db, wt):  # pragma: no cover - compiled
        """One period: ``P`` output pixels from the input block at ``sb``, written at ``db``."""
        for r in range(P):
            for k in range(q):
                ku = np.uint64(k)
                acc = wt[r * taps] * src[sb + REL[r * taps] + ku]
                for t in range(1, taps):
                    acc = acc + wt[r * taps + t] * src[sb + REL[r * taps + t] + ku]
                dst[db + np.uint64(r * q + k)] = acc

    @numba.njit(inline="always")
    def w_row(src, dst, iw, ww, j_lo, blocks, base, wt):  # pragma: no cover - compiled
        """``dst[j·q + k] = Σ_u ww[j, u]·src[iw[j, u]·q + k]`` for a whole row: the periods in
        groups of ``WIDE`` (a literal trip count), then the rest one by one."""
        j_hi = j_lo + P * blocks
        border(src, dst, iw, ww, 0, j_lo)
        border(src, dst, iw, ww, j_hi, iw.shape[0])
        s0 = np.uint64(base) * Q
        d0 = np.uint64(j_lo) * Q
        full = blocks - blocks % WIDE
        for m0 in range(0, full, WIDE):
            for i in range(WIDE):
                mu = np.uint64(m0 + i)
                block(src, dst, s0 + mu * BLOCK_IN, d0 + mu * BLOCK_OUT, wt)
        for m in range(full, blocks):
            mu = np.uint64(m)
            block(src, dst, s0 + mu * BLOCK_IN, d0 + mu * BLOCK_OUT, wt)

    @numba.njit(inline="always")
    def w_row_planar(src, dst, iw, ww, j_lo, blocks, base, wt, scratch):  # pragma: no cover - compiled
        """:func:`w_row` phase by phase: ``scratch[r, m·q + k]`` is output pixel
        ``j_lo + P·m + r``'s channel ``k`` (the taps left to right, as in :func:`block`), then
        the phases are interleaved into ``dst``.  Unit stride: ``S == 1``."""
        border(src, dst, iw, ww, 0, j_lo)
        border(src, dst, iw, ww, j_lo + P * blocks, iw.shape[0])
        n = np.uint64(blocks) * Q
        s0 = np.uint64(base) * Q
        for r in range(P):
            row = scratch[r]
            off = s0 + REL[r * taps]
            w = wt[r * taps]
            for e in range(n):
                row[e] = w * src[off + e]
            for t in range(1, taps):
                off = s0 + REL[r * taps + t]
                w = wt[r * taps + t]
                for e in range(n):
                    row[e] = row[e] + w * src[off + e]
        d0 = np.uint64(j_lo) * Q
        for m in range(blocks):
            mu = np.uint64(m)
            for r in range(P):
                d = d0 + (mu * PU + np.uint64(r)) * Q
                for k in range(q):
                    dst[d + np.uint64(k)] = scratch[r, mu * Q + np.uint64(k)]

    @numba.njit(cache=True, nogil=True)
    def w_first(x, ih, wh, iw, ww, out, lo, hi, rounding, direct, stream, j_lo, blocks, base, wt, r0, r1):  # pragma: no cover
        """:func:`~upsampling.kernels.numba_fused.fused_w_first` with the periodic W pass."""
        h_out, th = ih.shape
        h_in = x.shape[1]
        n = out.shape[2]
        cache, keys, stamps, which = _new_row_cache(th, n, ww)
        acc = np.empty(n, dtype=ww.dtype)
        scratch = np.empty((P, blocks * q if PLANAR else 0), dtype=ww.dtype)
        clock = 0
        for r in range(r0, r1):
            b = r // h_out
            o = r - b * h_out
            clock += 1
            for t in range(th):
                slot = _cache_slot(keys, stamps, b * h_in + ih[o, t], clock)
                if slot < 0:
                    slot = -slot - 1
                    if PLANAR:
                        w_row_planar(x[b, ih[o, t]], cache[slot], iw, ww, j_lo, blocks, base, wt, scratch)
                    else:
                        w_row(x[b, ih[o, t]], cache[slot], iw, ww, j_lo, blocks, base, wt)
                which[t] = slot
            if direct:
                blend_into(cache, which, wh[o], out[b, o], stream)
            else:
                _blend(cache, which, wh[o], acc)
                _store_row(acc, out[b, o], lo, hi, rounding)
        if stream:
            store_fence()

    @numba.njit(cache=True, nogil=True)
    def h_first(x, ih, wh, iw, ww, out, lo, hi, rounding, direct, j_lo, blocks, base, wt, r0, r1):  # pragma: no cover
        """:func:`~upsampling.kernels.numba_fused.fused_h_first` with the periodic W pass
        (without its copy of a repeated row: recomputing it gives the same bits)."""
        h_out = ih.shape[0]
        tmp = np.empty(x.shape[2], dtype=wh.dtype)
        acc = np.empty(out.shape[2], dtype=wh.dtype)
        for r in range(r0, r1):
            b = r // h_out
            o = r - b * h_out
            _blend_ahead(x[b], ih[o], wh[o], tmp, ih[min(o + 1, h_out - 1)])
            if direct:
                w_row(tmp, out[b, o], iw, ww, j_lo, blocks, base, wt)
            else:
                w_row(tmp, acc, iw, ww, j_lo, blocks, base, wt)
                _store_row(acc, out[b, o], lo, hi, rounding)

    return h_first if wide else w_first


def widen(period: Period, q: int, taps: int) -> int:
    """Periods per group in the H-first kernel's W pass: :data:`WIDEN_MAX`, or fewer so that a
    group stays within :data:`MAX_BLOCK_TERMS` multiply-adds (``m·P·q·taps``); at least 1."""
    return max(1, min(WIDEN_MAX, MAX_BLOCK_TERMS // max(1, period.phases * q * taps)))


# (q, P, S, taps, rel, wide, planar) -> its kernel (W-first for wide == 0, else H-first); (key, signature) pairs that are compiled / queued.
_kernels: dict[tuple, numba.core.registry.CPUDispatcher] = {}
_ready: set[tuple] = set()
_pending: set[tuple] = set()
_failures: list[BaseException] = []
_lock = threading.Condition()
_queue: queue.SimpleQueue = queue.SimpleQueue()
_compiler: threading.Thread | None = None
# Tests switch the specialised kernels off to compare them with the generic ones.
enabled = True
# False: no phase-by-phase W pass (:func:`planar`); a switch for the harness's --ab.
PLANAR_ENABLED = True


def planar(period: Period, q: int, taps: int, same_dtype: bool) -> bool:
    """Whether the W-first kernel's W pass runs phase by phase (:func:`_make`): unit stride
    (integer upscales), inputs in the work dtype, and pixels of 2-4 channels read by 4 or more
    taps (bicubic).  Session 9, Intel host, whole resizes on two threads, planar ÷ per-period
    (``/tmp`` probe, medians of 8 alternating rounds): bicubic ×2 RGB 0.75, ×2 RGBA 0.82, ×4 RGB
    0.89; but bilinear ×2 RGB 1.21, 2 channels 1.18, and one channel (NCHW) 1.14-1.5, where LLVM
    already vectorises the per-period loop (docs/performance.md)."""
    return PLANAR_ENABLED and same_dtype and period.stride == 1 and 2 <= q and taps >= 4


def _specialisation(q: int, period: Period, taps: int, wide: int, planar: bool = False) -> tuple | None:
    if not 1 <= q <= MAX_CHANNELS or period.phases * q * taps > MAX_BLOCK_TERMS:
        return None
    return (q, period.phases, period.stride, taps, period.rel, wide, planar)


def _signature(args: tuple) -> tuple:
    """What selects a compiled signature: each array's dtype, rank, order and writeability,
    and the other arguments' types."""
    return tuple(
        (a.dtype.str, a.ndim, a.flags.c_contiguous, a.flags.writeable) if isinstance(a, np.ndarray) else type(a).__name__
        for a in args
    ) + (type(args[-1][0]).__name__,)


def _stand_in(a):
    """A one-element array with ``a``'s type for the compiler thread (which must not keep the
    caller's arrays -- an output held there never went back to the output pool)."""
    if not isinstance(a, np.ndarray):
        return a
    small = np.zeros((1,) * a.ndim, dtype=a.dtype)
    small.flags.writeable = a.flags.writeable
    return small


def _compile_loop() -> None:
    """The compiler thread: compile (or load from the disk cache) one queued kernel at a time.

    A daemon thread, so that a short process never waits at exit for a kernel it will not use.
    """
    while True:
        ready_key, fn, args = _queue.get()
        try:
            fn(*args, 0, 0)  # compiles for these argument types; zero rows: no work
            del args  # stand-ins, but hold nothing between requests
        except BaseException as exc:  # pragma: no cover - a Numba failure: keep the generic kernel
            with _lock:
                _failures.append(exc)
        else:
            with _lock:
                _ready.add(ready_key)
        finally:
            with _lock:
                _pending.discard(ready_key)
                _lock.notify_all()


def kernel(q: int, period: Period | None, taps: int, args: tuple, work: float, wide: int = 0, planar: bool = False):
    """The specialised W-first kernel (or, with ``wide`` periods per group, the whole-row H-first
    kernel; ``planar``: the W-first kernel's phase-by-phase W pass, :func:`planar`) for these
    arguments if compiled, else ``None`` (and, for a call of at least :data:`MIN_WORK`
    multiply-adds, its compilation starts in the background).

    ``args`` are the kernel's arguments without ``r0, r1`` (their dtypes select the compiled
    signature).
    """
    if not enabled or period is None:
        return None
    key = _specialisation(q, period, taps, wide, planar and not wide)
    if key is None:
        return None
    ready_key = (key, _signature(args))
    if ready_key in _ready:
        return _kernels[key]
    if work < MIN_WORK:
        return None
    global _compiler
    with _lock:
        if ready_key in _pending or (key not in _kernels and len(_kernels) >= MAX_KERNELS):
            return None
        if key not in _kernels:
            _kernels[key] = _make(*key)
        _pending.add(ready_key)
        _queue.put((ready_key, _kernels[key], tuple(_stand_in(a) for a in args)))
        if _compiler is None:
            from upsampling.kernels import _register_fork_hooks

            _register_fork_hooks()  # ahead of any fork hook registered since the loader's
            _compiler = threading.Thread(target=_compile_loop, name="upsampling-compile", daemon=True)
            _compiler.start()
    return None


def _forget_compiles() -> None:  # pragma: no cover - runs in forked children
    """A forked child has no compiler thread: drop the requests it would have served (the
    child asks again when a plan needs one) and the locks another thread may have held."""
    global _lock, _queue, _compiler
    _lock = threading.Condition()
    _queue = queue.SimpleQueue()
    _compiler = None
    _pending.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_compiles)


def wait_for_compiles() -> None:
    """Block until every specialised kernel requested so far is compiled; re-raise a failure."""
    with _lock:
        while _pending:
            _lock.wait()
        if _failures:
            raise _failures[0]
