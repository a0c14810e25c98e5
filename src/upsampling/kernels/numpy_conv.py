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
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["conv_numpy", "conv_transpose_numpy", "tap_slices"]

# Upper bound on the GEMM's intermediate (batch items are processed in chunks below it).
_COLUMN_BYTES = 64 * 2**20


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
    return slice(i_lo, i_hi), slice(o_lo, o_lo + (i_hi - i_lo - 1) * stride + 1, stride)


def _batch_chunk(n: int, per_item_bytes: int) -> int:
    return max(1, min(n, _COLUMN_BYTES // max(1, per_item_bytes)))


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

    # Per axis and per tap index: the (input, output) slices, or None.
    per_axis = [
        [tap_slices(spatial_in[a], out_size[a], j * dilations[a] - pads_begin[a], strides[a]) for j in range(kernel[a])]
        for a in range(len(kernel))
    ]
    # (G, M_g*K, C_g): every (output channel, tap) row of the GEMM.
    wg = w.astype(dtype, copy=False).reshape(groups, c_g, m_g * taps).transpose(0, 2, 1)
    chunk = _batch_chunk(n, groups * m_g * taps * length * np.dtype(dtype).itemsize)
    for start in range(0, n, chunk):
        xb = x[start : start + chunk].astype(dtype, copy=False).reshape(-1, groups, c_g, length)
        cols = np.matmul(wg, xb)  # (n_b, G, M_g*K, L): each input element times the whole kernel
        cols = cols.reshape(xb.shape[0], groups * m_g, *kernel, *spatial_in)
        target = out[start : start + chunk]
        for tap in np.ndindex(*kernel):
            pairs = [per_axis[a][j] for a, j in enumerate(tap)]
            if any(p is None for p in pairs):
                continue
            src = (slice(None), slice(None), *tap, *(p[0] for p in pairs))
            dst = (slice(None), slice(None), *(p[1] for p in pairs))
            target[dst] += cols[src]
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
    per_axis = [
        [tap_slices(out_size[a], spatial_in[a], j * dilations[a] - pads_begin[a], strides[a]) for j in range(kernel[a])]
        for a in range(len(kernel))
    ]
    wg = w.astype(dtype, copy=False).reshape(groups, m_g, c_g * taps)
    out = np.empty((n, m, *out_size), dtype=dtype)
    chunk = _batch_chunk(n, c_in * taps * length * np.dtype(dtype).itemsize)
    for start in range(0, n, chunk):
        xb = x[start : start + chunk].astype(dtype, copy=False)
        nb = xb.shape[0]
        cols = np.zeros((nb, c_in, *kernel, *out_size), dtype=dtype)  # im2col; zeros = padding
        for tap in np.ndindex(*kernel):
            pairs = [per_axis[a][j] for a, j in enumerate(tap)]
            if any(p is None for p in pairs):
                continue
            # pairs[a] = (output run, input slice): gather input into the output positions
            dst = (slice(None), slice(None), *tap, *(p[0] for p in pairs))
            src = (slice(None), slice(None), *(p[1] for p in pairs))
            cols[dst] = xb[src]
        cols = cols.reshape(nb, groups, c_g * taps, length)
        out[start : start + chunk] = np.matmul(wg, cols).reshape(nb, m, *out_size)
    return out


def _shift_groups(k: int, stride: int, pad: int) -> list[tuple[int, int, int]]:
    """Kernel taps of one axis grouped by the output block they shift an input into.

    Tap ``j`` sends input ``i`` to output ``i·s + j - pad = s·(i + c) + r`` with
    ``c = (j - pad) // s`` and phase ``r = (j - pad) % s``.  Taps with the same block shift
    ``c`` have consecutive taps and consecutive phases.  Returns ``(c, j0, j1)``: taps
    ``j0:j1``, whose phases are ``(j0 - pad) % s`` onwards.
    """
    groups: list[tuple[int, int, int]] = []
    for j in range(k):
        c = (j - pad) // stride
        if groups and groups[-1][0] == c:
            groups[-1] = (c, groups[-1][1], j + 1)
        else:
            groups.append((c, j, j + 1))
    return groups


def _covering(groups: list[tuple[int, int, int]], n_in: int, blocks: int, stride: int, pad: int) -> int | None:
    """Index of the tap group that reaches every phase of every output block along an axis, if any."""
    for idx, (c, j0, j1) in enumerate(groups):
        if j1 - j0 == stride and (j0 - pad) % stride == 0 and c <= 0 and n_in + c >= blocks:
            return idx
    return None


def conv_transpose2d_blocks(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    pads_begin: Sequence[int],
    out_size: Sequence[int],
    groups: int,
    dtype: np.dtype,
) -> np.ndarray:
    """2-D transposed convolution (dilation 1) by output phases, computed channels-last.

    Same contract as :func:`conv_transpose_numpy` for 2-D without dilation, same numbers up
    to float rounding (the sums are grouped differently).  The output, viewed as blocks of
    ``s_h × s_w`` pixels, ``(N, H/s_h, s_h, W/s_w, s_w, C_out)``, receives each input pixel
    at block ``(i_h + c_h, i_w + c_w)`` from the taps sharing that block shift
    (:func:`_shift_groups`, at most ``⌈k/s⌉ + 1`` per axis).  Each group is one GEMM,
    ``x (N·H·W, C_in) @ w_group (C_in, taps·C_out)`` (only the useful FLOPs: no zero-inserted
    input), whose result is added into the output blocks with one strided ``+=``; the
    tap and channel axes stay contiguous in both.  Returns ``(N, C_out, *out_size)`` in
    ``dtype``, a view of channels-last memory (``to_channels_last`` of it is C-ordered).
    """
    n, c_in, h, wd = x.shape
    kh, kw = w.shape[2:]
    m_g = w.shape[1]
    c_g = c_in // groups
    sh, sw = strides
    oh, ow = out_size
    bh, bw = -(-oh // sh), -(-ow // sw)
    # Channels-last input: free when x is a transposed view of NHWC memory (the TF faces).
    xl = np.ascontiguousarray(x.transpose(0, 2, 3, 1), dtype=dtype).reshape(n * h * wd, c_in)
    # (C_in, kh, kw, C_out/g): each group's tap block is a contiguous column range per row.
    wl = w.astype(dtype, copy=False).transpose(0, 2, 3, 1)
    rows = _shift_groups(kh, sh, pads_begin[0])
    cols = _shift_groups(kw, sw, pads_begin[1])
    # A group that covers every phase and block of an axis goes first: assigning its
    # product (instead of adding it to zeros) saves a pass over the output.
    first_h = _covering(rows, h, bh, sh, pads_begin[0])
    first_w = _covering(cols, wd, bw, sw, pads_begin[1])
    if first_h is not None:
        rows.insert(0, rows.pop(first_h))
    if first_w is not None:
        cols.insert(0, cols.pop(first_w))
    assign = first_h is not None and first_w is not None
    shape = (n, bh, sh, bw, sw, groups * m_g)
    full = np.empty(shape, dtype=dtype) if assign else np.zeros(shape, dtype=dtype)
    for g in range(groups):
        xg = xl[:, g * c_g : (g + 1) * c_g]
        wgrp = wl[g * c_g : (g + 1) * c_g]
        ch = slice(g * m_g, (g + 1) * m_g)
        for c_h, j0, j1 in rows:
            # input rows whose shifted block lies inside the output
            i0, i1 = max(0, -c_h), min(h, bh - c_h)
            if i1 <= i0:
                continue
            r0 = (j0 - pads_begin[0]) % sh
            for c_w, q0, q1 in cols:
                k0, k1 = max(0, -c_w), min(wd, bw - c_w)
                if k1 <= k0:
                    continue
                p0 = (q0 - pads_begin[1]) % sw
                wt = np.ascontiguousarray(wgrp[:, j0:j1, q0:q1]).reshape(c_g, -1)
                y = (xg @ wt).reshape(n, h, wd, j1 - j0, q1 - q0, m_g)
                dst = full[:, i0 + c_h : i1 + c_h, r0 : r0 + j1 - j0, k0 + c_w : k1 + c_w, p0 : p0 + q1 - q0, ch]
                src = y[:, i0:i1, k0:k1].transpose(0, 1, 3, 2, 4, 5)
                if assign and (c_h, j0) == rows[0][:2] and (c_w, q0) == cols[0][:2]:
                    dst[...] = src
                else:
                    dst += src
    out = full.reshape(n, bh * sh, bw * sw, groups * m_g)[:, :oh, :ow]
    return out.transpose(0, 3, 1, 2)
