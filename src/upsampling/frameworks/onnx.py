"""Twin of onnx's upsampling operators: NumPy in, NumPy out, onnx's own signatures and defaults.

Argument translation only: the math lives in the resize and transposed-convolution engines.
This module never imports onnx.
"""

from __future__ import annotations

# --- resize (owned by the resize engine) ---
import math as _math
from collections.abc import Sequence as _Sequence
from typing import Any as _Any

import numpy as _np

from upsampling import _checks
from upsampling.coords import COORDINATE_TRANSFORMATION_MODES as _CTMS
from upsampling.coords import NEAREST_MODES as _NEAREST_MODES
from upsampling.errors import InvalidArgumentError as _InvalidArgumentError
from upsampling.errors import ShapeError as _ShapeError
from upsampling.errors import UnsupportedError as _UnsupportedError
from upsampling.frameworks._mapping import Setting as _Setting
from upsampling.resizing import apply_plans as _apply_plans

RESIZE_SPEC = _Setting(
    "ONNX",
    "Resize(mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, antialias)",
    "interpolation_plan",
    {},
    "attributes pass straight through (they are the engine's vocabulary); scales enter the formula as given, "
    "align_corners divides by the fractional n_in*scale (spec and onnx reference, onnx/onnx#2462)",
)
RESIZE_ORT = _Setting(
    "ONNX",
    "Resize(...) with behaviour='onnxruntime'",
    "interpolation_plan",
    {"precision": "float32"},
    "ONNX Runtime: float32 coordinate arithmetic, output length floor(float32(n)*float32(scale)); "
    "align_corners, pytorch_half_pixel and tf_crop_and_resize use the integer output length; an input whose shape "
    "does not change is copied, and in tf_crop_and_resize an axis whose length does not change is "
    "copied (its roi ignored)",
)
UPSAMPLE = _Setting(
    "ONNX",
    "Upsample-9(mode='nearest'|'linear')",
    "interpolation_plan",
    {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
    "deprecated since opset 10; asymmetric sampling",
)

_BEHAVIOURS = ("spec", "onnxruntime")


def _flag(name: str, value: _Any) -> bool:
    if value in (0, 1, True, False):
        return bool(value)
    raise _InvalidArgumentError(name, value, "0 or 1")


def resize(
    X: _Any,
    roi: _Any = None,
    scales: _Any = None,
    sizes: _Any = None,
    *,
    antialias: int = 0,
    axes: _Sequence[int] | None = None,
    coordinate_transformation_mode: str = "half_pixel",
    cubic_coeff_a: float = -0.75,
    exclude_outside: int = 0,
    extrapolation_value: float = 0.0,
    keep_aspect_ratio_policy: str = "stretch",
    mode: str = "nearest",
    nearest_mode: str = "round_prefer_floor",
    behaviour: str = "spec",
) -> _np.ndarray:
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
    _checks.choice("mode", mode, ("nearest", "linear", "cubic"))
    _checks.choice("coordinate_transformation_mode", coordinate_transformation_mode, _CTMS)
    _checks.choice("nearest_mode", nearest_mode, _NEAREST_MODES)
    _checks.choice("keep_aspect_ratio_policy", keep_aspect_ratio_policy, ("stretch", "not_larger", "not_smaller"))
    _checks.choice("behaviour", behaviour, _BEHAVIOURS)
    antialias = _flag("antialias", antialias)
    exclude_outside = _flag("exclude_outside", exclude_outside)
    if antialias and mode == "nearest":
        raise _UnsupportedError("antialias", 1, "0 when mode='nearest'", "ONNX antialias applies to linear and cubic.")
    if behaviour == "onnxruntime" and exclude_outside and not (mode == "cubic" or (mode == "linear" and antialias)):
        raise _UnsupportedError(
            "exclude_outside",
            1,
            "0 unless mode is 'cubic', or 'linear' with antialias=1 (ONNX Runtime refuses the rest)",
        )
    rank = X.ndim
    if axes is None:
        axes = list(range(rank))
    else:
        axes = [_checks.integer("axes", a) for a in _checks.sequence("axes", axes)]
        axes = [a + rank if a < 0 else a for a in axes]
        if any(not 0 <= a < rank for a in axes) or len(set(axes)) != len(axes):
            raise _InvalidArgumentError("axes", axes, f"distinct axes in [-{rank}, {rank - 1}]")
    k = len(axes)
    scales = None if scales is None or _np.size(scales) == 0 else [float(v) for v in _np.ravel(scales)]
    sizes = None if sizes is None or _np.size(sizes) == 0 else [v for v in _np.ravel(sizes)]
    if (scales is None) == (sizes is None):
        raise _InvalidArgumentError("scales", scales, "exactly one of scales and sizes", f"Got sizes={sizes!r}.")
    if roi is None or _np.size(roi) == 0:
        roi_pairs = [(0.0, 1.0)] * k
    else:
        r = [float(v) for v in _np.ravel(roi)]
        if len(r) == 2 * rank and k != rank:
            r = [r[a] for a in axes] + [r[rank + a] for a in axes]
        if len(r) != 2 * k:
            raise _ShapeError("roi", r, f"{2 * k} values (starts then ends for each resized axis)")
        roi_pairs = [(r[i], r[k + i]) for i in range(k)]

    n_in = [X.shape[a] for a in axes]
    if any(n == 0 for n in n_in):
        raise _ShapeError("X", X.shape, "non-empty resized axes")
    if sizes is not None:
        sizes = [_checks.positive_int("sizes", v) for v in _checks.sequence("sizes", sizes, k)]
        axis_scales = [o / n for o, n in zip(sizes, n_in)]
        n_out = list(sizes)
        if keep_aspect_ratio_policy != "stretch":
            pick = min if keep_aspect_ratio_policy == "not_larger" else max
            s = pick(axis_scales)
            axis_scales = [s] * k
            n_out = [int(s * n + 0.5) for n in n_in]  # round half up, as the spec says
    else:
        axis_scales = [_checks.positive_finite("scales", v) for v in _checks.sequence("scales", scales, k)]
        if behaviour == "onnxruntime":
            n_out = [int(_math.floor(_np.float32(n) * _np.float32(s))) for n, s in zip(n_in, axis_scales)]
        else:
            n_out = [int(_math.floor(n * s)) for n, s in zip(n_in, axis_scales)]
        if min(n_out) < 1:
            raise _InvalidArgumentError("scales", axis_scales, f"scales giving at least 1 sample on each axis of {n_in}")

    setting = RESIZE_ORT if behaviour == "onnxruntime" else RESIZE_SPEC
    plans = {}
    for a, n, o, s, rp in zip(axes, n_in, n_out, axis_scales, roi_pairs):
        identity = o == n and s == 1.0 and rp == (0.0, 1.0)
        if behaviour == "onnxruntime" and n_out == n_in and coordinate_transformation_mode != "tf_crop_and_resize":
            # ORT copies the input when no axis changes length, whatever the scales.
            return X.copy()
        if behaviour == "onnxruntime" and coordinate_transformation_mode == "tf_crop_and_resize" and o == n:
            identity = True  # observed: ORT copies such an axis and ignores its roi
        if identity:
            continue
        # The spec's "length_resized" is n * scale, fractional when scales are given; ONNX
        # Runtime uses the integer length for align_corners (onnx/onnx#2462), pytorch_half_pixel
        # and tf_crop_and_resize.
        ort_integer = behaviour == "onnxruntime" and coordinate_transformation_mode in (
            "align_corners",
            "pytorch_half_pixel",
            "tf_crop_and_resize",
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
            cubic_coeff_a=float(cubic_coeff_a),
            exclude_outside=exclude_outside and mode != "nearest",
            antialias=antialias,
        )
    return _apply_plans(X, plans, extrapolation_value=float(extrapolation_value), parameter="sizes" if sizes else "scales")


def upsample(X: _Any, scales: _Any, mode: str = "nearest") -> _np.ndarray:
    """The deprecated ONNX ``Upsample`` operator (opset 9): asymmetric sampling.

    ``scales`` has one value per axis of ``X`` (>= 1); ``mode`` is ``"nearest"``
    (floor of ``i / scale``) or ``"linear"``.
    """
    X = _checks.numeric_array("X", X)
    _checks.choice("mode", mode, ("nearest", "linear"))
    scales = [_checks.positive_finite("scales", v) for v in _checks.sequence("scales", list(_np.ravel(scales)), X.ndim)]
    plans = {}
    for a, s in enumerate(scales):
        n = X.shape[a]
        o = int(_math.floor(n * s))
        if o == n and s == 1.0:
            continue
        plans[a] = UPSAMPLE.plan(n, o, mode=mode, scale=s)
    return _apply_plans(X, plans, parameter="scales")


# --- transposed convolution (owned by the transposed-convolution engine) ---
