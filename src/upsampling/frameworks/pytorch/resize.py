"""Twin of ``torch.nn.functional.interpolate``: NumPy in, NumPy out, PyTorch's signature and defaults.

Argument translation only: each plan is built through one of the :class:`Setting` objects
declared below (the registry that generates ``docs/framework-settings.md``) and applied by
:func:`upsampling.resizing.apply_plans`.  This module never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from upsampling import _checks
from upsampling.coords import align_corners_ratio, inverse_scale
from upsampling.errors import DTypeError, UnsupportedError
from upsampling.frameworks._common import refuse
from upsampling.frameworks._mapping import Setting
from upsampling.frameworks.pytorch._names import torch_dtype_name
from upsampling.plan import fixed_point_plan, round_fixed_point
from upsampling.resizing import apply_plans

__all__ = ["INTERPOLATE_MODES", "InterpolateMode", "interpolate"]

InterpolateMode = Literal[
    "nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area", "lanczos"
]
INTERPOLATE_MODES: tuple[str, ...] = InterpolateMode.__args__  # type: ignore[attr-defined]

# Every PyTorch setting, declared once; `interpolate` builds each plan through one of these.
# "scale" below is what PyTorch's kernels multiply by (UpSample.h area_pixel_compute_scale):
# in/out, or 1/scale_factor when a scale factor is in force, or (in-1)/(out-1) with align_corners.
NEAREST = Setting(
    "PyTorch",
    "interpolate(mode='nearest'), 4-D input with out_h + out_w <= 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor",
     "precision": "float32"},
    "the 2-D kernel (nearest_idx): index = min(floor(i * scale), in-1) in float32 for every dtype; an axis "
    "with out == in is copied and one with out == 2*in uses i >> 1, whatever scale_factor says. Larger 4-D "
    "outputs take the generic kernel (observed in torch 2.13)",
)
NEAREST_GENERIC = Setting(
    "PyTorch",
    "interpolate(mode='nearest'), 3-D and 5-D input, 4-D with out_h + out_w > 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor",
     "rounding_precision": "float32"},
    "the generic kernel (UpSampleKernel.cpp HelperInterpNearest): x = i * scale in the input's float type "
    "(float64 for float64 input, else float32), then floorf, which rounds x to float32 first; no shortcuts",
)
NEAREST_EXACT = Setting(
    "PyTorch",
    "interpolate(mode='nearest-exact'), 4-D input with out_h + out_w <= 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_ceil",
     "precision": "float32"},
    "the 2-D kernel (nearest_exact_idx): index = min(floor((i + 0.5) * scale), in-1) in float32; no "
    "shortcuts (out == in with scale_factor != 1 still resamples)",
)
NEAREST_EXACT_GENERIC = Setting(
    "PyTorch",
    "interpolate(mode='nearest-exact'), 3-D and 5-D input, 4-D with out_h + out_w > 128",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_ceil",
     "fused": True, "rounding_precision": "float32"},
    "the generic kernel: x = (i + 0.5) * scale - 0.5 in the input's float type, rounded once (the compiler "
    "fuses the multiply-add), then floorf(x + 0.5); differs from the 2-D kernel on 2 of 2,401 size pairs",
)
LINEAR = Setting(
    "PyTorch",
    "interpolate(mode='linear'|'bilinear'|'trilinear', align_corners=False)",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "half_pixel", "fused": True},
    "x = (i + 0.5) * scale - 0.5 rounded once (fused multiply-add), clamped into the image; arithmetic in "
    "the input's float type (float32 for float16); an axis with out == in is copied",
)
LINEAR_ALIGN_CORNERS = Setting(
    "PyTorch",
    "interpolate(mode='linear'|'bilinear'|'trilinear', align_corners=True)",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "align_corners"},
    "x = i * (in-1)/(out-1); scale_factor only sets the output size; an axis with out == in is copied",
)
CUBIC = Setting(
    "PyTorch",
    "interpolate(mode='bicubic', align_corners=False)",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.75, "fused": True},
    "Keys a=-0.75 (UpSample.h get_cubic_upsample_coefficients), x not clamped, edge taps replicated; no copy "
    "shortcut: out == in with scale_factor != 1 resamples with 1/scale_factor",
)
CUBIC_ALIGN_CORNERS = Setting(
    "PyTorch",
    "interpolate(mode='bicubic', align_corners=True)",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "align_corners", "cubic_coeff_a": -0.75},
    "Keys a=-0.75, x = i * (in-1)/(out-1), edge taps replicated",
)
BILINEAR_ANTIALIAS = Setting(
    "PyTorch",
    "interpolate(mode='bilinear', antialias=True)",
    "window_plan",
    {"kernel_name": "triangle", "span_rule": "pillow"},
    "Pillow's precompute_coeffs (UpSampleKernel.cpp _compute_indices_min_size_weights_aa): centre "
    "(i + 0.5) * scale, kernel stretched by max(scale, 1), in-image taps renormalised; align_corners=True "
    "keeps this window with scale (in-1)/(out-1); an axis with out == in is copied",
)
BICUBIC_ANTIALIAS = Setting(
    "PyTorch",
    "interpolate(mode='bicubic', antialias=True)",
    "window_plan",
    {"kernel_name": "keys_a-0.5", "span_rule": "pillow"},
    "the antialias window with Keys a=-0.5 (Pillow's), not the a=-0.75 of antialias=False, also when "
    "upsampling",
)
LANCZOS_ANTIALIAS = Setting(
    "PyTorch",
    "interpolate(mode='lanczos', antialias=True)",
    "window_plan",
    {"kernel_name": "lanczos3", "span_rule": "pillow"},
    "new in torch 2.13: the antialias window with Pillow's LANCZOS (radius 3); needs antialias=True and "
    "align_corners=False",
)
AREA = Setting(
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


def _per_axis(parameter: str, value: Any, dim: int, shape: tuple[int, ...]) -> list[Any]:
    """One value per spatial axis (a scalar is repeated), with PyTorch's message for a wrong length."""
    if isinstance(value, np.ndarray):
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
        refuse(parameter, value, text)
    return list(value)


def _check_dtype(x: np.ndarray, mode: str, antialias: bool) -> None:
    """PyTorch's CPU kernels: float32/float64 everywhere, float16 without antialias, uint8 for some modes."""
    dt = x.dtype
    if dt in (np.float32, np.float64) or (dt == np.float16 and not antialias):
        return
    if dt == np.uint8 and mode in _UINT8_MODES:
        return
    torch_name = torch_dtype_name(dt.name)
    allowed = (
        "float32 or float64 (the antialias kernels have no float16 version)"
        if antialias
        else "float16, float32, float64, or uint8 for " + ", ".join(_UINT8_MODES)
    )
    raise DTypeError(
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
    if align_corners:
        return align_corners_ratio(n_in, n_out, precision)
    if factor is not None:
        return float((np.float32 if precision == "float32" else np.float64)(1.0 / factor))
    return inverse_scale(n_in, n_out, precision)


def interpolate(
    input: Any,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: InterpolateMode = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> np.ndarray:
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
    align_corners, antialias, recompute_scale_factor = _check_arguments(
        x, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias
    )
    parameter = "size" if size is not None else "scale_factor"
    n_out, factors = _output_sizes(x, size, scale_factor, mode, recompute_scale_factor)
    if min(n_out) == 0:  # adaptive pooling (area) allows empty outputs
        out_shape = x.shape[:2] + tuple(n_out)
        _checks.output_bytes(parameter, out_shape, x.dtype)
        return np.zeros(out_shape, dtype=x.dtype)
    _check_dtype(x, mode, antialias)
    return _resample(x, mode, n_out, factors, align_corners, antialias, parameter)


def _check_arguments(
    x: np.ndarray, size: Any, scale_factor: Any, mode: Any, align_corners: Any, recompute_scale_factor: Any,
    antialias: Any,
) -> tuple[bool, bool, bool | None]:
    """PyTorch's argument checks, in its order (torch/nn/functional.py interpolate); returns
    ``align_corners``, ``antialias`` and ``recompute_scale_factor`` as bools."""
    if not isinstance(mode, str) or mode not in INTERPOLATE_MODES:
        refuse(
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
            refuse(
                "align_corners",
                align_corners,
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear",
            )
    align_corners = bool(align_corners)
    antialias = bool(antialias)
    if size is not None and scale_factor is not None:
        refuse("size", size, "only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        refuse("size", size, "either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        refuse(
            "recompute_scale_factor",
            recompute_scale_factor,
            "recompute_scale_factor is not meaningful with an explicit size.",
        )
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and x.ndim == 4):
        refuse(
            "antialias",
            antialias,
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
            "tensor as input",
            UnsupportedError,
        )
    if not 3 <= x.ndim <= 5 or (mode in ("bicubic", "lanczos") and x.ndim != 4):
        refuse(
            "input",
            f"array of shape {x.shape}",
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the modes: "
            f"{_MODES_TEXT} (got {mode})",
            UnsupportedError,
        )
    if mode in _LINEAR_RANK and x.ndim != _LINEAR_RANK[mode]:
        refuse(
            "input",
            f"array of shape {x.shape}",
            f"Got {x.ndim}D input, but {mode} mode needs {_LINEAR_RANK[mode]}D input",
            UnsupportedError,
        )
    if mode == "lanczos" and align_corners:
        refuse("align_corners", True, "Lanczos mode does not support align_corners=True", UnsupportedError)
    if mode == "lanczos" and not antialias:
        refuse("antialias", False, "Lanczos mode requires antialias=True", UnsupportedError)
    return align_corners, antialias, recompute_scale_factor


def _output_sizes(
    x: np.ndarray, size: Any, scale_factor: Any, mode: str, recompute_scale_factor: bool | None
) -> tuple[list[int], list[float | None]]:
    """The output sizes and, per axis, the scale factor the kernels sample with (``None``: in/out).

    Sizes below 1 are refused with PyTorch's message, except the empty outputs ``area`` allows.
    """
    dim = x.ndim - 2
    n_in = list(x.shape[2:])
    factors: list[float | None] = [None] * dim
    if size is not None:
        sizes = _per_axis("size", size, dim, x.shape)
        if not all(_checks.is_integer(v) for v in sizes):
            refuse(
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
            return n_out, factors
        letters = {1: "W", 2: "HW", 3: "DHW"}[dim]
        got_in = ", ".join(f"{a}: {n}" for a, n in zip(letters, n_in))
        got_out = ", ".join(f"{a}: {n}" for a, n in zip(letters, n_out))
        refuse(
            "size" if size is not None else "scale_factor",
            size if size is not None else scale_factor,
            "Input and output sizes should be greater than 0, but got input "
            f"({got_in}){' and' if dim == 1 else ''} output ({got_out})",
        )
    return n_out, factors


def _resample(
    x: np.ndarray, mode: str, n_out: list[int], factors: list[float | None], align_corners: bool, antialias: bool,
    parameter: str,
) -> np.ndarray:
    """Build each axis' plan as PyTorch's kernel would and apply them (uint8: PyTorch's fixed point)."""
    n_in = list(x.shape[2:])
    # Linear/cubic coordinates use PyTorch's opmath type (double for float64, float for
    # float32/float16); the uint8 kernels compute their weights in double.  On 4-D input,
    # nearest runs the 2-D kernel when out_h + out_w <= 128 and the generic N-D kernel
    # otherwise (observed exhaustively in torch 2.13; see docs/frameworks-pytorch-tensorflow.md).
    uint8 = x.dtype == np.uint8
    precision = "float64" if x.dtype == np.float64 or uint8 else "float32"
    index_precision = "float64" if x.dtype == np.float64 else "float32"
    generic = x.ndim != 4 or sum(n_out) > 128
    # The output's bytes before any plan is built (a plan holds n_out taps per axis).
    _checks.output_bytes(parameter, x.shape[:2] + tuple(n_out), x.dtype)
    plans = {}
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
            fixed = {axis: fixed_point_plan(plans[axis])}
            acc = apply_plans(x, fixed, out_dtype=np.float64, parameter=parameter)
            x = round_fixed_point(acc, np.uint8)
        return x
    return apply_plans(x, plans, parameter=parameter)


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
