"""Linear and bilinear interpolation as they are taught, vectorised over points.

Bilinear interpolation of ``f`` at ``P = (x, y)`` from four known points
``Q11 = (x1, y1)``, ``Q12 = (x1, y2)``, ``Q21 = (x2, y1)``, ``Q22 = (x2, y2)``:

1. along x:  ``R1 = f(x, y1) = (x2-x)/(x2-x1) f(Q11) + (x-x1)/(x2-x1) f(Q21)``
             ``R2 = f(x, y2) = (x2-x)/(x2-x1) f(Q12) + (x-x1)/(x2-x1) f(Q22)``
2. along y:  ``P = (y2-y)/(y2-y1) R1 + (y-y1)/(y2-y1) R2``

On the unit square this is ``f(0,0)(1-x)(1-y) + f(1,0)x(1-y) + f(0,1)(1-x)y + f(1,1)xy``,
and in matrix form ``[1-x, x] @ [[f(0,0), f(0,1)], [f(1,0), f(1,1)]] @ [1-y, y]^T``.
All three agree (tested); :func:`bilinear_steps` returns the intermediate R1 and R2.
All arguments broadcast against each other, so any of them may be arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from upsampling import _checks, coords
from upsampling.errors import InvalidArgumentError, ShapeError

__all__ = ["bilinear", "bilinear_matrix", "bilinear_steps", "bilinear_unit_square", "lerp", "sample"]

ArrayLike = Any


def _f(parameter: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a float64 array (real numbers only: no strings, bools or complex numbers)."""
    if type(value) is float or type(value) is int:
        return np.asarray(float(value) if abs(value) < 1e308 else _checks.real(parameter, value))
    return _checks.numeric_array(parameter, value).astype(np.float64, copy=False)


def _broadcast(**arrays: np.ndarray) -> None:
    """Refuse arguments that do not broadcast together, naming them."""
    try:
        np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k}: {a.shape}" for k, a in arrays.items() if a.ndim)
        raise ShapeError(
            next(k for k, a in arrays.items() if a.ndim), shapes, "arguments whose shapes broadcast together"
        ) from None


def _span(name_a: str, name_b: str, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    a, b = _f(name_a, a), _f(name_b, b)
    _broadcast(**{name_a: a, name_b: b})
    parameter = name_b
    d = b - a
    if np.any(d == 0):
        raise InvalidArgumentError(parameter, "coincident known points", "two distinct coordinates")
    return d


def lerp(x: ArrayLike, x0: ArrayLike, x1: ArrayLike, f0: ArrayLike, f1: ArrayLike) -> np.ndarray:
    """Linear interpolation between ``(x0, f0)`` and ``(x1, f1)``: ``f0 + (x-x0)/(x1-x0)·(f1-f0)``.

    >>> float(lerp(0.25, 0, 1, 10, 20))
    12.5
    """
    args = {"x": _f("x", x), "x0": _f("x0", x0), "f0": _f("f0", f0), "f1": _f("f1", f1)}
    d = _span("x0", "x1", x0, x1)
    _broadcast(**args, x1=d)
    t = (args["x"] - args["x0"]) / d
    return (1 - t) * args["f0"] + t * args["f1"]


class BilinearSteps(NamedTuple):
    """The two x-direction results and the final y-direction result."""

    r1: np.ndarray  # f(x, y1)
    r2: np.ndarray  # f(x, y2)
    p: np.ndarray  # f(x, y)


def bilinear_steps(
    x: ArrayLike,
    y: ArrayLike,
    x1: ArrayLike,
    y1: ArrayLike,
    x2: ArrayLike,
    y2: ArrayLike,
    q11: ArrayLike,
    q12: ArrayLike,
    q21: ArrayLike,
    q22: ArrayLike,
) -> BilinearSteps:
    """Bilinear interpolation in two steps, x first (giving R1, R2), then y (giving P).

    ``q11 = f(x1, y1)``, ``q12 = f(x1, y2)``, ``q21 = f(x2, y1)``, ``q22 = f(x2, y2)``.

    >>> s = bilinear_steps(0.3, 0.6, 0, 0, 1, 1, 10, 30, 20, 40)
    >>> float(s.r1), float(s.r2), float(s.p)
    (13.0, 33.0, 25.0)
    """
    dx = _span("x1", "x2", x1, x2)
    dy = _span("y1", "y2", y1, y2)
    a = {k: _f(k, v) for k, v in dict(x=x, y=y, x1=x1, y1=y1, x2=x2, y2=y2, q11=q11, q12=q12, q21=q21, q22=q22).items()}
    _broadcast(**a)
    x, y = a["x"], a["y"]
    wx1 = (a["x2"] - x) / dx
    wx2 = (x - a["x1"]) / dx
    r1 = wx1 * a["q11"] + wx2 * a["q21"]
    r2 = wx1 * a["q12"] + wx2 * a["q22"]
    p = (a["y2"] - y) / dy * r1 + (y - a["y1"]) / dy * r2
    return BilinearSteps(r1, r2, p)


def bilinear(
    x: ArrayLike,
    y: ArrayLike,
    x1: ArrayLike,
    y1: ArrayLike,
    x2: ArrayLike,
    y2: ArrayLike,
    q11: ArrayLike,
    q12: ArrayLike,
    q21: ArrayLike,
    q22: ArrayLike,
) -> np.ndarray:
    """``f(x, y)`` from the four known points (see :func:`bilinear_steps`)."""
    return bilinear_steps(x, y, x1, y1, x2, y2, q11, q12, q21, q22).p


def bilinear_unit_square(x: ArrayLike, y: ArrayLike, f00: ArrayLike, f01: ArrayLike, f10: ArrayLike, f11: ArrayLike) -> np.ndarray:
    """``f(0,0)(1-x)(1-y) + f(1,0)x(1-y) + f(0,1)(1-x)y + f(1,1)xy`` for ``0 <= x, y <= 1``.

    ``f01`` is ``f(0, 1)``: x = 0, y = 1.

    >>> float(bilinear_unit_square(0.3, 0.6, 10, 30, 20, 40))
    25.0
    """
    a = {k: _f(k, v) for k, v in dict(x=x, y=y, f00=f00, f01=f01, f10=f10, f11=f11).items()}
    _broadcast(**a)
    x, y = a["x"], a["y"]
    return a["f00"] * (1 - x) * (1 - y) + a["f10"] * x * (1 - y) + a["f01"] * (1 - x) * y + a["f11"] * x * y


def bilinear_matrix(x: ArrayLike, y: ArrayLike, f00: ArrayLike, f01: ArrayLike, f10: ArrayLike, f11: ArrayLike) -> np.ndarray:
    """The matrix form ``[1-x, x] · [[f(0,0), f(0,1)], [f(1,0), f(1,1)]] · [1-y, y]ᵀ``.

    >>> float(bilinear_matrix(0.3, 0.6, 10, 30, 20, 40))
    25.0
    """
    a = {k: _f(k, v) for k, v in dict(x=x, y=y, f00=f00, f01=f01, f10=f10, f11=f11).items()}
    _broadcast(**a)
    x, y, f00, f01, f10, f11 = np.broadcast_arrays(*a.values())
    row = np.stack([1 - x, x], axis=-1)  # (..., 2)
    col = np.stack([1 - y, y], axis=-1)  # (..., 2)
    f = np.stack([np.stack([f00, f01], -1), np.stack([f10, f11], -1)], -2)  # (..., 2, 2)
    return np.einsum("...i,...ij,...j->...", row, f, col)


def sample(
    image: ArrayLike,
    rows: ArrayLike,
    cols: ArrayLike,
    *,
    method: str = "bilinear",
    border: str = "clamp",
    fill_value: float = 0.0,
    nearest_mode: str = "round_prefer_floor",
) -> np.ndarray:
    """Sample a 2-D array (optionally with trailing channels) at fractional coordinates.

    Parameters
    ----------
    image : ``(H, W)`` or ``(H, W, C)`` real array.  Pixel centres are at integer
        coordinates: ``image[r, c]`` is the value at ``(row=r, col=c)``.
    rows, cols : coordinates (broadcast together) in that convention.
    method : ``"bilinear"`` (the unit-square formula on the four neighbours) or
        ``"nearest"`` (rounded with ``nearest_mode``).
    border : ``"clamp"``: coordinates are clamped into ``[0, H-1] x [0, W-1]``, so
        outside the image you get the edge value (every framework's bilinear rule);
        ``"constant"``: neighbours outside the image read ``fill_value``.

    Returns
    -------
    float64 array of shape ``broadcast(rows, cols).shape + image.shape[2:]``.

    >>> img = np.array([[10.0, 20.0], [30.0, 40.0]])
    >>> float(sample(img, 0.6, 0.3))  # row 0.6, col 0.3
    25.0
    """
    img = _checks.numeric_array("image", image).astype(np.float64)
    if img.ndim not in (2, 3) or 0 in img.shape[:2]:
        raise ShapeError("image", f"array of shape {img.shape}", "a non-empty (H, W) or (H, W, C) array")
    _checks.choice("method", method, ("bilinear", "nearest"))
    _checks.choice("border", border, ("clamp", "constant"))
    _checks.choice("nearest_mode", nearest_mode, coords.NEAREST_MODES)
    fill_value = _checks.real("fill_value", fill_value)
    h, w = img.shape[:2]
    rows, cols = _f("rows", rows), _f("cols", cols)
    _broadcast(rows=rows, cols=cols)
    for name, v in (("rows", rows), ("cols", cols)):
        if np.isnan(v).any():
            raise InvalidArgumentError(name, "coordinates with NaN", "real coordinates (infinities are clamped)")
    _checks.output_bytes("rows", np.broadcast_shapes(rows.shape, cols.shape) + img.shape[2:], np.float64)
    r, c = np.broadcast_arrays(rows, cols)
    # "clamp": the edge value outside the image; "constant": every neighbour of a point two
    # pixels out is outside (the same fill), and the indices stay far from integer overflow.
    margin = 0 if border == "clamp" else 2
    r = coords.clamp(r, h, margin=margin)
    c = coords.clamp(c, w, margin=margin)
    chan = (Ellipsis,) + (None,) * (img.ndim - 2)

    def read(ri: np.ndarray, ci: np.ndarray) -> np.ndarray:
        ok = (ri >= 0) & (ri < h) & (ci >= 0) & (ci < w)
        v = img[coords.clamp(ri, h), coords.clamp(ci, w)]
        return np.where(ok[chan], v, fill_value)

    if method == "nearest":
        ri = coords.nearest_index(r, nearest_mode, 1 << 62)
        ci = coords.nearest_index(c, nearest_mode, 1 << 62)
        # nearest_index clamps at 0; constant borders need the unclamped sign
        ri = np.where(r < -0.5, -1, ri)
        ci = np.where(c < -0.5, -1, ci)
        return read(ri, ci)
    r0 = np.floor(r).astype(np.int64)
    c0 = np.floor(c).astype(np.int64)
    fr = (r - r0)[chan]
    fc = (c - c0)[chan]
    # unit square: x along columns, y along rows
    return bilinear_unit_square(fc, fr, read(r0, c0), read(r0 + 1, c0), read(r0, c0 + 1), read(r0 + 1, c0 + 1))
