"""Reports of the sampling traces (:mod:`upsampling.explain.sampling_trace`): bilinear
interpolation at one point, and where each output pixel of a resize samples the input.

As in :mod:`upsampling.explain.text` (whose number formatting they use), these functions only
format what a trace holds; no arithmetic here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from upsampling.explain.render import Heading, Table, Text
from upsampling.explain.text import factor, fmt, spell

__all__ = ["bilinear_report", "grid_report"]


# ---------------------------------------------------------------------------------------------
# explain bilinear


def bilinear_report(t: Any, digits: int = 6, *, names: Mapping[str, str] | None = None) -> list:
    values = spell(names, "values", "values")

    def f(v: float) -> str:
        return fmt(v, digits)

    def g(v: float) -> str:  # a factor
        return factor(fmt(v, digits))

    blocks: list = [
        Heading(f"Bilinear interpolation at P = ({f(t.x)}, {f(t.y)})"),
        Table(
            f"known points ({values} is [[f(x1,y1), f(x2,y1)], [f(x1,y2), f(x2,y2)]])",
            ["point", "at", "value"],
            [
                ["Q11 = f(x1, y1)", f"({f(t.x1)}, {f(t.y1)})", f(t.q11)],
                ["Q21 = f(x2, y1)", f"({f(t.x2)}, {f(t.y1)})", f(t.q21)],
                ["Q12 = f(x1, y2)", f"({f(t.x1)}, {f(t.y2)})", f(t.q12)],
                ["Q22 = f(x2, y2)", f"({f(t.x2)}, {f(t.y2)})", f(t.q22)],
            ],
        ),
    ]
    if not t.inside:
        blocks.append(
            Text("P lies outside the rectangle of the four points: the formulas extrapolate.", "warn")
        )
    wx1, wx2 = t.wx
    wy1, wy2 = t.wy
    blocks += [
        Heading("Step 1: along x, on the rows y = y1 and y = y2"),
        Text(f"weights: (x2-x)/(x2-x1) = {f(wx1)}, (x-x1)/(x2-x1) = {f(wx2)}"),
        Text(
            f"R1 = f(x, y1) = {f(wx1)}·Q11 + {f(wx2)}·Q21 = {f(wx1)}·{g(t.q11)} + {f(wx2)}·{g(t.q21)} = {f(t.r1)}",
            "formula",
        ),
        Text(
            f"R2 = f(x, y2) = {f(wx1)}·Q12 + {f(wx2)}·Q22 = {f(wx1)}·{g(t.q12)} + {f(wx2)}·{g(t.q22)} = {f(t.r2)}",
            "formula",
        ),
        Heading("Step 2: along y, between R1 and R2"),
        Text(f"weights: (y2-y)/(y2-y1) = {f(wy1)}, (y-y1)/(y2-y1) = {f(wy2)}"),
        Text(
            f"P = f(x, y) = {f(wy1)}·R1 + {f(wy2)}·R2 = {f(wy1)}·{g(t.r1)} + {f(wy2)}·{g(t.r2)} = {f(t.p)}",
            "formula",
        ),
        Heading("The same, unit-square formula"),
        Text(f"u = (x-x1)/(x2-x1) = {f(t.u)}, v = (y-y1)/(y2-y1) = {f(t.v)}"),
        Text("f = f(0,0)·(1-u)(1-v) + f(1,0)·u(1-v) + f(0,1)·(1-u)v + f(1,1)·uv"),
    ]
    w00, w10, w01, w11 = t.unit_weights
    blocks.append(
        Text(
            f"unit square = {g(t.q11)}·{f(w00)} + {g(t.q21)}·{f(w10)} + {g(t.q12)}·{f(w01)} + {g(t.q22)}·{f(w11)}"
            f" = {f(t.unit)}",
            "formula",
        )
    )
    blocks += [
        Heading("The same, matrix form"),
        Text("f = [1-u, u] · F · [1-v, v]ᵀ with F = [[f(0,0), f(0,1)], [f(1,0), f(1,1)]] (rows: x, columns: y -- "
             f"the transpose of {values}, which lists rows of constant y)"),
        Text(
            f"matrix form = [{f(t.row[0])}, {f(t.row[1])}] · [[{f(t.q11)}, {f(t.q12)}], [{f(t.q21)}, {f(t.q22)}]] · "
            f"[{f(t.col[0])}, {f(t.col[1])}]ᵀ = {f(t.matrix)}",
            "formula",
        ),
    ]
    agree = abs(t.p - t.unit) <= 1e-9 * max(1, abs(t.p)) and abs(t.p - t.matrix) <= 1e-9 * max(1, abs(t.p))
    blocks.append(
        Text(
            f"two steps = unit square = matrix form: {f(t.p)} = {f(t.unit)} = {f(t.matrix)} "
            f"({'agree' if agree else 'DISAGREE'})",
             "ok" if agree else "warn")
    )
    return blocks


# ---------------------------------------------------------------------------------------------
# explain grid


def grid_report(t: Any, digits: int = 4) -> list:
    f = lambda v: fmt(v, digits)  # noqa: E731
    blocks: list = [
        Heading(f"Where each output pixel samples the input: {t.n_in} -> {t.n_out} pixels along one axis"),
        Text(
            f"Input pixel centres sit at 0..{t.n_in - 1} (pixel j covers [j-0.5, j+0.5]); x is the source coordinate of "
            "output pixel i. Linear modes clamp x into [0, n_in-1]; nearest rounds it."
        ),
    ]
    conv = t.conventions
    rows = []
    for i in range(t.n_out):
        rows.append([str(i)] + [f(x[i]) for _, x in conv])
    blocks.append(Table("coordinate conventions (ONNX names)", ["i"] + [c.name for c, _ in conv], rows))
    blocks.append(
        Table(
            "formulas",
            ["convention", "x(i)", "used by"],
            [[c.name, c.formula, c.used_by] for c, _ in conv],
        )
    )
    rows = []
    for r in t.settings:
        if r.coordinate is not None:
            where = " ".join(f(v) for v in r.coordinate)
            rule = r.matches or "(own rule)"
        elif r.builder == "area_plan":
            where = "(a box over the output pixel's footprint; see docs/framework-settings.md)"
            rule = "box average"
        else:
            where = "(pixel centres stepped by in/out in a running sum; see docs/framework-settings.md)"
            rule = "nearest, own loop"
        reads = " ".join(str(int(v)) for v in r.index) if r.index is not None else ""
        rows.append([r.framework, r.call, rule, where, reads])
    blocks.append(
        Table(
            "framework settings (each twin's declared plan; docs/framework-settings.md)",
            ["framework", "setting", "convention", "x for i = 0.." + str(t.n_out - 1), "nearest reads"],
            rows,
        )
    )
    if t.missing_twins:
        blocks.append(Text(f"not in this build yet: {', '.join(t.missing_twins)} twins.", "dim"))
    by_name = {c.name: x for c, x in conv}
    shift = by_name["half_pixel"] - by_name["asymmetric"]
    if np.allclose(shift, shift[0], rtol=0, atol=1e-9) and shift[0] != 0:
        blocks.append(
            Text(
                "A model ported from an asymmetric setting (TF1 legacy, PyTorch nearest) to a half_pixel one "
                "samples every "
                f"output pixel {f(abs(shift[0]))} input pixels further {'left' if shift[0] < 0 else 'right'} "
                "(the half-pixel shift); align_corners instead stretches the grid so both end pixels coincide.",
                "note",
            )
        )
    return blocks
