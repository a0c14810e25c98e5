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
    {"precision": "float32", "onnxruntime": True},
    "ONNX Runtime: float32 coordinate arithmetic in its own order (align_corners multiplies first; "
    "half_pixel_symmetric's offset in float32, the rest in double), scale float32(out)/float32(in) with sizes, "
    "nearest coordinates within 1e-6 of a half rounded as ties, output length floor(float32(n)*float32(scale)); "
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


def _input_values(name: str, value: _Any) -> list | None:
    """An optional 1-D input tensor (``roi``, ``scales``, ``sizes``) as a list; ``None`` when
    absent or empty, as ONNX treats an empty input."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (list, tuple, _np.ndarray, str, bytes)) for v in value):
            raise _InvalidArgumentError(name, value, "a 1-D sequence of numbers")
        return list(value) or None
    arr = _checks.as_array(name, value)
    if arr.dtype.kind not in "fiub" or arr.ndim > 1:
        raise _InvalidArgumentError(name, value, "a 1-D sequence of numbers")
    return None if arr.size == 0 else arr.ravel().tolist()


def _flag(name: str, value: _Any) -> bool:
    """An ONNX int attribute used as a flag: an int or a bool (NumPy's too); non-zero is on, as
    the onnx reference and ONNX Runtime read it.  Strings and floats are refused (a string
    attribute makes an invalid model; ``bool("0")`` would be on)."""
    if isinstance(value, (bool, _np.bool_)) or _checks.is_integer(value):
        return bool(value)
    raise _InvalidArgumentError(name, value, "an int: 0 or 1 (ONNX reads any non-zero int as 1)")


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
    cubic_coeff_a = _checks.finite("cubic_coeff_a", cubic_coeff_a)
    extrapolation_value = _checks.real("extrapolation_value", extrapolation_value)
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
    scales = _input_values("scales", scales)
    sizes = _input_values("sizes", sizes)
    if (scales is None) == (sizes is None):
        raise _InvalidArgumentError("scales", scales, "exactly one of scales and sizes", f"Got sizes={sizes!r}.")
    if _input_values("roi", roi) is None:
        roi_pairs = [(0.0, 1.0)] * k
    else:
        r = [_checks.finite("roi", v) for v in _input_values("roi", roi)]  # NaN: an index of -2**63
        if behaviour == "onnxruntime":  # ORT reads roi as a float32 tensor
            r = [float(_np.float32(v)) for v in r]
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
        if keep_aspect_ratio_policy == "stretch":  # the output's bytes before any arithmetic on 10**400
            early = list(X.shape)
            for a, o in zip(axes, sizes):
                early[a] = o
            _checks.output_bytes("sizes", early, X.dtype)
        elif max(sizes) >= 2**63:
            raise _InvalidArgumentError("sizes", sizes, "int64 values (ONNX's sizes is an int64 tensor)")
        if behaviour == "onnxruntime":  # ORT's scale: float32(out) / float32(in)
            axis_scales = [float(_np.float32(o) / _np.float32(n)) for o, n in zip(sizes, n_in)]
        else:
            axis_scales = [o / n for o, n in zip(sizes, n_in)]
        n_out = list(sizes)
        if keep_aspect_ratio_policy != "stretch":
            pick = min if keep_aspect_ratio_policy == "not_larger" else max
            s = pick(axis_scales)
            axis_scales = [s] * k
            if behaviour == "onnxruntime":  # std::round(float scale * input dim), halves away from 0
                n_out = [int(_math.floor(float(_np.float32(s) * _np.float32(n)) + 0.5)) for n in n_in]
            else:
                n_out = [int(s * n + 0.5) for n in n_in]  # round half up, as the spec says
    else:
        axis_scales = [_checks.positive_finite("scales", v) for v in _checks.sequence("scales", scales, k)]
        if behaviour == "onnxruntime":
            n_out = [int(_math.floor(_np.float32(n) * _np.float32(s))) for n, s in zip(n_in, axis_scales)]
        else:
            n_out = [int(_math.floor(n * s)) for n, s in zip(n_in, axis_scales)]
        if min(n_out) < 1:
            raise _InvalidArgumentError("scales", axis_scales, f"scales giving at least 1 sample on each axis of {n_in}")

    # The output's bytes before any plan is built (a plan holds n_out taps per axis).
    out_shape = list(X.shape)
    for a, o in zip(axes, n_out):
        out_shape[a] = o
    _checks.output_bytes("sizes" if sizes else "scales", out_shape, X.dtype)
    setting = RESIZE_ORT if behaviour == "onnxruntime" else RESIZE_SPEC
    plans = {}
    with _checks.sizes_named("sizes" if sizes else "scales"):
        plans = _resize_plans(X, setting, behaviour, axes, n_in, n_out, axis_scales, roi_pairs, mode,
                              coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, antialias)
    if plans is None:  # ORT copies the input when no axis changes length
        return X.copy()
    return _apply_plans(X, plans, extrapolation_value=extrapolation_value, parameter="sizes" if sizes else "scales")


def _resize_plans(X, setting, behaviour, axes, n_in, n_out, axis_scales, roi_pairs, mode,
                  coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, antialias):
    """:func:`resize`'s plan per resized axis (``None``: ORT returns a copy of the input)."""
    plans = {}
    for a, n, o, s, rp in zip(axes, n_in, n_out, axis_scales, roi_pairs):
        identity = o == n and s == 1.0 and rp == (0.0, 1.0)
        if behaviour == "onnxruntime" and n_out == n_in and coordinate_transformation_mode != "tf_crop_and_resize":
            # ORT copies the input when no axis changes length, whatever the scales.
            return None
        if behaviour == "onnxruntime" and coordinate_transformation_mode == "tf_crop_and_resize" and _np.float32(s) == 1:
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


def upsample(X: _Any, scales: _Any, mode: str = "nearest") -> _np.ndarray:
    """The deprecated ONNX ``Upsample`` operator (opset 9): asymmetric sampling.

    ``scales`` has one value per axis of ``X`` (>= 1); ``mode`` is ``"nearest"``
    (floor of ``i / scale``) or ``"linear"``.
    """
    X = _checks.numeric_array("X", X)
    _checks.choice("mode", mode, ("nearest", "linear"))
    scales = [_checks.positive_finite("scales", v) for v in _checks.sequence("scales", _input_values("scales", scales) or [], X.ndim)]
    out_shape = [int(_math.floor(n * s)) for n, s in zip(X.shape, scales)]
    _checks.output_bytes("scales", out_shape, X.dtype)
    if 0 in out_shape:  # the reference's nearest indexing would fail on an empty axis
        raise _InvalidArgumentError("scales", scales, f"scales giving at least 1 sample on each axis of {list(X.shape)}")
    if 0 in X.shape:
        raise _ShapeError("X", X.shape, "a non-empty array")
    plans = {}
    for a, s in enumerate(scales):
        n = X.shape[a]
        o = int(_math.floor(n * s))
        if o == n and s == 1.0:
            continue
        with _checks.sizes_named("scales"):
            plans[a] = UPSAMPLE.plan(n, o, mode=mode, scale=s)
    return _apply_plans(X, plans, parameter="scales")


# --- transposed convolution (owned by the transposed-convolution engine) ---
# Self-contained: the imports below repeat (harmlessly) any the resize section also makes.
from typing import Any as _Any  # noqa: E402

import numpy as _np  # noqa: E402

from upsampling import _checks  # noqa: E402
from upsampling.conv_transpose import conv_transpose as _conv_transpose  # noqa: E402
from upsampling.errors import DTypeError as _DTypeError  # noqa: E402
from upsampling.errors import InvalidArgumentError as _InvalidArgumentError  # noqa: E402
from upsampling.errors import ShapeError as _ShapeError  # noqa: E402

AUTO_PADS: tuple[str, ...] = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
# ConvTranspose-22's T (bfloat16 has no NumPy dtype).  ONNX Runtime's CPU kernel is float32 only.
_CONV_TRANSPOSE_TYPES = ("float16", "float32", "float64")


def _ct_attribute(name: str, value: _Any, length: int, default: int, minimum: int | None) -> list[int]:
    """An ints attribute of ``length`` values (ONNX: "Attribute strides has incorrect size")."""
    if value is None:
        return [default] * length
    items = _checks.sequence(name, value)
    if len(items) != length:
        raise _InvalidArgumentError(
            name, value, f"{length} ints", message=f"Attribute {name} has incorrect size: {list(items)} (expected "
            f"{length} values)."
        )
    values = [_checks.integer(name, v) for v in items]
    if minimum is not None and min(values, default=minimum) < minimum:
        word = "positive" if minimum == 1 else "non-negative"
        raise _InvalidArgumentError(
            name, value, f"{word} ints", message=f"Attribute {name} must only contain {word} values: {values}."
        )
    return values


def conv_transpose(
    X: _Any,
    W: _Any,
    B: _Any = None,
    *,
    auto_pad: str = "NOTSET",
    dilations: _Any = None,
    group: int = 1,
    kernel_shape: _Any = None,
    output_padding: _Any = None,
    output_shape: _Any = None,
    pads: _Any = None,
    strides: _Any = None,
) -> _np.ndarray:
    """ONNX ``ConvTranspose`` (opset 1/11/22) on NumPy arrays, with ONNX Runtime's size rules.

    Parameters
    ----------
    X : array ``(N, C, D1, ..., Dn)``; float16, float32 or float64 (the schema's ``T``).
    W : array ``(C, M/group, k1, ..., kn)`` (the layout of PyTorch's ``conv_transpose``).
    B : optional ``(M,)``.
    auto_pad : ``"NOTSET"`` (use ``pads``), ``"SAME_UPPER"``, ``"SAME_LOWER"`` or ``"VALID"``.
    dilations, strides : n ints (default 1).
    group : channel groups.
    kernel_shape : n ints; must equal ``W.shape[2:]`` when given.
    output_padding : n ints (default 0), each smaller than ``max(stride, dilation)``; added to the
        end of the output (or, with ``output_shape``, only to the padding arithmetic).
    output_shape : n spatial sizes.  The padding is then
        ``total = max(0, s·(in-1) + output_padding + k_eff - output_shape)``, split
        ``total // 2`` before for ``SAME_UPPER`` (the odd element at the end, as TensorFlow's
        SAME) and ``total - total // 2`` before otherwise (``SAME_LOWER``, ``NOTSET``, ``VALID``);
        ``pads`` is ignored.
    pads : 2n ints ``[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`` cut off the full output (only
        with ``auto_pad="NOTSET"``).

    Returns
    -------
    ndarray ``(N, M, *out)``: ``out = s·(in-1) + output_padding + k_eff - pads_begin - pads_end``;
    ``SAME_*`` without ``output_shape``: ``in·s``, or the full ``s·(in-1) + k_eff + output_padding``
    when that is shorter (a kernel smaller than the stride: ORT clamps the padding at 0 and
    recomputes the size; the spec says ``in·s``).  The input's dtype.

    Raises
    ------
    InvalidArgumentError, ShapeError, DTypeError
        Where ONNX Runtime 1.32 refuses, with its message: attribute lengths, non-positive
        strides/dilations, negative pads, ``pads`` together with ``auto_pad``, ``kernel_shape`` not
        matching ``W``, group not dividing C, channel or bias mismatches, ``output_padding`` too
        large, an ``output_shape`` the forward convolution does not map back to the input
        (ORT accepts ``1 .. s·(in-1) + k_eff + s - 1`` when ``output_padding < stride``).

    Notes
    -----
    ORT computes ``total`` with ``max(0, ...)``: an ``output_shape`` beyond the full output is
    filled with zeros at the end, for every ``auto_pad`` (verified with ORT 1.32).  ONNX
    Runtime's CPU kernel has no float64 implementation; this twin computes float64 as the
    schema allows.  ``onnx.reference``'s ConvTranspose is wrong for ``group > 1``; this twin is
    checked against ORT instead.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import onnx
    >>> X = np.array([[[1.0, 2.0]]], dtype=np.float32)
    >>> W = np.array([[[1.0, 10.0, 100.0]]], dtype=np.float32)
    >>> onnx.conv_transpose(X, W, strides=[2])
    array([[[  1.,  10., 102.,  20., 200.]]], dtype=float32)
    >>> onnx.conv_transpose(X, W, strides=[2], auto_pad="SAME_UPPER")   # odd crop at the end
    array([[[  1.,  10., 102.,  20.]]], dtype=float32)
    >>> onnx.conv_transpose(X, W, strides=[2], auto_pad="SAME_LOWER")   # odd crop at the start
    array([[[ 10., 102.,  20., 200.]]], dtype=float32)
    """
    x = _checks.numeric_array("X", X)
    w = _checks.numeric_array("W", W)
    if x.ndim < 3:
        raise _ShapeError(
            "X", f"array of shape {x.shape}",
            message=f"Input tensor must have at least 3 dimensions (N x C x D1...Dn). Got: {x.ndim}",
        )
    if w.ndim != x.ndim:
        raise _ShapeError(
            "W", f"array of shape {w.shape}",
            message=f"Weight tensor spatial rank does not match input tensor spatial rank: W {w.shape}, X {x.shape}",
        )
    b = None if B is None else _checks.numeric_array("B", B)
    for name, arr in (("X", x), ("W", w), ("B", b)):
        if arr is not None and (arr.dtype.name not in _CONV_TRANSPOSE_TYPES or arr.dtype != x.dtype):
            raise _DTypeError(
                name, f"array of dtype {arr.dtype}", "float16, float32 or float64, the same for X, W and B (type T)"
            )
    nd = x.ndim - 2
    auto_pad = _checks.choice("auto_pad", auto_pad, AUTO_PADS)
    s = _ct_attribute("strides", strides, nd, 1, 1)
    d = _ct_attribute("dilations", dilations, nd, 1, 1)
    op = _ct_attribute("output_padding", output_padding, nd, 0, 0)
    if pads is not None and auto_pad != "NOTSET":
        raise _InvalidArgumentError(
            "pads", pads, "no pads with auto_pad", message="The pads attribute cannot be used simultaneously with "
            f"auto_pad attribute (auto_pad={auto_pad!r})"
        )
    p = _ct_attribute("pads", pads, 2 * nd, 0, 0)
    if kernel_shape is not None:
        ks = _ct_attribute("kernel_shape", kernel_shape, nd, 1, 1)
        if tuple(ks) != w.shape[2:]:
            raise _ShapeError(
                "kernel_shape", kernel_shape, message=f"kernel_shape is not compatible with W shape. kernel_shape: "
                f"{ks} W: {list(w.shape)}"
            )
    g = _checks.positive_int("group", group)
    c = x.shape[1]
    if c % g:
        raise _InvalidArgumentError(
            "group", g, message=f"Input channels C must be divisible by group for ConvTranspose. C={c} group={g}."
        )
    if w.shape[0] != c:
        raise _ShapeError(
            "W", f"array of shape {w.shape}", message=f"filter number not equal to input channel number. "
            f"filter_number: {w.shape[0]} num_input_channels: {c}"
        )
    m = w.shape[1] * g
    if b is not None and b.shape != (m,):
        raise _ShapeError(
            "B", f"array of shape {b.shape}", message="Bias shape is not compatible with number of output channels. "
            f"It should be a 1-D tensor with size num_output_channels(M). Bias: {list(b.shape)} "
            f"num_output_channels: {m}"
        )
    for a in range(nd):
        if op[a] >= max(s[a], d[a]):
            raise _InvalidArgumentError(
                "output_padding", output_padding, message=f"output_padding[{a}] ({op[a]}) must be less than "
                f"max(stride, dilation) ({max(s[a], d[a])}) for spatial dimension {a}."
            )
    requested = None if output_shape is None else _ct_attribute("output_shape", output_shape, nd, 1, None)
    begins, outs = [], []
    for a, n in enumerate(x.shape[2:]):
        k_eff = (w.shape[2 + a] - 1) * d[a] + 1
        full = (n - 1) * s[a] + k_eff
        if requested is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            out = requested[a] if requested is not None else n * s[a]
            if out <= 0:
                raise _ShapeError(
                    "output_shape", output_shape, message=f"Explicit output size must be positive. Got: {out}"
                )
            total = max(0, full + op[a] - out)  # ORT clamps: a larger output gets zeros at the end
            before = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            after = total - before
            if requested is None:
                # ORT then recomputes the size from the clamped pads: a kernel smaller than the
                # stride gives full + output_padding (< in·s), not the spec's in·s.
                out = full + op[a] - total
        else:
            before, after = (0, 0) if auto_pad == "VALID" else (p[a], p[nd + a])
            out = full + op[a] - before - after
            if out <= 0:
                raise _ShapeError(
                    "pads",
                    pads,
                    message=f"Computed output dimension is <= 0 for dim {a}. Input shape: {list(x.shape[2:])}",
                )
        # ORT then checks that the forward convolution maps the output back onto the input.
        span = out + before + after - k_eff
        back = (abs(span) // s[a]) * (1 if span >= 0 else -1) + 1  # C++ division truncates towards 0
        if back != n:
            if requested is not None:
                text = (
                    "Explicit output_shape is inconsistent with input spatial dimensions and convolution parameters. "
                    f"Expected input size {back} but got {n} (output_size={out}, kernel={w.shape[2 + a]}, "
                    f"stride={s[a]}, dilation={d[a]}, output_padding={op[a]}). Valid output_shape values here: "
                    f"1..{full + s[a] - 1}" + ("" if op[a] < s[a] else " with output_padding < stride")
                )
            else:
                text = (
                    "Computed output shape is inconsistent with input spatial dimensions. output_padding "
                    f"({op[a]}) may be too large for stride ({s[a]}). Expected input size {back} but got {n}."
                )
            if requested is not None:
                raise _ShapeError("output_shape", output_shape, message=text)
            raise _ShapeError("output_padding", output_padding, message=text)
        begins.append(before)
        outs.append(out)
    if nd > 2 and 0 in x.shape[2:] and x.shape[0] * c * m > 0 and 0 not in outs:
        # ORT's N-d col2im walks the input's (empty) spatial grid and fails an internal check
        # (math_cpu.cc NextPosition, "dims[d_i] < d_max"); 1-D and 2-D give zeros (observed).
        raise _ShapeError(
            "X", f"array of shape {x.shape}", message="ConvTranspose of a 3-D or higher input with an empty spatial "
            f"axis {list(x.shape[2:])} fails in ONNX Runtime (math_cpu.cc NextPosition: dims[d_i] < d_max was false)"
        )
    return _conv_transpose(x, w, b, strides=s, dilations=d, pads_begin=begins, output_size=outs, groups=g)
