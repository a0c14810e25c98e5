"""Twin of pytorch's upsampling operators: NumPy in, NumPy out, pytorch's own signatures and defaults.

Argument translation only: the math lives in the resize and transposed-convolution engines.
This module never imports pytorch.
"""

from __future__ import annotations

# --- resize (owned by the resize engine) ---
from collections.abc import Sequence as _Sequence
from typing import Any as _Any
from typing import Literal as _Literal
from typing import NoReturn as _NoReturn

import numpy as _np

from upsampling import _checks
from upsampling.errors import DTypeError as _DTypeError
from upsampling.errors import InvalidArgumentError as _InvalidArgumentError
from upsampling.errors import UnsupportedError as _UnsupportedError
from upsampling.frameworks._mapping import Setting as _Setting
from upsampling.plan import fixed_point_plan as _fixed_point_plan
from upsampling.resizing import apply_plans as _apply_plans

InterpolateMode = _Literal[
    "nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area", "lanczos"
]
INTERPOLATE_MODES: tuple[str, ...] = InterpolateMode.__args__  # type: ignore[attr-defined]

# Every PyTorch setting, declared once; `interpolate` builds each plan through one of these.
# "scale" below is what PyTorch's kernels multiply by (UpSample.h area_pixel_compute_scale):
# in/out, or 1/scale_factor when a scale factor is in force, or (in-1)/(out-1) with align_corners.
NEAREST = _Setting(
    "PyTorch",
    "interpolate(mode='nearest'), 4-D input with out_h + out_w <= 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor",
     "precision": "float32"},
    "the 2-D kernel (nearest_idx): index = min(floor(i * scale), in-1) in float32 for every dtype; an axis "
    "with out == in is copied and one with out == 2*in uses i >> 1, whatever scale_factor says. Larger 4-D "
    "outputs take the generic kernel (observed in torch 2.13)",
)
NEAREST_GENERIC = _Setting(
    "PyTorch",
    "interpolate(mode='nearest'), 3-D and 5-D input, 4-D with out_h + out_w > 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor",
     "rounding_precision": "float32"},
    "the generic kernel (UpSampleKernel.cpp HelperInterpNearest): x = i * scale in the input's float type "
    "(float64 for float64 input, else float32), then floorf, which rounds x to float32 first; no shortcuts",
)
NEAREST_EXACT = _Setting(
    "PyTorch",
    "interpolate(mode='nearest-exact'), 4-D input with out_h + out_w <= 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_ceil",
     "precision": "float32"},
    "the 2-D kernel (nearest_exact_idx): index = min(floor((i + 0.5) * scale), in-1) in float32; no "
    "shortcuts (out == in with scale_factor != 1 still resamples)",
)
NEAREST_EXACT_GENERIC = _Setting(
    "PyTorch",
    "interpolate(mode='nearest-exact'), 3-D and 5-D input, 4-D with out_h + out_w > 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_ceil",
     "fused": True, "rounding_precision": "float32"},
    "the generic kernel: x = (i + 0.5) * scale - 0.5 in the input's float type, rounded once (the compiler "
    "fuses the multiply-add), then floorf(x + 0.5); differs from the 2-D kernel on 2 of 2,401 size pairs",
)
LINEAR = _Setting(
    "PyTorch",
    "interpolate(mode='linear'|'bilinear'|'trilinear', align_corners=False)",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "half_pixel", "fused": True},
    "x = (i + 0.5) * scale - 0.5 rounded once (fused multiply-add), clamped into the image; arithmetic in "
    "the input's float type (float32 for float16); an axis with out == in is copied",
)
LINEAR_ALIGN_CORNERS = _Setting(
    "PyTorch",
    "interpolate(mode='linear'|'bilinear'|'trilinear', align_corners=True)",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "align_corners"},
    "x = i * (in-1)/(out-1); scale_factor only sets the output size; an axis with out == in is copied",
)
CUBIC = _Setting(
    "PyTorch",
    "interpolate(mode='bicubic', align_corners=False)",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.75, "fused": True},
    "Keys a=-0.75 (UpSample.h get_cubic_upsample_coefficients), x not clamped, edge taps replicated; no copy "
    "shortcut: out == in with scale_factor != 1 resamples with 1/scale_factor",
)
CUBIC_ALIGN_CORNERS = _Setting(
    "PyTorch",
    "interpolate(mode='bicubic', align_corners=True)",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "align_corners", "cubic_coeff_a": -0.75},
    "Keys a=-0.75, x = i * (in-1)/(out-1), edge taps replicated",
)
BILINEAR_ANTIALIAS = _Setting(
    "PyTorch",
    "interpolate(mode='bilinear', antialias=True)",
    "window_plan",
    {"kernel_name": "triangle", "span_rule": "pillow"},
    "Pillow's precompute_coeffs (UpSampleKernel.cpp _compute_indices_min_size_weights_aa): centre "
    "(i + 0.5) * scale, kernel stretched by max(scale, 1), in-image taps renormalised; align_corners=True "
    "keeps this window with scale (in-1)/(out-1); an axis with out == in is copied",
)
BICUBIC_ANTIALIAS = _Setting(
    "PyTorch",
    "interpolate(mode='bicubic', antialias=True)",
    "window_plan",
    {"kernel_name": "keys_a-0.5", "span_rule": "pillow"},
    "the antialias window with Keys a=-0.5 (Pillow's), not the a=-0.75 of antialias=False, also when "
    "upsampling",
)
LANCZOS_ANTIALIAS = _Setting(
    "PyTorch",
    "interpolate(mode='lanczos', antialias=True)",
    "window_plan",
    {"kernel_name": "lanczos3", "span_rule": "pillow"},
    "new in torch 2.13: the antialias window with Pillow's LANCZOS (radius 3); needs antialias=True and "
    "align_corners=False",
)
AREA = _Setting(
    "PyTorch",
    "interpolate(mode='area')",
    "area_plan",
    {"rule": "adaptive"},
    "adaptive_avg_pool: the plain mean of pixels floor(i*in/out) .. ceil((i+1)*in/out)-1 (whole pixels, not "
    "fractional overlap); scale_factor only sets the output size (recompute_scale_factor is forced)",
)

_LINEAR_RANK = {"linear": 3, "bilinear": 4, "trilinear": 5}
_MODES_TEXT = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_UINT8_MODES = ("nearest", "nearest-exact", "bilinear", "bicubic", "lanczos")
# PyTorch's C++ names of NumPy dtypes, for the refusal messages.
_TORCH_DTYPE_NAMES = {"int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "float16": "Half"}


def _refuse(parameter: str, value: _Any, message: str, cls: type = _InvalidArgumentError) -> _NoReturn:
    raise cls(parameter, value, message=message)


def _per_axis(parameter: str, value: _Any, dim: int, shape: tuple[int, ...]) -> list[_Any]:
    """One value per spatial axis (a scalar is repeated), with PyTorch's message for a wrong length."""
    if isinstance(value, _np.ndarray):
        value = tuple(value.tolist())
    if not isinstance(value, (list, tuple)):
        return [value] * dim
    if len(value) != dim:
        if parameter == "size":
            text = (
                "Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(shape[2:])} and output size of {value}. Please provide input "
                "tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        else:
            text = (
                "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(shape[2:])} and scale_factor of shape {value}. Please provide "
                "input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
            )
        _refuse(parameter, value, text)
    return list(value)


def _check_dtype(x: _np.ndarray, mode: str, antialias: bool) -> None:
    """PyTorch's CPU kernels: float32/float64 everywhere, float16 without antialias, uint8 for some modes."""
    dt = x.dtype
    if dt in (_np.float32, _np.float64) or (dt == _np.float16 and not antialias):
        return
    if dt == _np.uint8 and mode in _UINT8_MODES:
        return
    torch_name = "Byte" if dt == _np.uint8 else _TORCH_DTYPE_NAMES.get(dt.name, dt.name)
    allowed = (
        "float32 or float64 (the antialias kernels have no float16 version)"
        if antialias
        else "float16, float32, float64, or uint8 for " + ", ".join(_UINT8_MODES)
    )
    raise _DTypeError(
        "input",
        f"array of dtype {dt}",
        allowed,
        message=(
            f"PyTorch's interpolate(mode={mode!r}{', antialias=True' if antialias else ''}) is not "
            f"implemented for {dt} ('{torch_name}') on CPU; expected {allowed}."
        ),
    )


def _kernel_scale(n_in: int, n_out: int, factor: float | None, align_corners: bool, precision: str) -> float:
    """The scale PyTorch's kernels multiply by (UpSample.h ``area_pixel_compute_scale``).

    ``(in-1)/(out-1)`` (0 for ``out == 1``) with ``align_corners``; else ``1/scale_factor``
    when one is in force, else ``in/out``; evaluated in ``precision``, PyTorch's opmath type,
    and returned as the Python float holding that value.
    """
    f = _np.float32 if precision == "float32" else _np.float64
    if align_corners:
        return float(f(n_in - 1) / f(n_out - 1)) if n_out > 1 else 0.0
    if factor is not None:
        return float(f(1.0 / factor))
    return float(f(n_in) / f(n_out))


def interpolate(
    input: _Any,
    size: int | _Sequence[int] | None = None,
    scale_factor: float | _Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> _np.ndarray:
    """``torch.nn.functional.interpolate`` on NumPy arrays (CPU behaviour of torch 2.13).

    Parameters
    ----------
    input : array of shape ``(N, C, W)`` (3-D), ``(N, C, H, W)`` (4-D, NCHW) or
        ``(N, C, D, H, W)`` (5-D).  dtype float16, float32 or float64, or uint8 for
        ``nearest``, ``nearest-exact``, ``bilinear``, ``bicubic`` and ``lanczos`` -- the
        dtypes PyTorch's CPU kernels accept (its antialias kernels refuse float16).
    size : output spatial size: one int for every spatial axis, or one per axis.
    scale_factor : multiplier(s) of the spatial size: the output length is
        ``floor(n * scale_factor)`` (float64) and, unless ``recompute_scale_factor``,
        the kernels sample with ``1 / scale_factor`` rather than ``in / out``.
        Exactly one of ``size`` and ``scale_factor``.
    mode : ``"nearest"`` (default), ``"nearest-exact"``, ``"linear"`` (3-D),
        ``"bilinear"`` (4-D), ``"trilinear"`` (5-D), ``"bicubic"`` (4-D), ``"area"``
        (adaptive average pooling, any rank) or ``"lanczos"`` (4-D, needs ``antialias``).
    align_corners : for the interpolating modes, ``True`` maps the corner pixel centres
        onto each other (``x = i * (in-1)/(out-1)``); ``False``/``None`` is half-pixel.
        Must stay ``None`` for ``nearest``, ``nearest-exact`` and ``area``.
    recompute_scale_factor : ``True`` samples with ``in / out`` of the computed size
        instead of ``1 / scale_factor`` (``scale_factor`` only).
    antialias : Pillow's antialiasing (a stretched kernel when downscaling) for
        ``bilinear``, ``bicubic`` (Keys a=-0.5) and ``lanczos``, 4-D only.

    Returns
    -------
    ndarray of shape ``(N, C, *out_size)`` and the input's dtype.

    Raises
    ------
    InvalidArgumentError
        ``size``/``scale_factor``/``align_corners``/``recompute_scale_factor``
        combinations PyTorch refuses, and non-positive output sizes, with PyTorch's message.
    UnsupportedError
        A mode that does not exist for the input's rank, or antialias outside
        bilinear/bicubic/lanczos on 4-D input, with PyTorch's message.
    DTypeError
        A dtype PyTorch's CPU kernel for that mode lacks.

    Notes
    -----
    PyTorch's arithmetic is reproduced, so results match to ~1e-6 relative (float32),
    ~1e-13 (float64), bit for bit for nearest modes and for uint8:

    - nearest indices in float32 (the 2-D kernel) or in the input's float type (the
      generic kernel, which 3-D/5-D input and 4-D outputs with ``out_h + out_w > 128``
      use); linear/cubic coordinates in the input's float type with a fused multiply-add;
    - the copy shortcuts (an axis whose length does not change, in the linear modes, the
      antialias kernels and the 2-D nearest kernel, which also uses ``i >> 1`` when
      ``out == 2 * in``);
    - uint8 bilinear/bicubic/lanczos: separable passes, width then height, with 16-bit
      fixed-point weights, each pass rounded half up and saturated.

    Two torch 2.13 CPU faults are not copied: with antialias (or uint8 bilinear/bicubic)
    on NCHW input resized to width 1, PyTorch repeats output row 0 down the column (a
    channels-last tensor gets the answer given here); and its uint8 kernel fails an
    internal assert for 3-channel images resized to 1x1.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import pytorch
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> pytorch.interpolate(x, scale_factor=2, mode="bilinear")[0, 0, 0]
    array([0.  , 0.25, 0.75, 1.  ])
    >>> pytorch.interpolate(x, size=(2, 3), mode="nearest")[0, 0]
    array([[0., 0., 1.],
           [2., 2., 3.]])
    """
    x = _checks.numeric_array("input", input)
    if not isinstance(mode, str) or mode not in INTERPOLATE_MODES:
        _refuse(
            "mode",
            mode,
            f"mode={mode!r} is not allowed; expected one of {', '.join(map(repr, INTERPOLATE_MODES))}. "
            f"(PyTorch: Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the "
            f"modes: {_MODES_TEXT} (got {mode}))",
        )
    # PyTorch's kernels take a C++ bool: align_corners must be a Python bool or None (torch raises
    # TypeError for 1, "yes" and NumPy bools).  antialias and recompute_scale_factor it reads
    # with Python's truth test, so "no" would antialias: we refuse anything but a bool there.
    align_corners = _checks.boolean(
        "align_corners", align_corners, numpy=False, none=True,
        hint="(PyTorch: upsample_*() received an invalid combination of arguments.)",
    )
    antialias = _checks.boolean("antialias", antialias)
    recompute_scale_factor = _checks.boolean("recompute_scale_factor", recompute_scale_factor, none=True)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            _refuse(
                "align_corners",
                align_corners,
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear",
            )
    align_corners = bool(align_corners)
    antialias = bool(antialias)
    dim = x.ndim - 2

    # PyTorch's checks, in its order (torch/nn/functional.py interpolate).
    if size is not None and scale_factor is not None:
        _refuse("size", size, "only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        _refuse("size", size, "either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        _refuse(
            "recompute_scale_factor",
            recompute_scale_factor,
            "recompute_scale_factor is not meaningful with an explicit size.",
        )
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and x.ndim == 4):
        _refuse(
            "antialias",
            antialias,
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
            "tensor as input",
            _UnsupportedError,
        )
    if not 3 <= x.ndim <= 5 or (mode in ("bicubic", "lanczos") and x.ndim != 4):
        _refuse(
            "input",
            f"array of shape {x.shape}",
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the modes: "
            f"{_MODES_TEXT} (got {mode})",
            _UnsupportedError,
        )
    if mode in _LINEAR_RANK and x.ndim != _LINEAR_RANK[mode]:
        _refuse(
            "input",
            f"array of shape {x.shape}",
            f"Got {x.ndim}D input, but {mode} mode needs {_LINEAR_RANK[mode]}D input",
            _UnsupportedError,
        )
    if mode == "lanczos" and align_corners:
        _refuse("align_corners", True, "Lanczos mode does not support align_corners=True", _UnsupportedError)
    if mode == "lanczos" and not antialias:
        _refuse("antialias", False, "Lanczos mode requires antialias=True", _UnsupportedError)

    n_in = list(x.shape[2:])
    factors: list[float | None] = [None] * dim
    if size is not None:
        sizes = _per_axis("size", size, dim, x.shape)
        if not all(_checks.is_integer(v) for v in sizes):
            _refuse(
                "size",
                size,
                "expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], "
                f"but got size with types {[type(v) for v in sizes]}",
            )
        n_out = [int(v) for v in sizes]
    else:
        given = [
            _checks.finite("scale_factor", v) for v in _per_axis("scale_factor", scale_factor, dim, x.shape)
        ]
        n_out = [int(n * s) for n, s in zip(n_in, given)]  # trunc(n * sf) in float64, as PyTorch
        if not recompute_scale_factor and mode != "area":  # area always recomputes
            factors = list(given)
    if min(n_in, default=1) <= 0 or min(n_out, default=1) <= 0:
        if mode == "area" and min(n_in) > 0 and min(n_out) >= 0:  # adaptive pooling allows empty outputs
            out_shape = x.shape[:2] + tuple(n_out)
            _checks.output_bytes("size", out_shape, x.dtype)
            return _np.zeros(out_shape, dtype=x.dtype)
        letters = {1: "W", 2: "HW", 3: "DHW"}[dim]
        got_in = ", ".join(f"{a}: {n}" for a, n in zip(letters, n_in))
        got_out = ", ".join(f"{a}: {n}" for a, n in zip(letters, n_out))
        _refuse(
            "size" if size is not None else "scale_factor",
            size if size is not None else scale_factor,
            "Input and output sizes should be greater than 0, but got input "
            f"({got_in}){' and' if dim == 1 else ''} output ({got_out})",
        )
    _check_dtype(x, mode, antialias)

    # Linear/cubic coordinates use PyTorch's opmath type (double for float64, float for
    # float32/float16); the uint8 kernels compute their weights in double.  On 4-D input,
    # nearest runs the 2-D kernel when out_h + out_w <= 128 and the generic N-D kernel
    # otherwise (observed exhaustively in torch 2.13; see docs/frameworks-pytorch-tensorflow.md).
    uint8 = x.dtype == _np.uint8
    precision = "float64" if x.dtype == _np.float64 or uint8 else "float32"
    index_precision = "float64" if x.dtype == _np.float64 else "float32"
    generic = x.ndim != 4 or sum(n_out) > 128
    # The output's bytes before any plan is built (a plan holds n_out taps per axis).
    _checks.output_bytes("size" if size is not None else "scale_factor", x.shape[:2] + tuple(n_out), x.dtype)
    plans = {}
    parameter = "size" if size is not None else "scale_factor"
    with _checks.sizes_named(parameter):
        for axis, n, o, sf in zip(range(2, x.ndim), n_in, n_out, factors):
            plan = _axis_plan(
                mode, generic, n, o, sf, align_corners, antialias, uint8, precision, index_precision
            )
            if plan is not None:
                plans[axis] = plan
    if not plans:
        return x.copy()
    if uint8 and mode in ("bilinear", "bicubic", "lanczos"):
        # PyTorch's uint8 kernels are separable (width first, then height) with 16-bit fixed-point
        # weights; each pass rounds its accumulator half up, (acc + 2**(p-1)) >> p, and saturates
        # (UpSampleKernel.cpp, UpSampleKernelAVXAntialias.h).
        for axis in sorted(plans, reverse=True):
            fixed = {axis: _fixed_point_plan(plans[axis])}
            acc = _apply_plans(x, fixed, out_dtype=_np.float64, parameter=parameter)
            x = _np.clip(_np.floor(acc + 0.5), 0, 255).astype(_np.uint8)
        return x
    return _apply_plans(x, plans, parameter=parameter)


def _axis_plan(
    mode: str,
    generic: bool,
    n: int,
    o: int,
    sf: float | None,
    align_corners: bool,
    antialias: bool,
    uint8: bool,
    precision: str,
    index_precision: str,
):
    """The plan PyTorch's kernel applies along one spatial axis, or None where it copies the axis."""
    if mode == "nearest":
        if generic:
            scale = _kernel_scale(n, o, sf, False, index_precision)
            return NEAREST_GENERIC.plan(n, o, precision=index_precision, inv_scale=scale)
        if o == n:
            return None  # nearest_idx copies
        if o == 2 * n:
            return NEAREST.plan(n, o, inv_scale=0.5)  # nearest_idx: i >> 1
        return NEAREST.plan(n, o, inv_scale=_kernel_scale(n, o, sf, False, "float32"))
    if mode == "nearest-exact":
        if generic:
            scale = _kernel_scale(n, o, sf, False, index_precision)
            return NEAREST_EXACT_GENERIC.plan(n, o, precision=index_precision, inv_scale=scale)
        return NEAREST_EXACT.plan(n, o, inv_scale=_kernel_scale(n, o, sf, False, "float32"))
    if mode == "area":
        return AREA.plan(n, o)
    scale = _kernel_scale(n, o, sf, align_corners, precision)
    if mode == "bicubic" and not (antialias or uint8):
        if align_corners:
            return CUBIC_ALIGN_CORNERS.plan(n, o, precision=precision)
        return CUBIC.plan(n, o, precision=precision, inv_scale=scale)
    if o == n:
        return None  # compute_source_index_and_lambda copies; the separable kernels skip the axis
    if antialias:
        setting = {"bilinear": BILINEAR_ANTIALIAS, "bicubic": BICUBIC_ANTIALIAS, "lanczos": LANCZOS_ANTIALIAS}
        return setting[mode].plan(n, o, precision=precision, inv_scale=scale)
    if mode == "bicubic":  # uint8 without antialias: the float plan, applied separably
        if align_corners:
            return CUBIC_ALIGN_CORNERS.plan(n, o, precision=precision)
        return CUBIC.plan(n, o, precision=precision, inv_scale=scale)
    if align_corners:
        return LINEAR_ALIGN_CORNERS.plan(n, o, precision=precision)
    return LINEAR.plan(n, o, precision=precision, inv_scale=scale)


# --- transposed convolution (owned by the transposed-convolution engine) ---
# Self-contained: the imports below repeat (harmlessly) any the resize section also makes.
from collections.abc import Sequence as _Sequence  # noqa: E402
from typing import Any as _Any  # noqa: E402

import numpy as _np  # noqa: E402

from upsampling import _checks  # noqa: E402
from upsampling.conv_transpose import conv_transpose as _conv_transpose  # noqa: E402
from upsampling.errors import DTypeError as _DTypeError  # noqa: E402
from upsampling.errors import InvalidArgumentError as _InvalidArgumentError  # noqa: E402
from upsampling.errors import ShapeError as _ShapeError  # noqa: E402
from upsampling.errors import UnsupportedError as _UnsupportedError  # noqa: E402

# torch's C++ names for NumPy dtypes, in its "expected scalar type" and "not implemented" messages.
_TORCH_SCALAR_NAMES = {
    "float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char", "uint8": "Byte",
    "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool",
}
# slow_conv_transpose{2,3}d (CPU) is compiled for the floating types and Long only.
_CONV_TRANSPOSE_DTYPES = ("float16", "float32", "float64", "int64")


def _conv_refuse(parameter: str, value: _Any, message: str, cls: type = _UnsupportedError) -> None:
    """Raise ``cls`` carrying PyTorch's own message."""
    raise cls(parameter, value, message=message)


def _conv_labels(nd: int) -> tuple[str, ...]:
    # conv_transpose1d runs as a 2-D op with height 1, and its messages say so.
    return ("depth", "height", "width") if nd == 3 else ("height", "width")


def _conv_pad1d(nd: int, values: _Sequence[int], fill: int) -> list[int]:
    """Prefix the unit height torch's messages show for 1-D inputs."""
    return [fill, *values] if nd == 1 else list(values)


def _conv_int_tuple(parameter: str, value: _Any, nd: int, op: str) -> tuple[int, ...]:
    """torch's int-or-tuple arguments (``expand_param_if_needed``): one int, or 1 or ``nd`` ints."""
    if isinstance(value, str):
        if parameter == "padding":
            _conv_refuse(
                parameter,
                value,
                f"{op}(): argument 'padding' must be tuple of ints, not str (PyTorch has no padding={value!r} for "
                "transposed convolutions: pytorch/pytorch#80301). For TensorFlow's SAME use "
                "upsampling.conv2d_transpose(..., padding='SAME'), or padding=0 and crop.",
            )
        _conv_refuse(
            parameter, value, f"{op}(): argument '{parameter}' must be tuple of ints, not str", _InvalidArgumentError
        )
    items = list(value) if isinstance(value, (list, tuple, _np.ndarray)) else [value]
    for v in items:
        if not _checks.is_integer(v):
            _conv_refuse(
                parameter,
                value,
                f"{op}(): argument '{parameter}' must be tuple of ints, not {type(v).__name__}",
                _InvalidArgumentError,
            )
    if len(items) == 1:
        items = items * nd
    if len(items) != nd:
        _conv_refuse(
            parameter,
            value,
            f"expected {parameter} to be a single integer value or a list of {nd} values to match the convolution "
            f"dimensions, but got {parameter}={[int(v) for v in items]}",
            _InvalidArgumentError,
        )
    return tuple(int(v) for v in items)


def _conv_transpose_twin(
    input: _Any, weight: _Any, bias: _Any, stride: _Any, padding: _Any, output_padding: _Any, groups: _Any,
    dilation: _Any, nd: int,
) -> _np.ndarray:
    """PyTorch's checks (aten/src/ATen/native/Convolution.cpp, NaiveConvolutionTranspose{2,3}d.cpp),
    then the engine with crop-before = padding and crop-after = padding - output_padding."""
    op = f"conv_transpose{nd}d"
    x = _checks.numeric_array("input", input)
    w = _checks.numeric_array("weight", weight)
    if x.ndim not in (nd + 1, nd + 2):
        _conv_refuse(
            "input",
            f"array of shape {x.shape}",
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got input of size: "
            f"{list(x.shape)}",
            _ShapeError,
        )
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    if w.ndim != nd + 2:
        _conv_refuse(
            "weight",
            f"array of shape {w.shape}",
            f"weight must be a {nd + 2}-D array [in_channels, out_channels/groups, *kernel] for {op}; got shape "
            f"{list(w.shape)}",
            _ShapeError,
        )
    if x.dtype != w.dtype:
        raise _DTypeError(
            "weight",
            f"array of dtype {w.dtype}",
            f"the input's dtype {x.dtype}",
            message=f"expected scalar type {_TORCH_SCALAR_NAMES.get(x.dtype.name, x.dtype.name)} but found "
            f"{_TORCH_SCALAR_NAMES.get(w.dtype.name, w.dtype.name)} (PyTorch refuses mixed input/weight dtypes; "
            "cast one of them).",
        )
    if x.dtype.name not in _CONV_TRANSPOSE_DTYPES:
        kernel_name = f"slow_conv_transpose{max(nd, 2)}d_out_cpu"
        raise _DTypeError(
            "input",
            f"array of dtype {x.dtype}",
            "float16, float32, float64 or int64",
            message=f"\"{kernel_name}\" not implemented for '{_TORCH_SCALAR_NAMES.get(x.dtype.name, x.dtype.name)}' "
            "(PyTorch's CPU transposed convolution takes float16, float32, float64 or int64).",
        )
    s = _conv_int_tuple("stride", stride, nd, op)
    p = _conv_int_tuple("padding", padding, nd, op)
    op_ = _conv_int_tuple("output_padding", output_padding, nd, op)
    d = _conv_int_tuple("dilation", dilation, nd, op)
    if not _checks.is_integer(groups):
        _conv_refuse(
            "groups", groups, f"{op}(): argument 'groups' must be int, not {type(groups).__name__}", _InvalidArgumentError
        )
    g = int(groups)
    if g <= 0:
        _conv_refuse("groups", g, "non-positive groups is not supported", _InvalidArgumentError)
    if min(s) <= 0:
        _conv_refuse("stride", stride, "non-positive stride is not supported", _InvalidArgumentError)
    if min(p) < 0:
        _conv_refuse("padding", padding, "negative padding is not supported", _InvalidArgumentError)
    if min(op_) < 0:
        _conv_refuse(
            "output_padding", output_padding, "negative output_padding is not supported", _InvalidArgumentError
        )
    labels = _conv_labels(nd)
    if min(d) <= 0:
        pairs = ", ".join(f"dilation_{a}: {v}" for a, v in zip(labels, _conv_pad1d(nd, d, 1)))
        _conv_refuse(
            "dilation", dilation, f"dilation should be greater than zero, but got {pairs}", _InvalidArgumentError
        )
    if min(w.shape[2:]) <= 0:
        pairs = " ".join(f"kernel_{a}: {v}" for a, v in zip(labels, _conv_pad1d(nd, w.shape[2:], 1)))
        _conv_refuse(
            "weight", f"array of shape {w.shape}", f"kernel size should be greater than zero, but got {pairs}", _ShapeError
        )
    if w.shape[0] < g:  # check_shape_forward (this also refuses zero input channels)
        _conv_refuse(
            "weight",
            f"array of shape {w.shape}",
            f"Given groups={g}, expected weight to be at least {g} at dimension 0, but got weight of size "
            f"{list(w.shape)} instead",
            _ShapeError,
        )
    if w.shape[0] % g:
        _conv_refuse(
            "groups",
            g,
            f"Given groups={g}, expected weight to be divisible by {g} at dimension 0, but got weight of size "
            f"[{list(w.shape)}] instead",
            _InvalidArgumentError,
        )
    if x.shape[1] != w.shape[0]:
        _conv_refuse(
            "input",
            f"array of shape {x.shape}",
            f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} to have "
            f"{w.shape[0]} channels, but got {x.shape[1]} channels instead",
            _ShapeError,
        )
    m = w.shape[1] * g
    b = None
    if bias is not None:
        b = _checks.numeric_array("bias", bias)
        if b.shape != (m,):
            _conv_refuse(
                "bias",
                f"array of shape {b.shape}",
                f"Given transposed=1, weight of size {list(w.shape)}, expected bias to be 1-dimensional with {m} "
                f"elements, but got bias of size {list(b.shape)} instead",
                _ShapeError,
            )
        b = b.astype(x.dtype)
    if min(x.shape[2:]) <= 0 and x.shape[0] != 0:
        _conv_refuse(
            "input",
            f"array of shape {x.shape}",
            f"Only zero batch or zero channel inputs are supported, but got input shape: {list(x.shape)}",
            _ShapeError,
        )
    # out = (in - 1)·s - 2p + d·(k - 1) + output_padding + 1
    out = [
        (n - 1) * si - 2 * pi + di * (k - 1) + oi + 1
        for n, si, pi, di, k, oi in zip(x.shape[2:], s, p, d, w.shape[2:], op_)
    ]
    if x.shape[0] == 0:
        # An empty batch takes torch's "Empty" backend (Convolution.cpp): the output shape is
        # computed and nothing else is checked (not output_padding), but it multiplies by the
        # weight's first element and views to the computed shape (torch 2.13, checked live).
        if w.size == 0:
            _conv_refuse("weight", f"array of shape {w.shape}",
                         "select(): index 0 out of range for tensor of size [0] at dimension 0 (PyTorch's empty-batch "
                         "path reads the weight's first element)", _ShapeError)
        if min(out) < 0:
            _conv_refuse("padding", padding, f"invalid shape dimension {min(out)} of the output shape "
                         f"{[0, m, *_conv_pad1d(nd, out, 1)]}", _ShapeError)
        y = _np.zeros((0, m, *out), dtype=x.dtype)
        return y[0] if unbatched else y
    if w.size == 0:
        _conv_refuse("weight", f"array of shape {w.shape}",
                     f"non-empty {nd + 2}D weight tensor expected, but got: {list(w.shape)} (PyTorch's CPU kernels "
                     "refuse a weight without output channels)", _ShapeError)
    if any(o >= max(si, di) for o, si, di in zip(op_, s, d)):
        text = " ".join(
            f"{name}_{a}: {v}"
            for name, values, fill in (("output_padding", op_, 0), ("stride", s, 1), ("dilation", d, 1))
            for a, v in zip(labels, _conv_pad1d(nd, values, fill))
        )
        _conv_refuse(
            "output_padding",
            output_padding,
            f"output padding must be smaller than either stride or dilation, but got {text}",
            _InvalidArgumentError,
        )
    # oneDNN's deconvolution returns an empty result for an output size of 0 (and refuses a negative
    # one); slow_conv_transpose refuses anything below 1.  Which runs: _onednn.
    if min(out) == 0 and _onednn(x, w, s, d, g, op_):
        y = _np.zeros((x.shape[0], m, *out), dtype=x.dtype)
        return y[0] if unbatched else y
    if min(out) < 1:
        _conv_refuse(
            "padding",
            padding,
            f"Given input size per channel: ({' x '.join(map(str, _conv_pad1d(nd, x.shape[2:], 1)))}). Calculated "
            f"output size per channel: ({' x '.join(map(str, _conv_pad1d(nd, out, 1)))}). Output size is too small",
            _ShapeError,
        )
    y = _conv_transpose(
        x, w, b, strides=s, dilations=d, pads_begin=p, pads_end=[pi - oi for pi, oi in zip(p, op_)], groups=g
    )
    return y[0] if unbatched else y


def _onednn(x: _np.ndarray, w: _np.ndarray, s: tuple[int, ...], d: tuple[int, ...], g: int, op: tuple[int, ...]) -> bool:
    """Whether torch 2.13's CPU convolution takes oneDNN (``use_mkldnn`` in ATen's
    ``Convolution.cpp``, on the 4-D view it makes of 3-D input): float32 only, a kernel that is
    strided, dilated or not 1x1 (or a batch of 16 or more), an output_padding below the stride (one
    only the dilation allows takes the slow path, observed), and groups, a kernel larger than 3x3,
    a batch of 2 or more, or more than 20,480 input elements in the first four dimensions.
    PyTorch also takes oneDNN for 1x1 kernels when it runs more than one thread; this follows
    ``torch.set_num_threads(1)``, as the parity tests run it (checked live, issue 19)."""
    if x.dtype != _np.float32 or any(o >= si for o, si in zip(op, s)):  # (output_padding >= stride: never, observed)
        return False
    shape = x.shape if x.ndim > 3 else (x.shape[0], x.shape[1], 1, x.shape[2])
    kernel = w.shape[2:] if w.ndim > 3 else (1, w.shape[2])
    wide = max(s) > 1 or max(d) > 1 or shape[0] >= 16 or kernel[-1] != 1 or kernel[-2] != 1
    worth = g > 1 or (kernel[-1] > 3 and kernel[-2] > 3) or shape[0] > 1 or shape[0] * shape[1] * shape[2] * shape[3] > 20480
    return wide and worth


def conv_transpose2d(
    input: _Any,
    weight: _Any,
    bias: _Any = None,
    stride: int | _Sequence[int] = 1,
    padding: int | _Sequence[int] = 0,
    output_padding: int | _Sequence[int] = 0,
    groups: int = 1,
    dilation: int | _Sequence[int] = 1,
) -> _np.ndarray:
    """``torch.nn.functional.conv_transpose2d`` on NumPy arrays (CPU semantics of torch 2.13).

    Parameters
    ----------
    input : array ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
    weight : array ``[C_in, C_out/groups, kh, kw]``.
    bias : optional ``(C_out,)``.
    stride, padding, output_padding, dilation : an int or a pair.  ``padding`` removes
        ``padding`` elements from *both* ends of the full output ``(H-1)·stride +
        dilation·(kh-1) + 1``; ``output_padding`` (< ``max(stride, dilation)``) gives back that
        many at the end only (computed values, or zeros past the full output).
    groups : splits the channels into independent groups.

    Returns
    -------
    ndarray ``(N, C_out, H_out, W_out)``, ``H_out = (H-1)·stride - 2·padding + dilation·(kh-1)
    + output_padding + 1``; the input's dtype (float16, float32, float64 or int64, as PyTorch's
    CPU kernels; float16 accumulated in float32).

    Raises
    ------
    InvalidArgumentError, ShapeError, DTypeError, UnsupportedError
        Wherever PyTorch refuses, with PyTorch's message: ``output_padding`` not smaller than
        stride or dilation, negative padding, non-positive stride/dilation/groups, groups not
        dividing ``weight.shape[0]``, channel or bias mismatches, an output smaller than 1,
        mixed dtypes, ``padding='same'`` (a TypeError in PyTorch).

    Notes
    -----
    TensorFlow's ``SAME`` with an odd total cannot be expressed with ``padding`` and
    ``output_padding`` (it needs one more crop at the end than at the start); use
    :func:`upsampling.conv2d_transpose` for it.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import pytorch
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> pytorch.conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [2., 2., 3., 3.],
           [2., 2., 3., 3.]])
    """
    return _conv_transpose_twin(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose1d(
    input: _Any,
    weight: _Any,
    bias: _Any = None,
    stride: int | _Sequence[int] = 1,
    padding: int | _Sequence[int] = 0,
    output_padding: int | _Sequence[int] = 0,
    groups: int = 1,
    dilation: int | _Sequence[int] = 1,
) -> _np.ndarray:
    """``torch.nn.functional.conv_transpose1d``: input ``(N, C_in, L)`` or ``(C_in, L)``, weight
    ``[C_in, C_out/groups, k]``; otherwise as :func:`conv_transpose2d`."""
    return _conv_transpose_twin(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose3d(
    input: _Any,
    weight: _Any,
    bias: _Any = None,
    stride: int | _Sequence[int] = 1,
    padding: int | _Sequence[int] = 0,
    output_padding: int | _Sequence[int] = 0,
    groups: int = 1,
    dilation: int | _Sequence[int] = 1,
) -> _np.ndarray:
    """``torch.nn.functional.conv_transpose3d``: input ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``,
    weight ``[C_in, C_out/groups, kd, kh, kw]``; otherwise as :func:`conv_transpose2d`."""
    return _conv_transpose_twin(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
