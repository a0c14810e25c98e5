"""Traces of sampling: bilinear interpolation at one point, and where each output pixel of a
resize samples the input (per coordinate convention and per framework setting).

As in :mod:`upsampling.explain.trace` (which re-exports these names), every number comes from
an engine call:

* :func:`bilinear_trace` -- :func:`upsampling.bilinear_steps`, :func:`upsampling.bilinear_unit_square`,
  :func:`upsampling.bilinear_matrix`, :func:`upsampling.lerp`;
* :func:`grid_trace` -- :func:`upsampling.coords.source_coordinates` and each framework
  :class:`~upsampling.frameworks._mapping.Setting`'s plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling import coords
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.interpolate import bilinear_matrix, bilinear_steps, bilinear_unit_square, lerp

__all__ = ["BilinearTrace", "GridTrace", "SettingRow", "bilinear_field", "bilinear_trace", "grid_trace"]


# ---------------------------------------------------------------------------------------------
# bilinear interpolation


@dataclass(frozen=True)
class BilinearTrace:
    x: float
    y: float
    x1: float
    y1: float
    x2: float
    y2: float
    q11: float  # f(x1, y1)
    q21: float  # f(x2, y1)
    q12: float  # f(x1, y2)
    q22: float  # f(x2, y2)
    wx: tuple[float, float]  # weights of Q11 and Q21 in R1 (and of Q12, Q22 in R2)
    wy: tuple[float, float]  # weights of R1 and R2 in P
    r1: float
    r2: float
    p: float
    u: float  # (x - x1) / (x2 - x1)
    v: float  # (y - y1) / (y2 - y1)
    unit_weights: tuple[float, float, float, float]  # of f(0,0), f(1,0), f(0,1), f(1,1)
    unit: float
    row: tuple[float, float]  # [1-u, u]
    col: tuple[float, float]  # [1-v, v]
    matrix: float

    @property
    def inside(self) -> bool:
        return 0 <= self.u <= 1 and 0 <= self.v <= 1


def bilinear_trace(point: tuple[float, float], values: np.ndarray, corners: tuple[float, float, float, float]) -> BilinearTrace:
    """Interpolate ``values`` (``[[f(x1,y1), f(x2,y1)], [f(x1,y2), f(x2,y2)]]``) at ``point``."""
    if values.shape != (2, 2):
        raise ShapeError(
            "values",
            f"{values.shape[0]}x{values.shape[1]}",
            "a 2x2 matrix [[f(x1,y1), f(x2,y1)], [f(x1,y2), f(x2,y2)]]",
        )
    x, y = point
    x1, y1, x2, y2 = corners
    if x1 == x2 or y1 == y2:
        raise InvalidArgumentError("corners", f"{x1},{y1},{x2},{y2}", "x1 != x2 and y1 != y2 (two distinct columns and rows)")
    q11, q21 = float(values[0, 0]), float(values[0, 1])
    q12, q22 = float(values[1, 0]), float(values[1, 1])
    s = bilinear_steps(x, y, x1, y1, x2, y2, q11, q12, q21, q22)
    # Weights: the engine's response to one-hot values (it is linear in them).
    onehot = bilinear_steps(x, y, x1, y1, x2, y2, [1, 0], [0, 0], [0, 1], [0, 0])
    wx = (float(onehot.r1[0]), float(onehot.r1[1]))
    ry = bilinear_steps(x, y, x1, y1, x2, y2, [1, 0], [0, 1], [1, 0], [0, 1])  # R1 = 1 / R2 = 1
    wy = (float(ry.p[0]), float(ry.p[1]))
    u = float(lerp(x, x1, x2, 0.0, 1.0))
    v = float(lerp(y, y1, y2, 0.0, 1.0))
    # unit square: f(0,0), f(1,0), f(0,1), f(1,1) one at a time (f01 is f(0,1): x=0, y=1)
    eye = np.eye(4)
    unit_w = bilinear_unit_square(u, v, eye[0], eye[2], eye[1], eye[3])
    unit = float(bilinear_unit_square(u, v, q11, q12, q21, q22))
    # matrix form [1-u, u] . F . [1-v, v]^T: the row is F's weights with v at 0, the column with u at 0
    row = bilinear_matrix(u, 0.0, [1, 0], [0, 0], [0, 1], [0, 0])
    col = bilinear_matrix(0.0, v, [1, 0], [0, 1], [0, 0], [0, 0])
    matrix = float(bilinear_matrix(u, v, q11, q12, q21, q22))
    return BilinearTrace(
        x=x, y=y, x1=x1, y1=y1, x2=x2, y2=y2, q11=q11, q21=q21, q12=q12, q22=q22,
        wx=wx, wy=wy, r1=float(s.r1), r2=float(s.r2), p=float(s.p), u=u, v=v,
        unit_weights=tuple(float(w) for w in unit_w),  # type: ignore[arg-type]
        unit=unit, row=(float(row[0]), float(row[1])), col=(float(col[0]), float(col[1])), matrix=matrix,
    )


def bilinear_field(trace: BilinearTrace, n: int = 101) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interpolated surface over the rectangle spanned by the points (for the figure)."""
    xs = np.linspace(min(trace.x1, trace.x2, trace.x), max(trace.x1, trace.x2, trace.x), n)
    ys = np.linspace(min(trace.y1, trace.y2, trace.y), max(trace.y1, trace.y2, trace.y), n)
    gx, gy = np.meshgrid(xs, ys)
    f = bilinear_steps(gx, gy, trace.x1, trace.y1, trace.x2, trace.y2, trace.q11, trace.q12, trace.q21, trace.q22).p
    return xs, ys, f


# ---------------------------------------------------------------------------------------------
# sampling grids


@dataclass(frozen=True)
class SettingRow:
    framework: str
    call: str
    builder: str
    convention: str  # the coordinate convention the setting's parameters name, or "" (box/window rules)
    coordinate: np.ndarray | None  # where each output samples (None: box averages)
    index: np.ndarray | None  # for nearest: the input pixel each output copies
    spans: tuple[tuple[int, int], ...] | None  # for boxes: input pixels [first, last] each output averages
    matches: str  # the convention whose coordinates these equal, if any
    note: str


@dataclass(frozen=True)
class GridTrace:
    n_in: int
    n_out: int
    conventions: tuple[tuple[Any, np.ndarray], ...]  # (coords.Convention, x per output pixel)
    settings: tuple[SettingRow, ...]
    missing_twins: tuple[str, ...]


def grid_trace(n_in: int, n_out: int) -> GridTrace:
    """Where each output pixel samples the input, per convention and per framework setting."""
    from upsampling.frameworks._mapping import TWINS, all_settings, twin_modules

    conv = []
    for name, c in coords.CONVENTIONS.items():
        conv.append((c, coords.source_coordinates(n_in, n_out, name)))
    rows = []
    for s in all_settings():
        if s.per_call:  # a step whose plan depends on the call (Pillow's reduce factor), not a sampling grid
            continue
        p = s.plan(n_in, n_out)
        ctm = s.params.get("coordinate_transformation_mode", "")
        if s.builder == "window_plan":
            ctm = "half_pixel (window centre)"
        elif s.builder == "interpolation_plan" and not ctm:
            ctm = "half_pixel (default)" if s.framework != "ONNX" or "Upsample" not in s.call else "asymmetric"
        coordinate = None if p.coordinate is None else np.asarray(p.coordinate, dtype=np.float64)
        nearest = s.builder == "nearest_loop_plan" or s.params.get("mode") == "nearest"
        index = p.index[:, 0].copy() if nearest and p.taps == 1 else None
        spans = None
        if coordinate is None:
            used = p.weight > 0
            spans = tuple(
                (int(p.index[o][used[o]].min()), int(p.index[o][used[o]].max())) if used[o].any() else (-1, -1)
                for o in range(p.n_out)
            )
        matches = ""
        if coordinate is not None:
            for c, x in conv:
                if np.allclose(x, coordinate, rtol=0, atol=1e-6):
                    matches = c.name
                    break
        rows.append(
            SettingRow(
                framework=s.framework, call=s.call, builder=s.builder, convention=ctm, coordinate=coordinate,
                index=index, spans=spans, matches=matches, note=s.note,
            )
        )
    present = set(twin_modules())
    return GridTrace(
        n_in=n_in, n_out=n_out, conventions=tuple(conv), settings=tuple(rows),
        missing_twins=tuple(t for t in TWINS if t not in present),
    )
