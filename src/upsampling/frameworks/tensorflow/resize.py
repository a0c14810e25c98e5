"""Twin of TensorFlow's resizes: ``tf.image.resize`` (TF2) and the TF1 ``compat.v1.image.resize_*`` ops.

Argument translation only: each plan is built through one of the :class:`Setting` objects
declared below (the registry that generates ``docs/framework-settings.md``) and applied by
:func:`upsampling.resizing.apply_plans`.  This module never imports tensorflow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from upsampling import _checks
from upsampling.coords import align_corners_ratio, inverse_scale
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from upsampling.frameworks._mapping import Setting
from upsampling.plan import AxisPlan
from upsampling.resizing import apply_plans

__all__ = [
    "RESIZE_METHODS",
    "ResizeMethod",
    "resize",
    "resize_area",
    "resize_bicubic",
    "resize_bilinear",
    "resize_nearest_neighbor",
]

ResizeMethod = Literal[
    "bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"
]
RESIZE_METHODS: tuple[str, ...] = ResizeMethod.__args__  # type: ignore[attr-defined]

# Every TensorFlow setting, declared once; the functions below build each plan through one of these.
# TF computes coordinates in float32 with scale = float32(in) / float32(out), or
# float32(in-1) / float32(out-1) with align_corners (image_resizer_state.h CalculateResizeScale).
BILINEAR_LEGACY = Setting(
    "TensorFlow",
    "compat.v1.image.resize_bilinear(align_corners=False, half_pixel_centers=False)",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "asymmetric", "precision": "float32"},
    "x = i * scale in float32 (LegacyScaler); the edge value past the last pixel",
)
BILINEAR_ALIGN_CORNERS = Setting(
    "TensorFlow",
    "compat.v1.image.resize_bilinear(align_corners=True)",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "align_corners", "precision": "float32"},
    "x = i * float32((in-1)/(out-1))",
)
BILINEAR_HALF_PIXEL = Setting(
    "TensorFlow",
    "image.resize(method='bilinear'); compat.v1.image.resize_bilinear(half_pixel_centers=True)",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "half_pixel", "precision": "float32"},
    "x = (i + 0.5) * scale - 0.5 in float32 (HalfPixelScaler), clamped into the image",
)
NEAREST_LEGACY = Setting(
    "TensorFlow",
    "compat.v1.image.resize_nearest_neighbor(align_corners=False, half_pixel_centers=False)",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor",
     "precision": "float32"},
    "index = min(floorf(i * scale), in-1), float32",
)
NEAREST_ALIGN_CORNERS = Setting(
    "TensorFlow",
    "compat.v1.image.resize_nearest_neighbor(align_corners=True)",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "align_corners",
     "nearest_mode": "round_prefer_ceil", "precision": "float32"},
    "index = roundf(i * float32((in-1)/(out-1))), halves away from zero",
)
NEAREST_HALF_PIXEL = Setting(
    "TensorFlow",
    "image.resize(method='nearest'); compat.v1.image.resize_nearest_neighbor(half_pixel_centers=True)",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_ceil",
     "precision": "float32"},
    "index = floorf((i + 0.5) * scale) (HalfPixelScalerForNN), float32; keeps the input dtype",
)
BICUBIC_LEGACY = Setting(
    "TensorFlow",
    "compat.v1.image.resize_bicubic(align_corners=False, half_pixel_centers=False)",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "asymmetric", "cubic_coeff_a": -0.75,
     "cubic_table_size": 1024, "precision": "float32"},
    "Keys a=-0.75, edge taps replicated; weights read from a 1,024-entry table at lrintf(frac * 1024) "
    "(resize_bicubic_op.cc)",
)
BICUBIC_ALIGN_CORNERS = Setting(
    "TensorFlow",
    "compat.v1.image.resize_bicubic(align_corners=True)",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "align_corners", "cubic_coeff_a": -0.75,
     "cubic_table_size": 1024, "precision": "float32"},
    "as legacy bicubic, with x = i * float32((in-1)/(out-1))",
)
BICUBIC_HALF_PIXEL = Setting(
    "TensorFlow",
    "image.resize(method='bicubic'); compat.v1.image.resize_bicubic(half_pixel_centers=True)",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.5,
     "exclude_outside": True, "cubic_table_size": 1024, "precision": "float32"},
    "Keys a=-0.5 (use_keys_cubic), out-of-image taps dropped and the rest renormalised, the 1,024-entry "
    "weight table",
)
AREA = Setting(
    "TensorFlow",
    "image.resize(method='area'); compat.v1.image.resize_area(align_corners=False)",
    "area_plan",
    {"rule": "overlap", "precision": "float32", "border": "replicate"},
    "box [i*sc, (i+1)*sc) with sc = float32(in/out), each pixel weighted by overlap / sc "
    "(resize_area_op.cc), upscaling too; antialias is ignored",
)
AREA_ALIGN_CORNERS = Setting(
    "TensorFlow",
    "compat.v1.image.resize_area(align_corners=True)",
    "area_plan",
    {"rule": "overlap", "precision": "float32", "border": "replicate"},
    "boxes of width sc = (in-1)/(out-1) run past the image; the part past the end reads the last pixel "
    "(BoundIfNeeded)",
)


def _scale_and_translate(kernel_name: str, method: str, note: str, antialias: str = "False|True") -> Setting:
    return Setting(
        "TensorFlow",
        f"image.resize(method={method!r}, antialias={antialias})",
        "window_plan",
        {"kernel_name": kernel_name, "span_rule": "tf", "precision": "float32"},
        "gen_image_ops.scale_and_translate (scale_and_translate_op.cc): centre (i + 0.5) / scale, kernel "
        "stretched by max(1/scale, 1) with antialias, taps [ceil(c - r - 0.5), floor(c + r - 0.5)] "
        f"renormalised, float32 positions; {note}",
    )


TRIANGLE = _scale_and_translate("triangle", "bilinear", "the triangle kernel", antialias="True")
KEYS_CUBIC = _scale_and_translate(
    "keys_a-0.5",
    "bicubic",
    "an exact Keys a=-0.5 kernel, not the 1,024-entry table, so it differs from antialias=False by up to "
    "2e-3 even when upsampling",
    antialias="True",
)
LANCZOS3 = _scale_and_translate("lanczos3", "lanczos3", "Lanczos radius 3")
LANCZOS5 = _scale_and_translate("lanczos5", "lanczos5", "Lanczos radius 5")
GAUSSIAN = _scale_and_translate(
    "gaussian_tf",
    "gaussian",
    "radius 1.5, sigma 0.5 (sampling_kernels.h; the docstring says radius 3), discontinuous at its radius, "
    "so the float32 positions decide which taps it reaches",
)
MITCHELLCUBIC = _scale_and_translate("mitchell", "mitchellcubic", "Mitchell-Netravali B = C = 1/3")
_WINDOWS = {
    "bilinear": TRIANGLE,
    "bicubic": KEYS_CUBIC,
    "lanczos3": LANCZOS3,
    "lanczos5": LANCZOS5,
    "gaussian": GAUSSIAN,
    "mitchellcubic": MITCHELLCUBIC,
}

# The dtypes TF's resize kernels are registered for (NumPy has no bfloat16).
_TF_DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "int64", "float16", "float32", "float64")


# TF's message for a non-bool value of a bool attr (a TypeError there).
_TF_BOOL = "(TensorFlow: Expected bool for argument ...; None means False.)"


def _images(images: Any) -> np.ndarray:
    x = _checks.numeric_array("images", images)
    if x.dtype.name not in _TF_DTYPES:
        raise DTypeError(
            "images",
            f"array of dtype {x.dtype}",
            ", ".join(_TF_DTYPES),
            message=(
                f"Value for attr 'T' of {x.dtype} is not in the list of allowed values: int8, uint8, int16, "
                "uint16, int32, int64, bfloat16, half, float, double"
            ),
        )
    return x


def _size(size: Any, length_message: str) -> tuple[int, int]:
    """``size`` as two ints (TF converts it to an int32 tensor of 2 elements)."""
    if isinstance(size, np.ndarray):
        size = size.tolist()
    if not isinstance(size, (list, tuple)) or not all(_checks.is_integer(v) for v in size):
        raise InvalidArgumentError("size", size, message="'size' must be a 1-D int32 Tensor")
    if len(size) != 2:
        raise InvalidArgumentError("size", size, message=length_message)
    return int(size[0]), int(size[1])


def _check_sizes(x: np.ndarray, out_hw: tuple[int, int]) -> None:
    if min(out_hw) <= 0:
        raise InvalidArgumentError("size", out_hw, message="output dimensions must be positive")
    if x.shape[1] == 0 or x.shape[2] == 0:
        raise ShapeError("images", x.shape, message="input image must be of non-zero size")


def _check_output_bytes(x: np.ndarray, out_hw: tuple[int, int], out_dtype: Any) -> None:
    """The NHWC output's bytes, checked before any plan is built (a plan holds n_out taps per axis)."""
    _checks.output_bytes("size", (x.shape[0], *out_hw, x.shape[3]), out_dtype)


def _window_inv_scale(n_in: int, n_out: int) -> float:
    """scale_and_translate's ``inv_scale = 1.0 / scale``: ``scale = float32(out) / float32(in)``
    (image_ops_impl.py), inverted in double and stored in float32 (scale_and_translate_op.cc)."""
    return float(np.float32(1.0 / float(np.float32(n_out) / np.float32(n_in))))


def resize(
    images: Any,
    size: Sequence[int],
    method: ResizeMethod = "bilinear",
    preserve_aspect_ratio: bool = False,
    antialias: bool = False,
    name: str | None = None,
) -> np.ndarray:
    """``tf.image.resize`` (TF2) on NumPy arrays.

    Parameters
    ----------
    images : array of shape ``(batch, height, width, channels)`` (NHWC) or
        ``(height, width, channels)``.  dtype int8, uint8, int16, uint16, int32, int64,
        float16, float32 or float64 (the types TF registers).
    size : ``(new_height, new_width)``, two positive ints.
    method : ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``, ``"area"``,
        ``"lanczos3"``, ``"lanczos5"``, ``"gaussian"`` or ``"mitchellcubic"``.
    preserve_aspect_ratio : scale both axes by ``min(new_h/h, new_w/w)`` (float32) and
        round each length half to even (``tf.round``), so the result fits in ``size``.
    antialias : stretch the kernel when downscaling (``bilinear``, ``bicubic`` and the
        ``scale_and_translate`` methods; ignored by ``nearest`` and ``area``).
    name : ignored (TF's op name).

    Returns
    -------
    ndarray in the input's layout with the new height and width: float32 for every
    method except ``nearest``, which keeps the input dtype.  The image is resampled even
    when the size does not change (so the result is float32 then too).

    Raises
    ------
    ShapeError, InvalidArgumentError, DTypeError
        With TensorFlow's messages: rank not 3 or 4, ``size`` not two ints, a
        non-positive output size, an empty image, a dtype TF does not register.

    Notes
    -----
    ``bilinear``/``nearest``/``bicubic`` run TF1's ops with ``half_pixel_centers=True``
    (float32 coordinates; bicubic: Keys a=-0.5, out-of-image taps dropped, TF's
    1,024-entry weight table); ``area`` is ``resize_area``; antialiased bilinear/bicubic
    and the other methods are ``scale_and_translate`` windows.  Results match TF to
    ~1e-6 relative, nearest bit for bit.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import tensorflow as tf_twin
    >>> x = np.arange(4.0).reshape(2, 2, 1)
    >>> tf_twin.resize(x, (4, 4))[0, :, 0]
    array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    >>> tf_twin.resize(np.zeros((5, 7, 1)), (10, 20), preserve_aspect_ratio=True).shape
    (10, 14, 1)
    """
    x = _images(images)
    # TF passes antialias to a bool attr (Python bools only; None is its default) and tests
    # preserve_aspect_ratio with Python's truth test; we take bools only ("no" is not False).
    antialias = bool(_checks.boolean("antialias", antialias, numpy=False, none=True, hint=_TF_BOOL))
    preserve_aspect_ratio = _checks.boolean("preserve_aspect_ratio", preserve_aspect_ratio)
    if not isinstance(method, str) or method not in RESIZE_METHODS:
        raise InvalidArgumentError("method", method, message=f"Resize method is not implemented: {method}")
    if x.ndim not in (3, 4):
        raise ShapeError("images", x.shape, message="'images' must have either 3 or 4 dimensions.")
    batched = x if x.ndim == 4 else x[None]
    out_hw = _size(size, "'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    n_in = batched.shape[1:3]
    if preserve_aspect_ratio:
        # image_ops_impl._resize_images_common: a float32 scale, then tf.round (half to even).
        f = np.float32
        scale = min(f(out_hw[0]) / f(n_in[0]), f(out_hw[1]) / f(n_in[1]))
        out_hw = (int(np.round(f(scale * f(n_in[0])))), int(np.round(f(scale * f(n_in[1])))))
    _check_sizes(batched, out_hw)
    out_dtype = x.dtype if method == "nearest" else np.float32
    _check_output_bytes(batched, out_hw, out_dtype)

    plans = {}
    for axis, n, o in ((1, n_in[0], out_hw[0]), (2, n_in[1], out_hw[1])):
        if method == "nearest":
            plans[axis] = NEAREST_HALF_PIXEL.plan(n, o, inv_scale=inverse_scale(n, o, "float32"))
        elif method == "area":
            plans[axis] = AREA.plan(n, o)
        elif method == "bilinear" and not antialias:
            plans[axis] = BILINEAR_HALF_PIXEL.plan(n, o, inv_scale=inverse_scale(n, o, "float32"))
        elif method == "bicubic" and not antialias:
            plans[axis] = BICUBIC_HALF_PIXEL.plan(n, o, inv_scale=inverse_scale(n, o, "float32"))
        else:
            window = _WINDOWS[method]
            plans[axis] = window.plan(n, o, antialias=bool(antialias), inv_scale=_window_inv_scale(n, o))
    y = apply_plans(batched, plans, out_dtype=out_dtype)
    return y if x.ndim == 4 else y[0]


def _v1(images: Any, size: Any, align_corners: bool, half_pixel_centers: bool):
    """The TF1 ops' shared checks (image_resizer_state.h), in TF's order."""
    x = _images(images)
    align_corners = bool(_checks.boolean("align_corners", align_corners, numpy=False, none=True, hint=_TF_BOOL))
    half_pixel_centers = bool(
        _checks.boolean("half_pixel_centers", half_pixel_centers, numpy=False, none=True, hint=_TF_BOOL)
    )
    if half_pixel_centers and align_corners:
        raise UnsupportedError(
            "half_pixel_centers", True, message="If half_pixel_centers is True, align_corners must be False."
        )
    if x.ndim != 4:
        shape = ",".join(str(n) for n in x.shape)
        raise ShapeError("images", x.shape, message=f"input must be 4-dimensional[{shape}]")
    if isinstance(size, np.ndarray):
        size = size.tolist()
    count = len(size) if isinstance(size, (list, tuple)) else 1
    out_hw = _size(size, f"shape_t must have two elements[{count}]")
    _check_sizes(x, out_hw)
    return x, out_hw


def _tf1(
    plan_for: Callable[[int, int], AxisPlan], x: np.ndarray, out_hw: tuple[int, int], out_dtype: Any
) -> np.ndarray:
    """Run one TF1 op: ``plan_for(n_in, n_out)`` gives each axis' plan (H is axis 1, W axis 2)."""
    _check_output_bytes(x, out_hw, out_dtype)
    plans = {1: plan_for(x.shape[1], out_hw[0]), 2: plan_for(x.shape[2], out_hw[1])}
    return apply_plans(x, plans, out_dtype=out_dtype)


def _tf1_interpolating(
    settings: tuple[Setting, Setting, Setting], images: Any, size: Any, align_corners: bool,
    half_pixel_centers: bool, keep_dtype: bool = False,
) -> np.ndarray:
    """The TF1 interpolating ops, which differ only in their ``settings`` (for ``align_corners``,
    ``half_pixel_centers``, neither) and in their output dtype (float32, or the input's)."""
    x, out_hw = _v1(images, size, align_corners, half_pixel_centers)
    aligned, half_pixel, legacy = settings

    def plan_for(n: int, o: int) -> AxisPlan:
        if align_corners:
            return aligned.plan(n, o)
        return (half_pixel if half_pixel_centers else legacy).plan(n, o, inv_scale=inverse_scale(n, o, "float32"))

    return _tf1(plan_for, x, out_hw, x.dtype if keep_dtype else np.float32)


def resize_bilinear(
    images: Any,
    size: Sequence[int],
    align_corners: bool = False,
    name: str | None = None,
    half_pixel_centers: bool = False,
) -> np.ndarray:
    """``tf.compat.v1.image.resize_bilinear`` on NumPy arrays.

    Parameters
    ----------
    images : ``(batch, height, width, channels)`` array (NHWC, 4-D only) of a dtype TF
        registers (see :func:`resize`).
    size : ``(new_height, new_width)``.
    align_corners : ``x = i * (in-1)/(out-1)``.
    name : ignored.
    half_pixel_centers : ``x = (i + 0.5) * in/out - 0.5`` (TF2's convention).  Neither
        flag: ``x = i * in/out``.  Both: refused, as TF refuses them.

    Returns
    -------
    float32 array of shape ``(batch, new_height, new_width, channels)``.
    """
    return _tf1_interpolating(
        (BILINEAR_ALIGN_CORNERS, BILINEAR_HALF_PIXEL, BILINEAR_LEGACY), images, size, align_corners, half_pixel_centers
    )


def resize_nearest_neighbor(
    images: Any,
    size: Sequence[int],
    align_corners: bool = False,
    name: str | None = None,
    half_pixel_centers: bool = False,
) -> np.ndarray:
    """``tf.compat.v1.image.resize_nearest_neighbor`` on NumPy arrays.

    Parameters are those of :func:`resize_bilinear`.  Indices, in float32 and clamped:
    ``floorf(i * in/out)``; with ``align_corners`` ``roundf(i * (in-1)/(out-1))``; with
    ``half_pixel_centers`` ``floorf((i + 0.5) * in/out)``.

    Returns
    -------
    array of shape ``(batch, new_height, new_width, channels)`` and the input's dtype.
    """
    return _tf1_interpolating(
        (NEAREST_ALIGN_CORNERS, NEAREST_HALF_PIXEL, NEAREST_LEGACY), images, size, align_corners, half_pixel_centers,
        keep_dtype=True
    )


def resize_bicubic(
    images: Any,
    size: Sequence[int],
    align_corners: bool = False,
    name: str | None = None,
    half_pixel_centers: bool = False,
) -> np.ndarray:
    """``tf.compat.v1.image.resize_bicubic`` on NumPy arrays.

    Parameters are those of :func:`resize_bilinear`.  Legacy and ``align_corners``:
    Keys a=-0.75 with replicated edge taps; ``half_pixel_centers``: Keys a=-0.5 with
    out-of-image taps dropped and renormalised (TF2 ``bicubic``).  Weights come from
    TF's 1,024-entry table.

    Returns
    -------
    float32 array of shape ``(batch, new_height, new_width, channels)``.
    """
    return _tf1_interpolating(
        (BICUBIC_ALIGN_CORNERS, BICUBIC_HALF_PIXEL, BICUBIC_LEGACY), images, size, align_corners, half_pixel_centers
    )


def resize_area(
    images: Any,
    size: Sequence[int],
    align_corners: bool = False,
    name: str | None = None,
) -> np.ndarray:
    """``tf.compat.v1.image.resize_area`` on NumPy arrays.

    Each output pixel averages the box ``[i*sc, (i+1)*sc)`` of the input, weighting each
    pixel by its overlap; ``sc = in/out``, or ``(in-1)/(out-1)`` with ``align_corners``
    (the boxes then run past the image and read the last pixel).

    Returns
    -------
    float32 array of shape ``(batch, new_height, new_width, channels)``.
    """
    x, out_hw = _v1(images, size, align_corners, False)

    def plan_for(n: int, o: int) -> AxisPlan:
        # (in-1)/(out-1) is 0 for a 1-pixel axis: TF then returns that pixel, as the plain boxes do.
        if align_corners and o > 1 and n > 1:
            return AREA_ALIGN_CORNERS.plan(n, o, inv_scale=align_corners_ratio(n, o, "float32"))
        return AREA.plan(n, o)

    return _tf1(plan_for, x, out_hw, np.float32)
