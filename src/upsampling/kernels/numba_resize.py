"""Numba per-axis resize kernel (extra ``fast``), bit-identical to :mod:`.numpy_resize`.

The array is viewed as ``(outer, n, inner)`` with the resized axis in the middle; each
output row ``o`` accumulates ``weight[o, t] * x[:, index[o, t], :]`` tap by tap, in the
same order and the same dtype as the NumPy kernel (a multiply, then an add, each rounded:
Numba does not contract them into FMAs without ``fastmath``), so the two paths agree
bit for bit and the choice between them never changes a result.  Compiled code is cached
on disk (``cache=True``), so only the very first call on a machine pays for compilation.
"""

from __future__ import annotations

import numba
import numpy as np

from upsampling.plan import AxisPlan


@numba.njit(parallel=True, cache=True, nogil=True)
def _resize_middle(x, index, weight, out):  # pragma: no cover - compiled
    outer, _, inner = x.shape
    n_out, taps = index.shape
    for job in numba.prange(outer * n_out):
        b = job // n_out
        o = job - b * n_out
        dst = out[b, o]
        w0 = weight[o, 0]
        src = x[b, index[o, 0]]
        for k in range(inner):
            dst[k] = w0 * src[k]
        for t in range(1, taps):
            w = weight[o, t]
            src = x[b, index[o, t]]
            for k in range(inner):
                dst[k] = dst[k] + w * src[k]


@numba.njit(parallel=True, cache=True, nogil=True)
def _resize_last(x, index, weight, out):  # pragma: no cover - compiled
    outer = x.shape[0]
    n_out, taps = index.shape
    for b in numba.prange(outer):
        row = x[b]
        dst = out[b]
        for o in range(n_out):
            acc = weight[o, 0] * row[index[o, 0]]
            for t in range(1, taps):
                acc = acc + weight[o, t] * row[index[o, t]]
            dst[o] = acc


def apply_axis(x: np.ndarray, axis: int, plan: AxisPlan, dtype: np.dtype) -> np.ndarray:
    """Same contract and same bits as :func:`upsampling.kernels.numpy_resize.apply_axis`."""
    x = np.ascontiguousarray(x, dtype=dtype)
    shape = x.shape
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1 :], dtype=np.int64))
    out_shape = shape[:axis] + (plan.n_out,) + shape[axis + 1 :]
    out = np.empty(out_shape, dtype=dtype)
    weight = np.ascontiguousarray(plan.weight.astype(dtype))
    index = plan.index
    if inner == 1:
        _resize_last(x.reshape(outer, shape[axis]), index, weight, out.reshape(outer, plan.n_out))
    else:
        _resize_middle(x.reshape(outer, shape[axis], inner), index, weight, out.reshape(outer, plan.n_out, inner))
    return out
