"""Output index -> source coordinate: the only place a sampling convention is written.

Every resize mode, every framework twin, the explainer and the Dask tiler call these
functions; nothing else re-derives a coordinate.  What lives here:

* the point conventions (half-pixel family, ``align_corners``'s ratio, ``asymmetric``,
  ``tf_crop_and_resize``): :func:`source_coordinates`, and nearest rounding: :func:`nearest_index`;
* the border rule (clamp into ``[0, n_in-1]``): :func:`clamp`;
* window centres and the taps a window visits (Pillow, PyTorch antialias, TF
  ``scale_and_translate``): :func:`footprint_scale`, :func:`window_centres`, :func:`window_span`;
* area boxes: :func:`area_boxes` (TF, OpenCV), :func:`adaptive_boxes` (PyTorch),
  :func:`opencv_area_boxes`, :func:`opencv_area_linear` (OpenCV ``INTER_AREA``),
  :func:`block_boxes` (Pillow ``reduce``);
* the running accumulator of Pillow ``NEAREST`` / OpenCV ``INTER_NEAREST_EXACT``:
  :func:`accumulator_index`.

What does not: which taps a kernel reads around a coordinate (``floor(x)-1 .. floor(x)+2``,
or every tap within the stretched radius) and the weight each gets (kernel values, box
overlaps, renormalisation) are :mod:`upsampling.plan`'s; the kernels themselves are
:mod:`upsampling.filters`', and conv sizes :mod:`upsampling.shapes`'.  :mod:`upsampling.reference.resize_pointwise` keeps a deliberate,
independent scalar copy of the rounding, clamping and window rules, to check these against.

Units: ``x`` is a position in the input where pixel *centres* sit at the integers
``0 … n_in-1`` (pixel ``j`` covers ``[j-0.5, j+0.5]``).

The conventions use ONNX Resize's names, which cover every framework (see
:data:`CONVENTIONS`).  Two knobs reproduce the frameworks' floating-point
arithmetic exactly, which matters wherever a coordinate is rounded (nearest mode)
or lands on a kernel's discontinuity:

``precision``
    ``"float64"`` (ONNX reference, OpenCV) or ``"float32"`` (PyTorch and
    TensorFlow index arithmetic, ONNX Runtime): every intermediate step is
    rounded to that type, in the framework's order of operations.
``inv_scale``
    Frameworks that *multiply* by the inverse scale (PyTorch ``in/out`` or
    ``1/scale_factor``, TensorFlow ``in/out`` in float32, OpenCV ``1/(out/in)``)
    pass the value they compute; otherwise the coordinate *divides* by the
    scale ``s = out/in`` as the ONNX specification writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from upsampling._checks import choice
from upsampling.errors import InvalidArgumentError

__all__ = [
    "COORDINATE_TRANSFORMATION_MODES",
    "CONVENTIONS",
    "NEAREST_MODES",
    "Convention",
    "align_corners_ratio",
    "inverse_scale",
    "nearest_index",
    "source_coordinates",
    # the border rule; windows, area boxes and the accumulator loop
    "clamp",
    "footprint_scale",
    "window_centres",
    "window_span",
    "area_boxes",
    "adaptive_boxes",
    "opencv_area_boxes",
    "opencv_area_linear",
    "block_boxes",
    "accumulator_index",
]

CoordinateTransformationMode = Literal[
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
]
NearestMode = Literal["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
Precision = Literal["float64", "float32"]

COORDINATE_TRANSFORMATION_MODES: tuple[str, ...] = CoordinateTransformationMode.__args__  # type: ignore[attr-defined]
NEAREST_MODES: tuple[str, ...] = NearestMode.__args__  # type: ignore[attr-defined]
PRECISIONS: tuple[str, ...] = Precision.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Convention:
    """One coordinate convention, as data: its formula, who uses it, and its length-1 rule."""

    name: str
    formula: str
    length_one: str
    used_by: str
    source: str


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "half_pixel",
            "x = (i + 0.5) / s - 0.5",
            "same formula (samples the centre of the input)",
            "TF2 bilinear/bicubic, TF1 half_pixel_centers=True, PyTorch align_corners=False, "
            "OpenCV INTER_LINEAR/INTER_CUBIC, Pillow filters",
            "ONNX Resize-19 spec; PyTorch UpSample.h area_pixel_compute_source_index",
        ),
        Convention(
            "half_pixel_symmetric",
            "x = n_in/2 * (1 - n_out/(n_in*s)) + (i + 0.5) / s - 0.5",
            "same formula",
            "ONNX Resize-19 (differs from half_pixel only when n_in*s is fractional)",
            "ONNX Resize-19 spec",
        ),
        Convention(
            "pytorch_half_pixel",
            "x = (i + 0.5) / s - 0.5 if n_in*s > 1 else 0",
            "x = 0 (the spec; the onnx reference uses -0.5, onnx/onnx#4275)",
            "older PyTorch exports (PyTorch 2.13 itself is plain half_pixel)",
            "ONNX Resize-19 spec; pytorch/pytorch#183523",
        ),
        Convention(
            "align_corners",
            "x = i * (n_in - 1) / (n_out - 1)",
            "x = 0",
            "TF1 align_corners=True, PyTorch align_corners=True",
            "ONNX Resize-19 spec (n_out is the fractional n_in*s when scales are given)",
        ),
        Convention(
            "asymmetric",
            "x = i / s",
            "same formula",
            "PyTorch nearest, TF1 legacy (both flags False), OpenCV INTER_NEAREST, ONNX Upsample",
            "ONNX Resize-19 spec; TF image_resizer_state.h LegacyScaler",
        ),
        Convention(
            "tf_crop_and_resize",
            "x = start*(n_in-1) + i*(end-start)*(n_in-1)/(n_out-1); outside [0, n_in-1] -> extrapolation_value",
            "x = (end-start)*(n_in-1)/2 + start*(n_in-1)",
            "tf.image.crop_and_resize",
            "ONNX Resize-19 spec",
        ),
    )
}


def _arith(precision: str) -> type[np.floating]:
    return np.float32 if precision == "float32" else np.float64


def inverse_scale(n_in: int, n_out: int, precision: str = "float64") -> float:
    """``n_in / n_out`` evaluated in ``precision``, as the Python float holding that value: the
    ``inv_scale`` frameworks multiply by (TensorFlow ``CalculateResizeScale`` and PyTorch
    ``area_pixel_compute_scale``, float32)."""
    f = _arith(precision)
    return float(f(n_in) / f(n_out))


def align_corners_ratio(n_in: int, n_out: float, precision: str = "float64") -> float:
    """``(n_in - 1) / (n_out - 1)`` evaluated in ``precision`` (0 when ``n_out == 1``): the step of
    ``align_corners``, which PyTorch and TensorFlow compute first, in float32, then multiply by."""
    if n_out == 1:
        return 0.0
    f = _arith(precision)
    return float(f(n_in - 1) / f(n_out - 1))

def source_coordinates(
    n_in: int,
    n_out: int,
    coordinate_transformation_mode: str = "half_pixel",
    *,
    scale: float | None = None,
    inv_scale: float | None = None,
    out_length: float | None = None,
    roi: tuple[float, float] = (0.0, 1.0),
    precision: str = "float64",
    index: np.ndarray | None = None,
    fused: bool = False,
    onnxruntime: bool = False,
) -> np.ndarray:
    """Source coordinate of each output index along one axis.

    Parameters
    ----------
    n_in, n_out : input and output lengths (``n_out`` output samples).
    coordinate_transformation_mode : one of :data:`COORDINATE_TRANSFORMATION_MODES`.
    scale : the scale ``s`` the formula divides by; default ``n_out / n_in``.  ONNX
        uses the *given* scale when ``scales`` is passed, not ``n_out / n_in``.
    inv_scale : if given, multiply by this instead of dividing by ``scale``
        (``asymmetric`` and ``half_pixel`` only; ``align_corners`` always multiplies
        by its own ratio ``(n_in-1)/(n_out-1)``).
    out_length : the "resized length" of the spec, ``n_in * s``, possibly
        fractional; it enters ``align_corners``, ``pytorch_half_pixel``,
        ``half_pixel_symmetric`` and ``tf_crop_and_resize``.  Default ``n_out``.
    roi : ``(start, end)`` in normalised input coordinates, for ``tf_crop_and_resize``.
    precision : ``"float64"`` or ``"float32"``: the arithmetic every step is done in.
    index : the output indices to map (default ``arange(n_out)``).
    fused : with ``inv_scale`` and ``half_pixel``, evaluate ``(i + 0.5) * inv - 0.5``
        exactly and round it to ``precision`` once, as a compiler's fused multiply-add
        does (PyTorch's generic 1-D/3-D ``nearest-exact`` CPU kernel, float32).  It is
        evaluated in float64, which is exact for float32 operands unless the product
        is below 1/16.
    onnxruntime : ONNX Runtime 1.32's order of operations (``upsamplebase.h``
        ``GetOriginalCoordinateFromResizedCoordinate``), with ``precision="float32"``:
        ``align_corners`` multiplies before it divides, ``i * (n_in-1) / (n_out-1)`` in float32;
        ``half_pixel_symmetric`` computes ``offset = (n_in/2) * (1 - n_out / (s * n_in))`` in
        float32 and ``offset + (i + 0.5) / s - 0.5`` in double, rounded to float32 once.  With
        ``sizes``, ORT's ``s`` is ``float32(n_out) / float32(n_in)``, so its offset is not 0.

    Returns
    -------
    ndarray of shape ``index.shape`` (default ``(n_out,)``) and dtype ``precision``.
    """
    choice("coordinate_transformation_mode", coordinate_transformation_mode, COORDINATE_TRANSFORMATION_MODES)
    choice("precision", precision, PRECISIONS)
    f = _arith(precision)
    i = np.arange(n_out, dtype=f) if index is None else np.asarray(index).astype(f)
    half = f(0.5)
    length = float(n_out) if out_length is None else float(out_length)
    mode = coordinate_transformation_mode

    if mode == "align_corners":
        if length == 1:
            return np.zeros_like(i)
        if onnxruntime:
            return (i * f(n_in - 1)) / f(length - 1)
        if precision == "float32":
            # PyTorch and TF compute the ratio first, in float32, then multiply.
            return i * (f(n_in - 1) / f(length - 1))
        # The spec's order of operations (it decides which side of a tie a nearest lands).
        return i * (n_in - 1) / (length - 1)

    if mode == "tf_crop_and_resize":
        start, end = (float(v) for v in roi)
        if length == 1:
            x = np.full_like(i, (end - start) * (n_in - 1) / 2)
        else:
            x = i * f(end - start) * f(n_in - 1) / f(length - 1)
        return f(start * (n_in - 1)) + x

    if mode == "pytorch_half_pixel" and length <= 1:
        return np.zeros_like(i)

    if inv_scale is not None:
        inv = f(inv_scale)
        if mode == "asymmetric":
            return i * inv
        if mode in ("half_pixel", "pytorch_half_pixel"):
            if fused:  # one rounding: the float64 product of float32 values is exact
                return ((i.astype(np.float64) + 0.5) * np.float64(inv) - 0.5).astype(f)
            return (i + half) * inv - half
        raise InvalidArgumentError(
            "inv_scale", inv_scale, f"None with coordinate_transformation_mode={mode!r} (an inverse scale is "
            "multiplied only by 'asymmetric', 'half_pixel' and 'pytorch_half_pixel')"
        )

    s = f(n_out / n_in if scale is None else scale)
    if mode == "asymmetric":
        return i / s
    if mode == "half_pixel_symmetric" and onnxruntime:
        f32 = np.float32
        s32 = f32(s)
        adjustment = f32(length) / (s32 * f32(n_in))
        offset = (f32(n_in) / f32(2)) * (f32(1) - adjustment)
        return ((np.float64(offset) + (i.astype(np.float64) + 0.5) / np.float64(s32)) - 0.5).astype(f32)
    x = (i + half) / s - half
    if mode == "half_pixel_symmetric":
        adjustment = n_out / length
        x = x + f(n_in / 2 * (1 - adjustment))
    return x


def clamp(x: np.ndarray, n_in: int, *, margin: int = 0) -> np.ndarray:
    """``x`` (positions or indices) clamped into ``[-margin, n_in-1+margin]``.

    With ``margin=0`` this is the border rule every framework shares: a linear sample past the
    edge takes the edge value, and a kernel tap past the edge reads the edge pixel (replicate).

    >>> clamp(np.array([-1.5, 0.25, 9.0]), 4).tolist()
    [0.0, 0.25, 3.0]
    """
    return np.clip(x, -margin, n_in - 1 + margin)


# ---------------------------------------------------------------------------------------------
# windows: a kernel centred on each output pixel's footprint (Pillow, PyTorch antialias, TF
# scale_and_translate).  These use *edge* units: input pixel ``j`` spans ``[j, j+1]``.


def footprint_scale(n_in: int, n_out: int, *, inv_scale: float | None = None, precision: str = "float64") -> np.floating:
    """Input pixels per output pixel, ``sc = n_in / n_out`` (or ``inv_scale``), as a ``precision``
    scalar; in float32 it is ``1 / (n_out / n_in)``, as TF's ``scale_and_translate`` computes it."""
    f = _arith(precision)
    if inv_scale is None:
        inv = f(1) / (f(n_out) / f(n_in)) if precision == "float32" else n_in / n_out
    else:
        inv = inv_scale
    return f(inv)


def window_centres(n_out: int, sc: float, *, offset: float = 0.0, precision: str = "float64") -> np.ndarray:
    """Centre of each output pixel's footprint, ``c = offset + (i + 0.5) * sc``, in edge units.

    ``offset`` is Pillow's ``box`` start (``precompute_coeffs(in0, in1)``); ``sc`` comes from
    :func:`footprint_scale`.  Every step is rounded to ``precision``.

    >>> window_centres(3, 2.0).tolist()
    [1.0, 3.0, 5.0]
    """
    f = _arith(precision)
    centre = (np.arange(n_out, dtype=f) + f(0.5)) * sc
    if offset:
        centre = f(offset) + centre
    return centre


def window_span(
    centre: np.ndarray, support: float, n_in: int, span_rule: str = "pillow", *, precision: str = "float64"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input pixels ``[lo, hi)`` a window of half-width ``support`` around ``centre`` visits,
    and the outputs that visit none (``empty``).

    ``"pillow"`` (``libImaging/Resample.c::precompute_coeffs``, copied by PyTorch's antialias
    kernels): ``[trunc(c - support + 0.5), trunc(c + support + 0.5))`` cut to the image (C's
    ``(int)`` cast truncates towards zero).  ``"tf"`` (``scale_and_translate_op.cc``):
    ``[ceil(c - support - 0.5), floor(c + support - 0.5)]`` clamped into the image; outputs whose
    centre lies outside ``[0, n_in]`` are empty.
    """
    choice("span_rule", span_rule, ("pillow", "tf"))
    f = _arith(precision)
    if span_rule == "pillow":
        lo = np.maximum(np.trunc(centre - support + f(0.5)), 0).astype(np.int64)
        hi = np.minimum(np.trunc(centre + support + f(0.5)), n_in).astype(np.int64)
        empty = np.zeros(len(centre), dtype=bool)
    else:
        lo = clamp(np.ceil(centre - support - f(0.5)), n_in).astype(np.int64)
        hi = clamp(np.floor(centre + support - f(0.5)), n_in).astype(np.int64) + 1
        empty = (centre < 0) | (centre > n_in)
    return lo, hi, empty


# ---------------------------------------------------------------------------------------------
# area boxes: the input interval each output pixel averages, in edge units.


def area_boxes(
    n_in: int, n_out: int, *, precision: str = "float64", inv_scale: float | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """TF ``area`` / OpenCV ``INTER_AREA`` boxes ``[i*sc, (i+1)*sc)``: ``(lo, hi, sc)``.

    ``sc = n_in / n_out`` in ``precision`` (TF: ``float32(n_in) / float32(n_out)``), or
    ``inv_scale`` (TF1 ``resize_area(align_corners=True)``: ``(n_in-1)/(n_out-1)``).

    >>> lo, hi, sc = area_boxes(6, 4)
    >>> lo.tolist(), hi.tolist(), sc
    ([0.0, 1.5, 3.0, 4.5], [1.5, 3.0, 4.5, 6.0], 1.5)
    """
    f = _arith(precision)
    if inv_scale is not None:
        sc = f(inv_scale)
    else:
        sc = f(n_in) / f(n_out) if precision == "float32" else n_in / n_out
    i = np.arange(n_out)
    lo = i.astype(f) * f(sc)
    hi = (i + 1).astype(f) * f(sc)
    return lo, hi, sc


def adaptive_boxes(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch ``adaptive_avg_pool`` (its ``area`` mode): whole pixels
    ``[floor(i*n_in/n_out), ceil((i+1)*n_in/n_out))`` in integer arithmetic: ``(start, stop)``.

    >>> [a.tolist() for a in adaptive_boxes(5, 3)]
    [[0, 1, 3], [2, 4, 5]]
    """
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    stop = -((-(i + 1) * n_in) // n_out)
    return start, stop


def opencv_area_boxes(
    n_in: int, n_out: int, scale: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """OpenCV ``INTER_AREA`` when downscaling (``resize.cpp computeResizeAreaTab``):
    ``(lo, hi, cell, first, last)``.

    The box is ``[fsx1, fsx2) = [i*sc, i*sc + sc)`` (``sc = 1/scale``, default ``n_in/n_out``, with
    ``fsx2`` made by adding ``sc`` as OpenCV does); ``cell = min(sc, n_in - fsx1)`` is the width the
    weights are divided by, and the whole pixels are ``first = sx1 .. last = sx2`` (exclusive).
    """
    sc = n_in / n_out if scale is None else 1.0 / scale
    lo = np.arange(n_out) * sc  # fsx1
    hi = lo + sc  # fsx2 = fsx1 + scale, as OpenCV adds it
    cell = np.minimum(sc, n_in - lo)  # cellWidth
    last = np.minimum(np.floor(hi), n_in - 1)  # sx2
    first = np.minimum(np.ceil(lo), last)  # sx1
    return lo, hi, cell, first, last


def block_boxes(n_in: int, n_out: int, factor: int, *, start: int = 0, stop: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pillow ``Image.reduce`` (``Reduce.c``): pixels ``[start + i*factor, start + (i+1)*factor)``,
    the last block cut at ``stop`` (default the image end): ``(lo, hi)``.

    >>> [a.tolist() for a in block_boxes(5, 2, 3)]
    [[0, 3], [3, 5]]
    """
    lo = start + np.arange(n_out) * factor
    hi = np.minimum(lo + factor, n_in if stop is None else stop)
    return lo, hi


def opencv_area_linear(n_in: int, n_out: int, scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """OpenCV ``INTER_AREA`` when either axis is upscaled: ``(sx, fx)``, the left source pixel and
    the fraction towards the next one.

    ``sx = floor(i*sc)``, ``fx = (i+1) - (sx+1)/sc`` rounded to float32, taken modulo 1 when
    positive, else 0; outside the image ``sx`` is clamped and ``fx`` is 0 (``resize.cpp``).
    ``scale`` is OpenCV's ``inv_scale_x`` (``out/in``); ``sc = 1/scale``.
    """
    i = np.arange(n_out)
    sc = n_in / n_out if scale is None else 1.0 / scale
    inv = n_out / n_in if scale is None else scale
    sx = np.floor(i * sc).astype(np.int64)
    fx = ((i + 1) - (sx + 1) * inv).astype(np.float32).astype(np.float64)
    fx = np.where(fx <= 0, 0.0, fx - np.floor(fx))
    low = sx < 0
    fx = np.where(low, 0.0, fx)
    sx = np.where(low, 0, sx)
    high = sx >= n_in - 1
    fx = np.where(high, 0.0, fx)
    sx = np.where(high, n_in - 1, sx)
    return sx, fx


def accumulator_index(n_in: int, n_out: int, *, start: float = 0.0, step: float | None = None) -> np.ndarray:
    """Pillow ``NEAREST`` / OpenCV 5 ``INTER_NEAREST_EXACT``: a running double accumulator.

    ``xx = 0.5 * step; index_i = int(xx); xx += step`` with ``step = n_in/n_out``: the sum is
    accumulated step by step, so its rounding (and the ties that resolve one index lower than
    ``floor((i+0.5)*n_in/n_out)``) is reproduced exactly.  ``start``, ``step``: Pillow's ``box``
    (``Geometry.c ImagingScaleAffine``: ``step = (box1 - box0) / n_out``, ``xx = box0 + step * 0.5``).

    >>> accumulator_index(3, 4).tolist()
    [0, 1, 1, 2]
    """
    step = n_in / n_out if step is None else float(step)
    xx = start + step * 0.5 if start else 0.5 * step
    # The loop's running sum, as one sequential accumulate (the same additions in the same
    # order; a Python loop took half a minute for 10**8 outputs).
    terms = np.full(n_out, step)
    if n_out:
        terms[0] = xx
    positions = np.add.accumulate(terms)
    return np.minimum(np.trunc(positions), n_in - 1).astype(np.intp)  # int(xx) truncates


def nearest_index(
    x: np.ndarray, nearest_mode: str, n_in: int, *, rounding_precision: str | None = None,
    tie_tolerance: float | None = None,
) -> np.ndarray:
    """Round source coordinates to input indices, then clamp to ``[0, n_in-1]``.

    The rounding is exact on the floating-point value ``x`` it receives (its
    precision is decided by :func:`source_coordinates`):

    ``round_prefer_floor``  nearest integer, ties down (ONNX default)
    ``round_prefer_ceil``   nearest integer, ties up (TF ``roundf`` for x >= 0; PyTorch
                            ``nearest-exact`` and TF half-pixel nearest in ONNX terms)
    ``floor`` / ``ceil``    as named (PyTorch ``nearest``, OpenCV ``INTER_NEAREST``)

    ``rounding_precision="float32"`` rounds as C code that passes a double to
    ``floorf``/``ceilf`` does: the argument is rounded to float32 first, and the
    half-offset of the ``round_*`` modes is added in float64 before that, so
    ``round_prefer_ceil`` is ``floor(float32(x + 0.5))`` (PyTorch's generic 1-D/3-D
    ``nearest``/``nearest-exact`` CPU kernels, ``UpSampleKernel.cpp``).

    ``tie_tolerance``: the ``round_*`` modes treat a coordinate within this distance of a
    half (``|frac - 0.5| < tie_tolerance``) as a tie -- ONNX Runtime 1.32 behaves as if with
    ``1e-6`` (inferred from all 12,800 size pairs up to 40 of every coordinate mode, sizes and
    scales; ``benchmarks/ort_resize_sweep.py``, docs/onnx.md): ``3.4999998`` (``7 -> 2``,
    asymmetric) rounds up under ``round_prefer_ceil``, ``24.499998`` does not.
    """
    choice("nearest_mode", nearest_mode, NEAREST_MODES)
    if tie_tolerance is not None and nearest_mode in ("round_prefer_floor", "round_prefer_ceil"):
        x64 = np.asarray(x, dtype=np.float64)
        fl = np.floor(x64)
        frac = x64 - fl
        tie = np.abs(frac - 0.5) < tie_tolerance
        up = np.where(tie, nearest_mode == "round_prefer_ceil", frac > 0.5)
        return clamp(fl + up, n_in).astype(np.intp)
    if rounding_precision == "float32":
        x64 = np.asarray(x, dtype=np.float64)
        offset = {"round_prefer_floor": -0.5, "round_prefer_ceil": 0.5}.get(nearest_mode, 0.0)
        arg = (x64 + offset).astype(np.float32)
        idx = np.ceil(arg) if nearest_mode in ("round_prefer_floor", "ceil") else np.floor(arg)
        return clamp(idx, n_in).astype(np.intp)
    if rounding_precision is not None:
        choice("rounding_precision", rounding_precision, PRECISIONS)
    fl = np.floor(x)
    frac = x - fl  # exact in binary floating point
    if nearest_mode == "round_prefer_floor":
        idx = fl + (frac > 0.5)
    elif nearest_mode == "round_prefer_ceil":
        idx = fl + (frac >= 0.5)
    elif nearest_mode == "floor":
        idx = fl
    else:
        idx = np.ceil(x)
    return clamp(idx, n_in).astype(np.intp)
