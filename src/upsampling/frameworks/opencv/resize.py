"""Twin of OpenCV's ``cv2.resize``: NumPy in, NumPy out, OpenCV 5.0's signature, defaults and dtypes.

Argument translation only: coordinates come from :mod:`upsampling.coords`, kernels from
:mod:`upsampling.filters`, per-axis plans from :mod:`upsampling.plan` (each built through a
:class:`~upsampling.frameworks._mapping.Setting` declared below) and
:func:`upsampling.resizing.apply_plans` applies them.  This module never imports cv2.

Checked live against opencv-python-headless 5.0.0.93 (``tests/parity/test_parity_opencv_resize.py``);
the quirks found there are listed in ``docs/frameworks-opencv-pillow.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import DTypeError, ShapeError, UnsupportedError
from upsampling.frameworks._common import refuse
from upsampling.frameworks._mapping import Setting
from upsampling.kernels import fused_resize_kernel
from upsampling.plan import (
    AxisPlan,
    box_counts,
    complement_fixed_plan,
    counting_plan,
    index_plan,
    quantized_plan,
    round_fixed_point,
)
from upsampling.resizing import apply_plans

__all__ = [
    "INTER_AREA",
    "INTER_CUBIC",
    "INTER_LANCZOS4",
    "INTER_LINEAR",
    "INTER_LINEAR_EXACT",
    "INTER_NEAREST",
    "INTER_NEAREST_EXACT",
    "resize",
]

# OpenCV's integer values (imgproc.hpp InterpolationFlags).
INTER_NEAREST = 0
INTER_LINEAR = 1
INTER_CUBIC = 2
INTER_AREA = 3
INTER_LANCZOS4 = 4
INTER_LINEAR_EXACT = 5
INTER_NEAREST_EXACT = 6
_NAMES = {
    INTER_NEAREST: "INTER_NEAREST",
    INTER_LINEAR: "INTER_LINEAR",
    INTER_CUBIC: "INTER_CUBIC",
    INTER_AREA: "INTER_AREA",
    INTER_LANCZOS4: "INTER_LANCZOS4",
    INTER_LINEAR_EXACT: "INTER_LINEAR_EXACT",
    INTER_NEAREST_EXACT: "INTER_NEAREST_EXACT",
}

# Every OpenCV setting, declared once; `resize` builds each plan through one of these.
# "inv_scale" below is OpenCV's inv_scale_x/y (resize.cpp): fx/fy when dsize is empty, else
# dsize/ssize in double; the kernels sample with scale = 1/inv_scale.
NEAREST = Setting(
    "OpenCV",
    "resize(interpolation=INTER_NEAREST)",
    "interpolation_plan",
    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor",
     "precision": "float64"},
    "index = min(floor(i * (1.0 / inv_scale)), in-1) in double (resizeNN); with fx/fy, inv_scale is fx/fy "
    "itself, not out/in. floor(i*in/out) differs on 75 of 3,481 size pairs",
)
NEAREST_EXACT = Setting(
    "OpenCV",
    "resize(interpolation=INTER_NEAREST_EXACT)",
    "nearest_loop_plan",
    {},
    "OpenCV 5.0 = Pillow NEAREST: xx = 0.5*in/out; index = int(xx); xx += in/out, in double, from the sizes "
    "only (fx/fy just set the size). OpenCV 4.x used a 16-bit fixed-point formula",
)
LINEAR = Setting(
    "OpenCV",
    "resize(interpolation=INTER_LINEAR), OpenCV's own kernel: uint8, or an image IPP declines",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "half_pixel", "coordinate_storage": "float32"},
    "x = (i + 0.5) / inv_scale - 0.5 computed in double, stored as float, clamped into the image; float "
    "weights; uint8 rounds them to 11 bits (plan.quantized_plan) and sums rows exactly",
)
LINEAR_UINT8_ROWS = Setting(
    "OpenCV",
    "resize(interpolation=INTER_LINEAR), uint8, vertical pass",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "half_pixel", "coordinate_storage": "float32",
     "linear_border": "replicate"},
    "y is not clamped (an edge row is read by both taps, weights 1-fy, fy); each tap is rounded separately: "
    "sum_t ((S_t >> 4) * beta_t) >> 16, then (v + 2) >> 2 (VResizeLinearVec_32s8u)",
)
LINEAR_IPP = Setting(
    "OpenCV",
    "resize(interpolation=INTER_LINEAR), float32/float64/uint16/int16, 1, 3 or 4 channels, both sides >= 2",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "half_pixel"},
    "Intel IPP (opencv-python's default HAL) takes these: the same bilinear rule with the coordinate kept "
    "in double (OpenCV's own kernel rounds it to float: up to ~ulp(x) apart on long axes)",
)
LINEAR_EXACT = Setting(
    "OpenCV",
    "resize(interpolation=INTER_LINEAR_EXACT), uint8/int8/uint16/int16",
    "interpolation_plan",
    {"mode": "linear", "coordinate_transformation_mode": "half_pixel"},
    "resize_bitExact: x = (i + 0.5) / inv_scale - 0.5 in (soft)double, clamped; the fraction rounded to "
    "8 bits (uint8) or 16 bits (int8, 16-bit), the other tap 1 - it (plan.complement_fixed_plan); the "
    "products summed exactly, rounded half up once. float32/float64 run INTER_LINEAR",
)
CUBIC = Setting(
    "OpenCV",
    "resize(interpolation=INTER_CUBIC), OpenCV's own kernel: float64, or an image IPP declines",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.75,
     "coordinate_storage": "float32"},
    "Keys a=-0.75 (interpolateCubic), x not clamped and stored as float, edge taps replicated; float weights",
)
CUBIC_IPP = Setting(
    "OpenCV",
    "resize(interpolation=INTER_CUBIC), float32/uint8/uint16/int16, 1, 3 or 4 channels, both sides >= 4",
    "interpolation_plan",
    {"mode": "cubic", "coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.75},
    "Intel IPP takes these: Keys a=-0.75, edge taps replicated, coordinate kept in double",
)
LANCZOS4 = Setting(
    "OpenCV",
    "resize(interpolation=INTER_LANCZOS4)",
    "interpolation_plan",
    {"mode": "lanczos4", "coordinate_transformation_mode": "half_pixel", "coordinate_storage": "float32"},
    "eight taps floor(x)-3 .. floor(x)+4 of a radius-4 Lanczos window normalised to sum 1 "
    "(interpolateLanczos4), edge taps replicated",
)
AREA_DOWN = Setting(
    "OpenCV",
    "resize(interpolation=INTER_AREA), both axes shrink (1/inv_scale >= 1)",
    "area_plan",
    {"rule": "opencv_overlap"},
    "box [i*sc, i*sc + sc), sc = 1/inv_scale: fractional overlap, partial overlaps <= 1e-3 dropped, a box "
    "running past the image renormalised (computeResizeAreaTab; resizeAreaFast for integer sc)",
)
AREA_UP = Setting(
    "OpenCV",
    "resize(interpolation=INTER_AREA), either axis grows (then on both axes)",
    "area_plan",
    {"rule": "opencv_linear"},
    "'area_mode' bilinear: sx = floor(i*sc), fx = (i+1) - (sx+1)*inv_scale taken mod 1 when > 0; on BOTH "
    "axes even when one of them shrinks; uint8 as INTER_LINEAR's fixed point",
)

# resize() refuses every other depth for the interpolating modes with "func != 0".
_INTERPOLATING_DTYPES = ("uint8", "uint16", "int16", "float32", "float64")
# INTER_LINEAR_EXACT: resize_bitExact's fixed-point fraction bits per depth (fixedpoint.inl.hpp);
# float depths fall back to INTER_LINEAR.  int32 (64-bit fixed point, 2**95 accumulators) is
# accepted by cv2 but not reproduced here.
_EXACT_BITS = {"uint8": 8, "int8": 16, "uint16": 16, "int16": 16}
_LINEAR_EXACT_DTYPES = ("uint8", "int8", "uint16", "int16", "float32", "float64")
_NEAREST_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float16", "float32", "float64")
_CN_MAX = 512  # CV_CN_MAX


def _saturate_int(v: float) -> int:
    """``saturate_cast<int>(double)``, i.e. ``cvRound``: round half to even.

    On x86 ``cvRound`` is ``_mm_cvtsd_si32``, which returns INT_MIN ("integer indefinite")
    for NaN, infinities and anything outside int32, so such a size is empty (observed:
    ``fx=inf`` fails with ``!dsize.empty()``).
    """
    if not math.isfinite(v) or not -(2.0**31) <= round(v) < 2.0**31:
        return -(2**31)
    return int(round(v))


def _parse_dsize(dsize: Any) -> tuple[int, int] | None:
    if dsize is None:
        return None
    if isinstance(dsize, (str, bytes)) or not isinstance(dsize, (Sequence, np.ndarray)):
        refuse("dsize", dsize, "cv2.resize: Can't parse 'dsize'. Input argument doesn't provide sequence protocol")
    items = list(dsize.tolist() if isinstance(dsize, np.ndarray) else dsize)
    if len(items) != 2:
        refuse("dsize", dsize, f"cv2.resize: Can't parse 'dsize'. Expected sequence length 2, got {len(items)}")
    for k, v in enumerate(items):
        if not _checks.is_integer(v):
            refuse("dsize", dsize, f"cv2.resize: Can't parse 'dsize'. Sequence item with index {k} has a wrong type")
        if not -(2**31) <= int(v) < 2**31:  # cv::Size holds ints
            refuse("dsize", dsize, f"cv2.resize: Can't parse 'dsize'. Sequence item with index {k} does not fit "
                    "a C int")
    return int(items[0]), int(items[1])


def _number(parameter: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        refuse(parameter, value, f"cv2.resize: Argument '{parameter}' can not be treated as a double")
    try:
        return float(value)
    except OverflowError:  # an int beyond float64
        refuse(parameter, value, f"cv2.resize: Argument '{parameter}' can not be treated as a double (too large)")


# Intel IPP (opencv-python's default HAL, hal/ipp/src/resize_ipp.cpp) takes bilinear and bicubic
# resizes of these depths with 1, 3 or 4 channels and at least 2 (4) pixels per side; everything
# else runs OpenCV's own kernels (observed live, opencv-python 5.0.0.93).
_IPP = {INTER_LINEAR: (("float32", "float64", "uint16", "int16"), 2),
        INTER_CUBIC: (("float32", "uint8", "uint16", "int16"), 4)}


def _ipp_takes(interpolation: int, x: np.ndarray) -> bool:
    if interpolation not in _IPP:
        return False
    dtypes, min_side = _IPP[interpolation]
    channels = x.shape[2] if x.ndim == 3 else 1
    return x.dtype.name in dtypes and channels in (1, 3, 4) and min(x.shape[:2]) >= min_side


def _area_fast(inv_x: float, inv_y: float) -> bool:
    """OpenCV's ``is_area_fast``: both ``1/inv_scale`` within DBL_EPSILON of an integer."""
    eps = 2.220446049250313e-16
    return all(abs(1.0 / v - _saturate_int(1.0 / v)) < eps for v in (inv_x, inv_y))


def _halving(inv_x: float, inv_y: float) -> bool:
    """``is_area_fast && iscale_x == 2 && iscale_y == 2`` (resize.cpp)."""
    return _area_fast(inv_x, inv_y) and _saturate_int(1.0 / inv_x) == 2 and _saturate_int(1.0 / inv_y) == 2


def _area_fast_integer(
    x: np.ndarray, plan_x: AxisPlan, plan_y: AxisPlan, inv_x: float, inv_y: float, simd_channels: tuple[int, ...]
) -> np.ndarray:
    """``resizeAreaFast`` rounding for integer images (an integer shrink factor on both axes).

    OpenCV sums each box in integers.  A 2x2 box of an image with ``simd_channels`` channels
    (1, 3 or 4; 1-4 when INTER_LINEAR_EXACT turned into INTER_AREA, observed) goes through the
    SIMD kernel (``ResizeAreaFastVec_SIMD_*``): ``(sum + 2) >> 2``, half up.
    Otherwise ``saturate_cast<T>(sum * (float)(1/area))``: a float32 product rounded half
    to even; boxes cut by the image edge average over the pixels they hold (``sum / count``).
    """
    total = apply_plans(x, {0: counting_plan(plan_y), 1: counting_plan(plan_x)}, out_dtype=np.float64,
                        parameter="dsize")  # the integer box sums, exactly
    count = box_counts(plan_y, plan_x, x.ndim).astype(np.float64)
    kx, ky = _saturate_int(1.0 / inv_x), _saturate_int(1.0 / inv_y)
    area = kx * ky
    f32 = np.float32
    y = np.where(count == area, (total.astype(f32) * f32(1.0 / area)).astype(np.float64),
                  (total.astype(f32) / count.astype(f32)).astype(np.float64))
    y = np.rint(y)
    channels = x.shape[2] if x.ndim == 3 else 1
    if kx == ky == 2 and channels in simd_channels:
        y = np.where(count == area, np.floor((total + 2) / 4), y)
    info = np.iinfo(x.dtype)
    return np.clip(y, info.min, info.max).astype(x.dtype)


def _axis_plan(interpolation: int, n: int, o: int, inv_scale: float, area_down: bool, ipp: bool) -> AxisPlan:
    """The plan OpenCV applies along one axis (``inv_scale`` is OpenCV's ``inv_scale_x/y``)."""
    if interpolation == INTER_NEAREST:
        return NEAREST.plan(n, o, inv_scale=1.0 / inv_scale)
    if interpolation == INTER_NEAREST_EXACT:
        return NEAREST_EXACT.plan(n, o)
    if interpolation == INTER_AREA:
        return (AREA_DOWN if area_down else AREA_UP).plan(n, o, scale=inv_scale)
    if interpolation == INTER_LINEAR_EXACT:
        return LINEAR_EXACT.plan(n, o, inv_scale=1.0 / inv_scale)
    if interpolation == INTER_LINEAR:
        setting = LINEAR_IPP if ipp else LINEAR
    elif interpolation == INTER_CUBIC:
        setting = CUBIC_IPP if ipp else CUBIC
    else:
        setting = LANCZOS4
    return setting.plan(n, o, inv_scale=1.0 / inv_scale)


def _linear_uint8(x: np.ndarray, plan_x: AxisPlan, plan_y: AxisPlan) -> np.ndarray:
    """OpenCV's 8-bit bilinear pipeline (``resize.cpp`` ``HResizeLinear`` + ``VResizeLinearVec_32s8u``).

    Horizontal pass: exact integer sums ``S = sum x * alpha`` with 11-bit weights.  Vertical pass,
    per tap: ``((S >> 4) * beta) >> 16`` (a 16-bit ``v_mul_hi``), summed, then ``(v + 2) >> 2``
    and saturated.  OpenCV 5.0 takes this vector formula for every pixel, even where its
    scalar tail (``(sum S*beta + 2**21) >> 22``) would apply; observed bit for bit.
    """
    qx, qy = quantized_plan(plan_x), quantized_plan(plan_y)
    fast = fused_resize_kernel()
    if fast is not None and x.ndim in (2, 3):  # the same integer pipeline, compiled
        return fast.fixed_linear_uint8(x, qx, qy)
    rows = apply_plans(x, {1: qx}, out_dtype=np.float64, parameter="dsize") * 2048
    rows = np.rint(rows).astype(np.int64) >> 4  # exact integers already; >> 4 floors
    beta = np.rint(qy.weight * 2048).astype(np.int64)
    shape = (-1,) + (1,) * (x.ndim - 1)
    acc = np.zeros((qy.n_out,) + rows.shape[1:], dtype=np.int64)
    for t in range(qy.taps):
        picked = apply_plans(rows, {0: index_plan(qy.n_in, qy.index[:, t])}, out_dtype=np.int64)
        acc += (picked * beta[:, t].reshape(shape)) >> 16
    return np.clip((acc + 2) >> 2, 0, 255).astype(np.uint8)


def _fixed_point_uint8(x: np.ndarray, plan_x: AxisPlan, plan_y: AxisPlan) -> np.ndarray:
    """OpenCV's own 8-bit cubic and Lanczos pipeline (``HResizeCubic``/``HResizeLanczos4`` +
    ``VResize*`` with ``FixedPtCast<int, uchar, 22>``): each float weight rounded to 11 bits
    (``saturate_cast<short>(w * 2048)``), exact integer sums in both passes, then
    ``(v + 2**21) >> 22`` saturated.  In float64 both passes are exact (dyadic weights).
    Lanczos: bit-exact (no SIMD for 8 bits).  Cubic (when IPP declines the image): about 2 in
    10,000 pixels off by 1, from OpenCV's float32 weights and its SIMD vertical pass."""
    qx, qy = quantized_plan(plan_x), quantized_plan(plan_y)
    acc = apply_plans(x, {1: qx, 0: qy}, out_dtype=np.float64, parameter="dsize", order=[1, 0])
    return round_fixed_point(acc, np.uint8)


def _linear_exact(x: np.ndarray, plan_x: AxisPlan, plan_y: AxisPlan) -> np.ndarray:
    """OpenCV's ``resize_bitExact`` for 8- and 16-bit integers (``INTER_LINEAR_EXACT``).

    With ``b`` fraction bits the weights are multiples of ``2**-b`` summing to one, so the
    float64 result of both passes is the integer accumulator over ``2**(2b)`` exactly (it
    stays below 2**53); OpenCV rounds it half up (``(acc + 2**(2b-1)) >> 2b``) and saturates.
    """
    bits = _EXACT_BITS[x.dtype.name]
    qx, qy = complement_fixed_plan(plan_x, bits), complement_fixed_plan(plan_y, bits)
    return round_fixed_point(apply_plans(x, {0: qy, 1: qx}, out_dtype=np.float64, parameter="dsize"), x.dtype)


def resize(
    src: Any,
    dsize: Sequence[int] | None,
    dst: np.ndarray | None = None,
    fx: float = 0,
    fy: float = 0,
    interpolation: int = INTER_LINEAR,
) -> np.ndarray:
    """``cv2.resize`` on NumPy arrays, as OpenCV 5.0.0 (opencv-python) computes it.

    Parameters
    ----------
    src : array of shape ``(H, W)`` or ``(H, W, C)`` with ``1 <= C <= 512`` channels (a 1-D
        array is one row ``(1, W)``, as in OpenCV 5).  dtype float32, float64, uint8, uint16
        or int16 for every mode; ``INTER_LINEAR_EXACT`` also int8; ``INTER_NEAREST`` and
        ``INTER_NEAREST_EXACT`` also int8, int32, uint32 and float16.
    dsize : output size ``(width, height)`` -- width first, as in OpenCV.  ``None`` or a size
        with a zero/negative side means "use ``fx`` and ``fy``".
    dst : optional output array; filled in place and returned when its shape and dtype are
        those of the result (otherwise a new array is returned and ``dst`` is untouched, as cv2).
    fx, fy : scale factors along width and height, used when ``dsize`` is empty: the output
        size is ``saturate_cast<int>(W * fx)``, i.e. rounded half to even (``5 * 0.5 -> 2``),
        and the kernels then sample with ``1/fx`` (not ``W/out``).
    interpolation : ``INTER_NEAREST`` (0), ``INTER_LINEAR`` (1, default), ``INTER_CUBIC`` (2),
        ``INTER_AREA`` (3), ``INTER_LANCZOS4`` (4), ``INTER_LINEAR_EXACT`` (5) or
        ``INTER_NEAREST_EXACT`` (6).

    Returns
    -------
    ndarray of shape ``(height, width)`` or ``(height, width, C)`` and ``src``'s dtype.  A
    ``(H, W, 1)`` input gives a 2-D result, as cv2 does.  When the size does not change the
    input is copied (whatever ``fx``/``fy`` say).

    Raises
    ------
    InvalidArgumentError
        Arguments OpenCV refuses (empty size, non-positive scale, unknown interpolation), with
        OpenCV's message.
    ShapeError
        An empty image, or a rank/channel count OpenCV cannot hold.
    DTypeError
        A dtype OpenCV's kernel for that interpolation lacks (``func != 0``).
    UnsupportedError
        What cv2 itself refuses for a reason other than dtype (``INTER_AREA`` shrinking by a
        non-integer factor with more than 4 channels), and int32 ``INTER_LINEAR_EXACT``,
        which cv2 accepts but this twin does not reproduce.

    Notes
    -----
    Exactness against the live library (``docs/frameworks-opencv-pillow.md``): nearest modes
    are exact for every dtype; uint8 ``INTER_LINEAR``, ``INTER_LANCZOS4`` and ``INTER_AREA``
    when a side grows (OpenCV's 11-bit fixed point), integer ``INTER_LINEAR_EXACT``
    (``resize_bitExact``) and integer ``INTER_AREA`` shrinking by whole factors
    (``resizeAreaFast``) are bit-exact; other integer cases are within 1 (Intel IPP and float
    buffers round differently; uint8 ``INTER_CUBIC`` in ~3 pixels per 100,000).
    Float results agree to ~1e-6 relative: OpenCV weights are float32, also for float64
    images.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import opencv
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]], dtype=np.float32)
    >>> opencv.resize(x, (4, 2))
    array([[0.  , 0.25, 0.75, 1.  ],
           [2.  , 2.25, 2.75, 3.  ]], dtype=float32)
    >>> opencv.resize(x, None, fx=1.5, fy=1.0, interpolation=opencv.INTER_NEAREST)
    array([[0., 0., 1.],
           [2., 2., 3.]], dtype=float32)
    """
    x = _source(src)
    n_h, n_w = x.shape[:2]
    out_h, out_w, inv_x, inv_y, parameter = _output_size(n_h, n_w, dsize, fx, fy)
    interpolation, simd_channels = _interpolation(x, interpolation, (out_h, out_w) != (n_h, n_w), inv_x, inv_y)
    _checks.output_bytes("dsize", (out_h, out_w) + x.shape[2:], x.dtype)
    if (out_h, out_w) == (n_h, n_w):
        y = x.copy()  # cv::resize copies when the size does not change
    else:
        y = _resample(x, interpolation, out_h, out_w, inv_x, inv_y, simd_channels, parameter)
    if isinstance(dst, np.ndarray) and dst.shape == y.shape and dst.dtype == y.dtype:
        dst[...] = y
        return dst
    return y


def _source(src: Any) -> np.ndarray:
    """``src`` as OpenCV holds it: a 1-D array is one row, ``(H, W, 1)`` is ``(H, W)``; ranks,
    channel counts and empty images refused with cv2's messages."""
    x = _checks.numeric_array("src", src)
    if x.ndim == 1:
        x = x.reshape(1, -1)  # OpenCV 5 makes a 1-D array a 1-D Mat: one row (observed)
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[2] > _CN_MAX):
        refuse(
            "src",
            f"array of shape {x.shape}",
            f"cv2.resize: (-215:Assertion failed) m->dims <= 2 in function 'size' (got an array of shape "
            f"{x.shape}; expected (H, W) or (H, W, C) with C <= {_CN_MAX})",
            ShapeError,
        )
    if x.size == 0:
        refuse("src", f"array of shape {x.shape}",
                "cv2.resize: (-215:Assertion failed) !ssize.empty() in function 'resize'", ShapeError)
    if x.ndim == 3 and x.shape[2] == 1:
        x = x[:, :, 0]  # cv2 returns (H, W) for a single-channel (H, W, 1) array
    return x


def _output_size(n_h: int, n_w: int, dsize: Any, fx: Any, fy: Any) -> tuple[int, int, float, float, str]:
    """``(out_h, out_w, inv_scale_x, inv_scale_y, parameter)``: from ``dsize``, or when it is empty
    from ``fx``/``fy`` (rounded half to even); ``parameter`` names the one in force."""
    size = _parse_dsize(dsize)
    fx, fy = _number("fx", fx), _number("fy", fy)
    if size is not None and size[0] > 0 and size[1] > 0:
        out_w, out_h = size
        return out_h, out_w, out_w / n_w, out_h / n_h, "dsize"
    # An empty dsize (Size::empty()): the sizes come from fx and fy.
    for name, value in (("fx", fx), ("fy", fy)):
        if not value > 0:
            refuse(
                name,
                value,
                f"cv2.resize: (-215:Assertion failed) inv_scale_{'x' if name == 'fx' else 'y'} > 0 in "
                "function 'resize' (dsize is empty, so fx and fy must be > 0)",
            )
    out_w, out_h = _saturate_int(n_w * fx), _saturate_int(n_h * fy)
    if out_w <= 0 or out_h <= 0:
        refuse(
            "fx" if out_w <= 0 else "fy",
            fx if out_w <= 0 else fy,
            f"cv2.resize: (-215:Assertion failed) !dsize.empty() in function 'resize' (round({n_w} * fx) "
            f"= {out_w}, round({n_h} * fy) = {out_h})",
        )
    return out_h, out_w, fx, fy, "fx"


def _interpolation(
    x: np.ndarray, interpolation: Any, resized: bool, inv_x: float, inv_y: float
) -> tuple[int, tuple[int, ...]]:
    """The flag OpenCV runs for this image (``INTER_LINEAR_EXACT`` becomes ``INTER_LINEAR`` on floats
    and ``INTER_AREA`` on an exact 2x shrink), after its dtype checks; and the channel counts its
    half-up 2x2 area kernel serves."""
    if not _checks.is_integer(interpolation):
        refuse("interpolation", interpolation,
                "cv2.resize: Argument 'interpolation' is required to be an integer")
    interpolation = int(interpolation)
    if interpolation not in _NAMES:
        refuse("interpolation", interpolation,
                "cv2.resize: (-5:Bad argument) Unknown interpolation method in function 'resize' (expected one "
                "of " + ", ".join(f"{v} ({k})" for k, v in _NAMES.items()) + ")")
    nearest = interpolation in (INTER_NEAREST, INTER_NEAREST_EXACT)
    allowed = _NEAREST_DTYPES if nearest else _INTERPOLATING_DTYPES
    simd_channels = (1, 3, 4)  # resizeAreaFast's half-up 2x2 SIMD kernels
    if interpolation == INTER_LINEAR_EXACT:
        allowed = _LINEAR_EXACT_DTYPES
        if x.dtype.name == "int32":
            refuse(
                "src",
                f"array of dtype {x.dtype}",
                "INTER_LINEAR_EXACT on int32 (OpenCV's 64-bit fixed point) is not reproduced by this twin; "
                "expected one of " + ", ".join(allowed),
                UnsupportedError,
            )
    if x.dtype.name not in allowed:
        refuse(
            "src",
            f"array of dtype {x.dtype}",
            f"cv2.resize: (-215:Assertion failed) func != 0 in function 'resize' ({_NAMES[interpolation]} has "
            f"no kernel for {x.dtype}; expected one of {', '.join(allowed)})",
            DTypeError,
        )

    if interpolation == INTER_LINEAR_EXACT and x.dtype.kind == "f":
        interpolation = INTER_LINEAR  # resize.cpp: the bit-exact path exists for integer depths only
    if interpolation == INTER_LINEAR_EXACT and resized and _halving(inv_x, inv_y):
        # resize.cpp: "INTER_AREA (fast) is equal to INTER_LINEAR" for an exact 2x shrink of both
        # axes, so both linear flags run resizeAreaFast there (int8, with no area kernel, fails).
        # uint8 INTER_LINEAR keeps its own path: its fixed point gives the same bits.  Observed:
        # the half-up 2x2 kernel then serves 1-4 channels (INTER_AREA proper: 1, 3 or 4).
        interpolation = INTER_AREA
        simd_channels = (1, 2, 3, 4)
        if x.dtype.name not in _INTERPOLATING_DTYPES:
            refuse(
                "src",
                f"array of dtype {x.dtype}",
                "cv2.resize: (-215:Assertion failed) func != 0 in function 'resize' (an exact 2x shrink runs "
                f"INTER_AREA, which has no kernel for {x.dtype}; expected one of "
                + ", ".join(_INTERPOLATING_DTYPES) + ")",
                DTypeError,
            )
    return interpolation, simd_channels


def _resample(
    x: np.ndarray, interpolation: int, out_h: int, out_w: int, inv_x: float, inv_y: float,
    simd_channels: tuple[int, ...], parameter: str,
) -> np.ndarray:
    """Each axis' plan as OpenCV's kernel builds it, applied through the pipeline that flag and
    dtype run (OpenCV's fixed point for integers)."""
    n_h, n_w = x.shape[:2]
    out_shape = (out_h, out_w) + x.shape[2:]
    # INTER_AREA averages boxes only when neither axis grows (scale = 1/inv_scale >= 1 on both).
    area_down = 1.0 / inv_x >= 1 and 1.0 / inv_y >= 1
    channels = x.shape[2] if x.ndim == 3 else 1
    if interpolation == INTER_AREA and area_down and channels > 4 and not _area_fast(inv_x, inv_y):
        refuse(
            "src",
            f"array of shape {x.shape}",
            "cv2.resize: (-215:Assertion failed) func != 0 && cn <= 4 in function 'resize' (INTER_AREA "
            "shrinking by a non-integer factor handles at most 4 channels)",
            UnsupportedError,
        )
    ipp = _ipp_takes(interpolation, x)
    with _checks.sizes_named(parameter):
        plan_y = _axis_plan(interpolation, n_h, out_h, inv_y, area_down, ipp)
        plan_x = _axis_plan(interpolation, n_w, out_w, inv_x, area_down, ipp)
    # The integer paths below hold a few int64/float64 arrays of the input's and the output's
    # size (their fixed-point sums); the generic path checks its own in apply_plans.
    _checks.work_bytes("dsize", 4 * 8 * (x.size + math.prod(out_shape)), "fixed-point intermediates")
    if interpolation == INTER_LINEAR_EXACT and x.dtype.name in _EXACT_BITS:
        return _linear_exact(x, plan_x, plan_y)
    if x.dtype == np.uint8 and (interpolation == INTER_LANCZOS4 or (interpolation == INTER_CUBIC and not ipp)):
        return _fixed_point_uint8(x, plan_x, plan_y)
    if interpolation == INTER_AREA and area_down and x.dtype.kind in "iu" and _area_fast(inv_x, inv_y):
        return _area_fast_integer(x, plan_x, plan_y, inv_x, inv_y, simd_channels)
    if x.dtype == np.uint8 and (interpolation == INTER_LINEAR or (interpolation == INTER_AREA and not area_down)):
        if interpolation == INTER_LINEAR:
            plan_y = LINEAR_UINT8_ROWS.plan(n_h, out_h, inv_scale=1.0 / inv_y)
        return _linear_uint8(x, plan_x, plan_y)
    return apply_plans(x, {0: plan_y, 1: plan_x}, parameter="dsize")
