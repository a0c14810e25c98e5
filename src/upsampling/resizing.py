"""The resize engine: validate -> plan each axis -> apply one axis at a time.

:func:`resize` speaks ONNX Resize's vocabulary, which names every convention the
frameworks use.  The framework twins in :mod:`upsampling.frameworks` build their
own per-axis plans (for quirks outside that vocabulary: float32 index arithmetic,
TF's weight table, Pillow's filter windows) and call :func:`apply_plans`, the one
place plans meet data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from upsampling import _checks, _memory
from upsampling._options import _options
from upsampling.coords import COORDINATE_TRANSFORMATION_MODES, NEAREST_MODES
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError
from upsampling.kernels import fused_resize_kernel, resize_axis_kernel
from upsampling.plan import AxisPlan, ByteLRU, area_plan, building_bytes, interpolation_plan, plan_bytes

__all__ = [
    "LAYOUTS",
    "MODES",
    "apply_plans",
    "axis_order",
    "output_size",
    "resize",
    "resize_plans",
    "spatial_axes",
]

Mode = Literal["nearest", "linear", "cubic", "area"]
Layout = Literal["HW", "HWC", "CHW", "NHWC", "NCHW"]
MODES: tuple[str, ...] = Mode.__args__  # type: ignore[attr-defined]
#: layout -> (rank, index of H, index of W)
LAYOUTS: dict[str, tuple[int, int, int]] = {
    "HW": (2, 0, 1),
    "HWC": (3, 0, 1),
    "CHW": (3, 1, 2),
    "NHWC": (4, 1, 2),
    "NCHW": (4, 2, 3),
}


def spatial_axes(parameter: str, x: np.ndarray, layout: str) -> tuple[int, int]:
    """Check ``x.ndim`` against ``layout`` and return the (H, W) axes."""
    _checks.choice("layout", layout, tuple(LAYOUTS))
    rank, h, w = LAYOUTS[layout]
    if x.ndim != rank:
        raise ShapeError(
            parameter,
            f"array of shape {x.shape}",
            f"a {rank}-D array for layout {layout!r}",
            f"Pass layout= matching the array ({', '.join(f'{k}: {v[0]}-D' for k, v in LAYOUTS.items())}).",
        )
    return h, w


def _pair(parameter: str, value: Any, check) -> tuple[Any, Any]:
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        items = _checks.sequence(parameter, value, 2)
        return check(parameter, items[0]), check(parameter, items[1])
    v = check(parameter, value)
    return v, v


def output_size(n_in: int, scale: float, parameter: str = "scale") -> int:
    """``floor(n_in * scale)`` in float64 (ONNX's rule; PyTorch's for ``scale_factor``)."""
    n = math.floor(n_in * scale)
    if n < 1:
        raise InvalidArgumentError(
            parameter, scale, f"a scale with floor({n_in} * scale) >= 1, i.e. scale >= {1 / n_in:g}"
        )
    return n


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
    """Bytes of the fused kernel's prepared taps (:func:`upsampling.kernels.numba_fused._prepared`):
    both plans' weights in the work dtype, and the W taps flattened per channel (with an int64
    temporary) for fewer than 8 channels."""
    axes = sorted(plans)
    ph, pw = plans[axes[0]], plans[axes[1]]
    q = math.prod(shape[axes[1] + 1 :])
    ws = work.itemsize
    prepared = (ph.n_out * ph.taps + pw.n_out * pw.taps) * ws
    if q < 8:
        prepared += pw.taps * pw.n_out * (1 if 2 <= q <= 4 else q) * (16 + ws)
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
        from upsampling.kernels._threads import thread_count

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


def resize(
    x: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    mode: str = "linear",
    coordinate_transformation_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    layout: str = "NHWC",
    roi: Sequence[float] | None = None,
    extrapolation_value: float = 0.0,
    out: np.ndarray | None = None,
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
    x = _checks.numeric_array("x", x)
    args = (size, scale, mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, antialias, layout, roi, extrapolation_value)
    st, plans = _resize_setup_cached(x, args, out_dtype=x.dtype)
    ah, aw = st.axes
    n_out, scales, roi = st.n_out, st.scales, st.roi
    mode, cubic_coeff_a, extrapolation_value = st.mode, st.cubic_coeff_a, st.extrapolation_value

    if _options["kernel"] == "reference":
        from upsampling.reference.resize_pointwise import resize_pointwise

        _checks.output_bytes("size", [n_out[0] if a == ah else n_out[1] if a == aw else n for a, n in enumerate(x.shape)], x.dtype)
        y = resize_pointwise(
            x,
            n_out,
            axes=(ah, aw),
            mode=mode,
            coordinate_transformation_mode=coordinate_transformation_mode,
            scale=scales,
            nearest_mode=nearest_mode,
            cubic_coeff_a=cubic_coeff_a,
            exclude_outside=st.exclude_outside,
            antialias=st.antialias,
            roi=tuple(roi),
            extrapolation_value=extrapolation_value,
        )
        y = cast_output(y, x.dtype)
        if out is not None:
            _check_out(out, y.shape, x.dtype)
            out[...] = y
            return out
        return y

    return apply_plans(x, plans, extrapolation_value=extrapolation_value, out=out)


# (x.shape, each argument of resize() tagged with its type) -> (_ResizeSetup, plans): the
# validated set-up of recent calls.  Validating and planning cost 15-40 µs a call, a tenth of
# a sub-millisecond resize; a loop of calls with the same arguments pays it once.  Every part of
# the key carries its type, so a value that compares equal to a validated one but would be
# refused (True for 1, 1.0 for a size) never reuses its entry.
# Bounded by bytes (options(plan_cache_bytes=...)): an entry counts its plans' arrays.
_SETUPS = ByteLRU("resizing._SETUPS")


def _tagged(value: Any) -> Any:
    if type(value) is tuple:
        return (tuple, tuple(map(type, value)), value)
    return (type(value), value)


def _resize_setup_cached(x: Any, args: tuple, out_dtype: np.dtype | None = None) -> tuple[_ResizeSetup, dict[int, AxisPlan]]:
    """``_resize_setup`` and ``_setup_plans`` of :func:`resize`'s arguments (``args`` in the
    signature's order after ``x``), cached per shape and typed arguments; unhashable
    arguments (lists, arrays) are validated every time.  The plans are shared between
    callers: do not modify them.

    ``out_dtype``: check the bytes of an output of ``x``'s shape resized, in that dtype,
    before planning (:func:`resize`; :func:`resize_plans` callers such as ``upsample_argmax``
    allocate another output and check it themselves)."""
    try:
        key = (x.shape, *map(_tagged, args))
        hit = _SETUPS.lookup(key)
    except TypeError:  # an unhashable argument
        key = hit = None
    if hit is not None:
        return hit
    size, scale, mode, ctm, nearest_mode, cubic_coeff_a, exclude_outside, antialias, layout, roi, ev = args
    st = _resize_setup(
        x,
        size,
        scale=scale,
        mode=mode,
        coordinate_transformation_mode=ctm,
        nearest_mode=nearest_mode,
        cubic_coeff_a=cubic_coeff_a,
        exclude_outside=exclude_outside,
        antialias=antialias,
        layout=layout,
        roi=roi,
        extrapolation_value=ev,
    )
    # The output's bytes before the plans: a plan holds n_out indices and weights per axis, so
    # an absurd size must be refused before planning allocates anything.
    parameter = "size" if size is not None else "scale"
    if out_dtype is not None:
        out_shape = [st.n_out[st.axes.index(a)] if a in st.axes else n for a, n in enumerate(x.shape)]
        _checks.output_bytes(parameter, out_shape, out_dtype)
    # Then the plans and the intermediates, estimated from the arguments before anything is built.
    _checks.work_bytes(parameter, _setup_work_bytes(x, st, out_dtype), "plans and intermediate arrays")
    with _checks.sizes_named(parameter):
        value = (st, _setup_plans(st))
    if key is not None:
        _SETUPS.put(key, value)
    return value


def _setup_sizes(st: _ResizeSetup) -> dict[int, _Sizes]:
    """Each axis' lengths and an upper bound of its plan's taps (:func:`_setup_plans`'s builders)."""
    sizes = {}
    for k, axis in enumerate(st.axes):
        n_in, n_out = st.n_in[k], st.n_out[k]
        if st.mode == "area":
            taps = -(-n_in // n_out) + 3  # area_plan's overlap rule
        elif st.mode == "nearest":
            taps = 1
        elif not st.antialias:
            taps = 2 if st.mode == "linear" else 4
        else:
            s = st.scales[k] if st.scales[k] is not None else n_out / n_in
            radius = 1.0 if st.mode == "linear" else 2.0
            taps = int(2 * math.ceil(radius / min(s, 1.0))) + 1
        sizes[axis] = _Sizes(n_in, n_out, taps)
    return sizes


def _setup_work_bytes(x: Any, st: _ResizeSetup, out_dtype: np.dtype | None) -> int:
    """Bytes :func:`resize` needs besides its output: both plans, plus the larger of the
    building temporaries and the intermediates of :func:`apply_plans` (when ``out_dtype`` says
    the call applies them)."""
    sizes = _setup_sizes(st)
    crop = st.coordinate_transformation_mode == "tf_crop_and_resize" and st.mode != "area"
    plans = sum(plan_bytes(z.n_out, z.taps, crop) for z in sizes.values())
    building = max(building_bytes(z.n_out, z.taps) - plan_bytes(z.n_out, z.taps) for z in sizes.values())
    if out_dtype is None:
        return plans + building
    dtype = np.dtype(getattr(x, "dtype", np.float64))
    inter = intermediate_bytes(x.shape, dtype, sizes, out_dtype, outside=crop, gather=st.mode == "nearest" and np.dtype(out_dtype) == dtype)
    return plans + max(building, inter)


@dataclass(frozen=True)
class _ResizeSetup:
    """:func:`resize`'s arguments, validated and normalised for one array shape."""

    axes: tuple[int, int]
    n_in: tuple[int, int]
    n_out: tuple[int, int]
    scales: tuple[float | None, float | None]
    mode: str
    coordinate_transformation_mode: str
    nearest_mode: str
    cubic_coeff_a: float
    exclude_outside: bool
    antialias: bool
    roi: tuple[float, float, float, float]
    extrapolation_value: float


def _resize_setup(
    x: Any,
    size: Any,
    *,
    scale: Any,
    mode: str,
    coordinate_transformation_mode: str,
    nearest_mode: str,
    cubic_coeff_a: float,
    exclude_outside: bool,
    antialias: bool,
    layout: str,
    roi: Any,
    extrapolation_value: float,
) -> _ResizeSetup:
    """Validate :func:`resize`'s arguments against ``x`` (anything with ``shape`` and ``ndim``)."""
    ah, aw = spatial_axes("x", x, layout)
    _checks.choice("mode", mode, MODES)
    _checks.choice("coordinate_transformation_mode", coordinate_transformation_mode, COORDINATE_TRANSFORMATION_MODES)
    _checks.choice("nearest_mode", nearest_mode, NEAREST_MODES)
    cubic_coeff_a = _checks.finite("cubic_coeff_a", cubic_coeff_a)
    exclude_outside = _checks.boolean("exclude_outside", exclude_outside)
    antialias = _checks.boolean("antialias", antialias)
    if antialias and mode not in ("linear", "cubic"):
        raise InvalidArgumentError(
            "antialias", antialias, "False for mode " + repr(mode), "Antialias applies to 'linear' and 'cubic'."
        )
    n_in = (x.shape[ah], x.shape[aw])
    if (size is None) == (scale is None):
        raise InvalidArgumentError(
            "size", size, "exactly one of size and scale", f"Got size={size!r} and scale={scale!r}."
        )
    if 0 in n_in:
        raise ShapeError("x", x.shape, "a non-empty height and width")
    if size is not None:
        n_out = _pair("size", size, _checks.positive_int)
        scales: tuple[float | None, float | None] = (None, None)
    else:
        scales = _pair("scale", scale, _checks.positive_finite)
        n_out = (output_size(n_in[0], scales[0]), output_size(n_in[1], scales[1]))
    if roi is None:
        roi = (0.0, 0.0, 1.0, 1.0)
    else:
        roi = tuple(_checks.finite("roi", v) for v in _checks.sequence("roi", roi, 4))
    extrapolation_value = _checks.real("extrapolation_value", extrapolation_value)
    return _ResizeSetup(
        (ah, aw),
        n_in,
        n_out,
        scales,
        mode,
        coordinate_transformation_mode,
        nearest_mode,
        cubic_coeff_a,
        exclude_outside,
        antialias,
        tuple(roi),
        extrapolation_value,
    )


def _setup_plans(st: _ResizeSetup) -> dict[int, AxisPlan]:
    """One cached :class:`AxisPlan` per spatial axis (H first, then W)."""
    ah, aw = st.axes
    n_in, n_out, scales, roi, mode = st.n_in, st.n_out, st.scales, st.roi, st.mode
    plans = {}
    for k, axis in enumerate((ah, aw)):
        if mode == "area":
            plans[axis] = area_plan(n_in[k], n_out[k], "overlap")
            continue
        s = scales[k]
        plans[axis] = interpolation_plan(
            n_in[k],
            n_out[k],
            mode,
            st.coordinate_transformation_mode,
            scale=s,
            out_length=None if s is None else n_in[k] * s,
            roi=(roi[k], roi[k + 2]),
            nearest_mode=st.nearest_mode,
            cubic_coeff_a=st.cubic_coeff_a,
            exclude_outside=st.exclude_outside,
            antialias=st.antialias,
        )
    return plans


def resize_plans(
    x: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    mode: str = "linear",
    coordinate_transformation_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    layout: str = "NHWC",
    roi: Sequence[float] | None = None,
    extrapolation_value: float = 0.0,
) -> tuple[dict[int, AxisPlan], tuple[int, ...]]:
    """The per-axis plans and output shape :func:`resize` uses for an array shaped like ``x``.

    ``x`` needs only ``shape`` and ``ndim`` (a NumPy or Dask array); the arguments are
    validated exactly as :func:`resize` does.  ``resize(x, ...)`` equals
    ``apply_plans(x, plans, extrapolation_value=...)`` with these plans, bit for bit.
    """
    if not (hasattr(x, "shape") and hasattr(x, "ndim")):
        x = _checks.numeric_array("x", x)
    args = (size, scale, mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, antialias, layout, roi, extrapolation_value)
    _, cached = _resize_setup_cached(x, args)
    plans = dict(cached)  # the caller's own dict: the cached one is shared
    shape = list(x.shape)
    for axis, plan in plans.items():
        shape[axis] = plan.n_out
    return plans, tuple(int(n) for n in shape)
