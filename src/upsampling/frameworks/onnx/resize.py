"""Twin of the ONNX ``Resize`` operator (opset 19) and the deprecated ``Upsample`` (opset 9).

ONNX's attributes are the engine's own vocabulary, so this is the thinnest twin: it reads the
inputs and attributes as ONNX (``behaviour="spec"``) or ONNX Runtime (``"onnxruntime"``)
does, and builds each axis' plan through a :class:`Setting`.  This module never imports onnx.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from upsampling import _checks
from upsampling.coords import (
    COORDINATE_TRANSFORMATION_MODES,
    NEAREST_MODES,
    CoordinateTransformationMode,
    NearestMode,
)
from upsampling.errors import InvalidArgumentError, ShapeError, UnsupportedError
from upsampling.frameworks._mapping import Setting
from upsampling.plan import AxisPlan
from upsampling.resizing import apply_plans

__all__ = ["Behaviour", "KeepAspectRatioPolicy", "ResizeMode", "resize", "upsample"]

ResizeMode = Literal["nearest", "linear", "cubic"]
KeepAspectRatioPolicy = Literal["stretch", "not_larger", "not_smaller"]
#: ``"spec"``: the ONNX specification and the onnx reference; ``"onnxruntime"``: ONNX Runtime's arithmetic.
Behaviour = Literal["spec", "onnxruntime"]
UpsampleMode = Literal["nearest", "linear"]
RESIZE_MODES: tuple[str, ...] = ResizeMode.__args__  # type: ignore[attr-defined]
KEEP_ASPECT_RATIO_POLICIES: tuple[str, ...] = KeepAspectRatioPolicy.__args__  # type: ignore[attr-defined]
BEHAVIOURS: tuple[str, ...] = Behaviour.__args__  # type: ignore[attr-defined]
UPSAMPLE_MODES: tuple[str, ...] = UpsampleMode.__args__  # type: ignore[attr-defined]

RESIZE_SPEC = Setting(
    "ONNX",
    "Resize(mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, antialias)",
    "interpolation_plan",
    {},
    "attributes pass straight through (they are the engine's vocabulary); scales enter the formula as given, "
    "align_corners divides by the fractional n_in*scale (spec and onnx reference, onnx/onnx#2462)",
)
RESIZE_ORT = Setting(
    "ONNX",
    "Resize(...) with behaviour='onnxruntime'",
    "interpolation_plan",
    {"precision": "float32", "onnxruntime": True},
    "ONNX Runtime: float32 coordinate arithmetic in its own order (align_corners multiplies first; "
    "half_pixel_symmetric's offset in float32, the rest in double), scale float32(out)/float32(in) with sizes, "
    "nearest coordinates within 1e-6 of a half rounded as ties, output length floor(float32(n)*float32(scale)); "
    "align_corners, pytorch_half_pixel and tf_crop_and_resize use the integer output length; an input whose shape "
    "does not change is copied, and in tf_crop_and_resize an axis whose length does not change is "
    "copied (its roi ignored)",
)
UPSAMPLE = Setting(
    "ONNX",
    "Upsample-9(mode='nearest'|'linear')",
    "interpolation_plan",
    {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
    "deprecated since opset 10; asymmetric sampling",
)


def _input_values(name: str, value: Any) -> list | None:
    """An optional 1-D input tensor (``roi``, ``scales``, ``sizes``) as a list; ``None`` when
    absent or empty, as ONNX treats an empty input."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (list, tuple, np.ndarray, str, bytes)) for v in value):
            raise InvalidArgumentError(name, value, "a 1-D sequence of numbers")
        return list(value) or None
    arr = _checks.as_array(name, value)
    if arr.dtype.kind not in "fiub" or arr.ndim > 1:
        raise InvalidArgumentError(name, value, "a 1-D sequence of numbers")
    return None if arr.size == 0 else arr.ravel().tolist()


def _flag(name: str, value: Any) -> bool:
    """An ONNX int attribute used as a flag: an int or a bool (NumPy's too); non-zero is on, as
    the onnx reference and ONNX Runtime read it.  Strings and floats are refused (a string
    attribute makes an invalid model; ``bool("0")`` would be on)."""
    if isinstance(value, (bool, np.bool_)) or _checks.is_integer(value):
        return bool(value)
    raise InvalidArgumentError(name, value, "an int: 0 or 1 (ONNX reads any non-zero int as 1)")


def resize(
    X: Any,
    roi: Any = None,
    scales: Any = None,
    sizes: Any = None,
    *,
    antialias: int = 0,
    axes: Sequence[int] | None = None,
    coordinate_transformation_mode: CoordinateTransformationMode = "half_pixel",
    cubic_coeff_a: float = -0.75,
    exclude_outside: int = 0,
    extrapolation_value: float = 0.0,
    keep_aspect_ratio_policy: KeepAspectRatioPolicy = "stretch",
    mode: ResizeMode = "nearest",
    nearest_mode: NearestMode = "round_prefer_floor",
    behaviour: Behaviour = "spec",
) -> np.ndarray:
    """The ONNX ``Resize`` operator (opset 19 attributes), on NumPy arrays.

    Parameters
    ----------
    X : N-D real array; any axis may be resized.
    roi : ``[starts..., ends...]`` (``2 * len(axes)`` values, normalised), used by
        ``tf_crop_and_resize`` only.  ``None`` or empty means the whole image.
    scales : one scale per resized axis; the output length is ``floor(n * scale)``
        and the coordinate formulas use the scale itself.
    sizes : one output length per resized axis (exactly one of scales/sizes).
    antialias, axes, coordinate_transformation_mode, cubic_coeff_a, exclude_outside,
    extrapolation_value, keep_aspect_ratio_policy, mode, nearest_mode :
        the ONNX attributes, with ONNX's defaults (note ``mode="nearest"``).
    behaviour : ``"spec"`` (default: the ONNX specification and the onnx reference,
        which pass every backend node test) or ``"onnxruntime"``: ONNX Runtime's
        float32 arithmetic, and for ``align_corners`` with ``scales`` the integer
        output length instead of the spec's fractional ``n * scale``
        (onnx/onnx#2462; ORT fails two node tests for this reason).

    Returns
    -------
    Array of ``X``'s dtype; integers round half to even and saturate (ONNX's
    ``saturate_cast``).

    Notes
    -----
    ``exclude_outside`` has no effect in nearest mode (the onnx reference would
    zero a clamped nearest sample; ONNX Runtime ignores it).  ``antialias`` with
    ``mode="nearest"`` is refused, as the reference refuses it.
    """
    X = _checks.numeric_array("X", X)
    antialias, exclude_outside, cubic_coeff_a, extrapolation_value = _attributes(
        mode, coordinate_transformation_mode, nearest_mode, keep_aspect_ratio_policy, behaviour, antialias,
        exclude_outside, cubic_coeff_a, extrapolation_value,
    )
    axes = _axes(X.ndim, axes)
    scales = _input_values("scales", scales)
    sizes = _input_values("sizes", sizes)
    if (scales is None) == (sizes is None):
        raise InvalidArgumentError("scales", scales, "exactly one of scales and sizes", f"Got sizes={sizes!r}.")
    roi_pairs = _roi_pairs(roi, X.ndim, axes, behaviour)
    n_in = [X.shape[a] for a in axes]
    if any(n == 0 for n in n_in):
        raise ShapeError("X", X.shape, "non-empty resized axes")
    n_out, axis_scales = _output_lengths(X, axes, n_in, scales, sizes, keep_aspect_ratio_policy, behaviour)

    # The output's bytes before any plan is built (a plan holds n_out taps per axis).
    out_shape = list(X.shape)
    for a, o in zip(axes, n_out):
        out_shape[a] = o
    _checks.output_bytes("sizes" if sizes else "scales", out_shape, X.dtype)
    setting = RESIZE_ORT if behaviour == "onnxruntime" else RESIZE_SPEC
    with _checks.sizes_named("sizes" if sizes else "scales"):
        plans = _resize_plans(X, setting, behaviour, axes, n_in, n_out, axis_scales, roi_pairs, mode,
                              coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, antialias)
    if plans is None:  # ORT copies the input when no axis changes length
        return X.copy()
    return apply_plans(X, plans, extrapolation_value=extrapolation_value, parameter="sizes" if sizes else "scales")


def _attributes(
    mode: Any, coordinate_transformation_mode: Any, nearest_mode: Any, keep_aspect_ratio_policy: Any,
    behaviour: Any, antialias: Any, exclude_outside: Any, cubic_coeff_a: Any, extrapolation_value: Any,
) -> tuple[bool, bool, float, float]:
    """The attributes checked (and the combinations ONNX or ONNX Runtime refuses); returns
    ``antialias``, ``exclude_outside``, ``cubic_coeff_a`` and ``extrapolation_value`` normalised."""
    _checks.choice("mode", mode, RESIZE_MODES)
    _checks.choice("coordinate_transformation_mode", coordinate_transformation_mode, COORDINATE_TRANSFORMATION_MODES)
    _checks.choice("nearest_mode", nearest_mode, NEAREST_MODES)
    _checks.choice("keep_aspect_ratio_policy", keep_aspect_ratio_policy, KEEP_ASPECT_RATIO_POLICIES)
    _checks.choice("behaviour", behaviour, BEHAVIOURS)
    antialias = _flag("antialias", antialias)
    exclude_outside = _flag("exclude_outside", exclude_outside)
    cubic_coeff_a = _checks.finite("cubic_coeff_a", cubic_coeff_a)
    extrapolation_value = _checks.real("extrapolation_value", extrapolation_value)
    if antialias and mode == "nearest":
        raise UnsupportedError("antialias", 1, "0 when mode='nearest'", "ONNX antialias applies to linear and cubic.")
    if behaviour == "onnxruntime" and exclude_outside and not (mode == "cubic" or (mode == "linear" and antialias)):
        raise UnsupportedError(
            "exclude_outside",
            1,
            "0 unless mode is 'cubic', or 'linear' with antialias=1 (ONNX Runtime refuses the rest)",
        )
    return antialias, exclude_outside, cubic_coeff_a, extrapolation_value


def _axes(rank: int, axes: Any) -> list[int]:
    """The ``axes`` attribute as distinct non-negative axes (default: every axis)."""
    if axes is None:
        return list(range(rank))
    axes = [_checks.integer("axes", a) for a in _checks.sequence("axes", axes)]
    axes = [a + rank if a < 0 else a for a in axes]
    if any(not 0 <= a < rank for a in axes) or len(set(axes)) != len(axes):
        raise InvalidArgumentError("axes", axes, f"distinct axes in [-{rank}, {rank - 1}]")
    return axes


def _roi_pairs(roi: Any, rank: int, axes: list[int], behaviour: str) -> list[tuple[float, float]]:
    """``(start, end)`` of each resized axis from the ``roi`` input (whole axes when absent)."""
    k = len(axes)
    if _input_values("roi", roi) is None:
        return [(0.0, 1.0)] * k
    r = [_checks.finite("roi", v) for v in _input_values("roi", roi)]  # NaN: an index of -2**63
    if behaviour == "onnxruntime":  # ORT reads roi as a float32 tensor
        r = [float(np.float32(v)) for v in r]
    if len(r) == 2 * rank and k != rank:
        r = [r[a] for a in axes] + [r[rank + a] for a in axes]
    if len(r) != 2 * k:
        raise ShapeError("roi", r, f"{2 * k} values (starts then ends for each resized axis)")
    return [(r[i], r[k + i]) for i in range(k)]


def _output_lengths(
    X: np.ndarray, axes: list[int], n_in: list[int], scales: list | None, sizes: list | None,
    keep_aspect_ratio_policy: str, behaviour: str,
) -> tuple[list[int], list[float]]:
    """Each resized axis' output length and the scale its coordinates use, from ``sizes`` (with
    ``keep_aspect_ratio_policy``) or ``scales``, in the spec's or ONNX Runtime's arithmetic."""
    k = len(axes)
    if sizes is not None:
        sizes = [_checks.positive_int("sizes", v) for v in _checks.sequence("sizes", sizes, k)]
        if keep_aspect_ratio_policy == "stretch":  # the output's bytes before any arithmetic on 10**400
            early = list(X.shape)
            for a, o in zip(axes, sizes):
                early[a] = o
            _checks.output_bytes("sizes", early, X.dtype)
        elif max(sizes) >= 2**63:
            raise InvalidArgumentError("sizes", sizes, "int64 values (ONNX's sizes is an int64 tensor)")
        if behaviour == "onnxruntime":  # ORT's scale: float32(out) / float32(in)
            axis_scales = [float(np.float32(o) / np.float32(n)) for o, n in zip(sizes, n_in)]
        else:
            axis_scales = [o / n for o, n in zip(sizes, n_in)]
        n_out = list(sizes)
        if keep_aspect_ratio_policy != "stretch":
            pick = min if keep_aspect_ratio_policy == "not_larger" else max
            s = pick(axis_scales)
            axis_scales = [s] * k
            if behaviour == "onnxruntime":  # std::round(float scale * input dim), halves away from 0
                n_out = [int(math.floor(float(np.float32(s) * np.float32(n)) + 0.5)) for n in n_in]
            else:
                n_out = [int(s * n + 0.5) for n in n_in]  # round half up, as the spec says
    else:
        axis_scales = [_checks.positive_finite("scales", v) for v in _checks.sequence("scales", scales, k)]
        if behaviour == "onnxruntime":
            n_out = [int(math.floor(np.float32(n) * np.float32(s))) for n, s in zip(n_in, axis_scales)]
        else:
            n_out = [int(math.floor(n * s)) for n, s in zip(n_in, axis_scales)]
        if min(n_out) < 1:
            raise InvalidArgumentError("scales", axis_scales, f"scales giving at least 1 sample on each axis of {n_in}")
    return n_out, axis_scales


def _resize_plans(
    X: np.ndarray, setting: Setting, behaviour: str, axes: list[int], n_in: list[int], n_out: list[int],
    axis_scales: list[float], roi_pairs: list[tuple[float, float]], mode: str, coordinate_transformation_mode: str,
    nearest_mode: str, cubic_coeff_a: float, exclude_outside: bool, antialias: bool,
) -> dict[int, AxisPlan] | None:
    """:func:`resize`'s plan per resized axis (``None``: ORT returns a copy of the input)."""
    plans = {}
    for a, n, o, s, rp in zip(axes, n_in, n_out, axis_scales, roi_pairs):
        identity = o == n and s == 1.0 and rp == (0.0, 1.0)
        if behaviour == "onnxruntime" and n_out == n_in and coordinate_transformation_mode != "tf_crop_and_resize":
            # ORT copies the input when no axis changes length, whatever the scales.
            return None
        if behaviour == "onnxruntime" and coordinate_transformation_mode == "tf_crop_and_resize" and np.float32(s) == 1:
            identity = True  # ORT copies an axis whose scale is 1 and ignores its roi (upsample.cc)
        if behaviour == "onnxruntime" and antialias and o == n:
            identity = True  # observed: ORT's antialias path copies an axis that keeps its length
        if identity:
            continue
        # The spec's "length_resized" is n * scale, fractional when scales are given; ONNX
        # Runtime uses the integer length for align_corners (onnx/onnx#2462), pytorch_half_pixel,
        # tf_crop_and_resize and half_pixel_symmetric.
        ort_integer = behaviour == "onnxruntime" and coordinate_transformation_mode in (
            "align_corners",
            "pytorch_half_pixel",
            "tf_crop_and_resize",
            "half_pixel_symmetric",
        )
        length = o if ort_integer else n * s
        plans[a] = setting.plan(
            n,
            o,
            mode=mode,
            coordinate_transformation_mode=coordinate_transformation_mode,
            scale=s,
            out_length=length,
            roi=rp,
            nearest_mode=nearest_mode,
            cubic_coeff_a=cubic_coeff_a,
            exclude_outside=exclude_outside and mode != "nearest",
            antialias=antialias,
        )
    return plans


def upsample(X: Any, scales: Any, mode: UpsampleMode = "nearest") -> np.ndarray:
    """The deprecated ONNX ``Upsample`` operator (opset 9): asymmetric sampling.

    ``scales`` has one value per axis of ``X`` (>= 1); ``mode`` is ``"nearest"``
    (floor of ``i / scale``) or ``"linear"``.
    """
    X = _checks.numeric_array("X", X)
    _checks.choice("mode", mode, UPSAMPLE_MODES)
    scales = [_checks.positive_finite("scales", v) for v in _checks.sequence("scales", _input_values("scales", scales) or [], X.ndim)]
    out_shape = [int(math.floor(n * s)) for n, s in zip(X.shape, scales)]
    _checks.output_bytes("scales", out_shape, X.dtype)
    if 0 in out_shape:  # the reference's nearest indexing would fail on an empty axis
        raise InvalidArgumentError("scales", scales, f"scales giving at least 1 sample on each axis of {list(X.shape)}")
    if 0 in X.shape:
        raise ShapeError("X", X.shape, "a non-empty array")
    plans = {}
    for a, s in enumerate(scales):
        n = X.shape[a]
        o = int(math.floor(n * s))
        if o == n and s == 1.0:
            continue
        with _checks.sizes_named("scales"):
            plans[a] = UPSAMPLE.plan(n, o, mode=mode, scale=s)
    return apply_plans(X, plans, parameter="scales")
