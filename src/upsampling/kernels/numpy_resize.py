"""Apply per-axis plans with NumPy: one gather-and-weight pass per resized axis."""

from __future__ import annotations

import numpy as np

from upsampling.plan import AxisPlan


def apply_axis(x: np.ndarray, axis: int, plan: AxisPlan, dtype: np.dtype) -> np.ndarray:
    """Resize ``x`` along ``axis`` with ``plan``; the result has dtype ``dtype``.

    Output ``o`` is ``sum_t weight[o, t] * x[index[o, t]]``, accumulated tap by tap in
    ``dtype`` (no ``(n_out, taps, ...)`` temporary).
    """
    if plan.taps == 1 and np.all(plan.weight == 1):
        return np.take(x, plan.index[:, 0], axis=axis).astype(dtype, copy=False)
    shape = (plan.n_out,) + (1,) * (x.ndim - axis - 1)
    out = None
    for t in range(plan.taps):
        w = plan.weight[:, t].astype(dtype, copy=False).reshape(shape)  # a view for float64
        term = np.take(x, plan.index[:, t], axis=axis)
        term = np.multiply(term, w, out=term) if term.dtype == dtype else term * w  # no third array
        out = term if out is None else np.add(out, term, out=out)
        term = None  # (not alive while the next tap is gathered)
    return out.astype(dtype, copy=False)
