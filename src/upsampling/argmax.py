"""Upsample class scores to a label map without holding the upsampled scores.

``upsample_argmax(logits, size)`` equals ``np.argmax(upsampling.resize(logits, size), axis=class)``
exactly (ties go to the lowest class, NaN wins as in ``np.argmax``), but resizes one band
of output rows at a time for all classes, takes the argmax of the band and writes its
labels, so the extra memory is a band of scores rather than ``C`` full-size score maps.
Why a band is exact: :mod:`upsampling.kernels.argmax` (the pieces below the engine, shared
with :mod:`upsampling.dask`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from typing import Unpack

from upsampling import _checks
from upsampling.errors import InvalidArgumentError
from upsampling.kernels import fused_resize_kernel
from upsampling.kernels.argmax import CLASS_AXIS, class_axis, label_dtype, plan_rows
from upsampling.plan import AxisPlan
from upsampling.resizing import apply_plans, axis_order, spec_plans
from upsampling.spec import Layout, ResizeOptions, ResizeSpec, takes_resize_options

__all__ = ["CLASS_AXIS", "DEFAULT_LAYOUT", "class_axis", "label_dtype", "plan_rows", "resize_window", "upsample_argmax"]

#: ``upsample_argmax``'s layout when none is given: one image's class scores, channels first.
DEFAULT_LAYOUT: Layout = "CHW"

# Scores resized per band, in bytes (a band is at least one output row).
_BAND_BYTES = 64 * 2**20


def resize_window(
    x: np.ndarray,
    plans: Mapping[int, AxisPlan],
    order: Sequence[int],
    *,
    extrapolation_value: float = 0.0,
    out_dtype: Any = None,
) -> np.ndarray:
    """Apply row-sliced ``plans`` (from :func:`~upsampling.kernels.argmax.plan_rows`) to the
    input window ``x``.

    ``order`` must be :func:`~upsampling.resizing.axis_order` of the *whole-array* plans:
    the order of the axes changes float rounding.
    """
    return apply_plans(x, plans, order=order, extrapolation_value=extrapolation_value, out_dtype=out_dtype)


@takes_resize_options(layout=DEFAULT_LAYOUT)
def upsample_argmax(
    logits: Any,
    size: int | Sequence[int] | None = None,
    *,
    dtype: Any = None,
    **options: Unpack[ResizeOptions],
) -> np.ndarray:
    """Labels of the resized class scores: ``argmax(resize(logits), axis=class)``, band by band.

    Parameters
    ----------
    logits : class scores in ``layout`` -- ``CHW`` (default here), ``HWC``, ``NCHW`` or ``NHWC``.
    size, **options : as :func:`upsampling.resize` (the fields of :class:`~upsampling.ResizeSpec`),
        except that ``layout`` defaults to ``"CHW"``.
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
    >>> from upsampling.argmax import upsample_argmax
    >>> logits = np.array([[[0.0, 1.0]], [[1.0, 0.0]]])  # 2 classes, 1 x 2 pixels
    >>> upsample_argmax(logits, (1, 4))
    array([[1, 1, 0, 0]], dtype=uint8)
    """
    x = _checks.numeric_array("logits", logits)
    c_axis = class_axis(options.get("layout", DEFAULT_LAYOUT))
    spec = ResizeSpec.from_call(size, {"layout": DEFAULT_LAYOUT, **options})
    plans = spec_plans(spec, x)
    out_shape = tuple(plans[a].n_out if a in plans else n for a, n in enumerate(x.shape))
    n_classes = x.shape[c_axis]
    if n_classes == 0:
        raise InvalidArgumentError("logits", f"array of shape {x.shape}", "at least one class")
    out_dtype = label_dtype(n_classes, dtype)
    labels_shape = tuple(n for a, n in enumerate(out_shape) if a != c_axis)
    _checks.output_bytes("size", labels_shape, out_dtype)
    labels = np.empty(labels_shape, dtype=out_dtype)
    if labels.size == 0:  # an empty batch: nothing to compute
        return labels

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
        scores = resize_window(window, band_plans, order, extrapolation_value=spec.extrapolation_value)
        target = labels[(slice(None),) * label_axis + (slice(o0, o1),)]
        target[...] = np.argmax(scores, axis=c_axis)
    return labels
