"""Tiled, fused 2-D transposed convolution: one single-threaded GEMM per tile, on our threads.

The decomposition is :func:`upsampling.kernels.numpy_conv.conv_transpose2d_blocks`'s: output
pixel ``o = b·s + r`` (block ``b``, phase ``r``) is ``sum_d x[b + c_r - d] · w[j_r + d·s]``;
the phases of each axis form runs sharing their shift ``c`` and tap count ``D``
(:func:`~upsampling.kernels.numpy_conv._phase_segments`), and the run pairs with the same tap
counts ("a family") read the same shifted input taps, so one im2col over an extended block
grid and one GEMM with the pairs' weights side by side compute all of them; pair ``p``'s
column block, read from its shift ``(c_h - lo_h, c_w - lo_w)`` on, is its output.

What differs is the order of the work and whose threads run it.  NumPy's path builds the
im2col of a batch chunk, runs one GEMM on NumPy's BLAS threads, then copies the result into
output order.  Here the extended block rows of each image are cut into a few tiles per thread
(:func:`_tile_rows`); the calling thread and the native pool's threads take tiles from a shared
counter and, per tile, build its im2col (or use the input rows themselves when they already are
the GEMM operand: one tap per axis, as k2 s2), run one single-threaded GEMM through the private
OpenBLAS (loaded by :mod:`upsampling.kernels._blas`, called from C++) and copy the result into
the output blocks while it is still in cache -- all in compiled code, with the GIL released
(``csrc/conv_tiles.hpp``).  This module plans: the families, their stacked weights, the tiles.  Tiles of a family cover disjoint extended
rows and an extended row of a pair lands on exactly one output block row, so every output
element is written once and no two tiles write the same memory.

Why a few large tiles and not L2-sized ones: OpenBLAS packs the whole weight matrix again in
every GEMM call, and small tiles pay that again and again (the Numba-era path also paid a dozen
NumPy calls per tile) --
H (8x32x32x128 -> 64 channels, k4 s2) took longer in 40 tiles of 7 block rows than in 8
tiles of 33.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from upsampling.kernels.loader import native, thread_count
from upsampling.kernels._blas import Blas
from upsampling.kernels.numpy_conv import (
    _phase_segments,
    _phase_weight,
    blocks_to_output,
    channels_last,
    conv_transpose2d_blocks,
)

__all__ = ["conv_transpose2d_tiles", "tiles_blas"]

# Tiles per thread (dynamic: a thread that is not scheduled leaves its tiles to the others),
# and the largest working set of one tile (padded input rows, im2col, GEMM result).
_TILES_PER_THREAD = 2
_TILE_BYTES = 4 * 2**20
# Stacked weights are aligned to this many bytes.
_ALIGN = 64


_Run = tuple[int, int, int, int, int]  # (r0, r1, c, taps, j0) of _phase_segments


@dataclass(frozen=True)
class _Pair:
    """One pair of phase runs: phases ``rows`` × ``cols``, GEMM columns ``col0:col1``,
    output block ``(b_h, b_w)`` = extended block ``(b_h + off_h, b_w + off_w)``."""

    rows: slice
    cols: slice
    col0: int
    col1: int
    off_h: int
    off_w: int


@dataclass(frozen=True)
class _Family:
    """Run pairs with tap counts ``taps``: one im2col over the extended block grid
    ``extent`` (extended block ``e`` reads ``x[e + lo - D + 1 + a]``, ``a < D``) and one GEMM
    per group with ``weights[g]``: ``(K, N)`` = ``(D_h·D_w·C_g, columns)``, or its transpose
    ``(N, K)`` when ``trans_b``.  ``direct``: the im2col is ``x`` itself."""

    taps: tuple[int, int]
    lo: tuple[int, int]
    extent: tuple[int, int]
    weights: list[np.ndarray]
    trans_b: bool
    columns: int
    pairs: list[_Pair]
    direct: bool


def _aligned(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A C-ordered empty array whose data starts on a :data:`_ALIGN`-byte boundary."""
    nbytes = math.prod(shape) * dtype.itemsize
    raw = np.empty(nbytes + _ALIGN, dtype=np.uint8)
    start = -raw.ctypes.data % _ALIGN
    return raw[start : start + nbytes].view(dtype).reshape(shape)


def _families(
    w: np.ndarray,
    strides: tuple[int, int],
    pads_begin: Sequence[int],
    blocks: tuple[int, int],
    groups: int,
    dtype: np.dtype,
) -> tuple[list[_Family], list[tuple[slice, slice]]]:
    """The families of run pairs, and the phase slices no tap reaches (outputs are zero).

    w : ``(C_in, C_out/groups, kh, kw)`` in ``dtype``.
    """
    c_in, m_g, kh, kw = w.shape
    c_g = c_in // groups
    rows = _phase_segments(kh, strides[0], pads_begin[0])
    cols = _phase_segments(kw, strides[1], pads_begin[1])
    empty = [
        (slice(rh[0], rh[1]), slice(rw[0], rw[1])) for rh in rows for rw in cols if not (rh[3] and rw[3])
    ]
    families = []
    for d_h in sorted({rh[3] for rh in rows if rh[3]}):
        for d_w in sorted({rw[3] for rw in cols if rw[3]}):
            fam_rows = [rh for rh in rows if rh[3] == d_h]
            fam_cols = [rw for rw in cols if rw[3] == d_w]
            families.append(_family(w, fam_rows, fam_cols, strides, blocks, groups, c_g, m_g, dtype))
    return families, empty


def _family(
    w: np.ndarray,
    rows: list[_Run],
    cols: list[_Run],
    strides: tuple[int, int],
    blocks: tuple[int, int],
    groups: int,
    c_g: int,
    m_g: int,
    dtype: np.dtype,
) -> _Family:
    """Every row run by every column run of one tap count ``(D_h, D_w)``.

    The weights are stacked in the orientation that is a cheap copy of ``w``'s memory:
    ``(N, K)`` (GEMM with ``trans_b``) when the input channels are adjacent (TensorFlow's
    ``[kh, kw, out, in]`` filters seen as ``(C_in, C_out, kh, kw)``), else ``(K, N)``.
    """
    d_h, d_w = rows[0][3], cols[0][3]
    lo_h, lo_w = min(r[2] for r in rows), min(r[2] for r in cols)
    extent = (blocks[0] + max(r[2] for r in rows) - lo_h, blocks[1] + max(r[2] for r in cols) - lo_w)
    runs = [(rh, rw) for rh in rows for rw in cols]
    pairs = []
    col = 0
    for rh, rw in runs:
        width = (rh[1] - rh[0]) * (rw[1] - rw[0]) * m_g
        phases = (slice(rh[0], rh[1]), slice(rw[0], rw[1]))
        pairs.append(_Pair(*phases, col, col + width, rh[2] - lo_h, rw[2] - lo_w))
        col += width
    trans_b = w.strides[0] == w.itemsize and w.shape[0] > 1
    weights = []
    for g in range(groups):
        wg = w[g * c_g : (g + 1) * c_g]
        k = d_h * d_w * c_g
        stacked = _aligned((col, k) if trans_b else (k, col), dtype)
        for p, (rh, rw) in zip(pairs, runs):
            first, phases = (rh[4], rw[4]), (rh[1] - rh[0], rw[1] - rw[0])
            if trans_b:
                stacked[p.col0 : p.col1] = _phase_weight_t(wg, first, (d_h, d_w), phases, strides)
            else:
                stacked[:, p.col0 : p.col1] = _phase_weight(wg, first, (d_h, d_w), phases, strides, dtype)
        weights.append(stacked)
    return _Family((d_h, d_w), (lo_h, lo_w), extent, weights, trans_b, col, pairs, direct=False)


def _phase_weight_t(
    w: np.ndarray,
    first: tuple[int, int],
    taps: tuple[int, int],
    phases: tuple[int, int],
    strides: tuple[int, int],
) -> np.ndarray:
    """The transpose of :func:`~upsampling.kernels.numpy_conv._phase_weight`,
    ``(P_h·P_w·C_out/g, D_h·D_w·C_in/g)``, in ``w``'s dtype: ``W[(ry, rx, co), (e_h, e_w, ci)] =
    w[ci, co, j_h + (D_h-1-e_h)·s_h + ry, j_w + (D_w-1-e_w)·s_w + rx]``."""
    (j_h, j_w), (d_h, d_w), (p_h, p_w), (sh, sw) = first, taps, phases, strides
    c_g, m_g = w.shape[:2]
    wt = np.empty((p_h, p_w, m_g, d_h, d_w, c_g), dtype=w.dtype)
    for dy in range(d_h):
        ys = slice(j_h + dy * sh, j_h + dy * sh + p_h)
        for dx in range(d_w):
            xs = slice(j_w + dx * sw, j_w + dx * sw + p_w)
            wt[:, :, :, d_h - 1 - dy, d_w - 1 - dx] = w[:, :, ys, xs].transpose(2, 3, 1, 0)
    return wt.reshape(p_h * p_w * m_g, d_h * d_w * c_g)


def _tile_rows(families: list[_Family], c_in: int, threads: int, n: int, itemsize: int) -> int:
    """Extended block rows per tile: about :data:`_TILES_PER_THREAD` tiles per thread (a tile
    never spans two images), fewer rows when a tile's working set would exceed
    :data:`_TILE_BYTES`."""
    per_row = 0
    for f in families:
        k, cols = f.weights[0].size // f.columns, f.columns
        per_row += f.extent[1] * cols
        if not f.direct:  # the im2col and the padded input rows
            per_row += f.extent[1] * k + (f.extent[1] + f.taps[1]) * c_in
    rows = max(f.extent[0] for f in families)
    per_image = min(rows, max(1, -(-_TILES_PER_THREAD * threads // n)))
    per_image = max(per_image, -(-rows * per_row * itemsize // _TILE_BYTES))
    return -(-rows // min(rows, per_image))


def _native_families(families: list[_Family]) -> list[tuple]:
    """The families as :func:`upsampling.kernels._native.conv_tiles` takes them: per family
    ``(D_h, D_w, lo_h, lo_w, E_h, E_w, columns, trans_b, direct, [weights per group], pairs)``
    with ``pairs`` an ``(n, 8)`` int64 array of ``(r0, r1, c0, c1, col0, col1, off_h, off_w)``."""
    out = []
    for f in families:
        pairs = np.array(
            [(p.rows.start, p.rows.stop, p.cols.start, p.cols.stop, p.col0, p.col1, p.off_h, p.off_w) for p in f.pairs],
            dtype=np.int64,
        ).reshape(-1, 8)
        out.append((*f.taps, *f.lo, *f.extent, f.columns, f.trans_b, f.direct, list(f.weights), pairs))
    return out


def conv_transpose2d_tiles(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    pads_begin: Sequence[int],
    out_size: Sequence[int],
    groups: int,
    dtype: np.dtype,
    blas: Blas,
    threads: int | None = None,
) -> np.ndarray:
    """2-D transposed convolution (dilation 1), a few tiles per thread, one GEMM per tile.

    Same contract and result (up to float rounding) as
    :func:`upsampling.kernels.numpy_conv.conv_transpose2d_blocks`: x ``(N, C_in, H, W)``,
    w ``(C_in, C_out/groups, kh, kw)`` (any memory layout; cast to ``dtype``, float32 or
    float64), ``pads_begin`` the crop of the full output before each axis (negative: zeros
    first), ``out_size`` ``(OH, OW)``.  Returns ``(N, C_out, OH, OW)`` in ``dtype``, a view of
    channels-last memory (C-ordered after ``transpose(0, 2, 3, 1)`` when ``OH``, ``OW`` are
    multiples of the strides).  ``blas``: the private OpenBLAS (:func:`upsampling.kernels._blas.load`);
    ``threads``: default :func:`upsampling.kernels.thread_count`.
    """
    n, c_in, h, wd = x.shape
    m = w.shape[1] * groups
    if n == 0 or c_in == 0 or m == 0:  # nothing to tile (the engine refuses most of these)
        return conv_transpose2d_blocks(x, w, strides, pads_begin, out_size, groups, dtype)
    s_h, s_w = strides
    b_h, b_w = -(-out_size[0] // s_h), -(-out_size[1] // s_w)
    xl = channels_last(x, dtype)
    weights = w.astype(dtype, copy=False)
    families, empty = _families(weights, (s_h, s_w), pads_begin, (b_h, b_w), groups, dtype)
    families = [_with_direct(f, h, wd) for f in families]
    full = np.empty((n, b_h, s_h, b_w, s_w, m), dtype=dtype)
    for rows, cols in empty:  # phases no tap reaches (kernel shorter than the stride)
        full[:, :, rows, :, cols] = 0
    if families:
        threads = thread_count() if threads is None else threads
        tile_rows = _tile_rows(families, c_in, threads, n, dtype.itemsize)
        per_image = -(-max(f.extent[0] for f in families) // tile_rows)
        module = native()
        module.blas_bind(blas.path)
        module.conv_tiles(xl, full, _native_families(families), groups, tile_rows, per_image, threads)
    return blocks_to_output(full, out_size)


def _with_direct(f: _Family, h: int, wd: int) -> _Family:
    """``f`` marked direct when its im2col is the input itself: one tap per axis, no shift,
    the extended grid inside the input rows and exactly its width (rows ``(e, e_w)`` are then
    the input's pixels in order)."""
    if f.taps == (1, 1) and f.lo == (0, 0) and f.extent[0] <= h and f.extent[1] == wd:
        return _Family(f.taps, f.lo, f.extent, f.weights, f.trans_b, f.columns, f.pairs, direct=True)
    return f


# When the tiles win, measured against conv_transpose2d_blocks on the project's 2-core machine
# (both in one process, float32 unless noted; tiles ÷ NumPy path with the private library's
# AVX2 / AVX-512 kernels): G 0.95 / 0.79, H 0.88 / 0.53, float64 G and H 0.95, 0.88 / 0.66,
# 0.59, H with 4 groups 0.74 / 0.56, 1x32x32x512 -> 256 k2 s2 0.88 / 0.47.  With the AVX-512
# kernels the library detects by itself (kernels/_blas.py) they also win on F (K = 84: 7.2 vs
# 8.0 ms) and on 4x32x32x64 -> 32 k3 s2 (GEMMs of 32 columns: 1.4 vs 1.7 ms), and still lose on
# small problems (per-call and per-tile costs: weights, thread hand-off, a dozen NumPy calls
# per tile): 1x32x32x64 -> 32 k4 s2 (34M multiply-adds) 0.65 vs 0.49 ms, 2x16x16x32 -> 16 k4 s2
# (4M) 0.30 vs 0.21 ms (/tmp probes of one session, alternating blocks).  So: at least
# _MIN_MACS useful multiply-adds, and every GEMM with at least _MIN_K weight rows (taps x input
# channels per group) and _MIN_COLUMNS columns (phases x output channels per group).
_MIN_MACS = 64_000_000
_MIN_K = 64
_MIN_COLUMNS = 32


def tiles_blas(
    x_shape: Sequence[int],
    w_shape: Sequence[int],
    strides: Sequence[int],
    pads_begin: Sequence[int],
    out_size: Sequence[int],
    groups: int,
) -> Blas | None:
    """The private OpenBLAS when the tiled path should run this 2-D transposed convolution.

    ``None`` (run :func:`~upsampling.kernels.numpy_conv.conv_transpose2d_blocks`) when the
    problem is one the NumPy path runs as fast (see :data:`_MIN_MACS`), or the library or the
    compiled kernels (which run the tiles) do not load.  Shapes are the engine's: x ``(N, C_in, H, W)``, w ``(C_in, C_out/groups, kh, kw)``.
    """
    n, c_in = x_shape[:2]
    m_g, kh, kw = w_shape[1:]
    c_g = c_in // groups
    macs = n * out_size[0] * out_size[1] * c_g * m_g * kh * kw // (strides[0] * strides[1])
    if macs < _MIN_MACS:
        return None
    rows = _phase_segments(kh, strides[0], pads_begin[0])
    cols = _phase_segments(kw, strides[1], pads_begin[1])
    for d_h in {r[3] for r in rows if r[3]}:
        for d_w in {r[3] for r in cols if r[3]}:
            phases_h = sum(r[1] - r[0] for r in rows if r[3] == d_h)
            phases = phases_h * sum(r[1] - r[0] for r in cols if r[3] == d_w)
            if d_h * d_w * c_g < _MIN_K or phases * m_g < _MIN_COLUMNS:
                return None
    if native() is None:
        return None
    from upsampling.kernels import _blas

    return _blas.load()
