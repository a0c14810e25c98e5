"""Upsample class scores to a label map without holding the upsampled scores.

``upsample_argmax(logits, size)`` equals ``np.argmax(upsampling.resize(logits, size), axis=class)``
exactly (ties go to the lowest class, NaN wins as in ``np.argmax``), but resizes one band
of output rows at a time for all classes, takes the argmax of the band and writes its
labels, so the extra memory is a band of scores rather than ``C`` full-size score maps.

Why a band is exact: :func:`upsampling.resizing.apply_plans` resizes one axis at a time,
and output row ``o`` of an axis reads only the input rows ``plan.index[o]``.  The rows
``o0:o1`` therefore need only the input window ``plan.source_window(o0, o1)``; slicing
the plan's rows and shifting its indices by the window start (:func:`plan_rows`) leaves
every weight, every tap and the summation order unchanged.  Applying the axes in the
order of the *whole-array* plans (:func:`upsampling.resizing.axis_order`) then gives
the same bits as resizing the whole array.  :mod:`upsampling.dask` tiles with the same
two helpers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import InvalidArgumentError
from upsampling.kernels import fused_resize_kernel
from upsampling.plan import AxisPlan
from upsampling.resizing import apply_plans, axis_order, resize_plans

__all__ = ["CLASS_AXIS", "label_dtype", "plan_rows", "resize_window", "upsample_argmax"]

#: layout -> index of the class (channel) axis, for the layouts that have one.
CLASS_AXIS: dict[str, int] = {"CHW": 0, "HWC": 2, "NCHW": 1, "NHWC": 3}

# Scores resized per band, in bytes (a band is at least one output row).
_BAND_BYTES = 64 * 2**20


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


def resize_window(
    x: np.ndarray,
    plans: Mapping[int, AxisPlan],
    order: Sequence[int],
    *,
    extrapolation_value: float = 0.0,
    out_dtype: Any = None,
) -> np.ndarray:
    """Apply row-sliced ``plans`` (from :func:`plan_rows`) to the input window ``x``.

    ``order`` must be :func:`~upsampling.resizing.axis_order` of the *whole-array* plans:
    the order of the axes changes float rounding.
    """
    return apply_plans(x, plans, order=order, extrapolation_value=extrapolation_value, out_dtype=out_dtype)


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


def upsample_argmax(
    logits: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    layout: str = "CHW",
    dtype: Any = None,
    mode: str = "linear",
    coordinate_transformation_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    roi: Sequence[float] | None = None,
    extrapolation_value: float = 0.0,
) -> np.ndarray:
    """Labels of the resized class scores: ``argmax(resize(logits), axis=class)``, band by band.

    Parameters
    ----------
    logits : class scores in ``layout`` -- ``CHW`` (default), ``HWC``, ``NCHW`` or ``NHWC``.
    size, scale, mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a,
    exclude_outside, antialias, roi, extrapolation_value : as :func:`upsampling.resize`.
    dtype : label dtype; default the smallest unsigned integer type holding ``C - 1``
        (``uint8`` up to 256 classes).

    Returns
    -------
    The label raster: the input shape without the class axis, with the new height and width.
    Equal to ``np.argmax(upsampling.resize(logits, ...), axis=class)``: the scores are
    resized and cast to ``logits.dtype`` exactly as :func:`upsampling.resize` does, ties go
    to the lowest class and a NaN score wins.  Extra memory is one band of scores (at
    most ~64 MiB, at least one output row for all classes), not ``C`` full-size maps; with
    the compiled kernels and float32/float64 scores, one output row of scores per thread
    (:func:`upsampling.kernels.fused.argmax_two_axes`).

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.kernels.argmax import upsample_argmax
    >>> logits = np.array([[[0.0, 1.0]], [[1.0, 0.0]]])  # 2 classes, 1 x 2 pixels
    >>> upsample_argmax(logits, (1, 4))
    array([[1, 1, 0, 0]], dtype=uint8)
    """
    x = _checks.numeric_array("logits", logits)
    c_axis = class_axis(layout)
    plans, out_shape = resize_plans(
        x,
        size,
        scale=scale,
        mode=mode,
        coordinate_transformation_mode=coordinate_transformation_mode,
        nearest_mode=nearest_mode,
        cubic_coeff_a=cubic_coeff_a,
        exclude_outside=exclude_outside,
        antialias=antialias,
        layout=layout,
        roi=roi,
        extrapolation_value=extrapolation_value,
    )
    n_classes = x.shape[c_axis]
    if n_classes == 0:
        raise InvalidArgumentError("logits", f"array of shape {x.shape}", "at least one class")
    out_dtype = label_dtype(n_classes, dtype)
    labels_shape = tuple(n for a, n in enumerate(out_shape) if a != c_axis)
    _checks.output_bytes("size", labels_shape, out_dtype)
    labels = np.empty(labels_shape, dtype=out_dtype)

    ah = min(plans)  # the H axis (H comes before W in every layout)
    order = axis_order(plans)
    fused = fused_resize_kernel()
    if (
        fused is not None
        and x.dtype in (np.float32, np.float64)
        and all(p.outside is None for p in plans.values())
    ):
        # One output row of scores per thread, never a band (:mod:`.fused`); same labels.
        fused.argmax_two_axes(x, ah, c_axis, plans[ah], plans[ah + 1], labels, h_first=order[0] == ah)
        return labels
    h_plan = plans[ah]
    # Scores per row of the band (all classes; input or output width, whichever is wider),
    # at 8 bytes each (the float64 work copy or the float32 work copy plus the cast result).
    row_elems = max(int(np.prod(out_shape)) // h_plan.n_out, x.size // x.shape[ah])
    band = max(1, min(h_plan.n_out, _BAND_BYTES // (8 * row_elems)))

    label_axis = ah - (1 if c_axis < ah else 0)
    for o0 in range(0, h_plan.n_out, band):
        o1 = min(o0 + band, h_plan.n_out)
        sub, lo, hi = plan_rows(h_plan, o0, o1)
        window = x[(slice(None),) * ah + (slice(lo, hi),)]
        band_plans = {a: (sub if a == ah else p) for a, p in plans.items()}
        scores = resize_window(window, band_plans, order, extrapolation_value=float(extrapolation_value))
        target = labels[(slice(None),) * label_axis + (slice(o0, o1),)]
        target[...] = np.argmax(scores, axis=c_axis)
    return labels
