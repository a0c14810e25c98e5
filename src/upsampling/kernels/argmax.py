"""The pieces of ``upsample_argmax`` below the engine: class axes, label dtypes, plan rows.

:func:`upsampling.argmax.upsample_argmax` (the public face, one layer up) resizes one band of
output rows at a time and takes the argmax of the band; :mod:`upsampling.dask` tiles the same
way.  Both slice the whole-array plans with :func:`plan_rows`.

Why a band is exact: :func:`upsampling.resizing.apply_plans` resizes one axis at a time,
and output row ``o`` of an axis reads only the input rows ``plan.index[o]``.  The rows
``o0:o1`` therefore need only the input window ``plan.source_window(o0, o1)``; slicing
the plan's rows and shifting its indices by the window start (:func:`plan_rows`) leaves
every weight, every tap and the summation order unchanged.  Applying the axes in the
order of the *whole-array* plans (:func:`upsampling.resizing.axis_order`) then gives
the same bits as resizing the whole array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from upsampling.errors import InvalidArgumentError
from upsampling.plan import AxisPlan

__all__ = ["CLASS_AXIS", "class_axis", "label_dtype", "plan_rows"]

#: layout -> index of the class (channel) axis, for the layouts that have one.
CLASS_AXIS: dict[str, int] = {"CHW": 0, "HWC": 2, "NCHW": 1, "NHWC": 3}


def plan_rows(plan: AxisPlan, start: int, stop: int) -> tuple[AxisPlan, int, int]:
    """Rows ``start:stop`` of ``plan`` as a plan on the input window ``[lo, hi)`` they read.

    Returns ``(sub_plan, lo, hi)``: ``sub_plan.n_in == hi - lo`` and its indices are shifted
    by ``-lo``; weights, taps (including weight-0 taps) and their order are unchanged, so
    applying ``sub_plan`` to ``x[lo:hi]`` gives exactly rows ``start:stop`` of applying
    ``plan`` to ``x``.
    """
    lo, hi = plan.source_window(start, stop)
    outside = None
    if plan.outside is not None:
        outside = plan.outside[start:stop]
        if not outside.any():
            outside = None
    sub = AxisPlan(hi - lo, stop - start, plan.index[start:stop] - lo, plan.weight[start:stop], outside, None)
    return sub, lo, hi


def label_dtype(n_classes: int, dtype: Any = None) -> np.dtype:
    """``dtype`` if given (an integer type that holds ``n_classes - 1``), else the smallest unsigned one."""
    if dtype is None:
        for candidate in (np.uint8, np.uint16, np.uint32, np.uint64):
            if n_classes - 1 <= np.iinfo(candidate).max:
                return np.dtype(candidate)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or not np.issubdtype(dt, np.integer) or (n_classes - 1) > np.iinfo(dt).max:
        raise InvalidArgumentError(
            "dtype", dtype, f"an integer dtype that holds the class index {n_classes - 1}"
        )
    return dt


def class_axis(layout: str) -> int:
    """The class axis of ``layout``; ``HW`` (no class axis) and unknown layouts are refused."""
    if not isinstance(layout, str) or layout not in CLASS_AXIS:
        raise InvalidArgumentError(
            "layout",
            layout,
            "one of " + ", ".join(repr(k) for k in CLASS_AXIS),
            "upsample_argmax needs a class (channel) axis.",
        )
    return CLASS_AXIS[layout]
