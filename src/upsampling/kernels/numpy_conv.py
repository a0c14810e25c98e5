"""Fast NumPy paths of the N-D convolution pair: one GEMM plus one strided slice per kernel tap.

Both functions take arguments already validated by :mod:`upsampling.conv_transpose`, in its
canonical layout (channels first, weight ``[C_in, C_out/groups, *k]`` for the transposed
convolution and ``[C_out, C_in/groups, *k]`` for the forward one), and never build the
zero-inserted input of the textbook: the transposed convolution multiplies every input
element by the whole kernel at once (a GEMM) and adds each kernel tap's plane into the
output with one strided slice ("col2im"); the forward convolution gathers one strided slice
per tap ("im2col") and multiplies once.

``out[o] += x[i] * w[j]`` where ``o = i·s + j·d - pads_begin``: for each tap ``j`` the input
indices ``i`` that land inside ``[0, out)`` form one contiguous run, written with step ``s``.

The 2-D transposed convolution without dilation has a faster, output-stationary form
(:func:`conv_transpose2d_blocks`, channels-last): output pixel ``o = b·s + r`` (block ``b``,
phase ``r``) is ``sum_d x[b + c_r - d] · w[j_r + d·s]``, so each run of phases sharing
``(c_r, taps)`` is one GEMM of the shifted input taps (im2col) by the phases' weights, whose
result is copied once into the output blocks: only the useful multiply-adds, no
``k/s``-times-larger intermediate and no scatter-add.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["conv_numpy", "conv_transpose_numpy", "tap_slices"]

# Below this many multiply-adds a 2-D transposed convolution takes one GEMM over every phase
# (zero taps included): the call overhead of one GEMM per phase run would dominate.
_MERGED_MACS = 2_000_000

# Upper bound on the GEMM's intermediate (batch items are processed in chunks below it).
_COLUMN_BYTES = 64 * 2**20
# The same for conv_transpose2d_blocks, whose buffers are read once more right after the GEMM:
# a few MiB keeps them in cache and out of the allocator's fresh (page-faulting) memory --
# 8x32x32x128 -> 64x64x64 k4 s2 takes 14 ms in chunks of 8 MiB, 20 ms in one 27 MiB piece.
_BLOCK_BYTES = 8 * 2**20


def tap_slices(
    n_in: int, n_out: int, tap_offset: int, stride: int
) -> tuple[slice, slice] | None:
    """Input run and output slice of one kernel tap along one axis, or ``None`` if it misses.

    Output index ``o = i·stride + tap_offset`` for input index ``i``; only ``0 <= o < n_out``
    is kept.  Returns ``(input_slice, output_slice)`` of equal length.
    """
    # smallest i >= 0 with i·stride + tap_offset >= 0, and one past the largest with o < n_out
    i_lo = 0 if tap_offset >= 0 else (-tap_offset + stride - 1) // stride
    last = n_out - 1 - tap_offset
    if last < 0:
        return None
    i_hi = min(n_in, last // stride + 1)
    if i_hi <= i_lo:
        return None
    o_lo = i_lo * stride + tap_offset
    step = stride if i_hi - i_lo > 1 else 1  # (a stride beyond the output: one element, any step)
    return slice(i_lo, i_hi), slice(o_lo, o_lo + (i_hi - i_lo - 1) * stride + 1, step)


def _batch_chunk(n: int, per_item_bytes: int) -> int:
    return max(1, min(n, _COLUMN_BYTES // max(1, per_item_bytes)))


def _reached_taps(
    n_from: Sequence[int], n_to: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
    dilations: Sequence[int], pads_begin: Sequence[int],
) -> list[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]]]:
    """Every kernel tap that reaches a position on every axis, with its runs there:
    ``(tap, from_slices, to_slices)`` where ``to[a] = from[a]·s + j·d - pads_begin`` along axis
    ``a`` (:func:`tap_slices`; ``n_from``, ``n_to`` the spatial sizes of both sides)."""
    per_axis = [
        [tap_slices(n_from[a], n_to[a], j * d - pads_begin[a], strides[a]) for j in range(k)]
        for a, (k, d) in enumerate(zip(kernel, dilations))
    ]
    reached = []
    for tap in np.ndindex(*kernel):
        pairs = [per_axis[a][j] for a, j in enumerate(tap)]
        if all(p is not None for p in pairs):
            reached.append((tap, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)))
    return reached


def conv_transpose_numpy(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    pads_begin: Sequence[int],
    out_size: Sequence[int],
    groups: int,
    dtype: np.dtype,
) -> np.ndarray:
    """Transposed convolution, channels first, cropped to ``out_size`` starting at ``pads_begin``.

    x : ``(N, C_in, *in)``; w : ``(C_in, C_out/groups, *k)``; both cast to ``dtype`` (the
    accumulation type).  A negative ``pads_begin`` shifts the result right (zeros first);
    output positions no tap reaches stay zero.  Returns ``(N, C_out, *out_size)`` in ``dtype``.
    """
    n, c_in = x.shape[:2]
    spatial_in = x.shape[2:]
    kernel = w.shape[2:]
    m_g = w.shape[1]
    c_g = c_in // groups
    taps = math.prod(kernel)
    length = math.prod(spatial_in)
    out = np.zeros((n, groups * m_g, *out_size), dtype=dtype)

    reached = _reached_taps(spatial_in, out_size, kernel, strides, dilations, pads_begin)
    # (G, M_g*K, C_g): every (output channel, tap) row of the GEMM.
    wg = w.astype(dtype, copy=False).reshape(groups, c_g, m_g * taps).transpose(0, 2, 1)
    chunk = _batch_chunk(n, groups * m_g * taps * length * np.dtype(dtype).itemsize)
    for start in range(0, n, chunk):
        xb = x[start : start + chunk].astype(dtype, copy=False).reshape(-1, groups, c_g, length)
        cols = np.matmul(wg, xb)  # (n_b, G, M_g*K, L): each input element times the whole kernel
        cols = cols.reshape(xb.shape[0], groups * m_g, *kernel, *spatial_in)
        target = out[start : start + chunk]
        for tap, inputs, outputs in reached:
            target[(slice(None), slice(None), *outputs)] += cols[(slice(None), slice(None), *tap, *inputs)]
    return out


def conv_numpy(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    pads_begin: Sequence[int],
    out_size: Sequence[int],
    groups: int,
    dtype: np.dtype,
) -> np.ndarray:
    """Forward convolution (cross-correlation), channels first; the adjoint of :func:`conv_transpose_numpy`.

    x : ``(N, C_in, *in)``; w : ``(C_out, C_in/groups, *k)``.  ``out[o] = sum x[o·s + j·d - pads_begin]·w[j]``
    over the taps ``j`` whose input index lies inside ``x`` (zero padding).  Returns
    ``(N, C_out, *out_size)`` in ``dtype``.
    """
    n, c_in = x.shape[:2]
    spatial_in = x.shape[2:]
    kernel = w.shape[2:]
    m = w.shape[0]
    c_g = c_in // groups
    m_g = m // groups
    taps = math.prod(kernel)
    length = math.prod(out_size)
    # For output o and tap j the input index is o·s + (j·d - pads_begin): the same runs as the
    # transposed convolution with the roles of input and output swapped.
    reached = _reached_taps(out_size, spatial_in, kernel, strides, dilations, pads_begin)
    wg = w.astype(dtype, copy=False).reshape(groups, m_g, c_g * taps)
    out = np.empty((n, m, *out_size), dtype=dtype)
    chunk = _batch_chunk(n, c_in * taps * length * np.dtype(dtype).itemsize)
    for start in range(0, n, chunk):
        xb = x[start : start + chunk].astype(dtype, copy=False)
        nb = xb.shape[0]
        cols = np.zeros((nb, c_in, *kernel, *out_size), dtype=dtype)  # im2col; zeros = padding
        for tap, outputs, inputs in reached:  # gather input into the output positions
            cols[(slice(None), slice(None), *tap, *outputs)] = xb[(slice(None), slice(None), *inputs)]
        cols = cols.reshape(nb, groups, c_g * taps, length)
        out[start : start + chunk] = np.matmul(wg, cols).reshape(nb, m, *out_size)
    return out


def _phase_segments(k: int, stride: int, pad: int) -> list[tuple[int, int, int, int, int]]:
    """Output phases of one axis grouped into runs that read the same inputs.

    Output ``o = b·s + r`` (block ``b``, phase ``r``) of the full output shifted by ``pad``
    receives ``x[b + c - d] · w[j0 + d·s]`` for ``d = 0 .. taps-1`` where
    ``r + pad = c·s + j0`` (``0 <= j0 < s``) and ``taps = ceil((k - j0) / s)`` (0 when the
    kernel is shorter than the phase offset).  Consecutive phases with the same ``c`` and
    ``taps`` form one run; within it ``j0`` grows by one per phase.  Returns
    ``(r0, r1, c, taps, j0)``: phases ``r0:r1``, whose first phase has first tap ``j0``.
    """
    runs: list[tuple[int, int, int, int, int]] = []
    for r in range(stride):
        c, j0 = divmod(r + pad, stride)
        taps = max(0, -(-(k - j0) // stride))
        if runs and runs[-1][1] == r and runs[-1][2] == c and runs[-1][3] == taps:
            runs[-1] = (runs[-1][0], r + 1, c, taps, runs[-1][4])
        else:
            runs.append((r, r + 1, c, taps, j0))
    return runs


def _im2col(
    x: np.ndarray,
    blocks: tuple[int, int],
    shift: tuple[int, int],
    taps: tuple[int, int],
    buffers: Callable[[str, int, int, np.dtype], np.ndarray] | None = None,
) -> np.ndarray:
    """Input taps of every output block, taps in reverse order so that a window is contiguous.

    ``A[n, by, bx, e_h, e_w, c] = x[n, by + c_h - (D_h-1-e_h), bx + c_w - (D_w-1-e_w), c]``,
    zero outside ``x`` (``e = D-1-d`` for tap ``d`` of :func:`_phase_segments`).  x :
    channels-last ``(N, H, W, C)``.  Returns ``(N·B_h·B_w, D_h·D_w·C)`` (the GEMM's left
    operand); a reshape of ``x`` itself when that is all it is.

    Built from ``x`` zero-padded to ``xp[p] = x[p + c - D + 1]`` (``B + D - 1`` rows and
    columns): row ``(by, bx)``, tap row ``e_h`` is the contiguous run
    ``xp[n, by + e_h, bx : bx + D_w, :]``, so one copy of a window view fills ``A``.
    ``buffers(name, rows, cols, dtype)``, when given, supplies ``xp`` (``"xp"``) and ``A``
    (``"a"``) as 2-D views with unit-stride rows at any row stride (the tiled path's per-thread
    scratch); by default both are fresh C-ordered arrays.
    """
    n, h, wd, c = x.shape
    (bh, bw), (ch, cw), (dh, dw) = blocks, shift, taps
    lo_h, lo_w = ch - dh + 1, cw - dw + 1  # x index of xp[0]
    ph, pw = bh + dh - 1, bw + dw - 1
    if buffers is None:

        def buffers(name: str, rows: int, cols: int, dtype: np.dtype) -> np.ndarray:
            return np.empty((rows, cols), dtype=dtype)

    if (lo_h, lo_w, ph, pw) == (0, 0, h, wd) and x.flags.c_contiguous:
        xp = x
        if (dh, dw) == (1, 1):
            return x.reshape(n * h * wd, c)
    else:
        xp = buffers("xp", n * ph * pw, c, x.dtype).reshape(n, ph, pw, c)
        _pad_into(xp, x, lo_h, lo_w)
    s0, s1, s2, s3 = xp.strides
    # (N, B_h, B_w, D_h, D_w, C) windows of xp; read-only, inside xp by construction
    windows = np.lib.stride_tricks.as_strided(
        xp, (n, bh, bw, dh, dw, c), (s0, s1, s2, s1, s2, s3), writeable=False
    )
    a = buffers("a", n * bh * bw, dh * dw * c, x.dtype)
    np.copyto(a.reshape(n, bh, bw, dh, dw, c), windows)
    return a


def _pad_into(xp: np.ndarray, x: np.ndarray, lo_h: int, lo_w: int) -> None:
    """``xp[:, p, q] = x[:, p + lo_h, q + lo_w]``, zero where that is outside ``x``
    (channels-last; only the border ``x`` does not reach is zeroed)."""
    _, ph, pw, _ = xp.shape
    _, h, wd, _ = x.shape
    y0, y1 = max(0, lo_h), min(h, lo_h + ph)
    x0, x1 = max(0, lo_w), min(wd, lo_w + pw)
    if y1 <= y0 or x1 <= x0:
        xp[...] = 0
        return
    xp[:, y0 - lo_h : y1 - lo_h, x0 - lo_w : x1 - lo_w] = x[:, y0:y1, x0:x1]
    xp[:, : y0 - lo_h] = 0
    xp[:, y1 - lo_h :] = 0
    xp[:, y0 - lo_h : y1 - lo_h, : x0 - lo_w] = 0
    xp[:, y0 - lo_h : y1 - lo_h, x1 - lo_w :] = 0


def _phase_weight(
    w: np.ndarray,
    first: tuple[int, int],
    taps: tuple[int, int],
    phases: tuple[int, int],
    strides: tuple[int, int],
    dtype: np.dtype,
) -> np.ndarray:
    """GEMM weight of one pair of phase runs, ``(D_h·D_w·C_in/g, P_h·P_w·C_out/g)``.

    ``W[(e_h, e_w, ci), (ry, rx, co)] = w[ci, co, j_h + d_h·s_h + ry, j_w + d_w·s_w + rx]`` with
    taps in :func:`_im2col`'s reversed order ``d = D-1-e``, for w ``(C_in/g, C_out/g, kh, kw)``;
    C-ordered ``dtype``.
    """
    (j_h, j_w), (d_h, d_w), (p_h, p_w), (sh, sw) = first, taps, phases, strides
    c_g, m_g = w.shape[:2]
    wt = np.empty((d_h, d_w, c_g, p_h, p_w, m_g), dtype=dtype)
    for dy in range(d_h):
        ys = slice(j_h + dy * sh, j_h + dy * sh + p_h)
        for dx in range(d_w):
            xs = slice(j_w + dx * sw, j_w + dx * sw + p_w)
            wt[d_h - 1 - dy, d_w - 1 - dx] = w[:, :, ys, xs].transpose(0, 2, 3, 1)
    return wt.reshape(d_h * d_w * c_g, p_h * p_w * m_g)


def _shares_im2col(
    rows: list[tuple[int, int, int, int, int]], cols: list[tuple[int, int, int, int, int]], c: int, m_g: int
) -> bool:
    """Whether the run pairs share their im2cols (:func:`_shared_im2col`): when per-pair ones
    would be large beside the GEMMs' outputs (``C`` input and ``m_g`` output channels)."""
    pairs = [(rh, rw) for rh in rows for rw in cols if rh[3] and rw[3]]
    if len(pairs) < 2:
        return False
    k_cols = sum(rh[3] * rw[3] * c for rh, rw in pairs)
    n_cols = sum((rh[1] - rh[0]) * (rw[1] - rw[0]) * m_g for rh, rw in pairs)
    return k_cols * 2 >= n_cols


def _shared_im2col(
    x: np.ndarray,
    blocks: tuple[int, int],
    rows: list[tuple[int, int, int, int, int]],
    cols: list[tuple[int, int, int, int, int]],
) -> dict[tuple[int, int], tuple[np.ndarray, tuple[int, int], tuple[int, int], int]]:
    """One im2col per tap count, shared by the run pairs that differ only in their block shift.

    Worth it when the im2col is large beside the GEMM's output (few output channels per
    phase, many input taps: a 4x4 kernel at stride 2 has four runs of one phase each, and a
    separate im2col per run would be four times the input's taps).  Returns
    ``{(D_h, D_w): (A, (E_h, E_w), (lo_h, lo_w), off_hi)}`` with ``A`` the im2col
    over the extended block grid ``(N, E_h, E_w)`` whose block ``(e_h, e_w)`` is output block
    ``(e_h + lo_h - c_h, e_w + lo_w - c_w)`` of the run pair with shifts ``(c_h, c_w)``,
    flattened to ``(N·E_h·E_w, D_h·D_w·C)``, and the largest of the pairs' row offsets
    ``(c_h - lo_h)·E_w + (c_w - lo_w)`` (the smallest is 0).
    """
    bh, bw = blocks
    pairs = [(rh, rw) for rh in rows for rw in cols if rh[3] and rw[3]]
    shared = {}
    for d_h, d_w in {(rh[3], rw[3]) for rh, rw in pairs}:
        sh_h = [rh[2] for rh, rw in pairs if (rh[3], rw[3]) == (d_h, d_w)]
        sh_w = [rw[2] for rh, rw in pairs if (rh[3], rw[3]) == (d_h, d_w)]
        lo_h, lo_w = min(sh_h), min(sh_w)
        eh, ew = bh + max(sh_h) - lo_h, bw + max(sh_w) - lo_w
        # the pairs of one tap count are every row run by every column run with it, so the
        # offsets run from 0 (smallest shifts) to this (largest)
        off_hi = (eh - bh) * ew + (ew - bw)
        shared[d_h, d_w] = (_im2col(x, (eh, ew), (lo_h, lo_w), (d_h, d_w)), (eh, ew), (lo_h, lo_w), off_hi)
    return shared


@functools.lru_cache(maxsize=256)
def _merged_taps(k: int, stride: int, pad: int) -> tuple[int, int, np.ndarray]:
    """One tap table for every phase of an axis: ``(c, D, T)``.

    Phase ``r`` of block ``b`` receives ``x[b + c - d] · w[T[D-1-d, r]]`` for ``d < D``, where
    ``T`` is ``k`` (a zero tap appended to the kernel) where phase ``r`` has no such tap:
    the runs of :func:`_phase_segments` aligned on the largest block shift ``c``.  ``T`` is
    ``(D, stride)`` int, in :func:`_im2col`'s reversed tap order.
    """
    runs = [run for run in _phase_segments(k, stride, pad) if run[3]]
    if not runs:
        return 0, 1, np.full((1, stride), k, dtype=np.intp)
    c = max(run[2] for run in runs)
    depth = max(c - run[2] + run[3] for run in runs)
    table = np.full((depth, stride), k, dtype=np.intp)
    for r0, r1, c_r, taps, j0 in runs:
        for d in range(taps):
            e = depth - 1 - (d + c - c_r)
            table[e, r0:r1] = np.arange(j0, j0 + r1 - r0) + d * stride
    table.setflags(write=False)
    return c, depth, table


@functools.lru_cache(maxsize=64)
def _merged_gathers(
    x_shape: tuple[int, int, int, int], w_shape: tuple[int, int, int, int], strides: tuple[int, int],
    pads_begin: tuple[int, int], blocks: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices that gather :func:`_conv_transpose2d_merged`'s two GEMM operands in one
    ``take`` each; the index one past the end stands for a zero.

    ``A`` ``(N·B_h, 1, B_w, D_h·D_w·C_in)`` from channels-last ``x``: :func:`_im2col`'s
    windows (inputs outside ``x`` are zeros).  ``W`` ``(s_h, D_h·D_w·C_in, s_w·C_out)`` from
    ``w`` ``(C_in, C_out, kh, kw)``: the taps of :func:`_merged_taps` (tap ``k``: a zero).
    Small problems only (the merged path), so the index arrays stay small.
    """
    n, h, wd, c = x_shape
    c_in, m, kh, kw = w_shape
    (sh, sw), (bh, bw) = strides, blocks
    c_h, d_h, t_h = _merged_taps(kh, sh, pads_begin[0])
    c_w, d_w, t_w = _merged_taps(kw, sw, pads_begin[1])
    # A[n, by, bx, e_h, e_w, ci] = x[n, by + c_h - (D_h-1-e_h), bx + c_w - (D_w-1-e_w), ci]
    yy = np.arange(bh)[:, None] + c_h - d_h + 1 + np.arange(d_h)  # (B_h, D_h)
    xx = np.arange(bw)[:, None] + c_w - d_w + 1 + np.arange(d_w)  # (B_w, D_w)
    inside = ((yy >= 0) & (yy < h))[:, None, :, None] & ((xx >= 0) & (xx < wd))[None, :, None, :]
    pixel = (np.clip(yy, 0, h - 1) * wd)[:, None, :, None] + np.clip(xx, 0, wd - 1)[None, :, None, :]
    pixel = np.where(inside, pixel, -1)  # (B_h, B_w, D_h, D_w)
    per_image = pixel[None, ..., None] * c + np.arange(c)  # (1, B_h, B_w, D_h, D_w, C)
    index = np.arange(n)[:, None, None, None, None, None] * (h * wd * c) + per_image
    index = np.where(per_image < 0, n * h * wd * c, index)
    x_index = index.reshape(n * bh, 1, bw, d_h * d_w * c).astype(np.intp)
    # W[ry, (e_h, e_w, ci), (rx, co)] = w[ci, co, t_h[e_h, ry], t_w[e_w, rx]] (tap k: zero)
    th = t_h.T[:, :, None, None, None, None]  # (s_h, D_h, 1, 1, 1, 1)
    tw = t_w[None, None, :, None, :, None]  # (1, 1, D_w, 1, s_w, 1)
    channel = np.arange(c_in)[:, None] * m + np.arange(m)  # (C_in, C_out): w's flat (ci, co)
    flat = (channel[None, None, None, :, None, :] * kh + np.minimum(th, kh - 1)) * kw + np.minimum(tw, kw - 1)
    w_index = np.where((th >= kh) | (tw >= kw), c_in * m * kh * kw, flat)  # (s_h, D_h, D_w, C_in, s_w, C_out)
    w_index = w_index.reshape(sh, d_h * d_w * c_in, sw * m).astype(np.intp)
    x_index.setflags(write=False)
    w_index.setflags(write=False)
    return x_index, w_index


def _with_zero(a: np.ndarray) -> np.ndarray:
    """``a``'s elements in C order followed by one zero (what index ``a.size`` gathers)."""
    flat = np.empty(a.size + 1, dtype=a.dtype)
    flat[:-1].reshape(a.shape)[...] = a
    flat[-1] = 0
    return flat


def _conv_transpose2d_merged(
    x: np.ndarray, w: np.ndarray, strides: Sequence[int], pads_begin: Sequence[int], blocks: tuple[int, int]
) -> np.ndarray:
    """Every phase in one GEMM (groups 1): ``(N, B_h·s_h, B_w·s_w, C_out)``, channels-last.

    x : channels-last ``(N, H, W, C_in)`` in the compute dtype; w : ``(C_in, C_out, kh, kw)``.
    Phases with fewer taps than the deepest get zero taps (:func:`_merged_taps`).  For small
    problems, so the operands come from one cached-index ``take`` each (:func:`_merged_gathers`):
    a dozen NumPy calls of padding, windows and transposes cost more than the GEMM here.
    """
    n = x.shape[0]
    c_in, m = w.shape[:2]
    (sh, sw), (bh, bw) = strides, blocks
    x_index, w_index = _merged_gathers(x.shape, w.shape, tuple(strides), tuple(pads_begin), blocks)
    a = _with_zero(x).take(x_index)
    wt = _with_zero(w.astype(x.dtype, copy=False)).take(w_index)
    full = np.empty((n * bh, sh, bw, sw * m), dtype=x.dtype)
    # out[(n, by), ry, bx, (rx, co)] = A[(n, by), bx, :] @ W[ry]: written in place, no copy (one
    # GEMM of all phases and a transposing copy measured slower here: BLAS threads for a tiny GEMM)
    np.matmul(a, wt, out=full)
    return full.reshape(n, bh * sh, bw * sw, m)


def channels_last(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``x`` ``(N, C, H, W)`` as C-ordered ``(N, H, W, C)`` in ``dtype``: free when ``x`` is a
    transposed view of NHWC memory (the TF faces pass that), one copy otherwise."""
    xl = x.transpose(0, 2, 3, 1)
    if xl.dtype != dtype or not xl.flags.c_contiguous:
        xl = np.ascontiguousarray(xl, dtype=dtype)
    return xl


def blocks_to_output(full: np.ndarray, out_size: Sequence[int]) -> np.ndarray:
    """The block grid ``full`` ``(N, B_h, s_h, B_w, s_w, C_out)`` as the output
    ``(N, C_out, OH, OW)``: its first ``OH`` rows and ``OW`` columns, a view of channels-last
    memory."""
    n, bh, sh, bw, sw, m = full.shape
    return full.reshape(n, bh * sh, bw * sw, m)[:, : out_size[0], : out_size[1]].transpose(0, 3, 1, 2)


def conv_transpose2d_blocks(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    pads_begin: Sequence[int],
    out_size: Sequence[int],
    groups: int,
    dtype: np.dtype,
) -> np.ndarray:
    """2-D transposed convolution (dilation 1) by output phases ("sub-pixel"), channels-last.

    Same contract as :func:`conv_transpose_numpy` for 2-D without dilation, same numbers up
    to float rounding (the sums are grouped differently).  The output, viewed as blocks of
    ``s_h × s_w`` pixels ``(N, B_h, s_h, B_w, s_w, C_out)``, is computed phase run by phase
    run (:func:`_phase_segments` per axis): for a pair of runs every output pixel is
    ``A (N·B_h·B_w, D_h·D_w·C_in/g) @ W (D_h·D_w·C_in/g, phases·C_out/g)`` with ``A`` the
    shifted input taps (:func:`_im2col`) -- one GEMM, only useful FLOPs, every output
    element written once (no zero-inserted input, no scatter-add).  When the im2col would be
    large beside the output (many input channels, few phases per run: k4 s2), the run pairs
    with the same tap counts share one im2col and one GEMM of their weights side by side
    (:func:`_shared_im2col`).  Small problems (groups 1) take one GEMM over every phase with
    zero taps (:func:`_conv_transpose2d_merged`); batch items go in chunks of
    ``_BLOCK_BYTES``.  Returns
    ``(N, C_out, *out_size)`` in ``dtype``, a view of channels-last memory
    (``to_channels_last`` of it is C-ordered when ``out_size`` is a multiple of the stride).
    """
    n, c_in, h, wd = x.shape
    kh, kw = w.shape[2:]
    m_g = w.shape[1]
    c_g = c_in // groups
    sh, sw = strides
    oh, ow = out_size
    bh, bw = -(-oh // sh), -(-ow // sw)
    xl = channels_last(x, dtype)
    wl = w if w.dtype == dtype else w.astype(dtype)
    if groups == 1:
        d_h, d_w = _merged_taps(kh, sh, pads_begin[0])[1], _merged_taps(kw, sw, pads_begin[1])[1]
        if n * bh * bw * d_h * d_w * c_in * sh * sw * m_g <= _MERGED_MACS:
            out = _conv_transpose2d_merged(xl, wl, strides, pads_begin, (bh, bw))[:, :oh, :ow]
            return out.transpose(0, 3, 1, 2)
    rows = _phase_segments(kh, sh, pads_begin[0])
    cols = _phase_segments(kw, sw, pads_begin[1])
    pairs = [(rh, rw) for rh in rows for rw in cols]
    full = np.empty((n, bh, sh, bw, sw, groups * m_g), dtype=dtype)
    # Batch items in chunks: the im2cols and GEMM results of a chunk stay under _BLOCK_BYTES.
    k_max = sum({rh[3] * rw[3] for rh, rw in pairs}) * c_g
    n_max = sum((rh[1] - rh[0]) * (rw[1] - rw[0]) for rh, rw in pairs) * m_g
    per_item = (bh + 2) * (bw + 2) * (k_max + n_max) * np.dtype(dtype).itemsize
    chunk = max(1, min(n, _BLOCK_BYTES // per_item))
    for g in range(groups):
        xg = xl if groups == 1 else xl[..., g * c_g : (g + 1) * c_g]
        wg = wl[g * c_g : (g + 1) * c_g]
        ch = slice(g * m_g, (g + 1) * m_g)
        weights = [
            _phase_weight(wg, (rh[4], rw[4]), (rh[3], rw[3]), (rh[1] - rh[0], rw[1] - rw[0]), (sh, sw), dtype)
            if rh[3] and rw[3]
            else None
            for rh, rw in pairs
        ]
        # Run pairs with the same tap counts share one im2col, shifted by whole blocks; their
        # weights side by side make one GEMM whose column block of a pair, read from the pair's
        # shift on, is that pair's output (a few junk rows at the edges of each image).
        share = _shares_im2col(rows, cols, c_g, m_g)
        stacked: dict[tuple[int, int], list[np.ndarray]] = {}
        for ((_, _, _, d_h, _), (_, _, _, d_w, _)), wt in zip(pairs, weights):
            if wt is not None and share:
                stacked.setdefault((d_h, d_w), []).append(wt)
        columns = {key: np.cumsum([0] + [wt.shape[1] for wt in ws]) for key, ws in stacked.items()}
        stacked_w = {key: np.concatenate(ws, axis=1) if len(ws) > 1 else ws[0] for key, ws in stacked.items()}
        for start in range(0, n, chunk):
            xb = xg[start : start + chunk]
            nb = xb.shape[0]
            shared = _shared_im2col(xb, (bh, bw), rows, cols) if share else None
            products: dict[tuple[int, int], np.ndarray] = {}
            used: dict[tuple[int, int], int] = {}
            for ((r0, r1, c_h, d_h, _), (q0, q1, c_w, d_w, _)), wt in zip(pairs, weights):
                dst = full[start : start + nb, :, r0:r1, :, q0:q1, ch]
                if wt is None:  # phases no tap reaches (kernel shorter than the stride)
                    dst[...] = 0
                    continue
                shape = (nb, bh, bw, r1 - r0, q1 - q0, m_g)
                key = (d_h, d_w)
                if shared is not None and key in shared:
                    a, (eh, ew), (lo_h, lo_w), off_hi = shared[key]
                    if key not in products:
                        y = np.empty((nb * eh * ew + off_hi, stacked_w[key].shape[1]), dtype=dtype)
                        np.matmul(a, stacked_w[key], out=y[: a.shape[0]])
                        products[key] = y
                    y = products[key]
                    index = used.get(key, 0)
                    used[key] = index + 1
                    col0, col1 = columns[key][index], columns[key][index + 1]
                    row0 = (c_h - lo_h) * ew + (c_w - lo_w)
                    part = y[row0 : row0 + nb * eh * ew, col0:col1]
                    part = part.reshape(nb, eh, ew, *shape[3:])[:, :bh, :bw]
                else:
                    part = (_im2col(xb, (bh, bw), (c_h, c_w), (d_h, d_w)) @ wt).reshape(shape)
                dst[...] = part.transpose(0, 1, 3, 2, 4, 5)
    return blocks_to_output(full, out_size)
