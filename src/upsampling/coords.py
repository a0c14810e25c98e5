"""Output index -> source coordinate: the only place a sampling convention is written.

Every resize mode, every framework twin, the explainer and the Dask tiler call these
functions; nothing else re-derives a coordinate.

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

__all__ = [
    "COORDINATE_TRANSFORMATION_MODES",
    "CONVENTIONS",
    "NEAREST_MODES",
    "Convention",
    "align_corners_ratio",
    "inverse_scale",
    "nearest_index",
    "source_coordinates",
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
        raise ValueError(f"inv_scale is not defined for {mode!r}")

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
        return np.clip(fl + up, 0, n_in - 1).astype(np.intp)
    if rounding_precision == "float32":
        x64 = np.asarray(x, dtype=np.float64)
        offset = {"round_prefer_floor": -0.5, "round_prefer_ceil": 0.5}.get(nearest_mode, 0.0)
        arg = (x64 + offset).astype(np.float32)
        idx = np.ceil(arg) if nearest_mode in ("round_prefer_floor", "ceil") else np.floor(arg)
        return np.clip(idx, 0, n_in - 1).astype(np.intp)
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
    return np.clip(idx, 0, n_in - 1).astype(np.intp)
