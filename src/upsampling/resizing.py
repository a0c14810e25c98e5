"""The resize engine: spec -> plan each axis -> apply one axis at a time (or both fused).

:func:`resize` speaks ONNX Resize's vocabulary, which names every convention the
frameworks use.  Its arguments are a :class:`~upsampling.spec.ResizeSpec` (validated once, the
parameter list written once); :func:`resize_spec` runs a spec, :func:`spec_plans` gives its
plans for an input shape with the memory they need checked first.  The framework twins in :mod:`upsampling.frameworks` build their
own per-axis plans (for quirks outside that vocabulary: float32 index arithmetic,
TF's weight table, Pillow's filter windows) and call :func:`apply_plans`, the one
place plans meet data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from upsampling import _checks, _memory
from upsampling._cache import ByteLRU
from upsampling._options import _options
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError
from upsampling.kernels import fused_resize_kernel, resize_axis_kernel
from upsampling.plan import AxisPlan, building_bytes, plan_bytes
from upsampling.spec import (
    LAYOUTS,
    MODES,
    Layout,
    Mode,
    ResizeOptions,
    ResizeSpec,
    output_size,
    spatial_axes,
    takes_resize_options,
)

if TYPE_CHECKING:
    from typing import Unpack

__all__ = [
    "LAYOUTS",
    "MODES",
    "Layout",
    "Mode",
    "apply_plans",
    "axis_order",
    "output_size",
    "resize",
    "resize_plans",
    "resize_spec",
    "spatial_axes",
    "spec_plans",
]


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """float64 stays float64; every other input is computed in float32, except integers (float64)."""
    if dtype == np.float64 or dtype.kind in "iu":
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def cast_output(y: np.ndarray, dtype: np.dtype, *, in_place: bool = False) -> np.ndarray:
    """Cast a computed result to ``dtype``; integers round half to even and saturate (ONNX's rule).

    Saturation is exact for every integer type.  For int64 and uint64 the float64 nearest to
    the type's maximum is ``2**63`` (``2**64``), one *above* it, so clipping to it and casting
    would wrap to the minimum (issue 19: ``2**63 - 1`` came back as ``-2**63``); values at or
    above that power of two become the maximum instead.  NaN (an integer output can only get
    one from a NaN ``extrapolation_value``) becomes 0.  ``in_place``: ``y`` is a float
    temporary the caller owns; round and clip it where it is (no float copies of the output).
    """
    dtype = np.dtype(dtype)
    if y.dtype == dtype:  # copied samples (nearest): nothing to round
        return y
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        if in_place and y.dtype.kind == "f" and y.ndim and dtype.itemsize < 8 and y.flags.writeable:
            np.rint(y, out=y)
            np.copyto(y, 0.0, where=np.isnan(y))
            return np.clip(y, info.min, info.max, out=y).astype(dtype)
        r = np.asarray(np.rint(y))  # (rint of a 0-d array is a scalar)
        if r.dtype.kind != "f":
            return np.clip(r, info.min, info.max).astype(dtype)
        np.copyto(r, 0.0, where=np.isnan(r))
        if dtype.itemsize < 8:  # float64 holds both limits exactly
            return np.clip(r, info.min, info.max).astype(dtype)
        top = float(info.max)  # 2**63 or 2**64: just above the maximum
        below = np.clip(r, float(info.min), np.nextafter(top, 0.0)).astype(dtype)
        return np.where(r >= top, dtype.type(info.max), below).astype(dtype, copy=False)
    return y.astype(dtype, copy=False)


def _gathers_only(plans: Mapping[int, AxisPlan]) -> bool:
    """Whether every plan picks one input sample per output with weight 1 (nearest)."""
    return all(p.taps == 1 and bool(np.all(p.weight == 1)) for p in plans.values())


@dataclass(frozen=True)
class _Sizes:
    """An axis' lengths and taps, for estimates made before its plan exists."""

    n_in: int
    n_out: int
    taps: int


def _prepared_bytes(shape: Sequence[int], plans: Mapping[int, Any], work: np.dtype) -> int:
    """Bytes of the fused kernel's prepared taps (:func:`upsampling.kernels.fused._prepared`):
    both plans' indices (int64) and weights in the work dtype, and for a bit copy of 5-7
    channels one int64 column index per output element of a row."""
    axes = sorted(plans)
    ph, pw = plans[axes[0]], plans[axes[1]]
    q = math.prod(shape[axes[1] + 1 :])
    prepared = (ph.n_out * ph.taps + pw.n_out * pw.taps) * (8 + work.itemsize)
    if 4 < q < 8:
        prepared += pw.n_out * q * 8
    return prepared


def _fused_applies(x_shape: Sequence[int], x_dtype: np.dtype, plans: Mapping[int, Any], out_dtype: np.dtype, outside: bool) -> Any:
    """The fused kernel module when :func:`apply_plans` would use it for these plans, else None.

    Not when its prepared taps would outweigh the output (a long, thin resize such as
    4 -> 20,000,000 samples): the per-axis path gives the same bits with less memory.
    """
    fused = fused_resize_kernel()
    axes = sorted(plans)
    if (
        fused is not None
        and len(axes) == 2
        and axes[1] == axes[0] + 1
        and not outside
        and fused.supports(x_dtype, compute_dtype(x_dtype), out_dtype)
    ):
        out_bytes = math.prod(plans[a].n_out if a in plans else n for a, n in enumerate(x_shape)) * np.dtype(out_dtype).itemsize
        if _prepared_bytes(x_shape, plans, compute_dtype(x_dtype)) <= max(FUSED_PREPARED_MIN_BYTES, out_bytes):
            return fused
    return None


#: The fused kernel may always prepare this many bytes of taps (see :func:`_fused_applies`).
FUSED_PREPARED_MIN_BYTES = 32 * 2**20


def intermediate_bytes(
    shape: Sequence[int],
    dtype: np.dtype,
    plans: Mapping[int, Any],
    out_dtype: np.dtype,
    *,
    outside: bool = False,
    gather: bool = False,
    order: Sequence[int] | None = None,
) -> int:
    """Peak bytes :func:`apply_plans` allocates besides the output and the plans.

    ``plans``: per axis anything with ``n_in``, ``n_out`` and ``taps`` (plans, or
    :class:`_Sizes` before they exist).  The fused kernel needs its prepared taps (weights in
    the work dtype, the W taps flattened per channel) and a few cached rows per thread; the
    one-axis-at-a-time path needs the float work copy of the input (unless it is already in
    the work dtype), and for each axis the previous intermediate, the gathered rows and the
    new intermediate; extrapolation masks add a bool mask and a copy.
    """
    dtype, out_dtype = np.dtype(dtype), np.dtype(out_dtype)
    work = compute_dtype(dtype)
    ws = work.itemsize
    shape = [int(n) for n in shape]
    if _fused_applies(shape, dtype, plans, out_dtype, outside) is not None:
        axes = sorted(plans)
        ph, pw = plans[axes[0]], plans[axes[1]]
        q = math.prod(shape[axes[1] + 1 :])
        prepared = _prepared_bytes(shape, plans, work)
        from upsampling.kernels import thread_count

        rows = thread_count() * (ph.taps + 3) * max(pw.n_in, pw.n_out) * q * ws
        contiguous = math.prod(shape) * dtype.itemsize  # a non-C-ordered input is copied once
        return prepared + rows + contiguous
    size = math.prod(shape)
    item = dtype.itemsize if gather else ws
    live = 0 if gather or dtype == work else size * ws  # the work copy
    peak = live
    order = axis_order(plans) if order is None else order
    for axis in order:
        shape[axis] = plans[axis].n_out
        nxt = math.prod(shape) * item
        # previous + gathered rows + new (+ the weights of a tap, one per output row)
        peak = max(peak, live + (1 if gather else 2) * nxt + plans[axis].n_out * (ws + 8))  # (+ the tap's indices)
        live = nxt
    final = math.prod(shape)
    if outside:
        peak = max(peak, live + final * (1 + item))  # the mask and np.where's copy
    if np.issubdtype(out_dtype, np.integer) and not gather:
        peak = max(peak, live + final)  # the NaN mask of the cast
    if np.issubdtype(out_dtype, np.integer) and not gather and out_dtype.itemsize == 8:
        peak = max(peak, live + final * 17)  # 64-bit saturation: rint, clip and a mask
    return peak + _SLACK_BYTES


#: Small temporaries no estimate itemises: NumPy's ufunc buffers (8,192 elements), index copies.
_SLACK_BYTES = 2**20


def axis_order(plans: Mapping[int, AxisPlan]) -> list[int]:
    """The order :func:`apply_plans` resizes axes in.

    Shrinking axes go first, the most shrinking first (ties keep axis order): the
    intermediate stays small and a downscale reads only the rows it needs.  The other axes
    follow from the last to the first.  In a C-ordered array the last axis is the one whose
    pass gathers (its taps are not contiguous runs), so running it on the un-grown rows does
    the fewest gathers; the fused kernel then caches each resized input row and the earlier
    axis blends whole cached rows (OpenCV's scheme for upscales).

    The order changes float rounding, so anything that must reproduce a result bit for
    bit (the Dask tiler, ``upsampling.torch``, the fused kernels) applies the axes in the
    order of the *whole-array* plans.
    """
    shrinking = sorted((a for a in plans if plans[a].n_out < plans[a].n_in), key=lambda a: plans[a].n_out / plans[a].n_in)
    growing = sorted((a for a in plans if plans[a].n_out >= plans[a].n_in), reverse=True)
    return shrinking + growing


def apply_plans(
    x: np.ndarray,
    plans: Mapping[int, AxisPlan],
    *,
    out_dtype: Any = None,
    extrapolation_value: float = 0.0,
    parameter: str = "size",
    order: Sequence[int] | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Resize ``x`` along each ``axis -> plan``, one axis at a time.

    Parameters
    ----------
    x : real ndarray of any rank.
    plans : for each axis to resize, its :class:`~upsampling.plan.AxisPlan`.
    out_dtype : result dtype (default ``x.dtype``).  Integer outputs round half to
        even and saturate.  Arithmetic is float64 for float64 and integer inputs,
        float32 otherwise.
    extrapolation_value : value of outputs a plan marks ``outside``.
    parameter : the argument named in an :class:`~upsampling.OutputTooLargeError`.
    order : the axes in the order to resize them (default :func:`axis_order` of ``plans``).
    out : optional array of the output's shape and dtype to write the result into (and
        return); it saves allocating (and page-faulting) a fresh output on every call.

    Two adjacent axes without ``outside`` masks go through the fused kernel
    (:mod:`upsampling.kernels.fused`, compiled) when it loads: both axes in one pass
    over row-sized buffers, the same bits as resizing one axis at a time in ``order``.
    """
    out_dtype = x.dtype if out_dtype is None else np.dtype(out_dtype)
    out_shape = list(x.shape)
    for axis, plan in plans.items():
        if plan.n_in != x.shape[axis]:
            raise ShapeError(parameter, x.shape, f"length {plan.n_in} on axis {axis}")
        out_shape[axis] = plan.n_out
    if out is not None:
        _check_out(out, out_shape, out_dtype)
    else:
        _checks.output_bytes(parameter, out_shape, out_dtype)
    if 0 in out_shape:  # zero channels or batch: nothing to compute (the compiled kernels take no empty arrays)
        return out if out is not None else np.empty(out_shape, out_dtype)
    work = compute_dtype(x.dtype)
    # Shrinking axes first keeps the intermediate small.
    order = axis_order(plans) if order is None else order
    outside = any(p.outside is not None for p in plans.values())
    gather = out_dtype == x.dtype and _gathers_only(plans)
    # The plans exist already (and count: they stay alive while the kernel runs); the rest is
    # checked before it is allocated.
    extra = intermediate_bytes(x.shape, x.dtype, plans, out_dtype, outside=outside, gather=gather, order=order)
    if out is not None and not out.flags.c_contiguous:
        extra += math.prod(out_shape) * out_dtype.itemsize
    held = sum(p.index.nbytes + p.weight.nbytes for p in plans.values())
    _checks.work_bytes(parameter, held + extra, "plans and intermediate arrays")
    fused = _fused_applies(x.shape, x.dtype, plans, out_dtype, outside)
    axes = sorted(plans)
    if fused is not None:
        target = out if out is not None and out.flags.c_contiguous else _memory.empty(out_shape, out_dtype)
        fused.apply_two_axes(x, axes[0], plans[axes[0]], plans[axes[1]], list(order)[0] == axes[0], work, target)
        if out is not None and target is not out:
            out[...] = target
            return out
        return target
    masks = [(a, p.outside) for a, p in plans.items() if p.outside is not None]
    if gather:
        # Nearest copies samples: no arithmetic, so int64 values beyond 2**53 survive (a float64
        # work copy would round them) and every other dtype gets the same bits as the blend.
        y = x if plans else x.copy()  # (np.take copies)
        for axis in order:
            y = np.take(y, plans[axis].index[:, 0], axis=axis)
        fill = cast_output(np.asarray(extrapolation_value, dtype=np.float64), out_dtype) if masks else None
    else:
        y = x if x.dtype == work else x.astype(work)
        apply_axis = resize_axis_kernel()
        for axis in order:
            y = apply_axis(y, axis, plans[axis], work)
        fill = np.asarray(extrapolation_value, dtype=work) if masks else None
    if masks:
        hit = np.zeros(out_shape, dtype=bool)
        for axis, outside in masks:
            shape = [1] * len(out_shape)
            shape[axis] = -1
            hit |= outside.reshape(shape)
        y = np.where(hit, fill, y)
    y = cast_output(y, out_dtype, in_place=y is not x)
    if out is not None:
        out[...] = y
        return out
    return y


def _check_out(out: Any, shape: Sequence[int], dtype: np.dtype) -> None:
    """``out=`` must be a writeable ndarray of exactly the output's shape and dtype."""
    if not isinstance(out, np.ndarray):
        raise DTypeError("out", type(out).__name__, "a NumPy array (or None)")
    if tuple(out.shape) != tuple(shape):
        raise ShapeError("out", f"array of shape {out.shape}", f"the output shape {tuple(shape)}")
    if out.dtype != dtype:
        raise DTypeError("out", out.dtype, f"the output dtype {dtype}")
    if not out.flags.writeable:
        raise InvalidArgumentError("out", "a read-only array", "a writeable array")


@takes_resize_options()
def resize(
    x: Any,
    size: int | Sequence[int] | None = None,
    *,
    out: np.ndarray | None = None,
    **options: Unpack[ResizeOptions],
) -> np.ndarray:
    """Resize the spatial axes of an image or feature map.

    Parameters
    ----------
    x : array of shape given by ``layout``: ``HW``, ``HWC``, ``CHW``, ``NHWC`` (default)
        or ``NCHW``.  dtype float16/float32/float64 (preserved) or an integer type.
    size : output ``(height, width)``, or one int for both.  Exactly one of ``size``
        and ``scale``.
    scale : ``s`` per axis (or one for both); the output length is
        ``floor(n_in * s)`` and the coordinate formulas use ``s`` itself (not
        ``n_out / n_in``), as ONNX Resize does with ``scales``.
    mode : ``"nearest"``, ``"linear"`` (bilinear), ``"cubic"`` (bicubic) or ``"area"``
        (box average weighted by fractional overlap, TF's ``area``; the coordinate
        convention does not apply to it).
    coordinate_transformation_mode : where output pixel ``i`` samples the input; see
        :data:`upsampling.coords.CONVENTIONS`.
    nearest_mode : rounding for ``mode="nearest"``.
    cubic_coeff_a : Keys' ``a`` for ``mode="cubic"``.
    exclude_outside : give out-of-image taps weight 0 and renormalise (cubic, antialias).
    antialias : when downscaling, stretch the linear/cubic kernel by ``1/s``
        (ONNX Resize-18 semantics; Pillow's, PyTorch's and TF's antialias are in the twins).
    roi : for ``tf_crop_and_resize``: ``(y_start, x_start, y_end, x_end)`` in
        normalised coordinates (default ``(0, 0, 1, 1)``).
    extrapolation_value : value of samples outside the image for ``tf_crop_and_resize``.
    out : optional C-ordered array of the output's shape and ``x``'s dtype; the result is
        written into it and returned (no fresh allocation, no page faults on each call).

    Returns
    -------
    ndarray in the same layout with the new height and width, same dtype as ``x``
    (``out`` itself when given).
    Integer inputs are computed in float64, rounded half to even and saturated.

    Raises
    ------
    InvalidArgumentError, ShapeError, DTypeError, OutputTooLargeError
        Each names the parameter, the value received and what is allowed.

    Convention
    ----------
    Pixel centres sit at integer coordinates.  Borders: nearest indices and linear
    coordinates are clamped into the image; cubic taps outside the image replicate
    the edge (or are excluded).  NaN and Inf propagate through the weighted sums.

    Examples
    --------
    >>> import numpy as np, upsampling
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> upsampling.resize(x, (4, 4), layout="HW")
    array([[0.  , 0.25, 0.75, 1.  ],
           [0.5 , 0.75, 1.25, 1.5 ],
           [1.5 , 1.75, 2.25, 2.5 ],
           [2.  , 2.25, 2.75, 3.  ]])
    >>> upsampling.resize(x, (3, 3), layout="HW", coordinate_transformation_mode="align_corners")
    array([[0. , 0.5, 1. ],
           [1. , 1.5, 2. ],
           [2. , 2.5, 3. ]])
    """
    return resize_spec(x, ResizeSpec.from_call(size, options), out=out)


def resize_spec(x: Any, spec: ResizeSpec, *, out: np.ndarray | None = None) -> np.ndarray:
    """Apply a :class:`~upsampling.ResizeSpec` to ``x``: :func:`resize` once its arguments are
    a spec (``resize(x, size, **options)`` is ``resize_spec(x, ResizeSpec(size, **options))``).
    ``x``, ``out``, the result and the errors are as :func:`resize`'s.  The faces that build
    their own spec call this, or :func:`spec_plans` for the plans alone (``upsampling.torch``,
    ``upsampling.dask``, ``upsample_argmax``).
    """
    if not isinstance(spec, ResizeSpec):
        raise DTypeError("spec", type(spec).__name__, "an upsampling.ResizeSpec")
    x = _checks.numeric_array("x", x)
    plans = spec_plans(spec, x, out_dtype=x.dtype)
    if _options["kernel"] == "reference":
        return _resize_reference(x, spec, plans, out)
    return apply_plans(x, plans, extrapolation_value=spec.extrapolation_value, out=out)


def _resize_reference(x: np.ndarray, spec: ResizeSpec, plans: Mapping[int, AxisPlan], out: np.ndarray | None) -> np.ndarray:
    """:func:`resize_spec` through the readable per-pixel path (``set_options(kernel="reference")``)."""
    from upsampling.reference.resize_pointwise import resize_pointwise

    ah, aw = sorted(plans)
    _checks.output_bytes("size", planned_shape(x.shape, plans), x.dtype)
    y = resize_pointwise(
        x,
        (plans[ah].n_out, plans[aw].n_out),
        axes=(ah, aw),
        mode=spec.mode,
        coordinate_transformation_mode=spec.coordinate_transformation_mode,
        scale=spec.scale or (None, None),
        nearest_mode=spec.nearest_mode,
        cubic_coeff_a=spec.cubic_coeff_a,
        exclude_outside=spec.exclude_outside,
        antialias=spec.antialias,
        roi=spec.roi or (0.0, 0.0, 1.0, 1.0),
        extrapolation_value=spec.extrapolation_value,
    )
    y = cast_output(y, x.dtype)
    if out is not None:
        _check_out(out, y.shape, x.dtype)
        out[...] = y
        return out
    return y


# (spec, input shape) -> the plans of recent calls (equal specs give equal plans).  Checking the
# memory a call needs and finding its plans cost 10-20 µs, a tenth of a sub-millisecond resize; a
# loop of calls with the same spec and shape pays it once (ResizeSpec.from_call caches the
# validation the same way).
# Bounded by bytes (options(plan_cache_bytes=...)): an entry counts its plans' arrays.
_PLANS = ByteLRU("resizing._PLANS")


def spec_plans(spec: ResizeSpec, x: Any, out_dtype: Any = None) -> dict[int, AxisPlan]:
    """``spec``'s per-axis plans for an array shaped like ``x`` (anything with ``shape`` and
    ``ndim``), the memory they take checked before anything is built.

    ``out_dtype``: the call also allocates the resized output in this dtype and applies the
    plans (:func:`resize_spec`): check those bytes too, first, so that an absurd size is refused
    before planning allocates anything.  Cached per spec and shape; the dict and its plans are
    shared between callers: do not modify them.
    """
    key = (spec, x.shape)
    hit = _PLANS.lookup(key)
    if hit is not None:
        return hit
    axes = spec.axes(x.shape)
    n_out = spec.output_lengths(x.shape)
    parameter = "size" if spec.size is not None else "scale"
    if out_dtype is not None:
        out_shape = [n_out[axes.index(a)] if a in axes else n for a, n in enumerate(x.shape)]
        _checks.output_bytes(parameter, out_shape, out_dtype)
    _checks.work_bytes(parameter, _work_bytes(spec, x, out_dtype), "plans and intermediate arrays")
    with _checks.sizes_named(parameter):
        plans = spec.plans(x.shape)
    _PLANS.put(key, plans)
    return plans


def planned_shape(shape: Sequence[int], plans: Mapping[int, AxisPlan]) -> tuple[int, ...]:
    """``shape`` with each planned axis' length replaced by its plan's output length."""
    return tuple(int(plans[a].n_out) if a in plans else int(n) for a, n in enumerate(shape))


def _plan_sizes(spec: ResizeSpec, shape: Sequence[int]) -> dict[int, _Sizes]:
    """Each spatial axis' lengths and an upper bound of its plan's taps (the builders of
    :meth:`ResizeSpec.plans`), for an input of ``shape``."""
    sizes = {}
    scales = spec.scale or (None, None)
    for k, (axis, n_out) in enumerate(zip(spec.axes(shape), spec.output_lengths(shape))):
        n_in = int(shape[axis])
        if spec.mode == "area":
            taps = -(-n_in // n_out) + 3  # area_plan's overlap rule
        elif spec.mode == "nearest":
            taps = 1
        elif not spec.antialias:
            taps = 2 if spec.mode == "linear" else 4
        else:
            s = scales[k] if scales[k] is not None else n_out / n_in
            radius = 1.0 if spec.mode == "linear" else 2.0
            taps = int(2 * math.ceil(radius / min(s, 1.0))) + 1
        sizes[axis] = _Sizes(n_in, n_out, taps)
    return sizes


def _work_bytes(spec: ResizeSpec, x: Any, out_dtype: Any) -> int:
    """Bytes a call needs besides its output: both plans, plus the larger of the building
    temporaries and the intermediates of :func:`apply_plans` (when ``out_dtype`` says the call
    applies them), estimated before anything is built."""
    sizes = _plan_sizes(spec, x.shape)
    crop = spec.coordinate_transformation_mode == "tf_crop_and_resize" and spec.mode != "area"
    plans = sum(plan_bytes(z.n_out, z.taps, crop) for z in sizes.values())
    building = max(building_bytes(z.n_out, z.taps) - plan_bytes(z.n_out, z.taps) for z in sizes.values())
    if out_dtype is None:
        return plans + building
    dtype = np.dtype(getattr(x, "dtype", np.float64))
    gather = spec.mode == "nearest" and np.dtype(out_dtype) == dtype
    inter = intermediate_bytes(x.shape, dtype, sizes, out_dtype, outside=crop, gather=gather)
    return plans + max(building, inter)


@takes_resize_options()
def resize_plans(
    x: Any,
    size: int | Sequence[int] | None = None,
    **options: Unpack[ResizeOptions],
) -> tuple[dict[int, AxisPlan], tuple[int, ...]]:
    """The per-axis plans and output shape :func:`resize` uses for an array shaped like ``x``.

    ``x`` needs only ``shape`` and ``ndim`` (a NumPy or Dask array); the arguments are
    validated exactly as :func:`resize` does.  ``resize(x, ...)`` equals
    ``apply_plans(x, plans, extrapolation_value=...)`` with these plans, bit for bit.
    """
    if not (hasattr(x, "shape") and hasattr(x, "ndim")):
        x = _checks.numeric_array("x", x)
    plans = dict(spec_plans(ResizeSpec.from_call(size, options), x))  # the caller's own dict
    return plans, planned_shape(x.shape, plans)
