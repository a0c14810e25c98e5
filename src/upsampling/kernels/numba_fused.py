"""Fused two-axis resize (extra ``fast``): both axes in one pass, bit-identical to the per-axis path.

The array is viewed as ``(outer, H, W, inner)``: NHWC is ``(N, H, W, C)``, NCHW is
``(N·C, H, W, 1)``, HW is ``(1, H, W, 1)``.  The per-axis path resizes H over the whole array,
then W (or W then H: :func:`upsampling.resizing.axis_order`).  Here each thread takes a run of
output rows and, for each row, does the same arithmetic on a row-sized buffer:

* **W first** (every upscale: :func:`~upsampling.resizing.axis_order` resizes growing axes
  last axis first): each input row the rows need is resized along W once into a row cache
  (``taps + 1`` rows, least recently used evicted), and each output row blends whole cached
  rows (:func:`fused_w_first`).  A thread's chunk starts with an empty cache.
* **H first** (H shrinks more than W): blend the ``taps`` input rows the row reads into
  ``tmp`` (one input row wide, ``inner`` contiguous), then weight ``tmp``'s columns into the
  output row.  A downscale reads only the rows its plan names; a row whose taps and weights
  equal the previous row's is a copy of it (:func:`fused_h_first`).  When W shrinks too, so
  that ``W_out · taps < W_in``, and a pixel has 8 or more channels (logits), the blend is
  computed only at the columns the W taps read (:func:`fused_h_first_sparse`).

Nearest neighbour (one tap of weight 1 on both axes, output dtype the input's) copies bits
instead: :func:`copy_rows` gathers an output row from its input row and copies the rows that
repeat it (an ×8 upscale gathers one row in 8), with ordinary stores -- on the 22 MiB output
of the harness's A-nearest case they ran at about OpenCV's speed, where the blend loop with
streaming stores was 1.3-2x slower (an L3-sized output written again and again stays in the
cache; streaming stores send it to memory).

Two refinements of the blend, both giving the same bits: outputs of 4 MiB or more are written with
streaming stores (:mod:`.numba_stream`), and a W plan that repeats every few pixels (integer
upscales) gets a W pass compiled for its period (:mod:`.numba_periodic`).

Every output value is ``Σ_t wh[o,t] · (Σ_u ww[j,u] · x[...])`` (or the W-first mirror) with
the same taps in the same order, a multiply then an add, each rounded in the work dtype
(Numba does not contract them into FMAs without ``fastmath``), so the results equal
:mod:`.numpy_resize`'s bit for bit (tested in ``tests/test_fast_paths.py``).  Integer
outputs are computed in float64 and rounded half to even and saturated in the same loop
(``np.rint``), as :func:`upsampling.resizing.cast_output` does.  Nothing the size of the
input or output is allocated besides the output (pass ``out=`` to skip that too).
Compiled code is cached on disk.  The kernels are serial and release the GIL; the rows are
shared between threads by :func:`upsampling.kernels._threads.run_rows`.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from upsampling._options import _options
from upsampling.kernels._threads import run_rows
from upsampling.kernels.numba_stream import blend_into, copy_row_stream, prefetch, store_fence


# Channels per pixel from which the W pass loops over each pixel's channels (contiguous,
# vectorised); below it the pass gathers element by element with pre-expanded indices.
_PIXEL_LOOP_MIN_CHANNELS = 8
# Up to this many channels the W pass keeps one pixel's channels in registers.
_PIXEL_UNROLL_MAX = 4


@numba.njit(inline="always")
def _blend(src, rows, weights, dst):  # pragma: no cover - compiled
    """dst[:] = Σ_t weights[t] · src[rows[t], :], tap by tap in order.

    Up to four taps per pass over ``dst``: ``((w0·s0 + w1·s1) + w2·s2) + w3·s3`` is the
    same sequence of roundings as adding one tap per pass, with a quarter of the traffic.
    """
    n = dst.shape[0]
    taps = rows.shape[0]
    w0 = weights[0]
    s0 = src[rows[0]]
    if taps == 1:
        for i in range(n):
            dst[i] = w0 * s0[i]
        return
    w1 = weights[1]
    s1 = src[rows[1]]
    if taps == 2:
        for i in range(n):
            dst[i] = w0 * s0[i] + w1 * s1[i]
        return
    w2 = weights[2]
    s2 = src[rows[2]]
    if taps == 3:
        for i in range(n):
            dst[i] = w0 * s0[i] + w1 * s1[i] + w2 * s2[i]
        return
    w3 = weights[3]
    s3 = src[rows[3]]
    for i in range(n):
        dst[i] = w0 * s0[i] + w1 * s1[i] + w2 * s2[i] + w3 * s3[i]
    t = 4
    while t + 4 <= taps:
        w0 = weights[t]
        s0 = src[rows[t]]
        w1 = weights[t + 1]
        s1 = src[rows[t + 1]]
        w2 = weights[t + 2]
        s2 = src[rows[t + 2]]
        w3 = weights[t + 3]
        s3 = src[rows[t + 3]]
        for i in range(n):
            dst[i] = dst[i] + w0 * s0[i] + w1 * s1[i] + w2 * s2[i] + w3 * s3[i]
        t += 4
    while t < taps:
        w0 = weights[t]
        s0 = src[rows[t]]
        for i in range(n):
            dst[i] = dst[i] + w0 * s0[i]
        t += 1


# Elements blended between two rounds of prefetches in :func:`_blend_ahead` (a literal
# trip count: LLVM vectorises the block's loop without a remainder).
_AHEAD_BLOCK = 256


@numba.njit(inline="always")
def _blend_ahead(src, rows, weights, dst, ahead):  # pragma: no cover - compiled
    """:func:`_blend` (same operations, same bits); for two taps, block by block, it first
    asks the CPU for the same columns of the rows ``ahead`` names (the next output row's).

    A downscale's output row reads input rows the previous one did not (÷4: rows ``4o + 1``
    and ``4o + 2``), so the hardware prefetcher starts each row cold; fetching the next row's
    lines while this one is blended keeps the memory busy.  One-off probe on harness case D
    (H-first kernel alone, 10 alternating rounds): 1.16 -> 1.03 ms on one thread,
    0.90 -> 0.78 ms on two (docs/performance.md).  Other tap counts keep the plain blend.
    """
    if rows.shape[0] != 2:  # ``ahead`` is another row of the same plan: as many taps
        _blend(src, rows, weights, dst)
        return
    n = dst.shape[0]
    line = max(1, 64 // dst.itemsize)
    w0 = weights[0]
    w1 = weights[1]
    s0 = src[rows[0]]
    s1 = src[rows[1]]
    a0 = src[ahead[0]]
    a1 = src[ahead[1]]
    full = n - n % _AHEAD_BLOCK
    for lo in range(0, full, _AHEAD_BLOCK):
        for e in range(lo, lo + _AHEAD_BLOCK, line):
            prefetch(a0, e)
            prefetch(a1, e)
        for i in range(lo, lo + _AHEAD_BLOCK):
            dst[i] = w0 * s0[i] + w1 * s1[i]
    for i in range(full, n):
        dst[i] = w0 * s0[i] + w1 * s1[i]


@numba.njit(inline="always")
def _pixels(src, pixel_index, pixel_weight, dst, q):  # pragma: no cover - compiled
    """The small-channel W pass for a constant ``q`` (inlined with a literal: the channel
    loop unrolls); 1, 2 and 4 taps in one pass, others tap by tap."""
    tw, w_out = pixel_index.shape
    if tw == 1:
        for j in range(w_out):
            a = pixel_index[0, j]
            u = pixel_weight[0, j]
            for k in range(q):
                dst[q * j + k] = u * src[a + k]
    elif tw == 2:
        i0 = pixel_index[0]
        i1 = pixel_index[1]
        w0 = pixel_weight[0]
        w1 = pixel_weight[1]
        for j in range(w_out):
            a = i0[j]
            b = i1[j]
            u0 = w0[j]
            u1 = w1[j]
            for k in range(q):
                dst[q * j + k] = u0 * src[a + k] + u1 * src[b + k]
    elif tw == 4:
        for j in range(w_out):
            a = pixel_index[0, j]
            b = pixel_index[1, j]
            c = pixel_index[2, j]
            e = pixel_index[3, j]
            u0 = pixel_weight[0, j]
            u1 = pixel_weight[1, j]
            u2 = pixel_weight[2, j]
            u3 = pixel_weight[3, j]
            for k in range(q):
                dst[q * j + k] = u0 * src[a + k] + u1 * src[b + k] + u2 * src[c + k] + u3 * src[e + k]
    else:  # antialiased and area filters: many taps, each pixel's sums kept in registers
        for j in range(w_out):
            a = pixel_index[0, j]
            u = pixel_weight[0, j]
            c0 = u * src[a]
            c1 = u * src[a + 1]
            c2 = u * src[a + 2] if q > 2 else c0
            c3 = u * src[a + 3] if q > 3 else c0
            for t in range(1, tw):
                a = pixel_index[t, j]
                u = pixel_weight[t, j]
                c0 = c0 + u * src[a]
                c1 = c1 + u * src[a + 1]
                if q > 2:
                    c2 = c2 + u * src[a + 2]
                if q > 3:
                    c3 = c3 + u * src[a + 3]
            dst[q * j] = c0
            dst[q * j + 1] = c1
            if q > 2:
                dst[q * j + 2] = c2
            if q > 3:
                dst[q * j + 3] = c3


@numba.njit(inline="always")
def _resize_row_small(src, q, pixel_index, pixel_weight, dst):  # pragma: no cover - compiled
    """The W pass for 2-4 channels: one pixel at a time, its channels unrolled.

    ``pixel_index[u, j]`` is ``iw[j, u]·q`` (unsigned), ``pixel_weight[u, j]`` is ``ww[j, u]``.
    Same products and sums, in the same order, as the element-wise gather, and 1.4-2x
    faster at 3 channels than LLVM's vectorised gather on this machine.
    """
    if q == 2:
        _pixels(src, pixel_index, pixel_weight, dst, 2)
    elif q == 3:
        _pixels(src, pixel_index, pixel_weight, dst, 3)
    else:
        _pixels(src, pixel_index, pixel_weight, dst, 4)


@numba.njit(inline="always")
def _resize_row(src, iw, ww, q, flat_index, flat_weight, dst):  # pragma: no cover - compiled
    """dst[j·q + k] = Σ_u ww[j, u] · src[iw[j, u]·q + k], tap by tap in order (flat rows)."""
    w_out, tw = iw.shape
    if q >= _PIXEL_LOOP_MIN_CHANNELS:
        s2 = src.reshape((src.shape[0] // q, q))
        d2 = dst.reshape((w_out, q))
        for j in range(w_out):
            w0 = ww[j, 0]
            i0 = iw[j, 0]
            if tw == 2:
                w1 = ww[j, 1]
                i1 = iw[j, 1]
                for k in range(q):
                    d2[j, k] = w0 * s2[i0, k] + w1 * s2[i1, k]
            elif tw == 4:
                w1 = ww[j, 1]
                i1 = iw[j, 1]
                w2 = ww[j, 2]
                i2 = iw[j, 2]
                w3 = ww[j, 3]
                i3 = iw[j, 3]
                for k in range(q):
                    d2[j, k] = w0 * s2[i0, k] + w1 * s2[i1, k] + w2 * s2[i2, k] + w3 * s2[i3, k]
            else:
                for k in range(q):
                    d2[j, k] = w0 * s2[i0, k]
                for u in range(1, tw):
                    w = ww[j, u]
                    i = iw[j, u]
                    for k in range(q):
                        d2[j, k] = d2[j, k] + w * s2[i, k]
    elif 2 <= q <= _PIXEL_UNROLL_MAX:
        _resize_row_small(src, q, flat_index, flat_weight, dst)
    else:
        # flat_index / flat_weight are (taps, W_out·q): unsigned indices (no negative-index
        # wraparound) and one contiguous array per tap let LLVM vectorise the gather.
        n = dst.shape[0]
        if tw == 2:
            i0 = flat_index[0]
            i1 = flat_index[1]
            w0 = flat_weight[0]
            w1 = flat_weight[1]
            for e in range(n):
                dst[e] = w0[e] * src[i0[e]] + w1[e] * src[i1[e]]
        elif tw == 4:  # cubic: the four taps in one pass, same order of roundings
            i0 = flat_index[0]
            i1 = flat_index[1]
            i2 = flat_index[2]
            i3 = flat_index[3]
            w0 = flat_weight[0]
            w1 = flat_weight[1]
            w2 = flat_weight[2]
            w3 = flat_weight[3]
            for e in range(n):
                dst[e] = w0[e] * src[i0[e]] + w1[e] * src[i1[e]] + w2[e] * src[i2[e]] + w3[e] * src[i3[e]]
        else:
            i0 = flat_index[0]
            w0 = flat_weight[0]
            for e in range(n):
                dst[e] = w0[e] * src[i0[e]]
            for u in range(1, tw):
                iu = flat_index[u]
                wu = flat_weight[u]
                for e in range(n):
                    dst[e] = dst[e] + wu[e] * src[iu[e]]


@numba.njit(inline="always")
def _store_row(src, dst, lo, hi, rounding):  # pragma: no cover - compiled
    """Cast a finished row of work-dtype values into the output (``cast_output``'s rule:
    integer outputs round half to even and saturate)."""
    if rounding:
        for e in range(dst.shape[0]):
            v = np.rint(src[e])
            if v < lo:
                v = lo
            elif v > hi:
                v = hi
            dst[e] = v
    else:
        for e in range(dst.shape[0]):
            dst[e] = src[e]


@numba.njit(cache=True, nogil=True)
def fused_h_first(x, ih, wh, iw, ww, q, flat_index, flat_weight, out, lo, hi, rounding, direct, stream, r0, r1):  # pragma: no cover
    """H then W for output rows ``r0:r1`` of ``(P·Hout)``.

    x (P, Hin, Win·Q) any real dtype; wh/ww in the work dtype; out (P, Hout, Wout·Q).
    ``stream`` (non-temporal output stores) is used by :func:`fused_w_first` only.
    """
    h_out, th = ih.shape
    tmp = np.empty(x.shape[2], dtype=wh.dtype)
    row = np.empty(out.shape[2], dtype=wh.dtype)
    last_b = -1
    last_o = -1
    for r in range(r0, r1):
        b = r // h_out
        o = r - b * h_out
        # A row with the same taps and weights as the previous one (nearest upscales) is the
        # same computation: copy the finished row.
        same = last_b == b
        if same:
            for t in range(th):
                if ih[o, t] != ih[last_o, t] or wh[o, t] != wh[last_o, t]:
                    same = False
                    break
        if same:
            src = out[b, last_o]
            dst = out[b, o]
            for e in range(dst.shape[0]):
                dst[e] = src[e]
            last_o = o
            continue
        _blend_ahead(x[b], ih[o], wh[o], tmp, ih[min(o + 1, h_out - 1)])
        last_b = b
        last_o = o
        if direct:
            _resize_row(tmp, iw, ww, q, flat_index, flat_weight, out[b, o])
        else:
            _resize_row(tmp, iw, ww, q, flat_index, flat_weight, row)
            _store_row(row, out[b, o], lo, hi, rounding)


@numba.njit(inline="always")
def _sparse_row(xb, rows, wh_o, iw, ww, q, dst):  # pragma: no cover - compiled
    """One H-first output row, blending the input rows only at the columns the W taps read.

    The per-axis path's ``tmp[c] = Σ_t wh[o, t]·x[row_t, c]`` then ``Σ_u ww[j, u]·tmp[...]``,
    the same operations in the same order, for the columns that reach the output (a column
    two pixels read is blended twice, identically).  Chosen when ``W_out·taps_w < W_in``.
    """
    th = rows.shape[0]
    w_out, tw = iw.shape
    if th == 2 and tw == 2:
        s0 = xb[rows[0]]
        s1 = xb[rows[1]]
        a0 = wh_o[0]
        a1 = wh_o[1]
        for j in range(w_out):
            # unsigned offsets: no negative-index wraparound test on every load
            c0 = np.uint64(iw[j, 0] * q)
            c1 = np.uint64(iw[j, 1] * q)
            u0 = ww[j, 0]
            u1 = ww[j, 1]
            for k in range(q):
                kk = np.uint64(k)
                v0 = a0 * s0[c0 + kk] + a1 * s1[c0 + kk]
                v1 = a0 * s0[c1 + kk] + a1 * s1[c1 + kk]
                dst[j * q + k] = u0 * v0 + u1 * v1
        return
    s0 = xb[rows[0]]
    a0 = wh_o[0]
    for j in range(w_out):
        for k in range(q):
            c = iw[j, 0] * q + k
            v = a0 * s0[c]
            for t in range(1, th):
                v = v + wh_o[t] * xb[rows[t], c]
            acc = ww[j, 0] * v
            for u in range(1, tw):
                c = iw[j, u] * q + k
                v = a0 * s0[c]
                for t in range(1, th):
                    v = v + wh_o[t] * xb[rows[t], c]
                acc = acc + ww[j, u] * v
            dst[j * q + k] = acc


@numba.njit(cache=True, nogil=True)
def fused_h_first_sparse(x, ih, wh, iw, ww, q, flat_index, flat_weight, out, lo, hi, rounding, direct, stream, r0, r1):  # pragma: no cover
    """H then W for a W axis that shrinks (:func:`_sparse_row`); contract of :func:`fused_h_first`."""
    h_out = ih.shape[0]
    row = np.empty(out.shape[2], dtype=wh.dtype)
    for r in range(r0, r1):
        b = r // h_out
        o = r - b * h_out
        dst = out[b, o]
        if direct:
            _sparse_row(x[b], ih[o], wh[o], iw, ww, q, dst)
        else:
            _sparse_row(x[b], ih[o], wh[o], iw, ww, q, row)
            _store_row(row, dst, lo, hi, rounding)


@numba.njit(inline="always")
def _new_row_cache(taps, n, like):  # pragma: no cover - compiled
    """An empty W-first row cache: ``taps + 1`` rows of ``n`` values (``like``'s dtype), their
    keys (input row, -1 = empty), use stamps, and the slots of the current output row's taps."""
    slots = taps + 1
    cache = np.empty((slots, n), dtype=like.dtype)
    keys = np.full(slots, -1, dtype=np.int64)
    stamps = np.zeros(slots, dtype=np.int64)
    which = np.empty(taps, dtype=np.int64)
    return cache, keys, stamps, which


@numba.njit(inline="always")
def _cache_slot(keys, stamps, key, clock):  # pragma: no cover - compiled
    """The row cache's slot for ``key`` (an input row), stamped ``clock``: ``slot`` on a hit,
    ``-slot - 1`` on a miss, the least recently used slot (now keyed ``key``; the caller
    fills it).  A slot the current output row already uses has ``stamps == clock``, so with
    more slots than taps it is never evicted."""
    slots = keys.shape[0]
    for s in range(slots):
        if keys[s] == key:
            stamps[s] = clock
            return s
    slot = 0
    for s in range(1, slots):
        if stamps[s] < stamps[slot]:
            slot = s
    keys[slot] = key
    stamps[slot] = clock
    return -slot - 1


@numba.njit(cache=True, nogil=True)
def fused_w_first(x, ih, wh, iw, ww, q, flat_index, flat_weight, out, lo, hi, rounding, direct, stream, r0, r1):  # pragma: no cover
    """W then H for output rows ``r0:r1``: same contract as :func:`fused_h_first`.

    Each input row the rows need is resized along W once into a small cache (``taps + 1``
    rows, least recently used evicted, never one the current row reads), then the output row
    blends the cached rows -- OpenCV's row-cache scheme, with the per-axis path's arithmetic.
    """
    h_out, th = ih.shape
    h_in = x.shape[1]
    n = out.shape[2]
    cache, keys, stamps, which = _new_row_cache(th, n, ww)
    acc = np.empty(n, dtype=ww.dtype)
    clock = 0
    for r in range(r0, r1):
        b = r // h_out
        o = r - b * h_out
        clock += 1
        for t in range(th):
            slot = _cache_slot(keys, stamps, b * h_in + ih[o, t], clock)
            if slot < 0:
                slot = -slot - 1
                _resize_row(x[b, ih[o, t]], iw, ww, q, flat_index, flat_weight, cache[slot])
            which[t] = slot
        if direct:
            blend_into(cache, which, wh[o], out[b, o], stream)
        else:
            _blend(cache, which, wh[o], acc)
            _store_row(acc, out[b, o], lo, hi, rounding)
    if stream:
        store_fence()


@numba.njit(inline="always")
def _gather_row(row, cols, q, dst):  # pragma: no cover - compiled
    """``dst`` from ``row``: element by element (``q == 1``: ``dst[e] = row[cols[e]]``), or
    pixel by pixel (``dst[j·q + k] = row[cols[j] + k]``, a contiguous run of ``q`` channels)."""
    if q == 1:
        for e in range(dst.shape[0]):
            dst[e] = row[cols[e]]
        return
    for j in range(cols.shape[0]):
        s = cols[j]
        d = j * q
        for k in range(q):
            dst[d + k] = row[s + k]


@numba.njit(cache=True, nogil=True)
def copy_rows(x, ih, cols, q, out, stream, r0, r1):  # pragma: no cover - compiled
    """Nearest neighbour (one tap of weight 1 on both axes) for output rows ``r0:r1``.

    x (P, Hin, Win·Q) and out (P, Hout, Wout·Q), C-ordered, of one unsigned integer dtype
    (the caller views the data as raw bits of its width); ih (Hout,) input rows.  ``q == 1``:
    cols (Wout·Q,) unsigned element indices ``iw·Q + k``; ``q == Q`` (many channels): cols
    (Wout,) each pixel's first element ``iw·Q``, and its ``Q`` channels are copied as a run
    (no element gather: 1.6x faster for 21 channels).  ``out[b, o, j·Q + k] = x[b, ih[o],
    iw[j]·Q + k]``.  An output row reading the same input row as the previous one is a
    copy of it: an upscale by 8 gathers one row in 8 and copies the others from cache.
    ``stream``: gather into a row buffer and write every output row with streaming stores.
    """
    h_out = ih.shape[0]
    n = out.shape[2]
    buf = np.empty(n if stream else 0, dtype=out.dtype)
    last_b = -1
    last_o = -1
    for r in range(r0, r1):
        b = r // h_out
        o = r - b * h_out
        dst = out[b, o]
        if b == last_b and ih[o] == ih[last_o]:
            if stream:
                copy_row_stream(buf, dst)
            else:
                src = out[b, last_o]
                for e in range(n):
                    dst[e] = src[e]
            continue
        row = x[b, ih[o]]
        if stream:
            _gather_row(row, cols, q, buf)
            copy_row_stream(buf, dst)
        else:
            _gather_row(row, cols, q, dst)
        last_b = b
        last_o = o
    if stream:
        store_fence()


# Integer outputs the fused loop rounds and saturates itself (wider ones take the per-axis path,
# whose float64 -> int64 clip is not exact at the top of the range).
_INT_OUT = frozenset(np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32))
_FLOAT = frozenset(np.dtype(t) for t in (np.float32, np.float64))


def _flat_taps(iw: np.ndarray, ww: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """The W taps the small-channel loops read, unsigned (no negative-index wraparound).

    ``2 <= q <= 4``: per pixel, ``(taps, W_out)`` indices ``iw·q`` and weights.  ``q == 1`` and
    ``5 <= q < 8``: per element, ``(taps, W_out·q)``.  ``q >= 8``: unused placeholders.
    """
    if q >= _PIXEL_LOOP_MIN_CHANNELS:
        return np.zeros((1, 1), dtype=np.uint32), np.zeros((1, 1), dtype=ww.dtype)  # unused
    if 2 <= q <= _PIXEL_UNROLL_MAX:
        index = iw.T * q
        itype = np.uint32 if index.size == 0 or index.max() + q < 2**32 else np.uint64
        return np.ascontiguousarray(index, dtype=itype), np.ascontiguousarray(ww.T)
    index = (iw.T[:, :, None] * q + np.arange(q)).reshape(iw.shape[1], -1)
    itype = np.uint32 if index.size == 0 or index.max() < 2**32 else np.uint64
    return np.ascontiguousarray(index, dtype=itype), np.ascontiguousarray(np.repeat(ww.T, q, axis=1))


# (id(plan_h), id(plan_w), *key) -> (plan_h, plan_w, value): the kernel-ready taps of
# recently used plans (:func:`_for_plans`).
_PREPARED: dict[tuple, tuple] = {}
_PREPARED_MAX = 64
# Bytes of the arrays held in _PREPARED; with its entries, at most options(plan_cache_bytes=...).
_prepared_bytes = 0

# Outputs from this many bytes on are written with streaming (non-temporal) stores, by the
# W-first kernels and the nearest copy; ``None``: :func:`stream_min_bytes` derives it from the
# cache.  A number overrides it (the harness's ``--ab`` and the tests set one).
STREAM_MIN_BYTES: int | None = None
# Nearest neighbour copies bits (copy_rows) when the output has the input's dtype; False: it
# blends with weight 1 like the other modes (a switch for the harness's --ab, since which is
# faster has depended on the host, and for tests of the blend kernels' one-tap plans).
NEAREST_COPY = True
# The derived threshold is at most this: see stream_min_bytes.
_STREAM_CAP_BYTES = 64 * 2**20
_stream_auto_bytes: int | None = None


def stream_min_bytes() -> int:
    """The output size from which the kernels write with streaming stores.

    A streaming store skips reading each output line before writing it (numba_stream), but
    sends the output to memory; an output that fits the last-level cache and is written
    again and again (or read next) is faster with ordinary stores.  So: the last-level cache's
    size from ``/sys`` (32 MiB when it lists none), capped at 64 MiB, because a guest gets only
    part of a large server L3 (Linux listed 480 MiB on session 9's Intel host, where a nearest
    copy of 84 MiB was faster with ordinary stores and one of 128 MiB 2x slower; measured with
    ``benchmarks/kernel_probe.py`` and the harness's ``--ab``, docs/performance.md).
    :data:`STREAM_MIN_BYTES` overrides it.
    """
    global _stream_auto_bytes
    if STREAM_MIN_BYTES is not None:
        return STREAM_MIN_BYTES
    if _stream_auto_bytes is None:
        _stream_auto_bytes = min(_last_level_cache_bytes() or 32 * 2**20, _STREAM_CAP_BYTES)
    return _stream_auto_bytes


def _streamable_rows(out3: np.ndarray) -> bool:
    """Whether streaming stores pay on these output rows: rows of 16 KiB or more.  On 2 KiB
    rows (21 NCHW planes of 512 columns) the W-first kernel took 3.5x longer with streaming
    stores than with ordinary ones on one thread (a one-off probe), though a bare blend loop over the same rows
    did not slow down; we have not found why, so short rows keep ordinary stores."""
    return out3.shape[2] * out3.itemsize >= 16384


def _for_plans(plan_h, plan_w, key: tuple, build: Callable[[], Any]) -> Any:
    """``build()``, cached per plan pair and ``key`` in :data:`_PREPARED` (plans are cached, so
    repeated calls hit; the plans kept in the entry keep their ids from being reused)."""
    full_key = (id(plan_h), id(plan_w), *key)
    hit = _PREPARED.get(full_key)
    if hit is not None and hit[0] is plan_h and hit[1] is plan_w:
        return hit[2]
    global _prepared_bytes
    value = build()
    from upsampling.plan import _nbytes

    size = _nbytes(value)
    limit = _options.get("plan_cache_bytes", 0)
    if size > limit:  # larger than the whole budget: used once, not kept
        return value
    if len(_PREPARED) >= _PREPARED_MAX or _prepared_bytes + size > limit:
        _PREPARED.clear()
        _prepared_bytes = 0
    _PREPARED[full_key] = (plan_h, plan_w, value)
    _prepared_bytes += size
    return value


def trim_prepared() -> None:
    """Empty :data:`_PREPARED` if it holds more than ``options(plan_cache_bytes=...)``."""
    global _prepared_bytes
    if _prepared_bytes > _options.get("plan_cache_bytes", 0):
        _PREPARED.clear()
        _prepared_bytes = 0


def _prepared(plan_h, plan_w, work: np.dtype, q: int) -> tuple:
    """``ih, wh, iw, ww, flat_index, flat_weight, period, period_weights``: C-ordered indices,
    weights in ``work``, and the W plan's periodic run (:mod:`.numba_periodic`) with its
    weights as a tuple of ``work`` scalars (``None, None`` when it has none)."""

    def build() -> tuple:
        from upsampling.kernels.numba_periodic import MAX_CHANNELS

        wh = np.ascontiguousarray(plan_h.weight.astype(work))
        ww = np.ascontiguousarray(plan_w.weight.astype(work))
        ih = np.ascontiguousarray(plan_h.index)
        iw = np.ascontiguousarray(plan_w.index)
        flat_index, flat_weight = _flat_taps(iw, ww, q)
        periodic = 1 <= q <= MAX_CHANNELS and plan_w.n_out >= plan_w.n_in
        period, period_weights = _period_and_weights(iw, ww, work) if periodic else (None, None)
        return (ih, wh, iw, ww, flat_index, flat_weight, period, period_weights)

    return _for_plans(plan_h, plan_w, (work.str, q), build)


def _h_first_period(plan_h, plan_w, work: np.dtype, q: int, iw: np.ndarray, ww: np.ndarray) -> tuple:
    """``(period, weights)`` of a shrinking W plan for the periodic H-first kernel (as
    :func:`_prepared` gives them for growing plans), ``(None, None)`` without one.  Cached like
    :func:`_prepared`."""
    return _for_plans(plan_h, plan_w, ("h-period", work.str, q), lambda: _period_and_weights(iw, ww, work))


def _period_and_weights(iw: np.ndarray, ww: np.ndarray, work: np.dtype) -> tuple:
    """The W plan's periodic run (:func:`.numba_periodic.find_period`) and its weights as a
    tuple of ``work`` scalars (the periodic kernels take them as compile-time constants), or
    ``(None, None)`` when the plan has none."""
    from upsampling.kernels.numba_periodic import find_period

    period = find_period(iw, ww)
    return (None, None) if period is None else (period, tuple(work.type(v) for v in period.weights))


def _last_level_cache_bytes() -> int:
    """The largest cache Linux lists for CPU 0 (``/sys/.../cache/index*/size``, e.g.
    ``32768K``), or 0 when it lists none (other systems, some containers)."""
    best = 0
    for entry in glob.glob("/sys/devices/system/cpu/cpu0/cache/index*/size"):
        try:
            with open(entry) as f:
                text = f.read().strip()
        except OSError:
            continue
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
        digits = text[:-1] if scale != 1 else text
        if digits.isdigit():
            best = max(best, int(digits) * scale)
    return best


# Unsigned integers of each width: :func:`copy_rows` moves raw bits.
_BITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _copy_taps(plan_h, plan_w, q: int) -> tuple[np.ndarray, np.ndarray, int] | None:
    """``(ih, cols, run)`` for :func:`copy_rows` (``run``: its ``q`` argument) when both plans
    are one tap of weight exactly 1 (nearest neighbour), else ``None``.  From
    :data:`_PIXEL_LOOP_MIN_CHANNELS` channels on, each pixel's channels are copied as a run;
    below, element by element.  Cached like :func:`_prepared`."""

    def build() -> tuple[np.ndarray, np.ndarray, int] | None:
        if plan_h.taps != 1 or plan_w.taps != 1 or not (np.all(plan_h.weight == 1) and np.all(plan_w.weight == 1)):
            return None
        ih = np.ascontiguousarray(plan_h.index[:, 0], dtype=np.intp)
        start = plan_w.index[:, 0].astype(np.int64) * q
        if q >= _PIXEL_LOOP_MIN_CHANNELS:
            cols, run = start, q
        else:
            cols, run = (start[:, None] + np.arange(q)).reshape(-1), 1
        itype = np.uint32 if cols.size == 0 or cols.max() + run <= 2**32 else np.uint64
        return ih, np.ascontiguousarray(cols, dtype=itype), run

    return _for_plans(plan_h, plan_w, ("copy", q), build)


def supports(x_dtype: np.dtype, work: np.dtype, out_dtype: np.dtype) -> bool:
    """Whether :func:`apply_two_axes` handles this combination (float16 and bool do not)."""
    x_ok = x_dtype in _FLOAT or x_dtype in _INT_OUT or x_dtype in (np.dtype(np.int64), np.dtype(np.uint64))
    return x_ok and work in _FLOAT and (out_dtype in _FLOAT or out_dtype in _INT_OUT)


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
    # Flat rows (W·Q): a view for C-ordered data and most views, a copy otherwise.
    x3 = x.reshape(p, shape[axis], shape[axis + 1] * q)
    if not x3.flags.c_contiguous:  # the kernels take C-ordered rows (one copy of the input)
        x3 = np.ascontiguousarray(x3)
    out3 = out.reshape(p, plan_h.n_out, plan_w.n_out * q)
    if NEAREST_COPY and x.dtype == out.dtype:
        # Nearest neighbour: every output is ``1·x``, which is ``x`` in the work dtype (float32
        # and float64 exactly, integers up to 32 bits exactly in float64), so copying the bits
        # gives the blend's result without its arithmetic.  Also for periodic W plans (1-4
        # channels, integer upscales): on session 9's host the copy took 0.69-0.96x the periodic
        # blend's time (docs/performance.md, *Measured*, session 9); session 6's host favoured
        # the blend for B-nearest.
        copy = _copy_taps(plan_h, plan_w, q)
        if copy is not None:
            bits = _BITS[x.dtype.itemsize]
            xb, ob, (ih0, cols, run) = x3.view(bits), out3.view(bits), copy
            stream = out.nbytes >= stream_min_bytes()
            run_rows(lambda r0, r1: copy_rows(xb, ih0, cols, run, ob, stream, r0, r1), p * plan_h.n_out, out3.shape[2])
            return
    ih, wh, iw, ww, flat_index, flat_weight, period, period_weights = _prepared(plan_h, plan_w, work, q)
    rounding = out.dtype.kind in "iu"
    if rounding:
        info = np.iinfo(out.dtype)
        lo, hi = float(info.min), float(info.max)
    else:
        lo = hi = 0.0
    if not h_first:
        kernel = fused_w_first
    elif plan_w.n_out * plan_w.taps < shape[axis + 1] and q >= _PIXEL_LOOP_MIN_CHANNELS:
        # Blending whole input rows would compute unread columns; skipping them pays off only
        # when each column is a vectorised run of channels (logits).  With 1-4 channels the
        # vectorised whole-row blend is faster (benchmarks/kernel_probe.py --downscale).
        kernel = fused_h_first_sparse
    else:
        kernel = fused_h_first
    rows = p * plan_h.n_out
    # Work per output row, in multiply-adds (the blend of input rows plus the row itself).
    row_cost = q * (plan_h.taps * shape[axis + 1] + plan_w.taps * plan_w.n_out)
    # Rows are summed straight into the output only when it has the work dtype; otherwise
    # in a work-dtype row buffer, cast once (as the per-axis path casts its result).
    direct = out.dtype == work
    stream = direct and out.nbytes >= stream_min_bytes() and _streamable_rows(out3)
    args = (x3, ih, wh, iw, ww, q, flat_index, flat_weight, out3, lo, hi, rounding, direct, stream)
    if period is not None and not h_first:  # the W-first kernel's W pass, compiled for the period
        from upsampling.kernels import numba_periodic

        special_args = (x3, ih, wh, iw, ww, out3, lo, hi, rounding, direct, stream, period.j_lo, period.blocks, period.base, period_weights)
        planar = numba_periodic.planar(period, q, plan_w.taps, x3.dtype == work)
        special = numba_periodic.kernel(q, period, plan_w.taps, special_args, rows * row_cost, planar=planar)
        if special is not None:
            kernel, args = special, special_args
    elif kernel is fused_h_first and q <= _PIXEL_UNROLL_MAX:  # its W pass, compiled for the period
        period, period_weights = _h_first_period(plan_h, plan_w, work, q, iw, ww)
        if period is not None:
            from upsampling.kernels import numba_periodic

            special_args = (x3, ih, wh, iw, ww, out3, lo, hi, rounding, direct, period.j_lo, period.blocks, period.base, period_weights)
            wide = numba_periodic.widen(period, q, plan_w.taps)
            special = numba_periodic.kernel(q, period, plan_w.taps, special_args, rows * row_cost, wide=wide)
            if special is not None:
                kernel, args = special, special_args
    run_rows(lambda r0, r1: kernel(*args, r0, r1), rows, row_cost)


@numba.njit(inline="always")
def _argmax_strided(scores, start, step, count):  # pragma: no cover - compiled
    """np.argmax of scores[start + c·step] for c < count: first maximum, a NaN wins (the first)."""
    best = scores[start]
    arg = 0
    if best != best:
        return 0
    for c in range(1, count):
        v = scores[start + c * step]
        if v != v:
            return c
        if v > best:
            best = v
            arg = c
    return arg


@numba.njit(cache=True, nogil=True)
def argmax_h_first(x, ih, wh, iw, ww, q, flat_index, flat_weight, classes_first, n_classes, labels, r0, r1):  # pragma: no cover
    """Labels of output rows ``r0:r1`` of ``(N·Hout)``: argmax over classes of the H-then-W resize.

    ``x`` is ``(N·C, Hin, Win)`` when ``classes_first``, else ``(N, Hin, Win·C)``; ``q == C``.
    The scores are those of :func:`fused_h_first` (work dtype == input dtype).
    ``labels`` is ``(N, Hout, Wout)``.
    """
    h_out, th = ih.shape
    w_out = iw.shape[0]
    w_in = x.shape[2] if not classes_first else x.shape[2] * n_classes
    tmp = np.empty(w_in, dtype=wh.dtype)
    scores = np.empty(w_out * n_classes, dtype=wh.dtype)
    for r in range(r0, r1):
        n = r // h_out
        o = r - n * h_out
        dst = labels[n, o]
        if classes_first:
            # Blend each class plane's rows into a pixel-major buffer (W_in, C): the same
            # products and sums as the per-class blend, laid out for the channel loop below.
            win = x.shape[2]
            for c in range(n_classes):
                b = n * n_classes + c
                w0 = wh[o, 0]
                s0 = x[b, ih[o, 0]]
                for i in range(win):
                    tmp[i * n_classes + c] = w0 * s0[i]
                for t in range(1, th):
                    w = wh[o, t]
                    st = x[b, ih[o, t]]
                    for i in range(win):
                        tmp[i * n_classes + c] = tmp[i * n_classes + c] + w * st[i]
        else:
            _blend(x[n], ih[o], wh[o], tmp)
        _resize_row(tmp, iw, ww, q, flat_index, flat_weight, scores)
        for j in range(w_out):
            dst[j] = _argmax_strided(scores, j * n_classes, 1, n_classes)


@numba.njit(cache=True, nogil=True)
def argmax_w_first(x, ih, wh, iw, ww, q, flat_index, flat_weight, classes_first, n_classes, labels, r0, r1):  # pragma: no cover
    """Labels of output rows ``r0:r1``: argmax over classes of the W-then-H resize.

    Same contract as :func:`argmax_h_first`.  Each input row is resized along W once, for all
    classes, into a pixel-major ``(W_out, C)`` row of the cache (as :func:`fused_w_first`);
    an output row blends the cached rows and takes each pixel's argmax.
    """
    h_out, th = ih.shape
    h_in = x.shape[1]
    w_out = iw.shape[0]
    tw = iw.shape[1]
    n = w_out * n_classes
    cache, keys, stamps, which = _new_row_cache(th, n, ww)
    scores = np.empty(n, dtype=ww.dtype)
    clock = 0
    for r in range(r0, r1):
        b = r // h_out
        o = r - b * h_out
        clock += 1
        for t in range(th):
            row = ih[o, t]
            slot = _cache_slot(keys, stamps, b * h_in + row, clock)
            if slot < 0:
                slot = -slot - 1
                dst = cache[slot]
                if classes_first:
                    # each class plane's row, resized along W (q = 1), stored pixel-major
                    for c in range(n_classes):
                        src = x[b * n_classes + c, row]
                        for j in range(w_out):
                            acc = ww[j, 0] * src[iw[j, 0]]
                            if tw == 2:
                                acc = acc + ww[j, 1] * src[iw[j, 1]]
                            else:
                                for u in range(1, tw):
                                    acc = acc + ww[j, u] * src[iw[j, u]]
                            dst[j * n_classes + c] = acc
                else:
                    _resize_row(x[b, row], iw, ww, q, flat_index, flat_weight, dst)
            which[t] = slot
        _blend(cache, which, wh[o], scores)
        out = labels[b, o]
        for j in range(w_out):
            out[j] = _argmax_strided(scores, j * n_classes, 1, n_classes)


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
    q = n_classes  # the scores of a row are pixel-major (W_out, C) in both layouts
    if classes_first:
        x3 = x.reshape(batch * n_classes, shape[axis], shape[axis + 1])
    else:
        x3 = x.reshape(batch, shape[axis], shape[axis + 1] * q)
    if not x3.flags.c_contiguous:
        x3 = np.ascontiguousarray(x3)
    labels3 = labels.reshape(batch, plan_h.n_out, plan_w.n_out)
    ih, wh, iw, ww, flat_index, flat_weight, _, _ = _prepared(plan_h, plan_w, work, q)
    rows = batch * plan_h.n_out
    row_cost = n_classes * (plan_h.taps * shape[axis + 1] + (plan_w.taps + 1) * plan_w.n_out)
    args = (x3, ih, wh, iw, ww, q, flat_index, flat_weight, classes_first, n_classes, labels3)
    kernel = argmax_h_first if h_first else argmax_w_first
    run_rows(lambda r0, r1: kernel(*args, r0, r1), rows, row_cost)
