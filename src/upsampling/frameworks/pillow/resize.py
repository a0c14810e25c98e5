"""Twin of Pillow's ``Image.resize``: NumPy in, NumPy out, Pillow 13's signature, defaults and modes.

Argument translation only: the filter windows come from :func:`upsampling.plan.window_plan`
(Pillow's ``precompute_coeffs`` is the reference it was written from), the NEAREST index
loop from :func:`upsampling.plan.nearest_loop_plan`, 8-bit weights from
:func:`upsampling.plan.fixed_point_plan`; :func:`upsampling.resizing.apply_plans` applies
them.  Each plan is built through a :class:`~upsampling.frameworks._mapping.Setting`
declared below.  This module never imports PIL.

An image is a NumPy array in the layout ``np.asarray(Image)`` gives: ``(H, W)`` float32 is
mode ``"F"``, ``(H, W)`` uint8 is mode ``"L"``, ``(H, W, 3)`` uint8 is mode ``"RGB"``.

Checked live against Pillow 13.0.0 (``tests/parity/test_parity_pillow_resize.py``); the
rules and quirks are listed in ``docs/frameworks-opencv-pillow.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import DTypeError, ShapeError
from upsampling.frameworks._common import refuse
from upsampling.frameworks._mapping import Setting
from upsampling.plan import AxisPlan, box_counts, counting_plan, fixed_point_plan, round_fixed_point
from upsampling.resizing import apply_plans

__all__ = ["BICUBIC", "BILINEAR", "BOX", "HAMMING", "LANCZOS", "MKS2013", "MKS2021", "NEAREST", "resize"]

# Pillow's values (Image.Resampling).
NEAREST = 0
LANCZOS = 1
BILINEAR = 2
BICUBIC = 3
BOX = 4
HAMMING = 5
MKS2013 = 6  # new in Pillow 13
MKS2021 = 7  # new in Pillow 13
_PILLOW_NAMES = {
    NEAREST: "NEAREST",
    LANCZOS: "LANCZOS",
    BILINEAR: "BILINEAR",
    BICUBIC: "BICUBIC",
    BOX: "BOX",
    HAMMING: "HAMMING",
    MKS2013: "MKS2013",
    MKS2021: "MKS2021",
}

# Every Pillow setting, declared once; `resize` builds each plan through one of these.
_WINDOW_NOTE = (
    "Resample.c precompute_coeffs: scale = float32(box1 - box0) / out, centre = box0 + (i + 0.5) * scale, "
    "support = radius * max(scale, 1), taps [int(centre - support + 0.5), int(centre + support + 0.5)) "
    "clipped to the image, weight K((j - centre + 0.5) / max(scale, 1)) normalised over those taps "
    "(antialias whenever downscaling); double sums, float32 image after each pass; an axis whose size and "
    "box do not change is skipped. Mode L/RGB: normalize_coeffs_8bpc makes each weight "
    "(int)(w * 2**22 +- 0.5) (plan.fixed_point_plan); each pass rounds (acc + 2**21) >> 22 and clips to "
    "0..255 (clip8). Width pass first, unless in_h - out_h > max(0, 2 * (in_w - out_w)): then height "
    "first (Pillow 13, python-pillow/Pillow#9549)"
)
_SAME = "; the window of the BICUBIC row"
_FILTERS = {
    BOX: Setting("Pillow", "Image.resize(resample=Image.BOX)", "window_plan",
                  {"kernel_name": "box_pillow", "span_rule": "pillow", "pillow_rounding": True},
                  "1 on (-0.5, 0.5], radius 0.5 (box_filter): whole pixels, not fractional overlap" + _SAME),
    BILINEAR: Setting("Pillow", "Image.resize(resample=Image.BILINEAR)", "window_plan",
                       {"kernel_name": "triangle", "span_rule": "pillow", "pillow_rounding": True},
                       "triangle, radius 1 (bilinear_filter)" + _SAME),
    HAMMING: Setting("Pillow", "Image.resize(resample=Image.HAMMING)", "window_plan",
                      {"kernel_name": "hamming_pillow", "span_rule": "pillow", "pillow_rounding": True},
                      "sinc(x) * (0.54f + 0.46f cos(pi x)), float constants, radius 1 (hamming_filter)" + _SAME),
    BICUBIC: Setting("Pillow", "Image.resize(resample=Image.BICUBIC) (the default)", "window_plan",
                      {"kernel_name": "keys_a-0.5_pillow", "span_rule": "pillow", "pillow_rounding": True},
                      "Keys a=-0.5 in Pillow's Horner order, radius 2 (bicubic_filter), out-of-image taps dropped "
                      "also when upscaling. " + _WINDOW_NOTE),
    LANCZOS: Setting("Pillow", "Image.resize(resample=Image.LANCZOS)", "window_plan",
                      {"kernel_name": "lanczos3_pillow", "span_rule": "pillow", "pillow_rounding": True},
                      "sinc(x) * sinc(x/3) on [-3, 3) (lanczos_filter)" + _SAME),
    MKS2013: Setting("Pillow", "Image.resize(resample=Image.MKS2013) (Pillow 13)", "window_plan",
                      {"kernel_name": "mks2013", "span_rule": "pillow", "pillow_rounding": True},
                      "Costella's Magic Kernel Sharp 2013, radius 2.5 (mks_2013_filter)" + _SAME),
    MKS2021: Setting("Pillow", "Image.resize(resample=Image.MKS2021) (Pillow 13)", "window_plan",
                      {"kernel_name": "mks2021", "span_rule": "pillow", "pillow_rounding": True},
                      "Costella's Magic Kernel Sharp 2021, radius 4.5 (mks_2021_filter)" + _SAME),
}
REDUCE = Setting(
    "Pillow",
    "Image.resize(reducing_gap=g), first step: Image.reduce((fx, fy), box)",
    "area_plan",
    {"rule": "block"},
    "fx = int(box_w / out_w / g) or 1 (same for y); the box grown by (support - 0.5) * scale and cut to "
    "ints (_get_safe_box); plain means of fx x fy blocks, edge blocks over the pixels they hold (Reduce.c); "
    "uint8: ((sum + n/2) * M) >> 24 with M = (uint32)(2**32f / (256 n)); then the filter resize of the rest",
    per_call=("factor",),
)
NEAREST_SETTING = Setting(
    "Pillow",
    "Image.resize(resample=Image.NEAREST)",
    "nearest_loop_plan",
    {},
    "not the filter path: _imaging.c _resize calls the affine transform (Geometry.c ImagingScaleAffine): "
    "step = float32(box1 - box0) / out, xx = box0 + step / 2, index = int(xx), xx += step, in double; "
    "same loop as OpenCV 5 INTER_NEAREST_EXACT",
)
_MODES = "mode 'F' as a 2-D float32 array, 'L' as a 2-D uint8 array, 'RGB' as an (H, W, 3) uint8 array"
_PRECISION_BITS = 32 - 8 - 2  # Resample.c


def _image(array: Any) -> np.ndarray:
    """The NumPy form of a Pillow image: F (float32 2-D), L (uint8 2-D) or RGB (uint8 HxWx3)."""
    x = _checks.numeric_array("array", array)
    if x.dtype == np.float64 and x.ndim == 2:
        x = x.astype(np.float32)  # Image.fromarray stores a float64 array as mode "F"
    ok = (x.ndim == 2 and x.dtype in (np.float32, np.uint8)) or (
        x.ndim == 3 and x.shape[2] == 3 and x.dtype == np.uint8
    )
    if not ok:
        cls = ShapeError if x.dtype in (np.float32, np.float64, np.uint8) else DTypeError
        refuse(
            "array",
            f"array of shape {x.shape} and dtype {x.dtype}",
            f"array of shape {x.shape} and dtype {x.dtype} is not a Pillow image this twin reproduces; "
            f"expected {_MODES} (float64 2-D is converted to 'F', as Image.fromarray does)",
            cls,
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        refuse("array", f"array of shape {x.shape}", "an image with non-zero width and height", ShapeError)
    return x


def _size(size: Any) -> tuple[int, int]:
    if isinstance(size, np.ndarray):
        size = size.tolist()
    if isinstance(size, (str, bytes)) or not isinstance(size, Sequence):
        refuse("size", size, f"size={size!r}: expected (width, height), a sequence of two positive ints",
                DTypeError)
    if len(size) != 2:
        refuse("size", size, f"argument 1 must be sequence of length 2, not {len(size)}", DTypeError)
    for v in size:
        if not _checks.is_integer(v):
            refuse("size", size, f"'{type(v).__name__}' object cannot be interpreted as an integer "
                    "(size is (width, height) in whole pixels)", DTypeError)
    w, h = int(size[0]), int(size[1])
    if w < 1 or h < 1:
        refuse("size", size, f"height and width must be > 0 (got size={size!r}, i.e. (width, height))")
    return w, h


def _box(box: Any, width: int, height: int) -> tuple[float, float, float, float]:
    if box is None:
        return (0.0, 0.0, float(width), float(height))
    if isinstance(box, np.ndarray):
        box = box.tolist()
    if isinstance(box, (str, bytes)) or not isinstance(box, Sequence) or len(box) != 4:
        n = len(box) if isinstance(box, Sequence) else "?"
        refuse("box", box, f"argument 3 must be sequence of length 4, not {n} (box is (left, upper, right, "
                "lower) in input pixels)", DTypeError)
    values = tuple(_checks.finite("box", v) for v in box)
    # _imaging.c parses the box as C floats ("(ffff)") and checks those.
    x0, y0, x1, y1 = _c_box(values)
    if x0 < 0 or y0 < 0:
        refuse("box", box, f"box offset can't be negative (box={box!r})")
    if x1 > width or y1 > height:
        refuse("box", box, f"box can't exceed original image size (box={box!r}, image {width}x{height})")
    if x1 - x0 < 0 or y1 - y0 < 0:
        refuse("box", box, f"box can't be empty (box={box!r}: right < left or lower < upper)")
    return values


def _c_box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The box as the C code holds it: four float32 values."""
    return tuple(float(np.float32(v)) for v in box)  # type: ignore[return-value]


# Image._filters_support: the radius Image._get_safe_box widens a reduce box by.
_SUPPORT = {BOX: 0.5, BILINEAR: 1.0, HAMMING: 1.0, BICUBIC: 2.0, LANCZOS: 3.0, MKS2013: 2.5, MKS2021: 4.5}


def _reduce(x: np.ndarray, factor_x: int, factor_y: int, rbox: tuple[int, int, int, int]) -> np.ndarray:
    """``Image.reduce((factor_x, factor_y), box=rbox)`` (``Reduce.c``) through the block plans."""
    rx0, ry0, rx1, ry1 = rbox
    plan_x = REDUCE.plan(x.shape[1], -(-(rx1 - rx0) // factor_x), factor=factor_x, start=rx0, stop=rx1)
    plan_y = REDUCE.plan(x.shape[0], -(-(ry1 - ry0) // factor_y), factor=factor_y, start=ry0, stop=ry1)
    if x.dtype != np.uint8:  # ImagingReduceNxN_32bpc: a double sum times 1.0 / count
        return apply_plans(x.astype(np.float64), {0: plan_y, 1: plan_x}, out_dtype=np.float32)
    # 8 bits: ss = sum + count/2, out = (ss * multiplier) >> 24 with
    # multiplier = (UINT32)(2**32f / (256 * count)) computed in float (division_UINT32).
    total = apply_plans(x, {0: counting_plan(plan_y), 1: counting_plan(plan_x)}, out_dtype=np.float64).astype(np.int64)
    count = box_counts(plan_y, plan_x, x.ndim)
    multiplier = (np.float32(2.0**32) / (256 * count).astype(np.float32)).astype(np.int64)
    return (((total + count // 2) * multiplier) >> 24).astype(np.uint8)


def _axis_plan(resample: int, n_in: int, n_out: int, lo: float, hi: float) -> AxisPlan:
    """One axis of Pillow's resize, over the box ``[lo, hi)`` of that axis."""
    # The box edges are C floats and both paths subtract them in float32 before dividing in
    # double: _imaging.c _resize (NEAREST: a[0] = (double)(box[2] - box[0]) / xsize) and
    # Resample.c precompute_coeffs (scale = (double)(in1 - in0) / outSize).
    step = float(np.float32(hi) - np.float32(lo)) / n_out
    if resample == NEAREST:
        return NEAREST_SETTING.plan(n_in, n_out, start=lo, step=step)
    return _FILTERS[resample].plan(n_in, n_out, inv_scale=step, offset=lo)


def _height_first(n_h: int, n_w: int, out_h: int, out_w: int) -> bool:
    """Pillow 13's pass order (python-pillow/Pillow#9549, "If height is scaled down significantly
    more than width, resize vertically first"): the height pass runs first when the height loses
    more than twice as many pixels as the width, ``in_h - out_h > 0`` and
    ``in_h - out_h > 2 * (in_w - out_w)`` (integer sizes; a box does not enter).  Otherwise the
    width pass runs first, as in every earlier Pillow.  Read from ``ImagingResample`` in the
    Pillow 13.0 ``_imaging`` binary; confirmed on 2,700 live uint8 cases (with and without
    boxes) where the order changes the result.
    """
    return n_h - out_h > 0 and n_h - out_h > 2 * (n_w - out_w)


def _pass(x: np.ndarray, axis: int, plan: AxisPlan) -> np.ndarray:
    """One of Pillow's passes: accumulate in double, store in the image's own type."""
    if x.dtype == np.uint8:
        fixed = fixed_point_plan(plan, word_bits=32, max_precision=_PRECISION_BITS)
        acc = apply_plans(x, {axis: fixed}, out_dtype=np.float64)  # acc / 2**22, exactly
        return round_fixed_point(acc, np.uint8)  # (acc + 2**21) >> 22, clip8
    return apply_plans(x.astype(np.float64), {axis: plan}, out_dtype=np.float32)


def resize(
    array: Any,
    size: Sequence[int],
    resample: int | None = None,
    box: Sequence[float] | None = None,
    reducing_gap: float | None = None,
) -> np.ndarray:
    """``PIL.Image.Image.resize`` on NumPy arrays, as Pillow 13.0 computes it.

    Parameters
    ----------
    array : the image as ``np.asarray(image)`` gives it: ``(H, W)`` float32 (mode ``"F"``;
        float64 is converted to float32 as ``Image.fromarray`` does), ``(H, W)`` uint8
        (``"L"``) or ``(H, W, 3)`` uint8 (``"RGB"``).
    size : ``(width, height)`` -- width first, as in Pillow.
    resample : ``NEAREST`` (0), ``LANCZOS`` (1), ``BILINEAR`` (2), ``BICUBIC`` (3, the
        default, also for ``None``), ``BOX`` (4), ``HAMMING`` (5), ``MKS2013`` (6) or
        ``MKS2021`` (7).
    box : ``(left, upper, right, lower)`` region of the input to resize, in (fractional)
        input pixels; default the whole image.
    reducing_gap : Pillow's two-step shortcut: reduce by the whole factors
        ``int(box_w / width / reducing_gap) or 1`` (same for the height) with ``Image.reduce``
        first, over the box widened to the pixels the filter needs, then resize the rest.
        ``None`` (default) skips it; ``NEAREST`` ignores it, as Pillow does.

    Returns
    -------
    ndarray of shape ``(height, width)`` or ``(height, width, 3)`` and the image's dtype.
    The same size with the whole box returns a copy.

    Raises
    ------
    InvalidArgumentError
        A non-positive size, an unknown filter, a box outside the image or empty, a
        ``reducing_gap`` below 1 -- with Pillow's message.
    DTypeError
        ``size`` or ``resample`` of the wrong type, or an array dtype that is no Pillow mode here.
    ShapeError
        An array layout that is not F, L or RGB, or an empty image.

    Notes
    -----
    Mode ``F`` is bit-identical to Pillow in the tested cases (Pillow accumulates in double and
    stores float32 after each pass, as the twin does, with Pillow's own kernel arithmetic).
    ``L`` and ``RGB`` use Pillow's 22-bit fixed-point weights, its rounding between the passes
    and Pillow 13's pass order: bit for bit.  ``NEAREST`` is exact in every mode.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import pillow
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]], dtype=np.float32)
    >>> pillow.resize(x, (4, 2), pillow.BILINEAR)
    array([[0.  , 0.25, 0.75, 1.  ],
           [2.  , 2.25, 2.75, 3.  ]], dtype=float32)
    >>> pillow.resize(x, (3, 1), pillow.NEAREST)
    array([[2., 3., 3.]], dtype=float32)
    """

    if resample is None:
        resample = BICUBIC
    if not _checks.is_integer(resample):
        refuse("resample", resample, f"'{type(resample).__name__}' object cannot be interpreted as an integer "
                "(resample is one of Pillow's integer filter constants)", DTypeError)
    resample = int(resample)
    if resample not in _PILLOW_NAMES:
        names = [f"Image.Resampling.{_PILLOW_NAMES[v]} ({v})" for v in (0, 1, 2, 3, 4, 5, 6, 7)]
        refuse("resample", resample,
                f"Unknown resampling filter ({resample}). Use {', '.join(names[:-1])} or {names[-1]}")
    if reducing_gap is not None:
        gap = _checks.finite("reducing_gap", reducing_gap)
        if gap < 1.0:
            refuse("reducing_gap", reducing_gap, "reducing_gap must be 1.0 or greater")
    x = _image(array)
    n_h, n_w = x.shape[:2]
    out_w, out_h = _size(size)
    raw = _box(box, n_w, n_h)
    if (out_w, out_h) == (n_w, n_h) and raw == (0, 0, n_w, n_h):
        return x.copy()  # Image.resize: same size, whole box -> copy
    if reducing_gap is not None and resample != NEAREST:
        # Image.resize, in Python floats: reduce by whole factors first, then resize the rest.
        factor_x = int((raw[2] - raw[0]) / out_w / gap) or 1
        factor_y = int((raw[3] - raw[1]) / out_h / gap) or 1
        if factor_x > 1 or factor_y > 1:
            support = _SUPPORT[resample] - 0.5  # Image._get_safe_box
            sx, sy = support * (raw[2] - raw[0]) / out_w, support * (raw[3] - raw[1]) / out_h
            rbox = (max(0, int(raw[0] - sx)), max(0, int(raw[1] - sy)),
                    min(n_w, math.ceil(raw[2] + sx)), min(n_h, math.ceil(raw[3] + sy)))
            x = _reduce(x, factor_x, factor_y, rbox)
            n_h, n_w = x.shape[:2]
            raw = ((raw[0] - rbox[0]) / factor_x, (raw[1] - rbox[1]) / factor_y,
                   (raw[2] - rbox[0]) / factor_x, (raw[3] - rbox[1]) / factor_y)
            _box(raw, n_w, n_h)  # the C resize checks the new box
    x0, y0, x1, y1 = _c_box(raw)
    _checks.output_bytes("size", (out_h, out_w) + x.shape[2:], x.dtype)

    plan_y = _axis_plan(resample, n_h, out_h, y0, y1)
    plan_x = _axis_plan(resample, n_w, out_w, x0, x1)
    if resample == NEAREST:
        return apply_plans(x, {0: plan_y, 1: plan_x}, parameter="size")
    # Resample.c ImagingResampleInner: an axis is resampled only if its size or box changes it.
    passes = [(1, plan_x, out_w != n_w or x0 != 0 or x1 != n_w), (0, plan_y, out_h != n_h or y0 != 0 or y1 != n_h)]
    if _height_first(n_h, n_w, out_h, out_w):
        passes.reverse()
    y = x
    for axis, plan, needed in passes:
        if needed:
            y = _pass(y, axis, plan)
    return y if y is not x else x.copy()
