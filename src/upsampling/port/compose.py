"""Compositions a target framework can express when no single call equals the source:
replicate padding, one resize, a crop.

Every convention samples output ``i`` at ``x = a·i + b`` (``a``, ``b`` fixed by the sizes), and
padding the input by ``p`` pixels at the start, resizing to ``M`` and keeping outputs
``c .. c + out - 1`` turns that into ``x = a'·(i + c) + b' - p``.  :func:`solve_axis` looks for
small paddings and crops that make a target convention land exactly on the source's ``(a, b)``,
in exact rational arithmetic; :func:`compositions` turns the solutions of both axes into
:class:`Composition` calls, which ``translate`` then proves (or rejects) by comparing their
matrices with the source's, like any other candidate.  Edge replication reproduces the frameworks'
clamping at the border, so interpolating kernels keep their values there too.

Example (the issue's): TF1 legacy bilinear samples at ``x = i·n/m``; ``align_corners=True`` on
``n + 1`` pixels (one replicated at the end) resized to ``m + 1`` samples at ``i·n/m`` too, and
the last output is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from upsampling.port.calls import (
    Call,
    CVResize,
    Dims,
    EngineResize,
    ONNXResize,
    PILResize,
    TF1Resize,
    TFResize,
    TorchInterpolate,
)

__all__ = ["Composition", "compositions", "fit_axis", "solve_axis"]


@dataclass(frozen=True)
class Composition(Call):
    """``pad`` (edge replication) -> ``inner`` -> keep ``out`` samples from ``crop`` on, per axis.

    pad : ``(before_h, after_h, before_w, after_w)``.
    crop : ``(start_h, start_w)``; out : ``(out_h, out_w)``.
    """

    inner: Call = field(default_factory=lambda: TorchInterpolate(size=(1, 1)))
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)
    crop: tuple[int, int] = (0, 0)
    out: tuple[int, int] = (1, 1)
    why: str = ""

    framework: ClassVar[str] = "composition"

    @property
    def family(self) -> str:
        return self.inner.family

    def unit_layout(self) -> str:
        return self.inner.unit_layout()

    def layout(self, dims: Dims) -> str:
        return self.inner.layout(self._padded(dims))

    def _padded(self, dims: Dims) -> Dims:
        bh, ah, bw, aw = self.pad
        return dims.resized(dims.h + bh + ah, dims.w + bw + aw)

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.out

    def expression(self, x: str = "x") -> str:
        return f"{self.inner.expression(x)} on the input padded by {self.pad}, cropped at {self.crop}"

    def text(self) -> str:
        return self.expression("x")

    def run(self, x: np.ndarray) -> np.ndarray:
        layout = self.inner.unit_layout()
        ah, aw = layout.index("H"), layout.index("W")
        widths = [(0, 0)] * x.ndim
        widths[ah] = (self.pad[0], self.pad[1])
        widths[aw] = (self.pad[2], self.pad[3])
        y = self.inner.run(np.pad(x, widths, mode="edge"))
        index = [slice(None)] * y.ndim
        index[ah] = slice(self.crop[0], self.crop[0] + self.out[0])
        index[aw] = slice(self.crop[1], self.crop[1] + self.out[1])
        return y[tuple(index)]

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        return self.inner.probe_shape(dims, slots)

    def settings(self):
        return self.inner.settings()

    def key(self) -> tuple:
        return ("composition", self.inner.key(), self.pad, self.crop)

    def size_rule(self) -> tuple:
        return ("size",)

    def code(self, dims: Dims) -> str:
        bh, ah, bw, aw = self.pad
        (ch, cw), (oh, ow) = self.crop, self.out
        inner = self.inner
        padded = self._padded(dims)
        if isinstance(inner, TorchInterpolate):
            lines = [f"x = F.pad(x, ({bw}, {aw}, {bh}, {ah}), mode='replicate')" if any(self.pad) else None,
                     f"y = {inner.expression('x')}[:, :, {ch}:{ch + oh}, {cw}:{cw + ow}]"]
        elif isinstance(inner, (TFResize, TF1Resize)):
            lines = []
            if bh or ah:
                lines.append(f"x = tf.gather(x, np.clip(np.arange({-bh}, {dims.h + ah}), 0, {dims.h - 1}), axis=1)")
            if bw or aw:
                lines.append(f"x = tf.gather(x, np.clip(np.arange({-bw}, {dims.w + aw}), 0, {dims.w - 1}), axis=2)")
            lines.append(f"y = {inner.expression('x')}[:, {ch}:{ch + oh}, {cw}:{cw + ow}, :]")
        elif isinstance(inner, (CVResize, PILResize)):
            batched = dims.batch > 1
            pad = f"(({bh}, {ah}), ({bw}, {aw}), (0, 0))" if not batched else f"((0, 0), ({bh}, {ah}), ({bw}, {aw}), (0, 0))"
            lines = [f"x = np.pad(x, {pad}, mode='edge')" if any(self.pad) else None]
            body = inner.code(padded).split("=", 1)[1].strip()
            lines.append(f"y = ({body})[{'..., ' if batched else ''}{ch}:{ch + oh}, {cw}:{cw + ow}, :]"
                         if batched else f"y = ({body})[{ch}:{ch + oh}, {cw}:{cw + ow}, :]")
        elif isinstance(inner, EngineResize):
            lay = inner.spec.layout
            widths = ", ".join(f"({bh}, {ah})" if a == "H" else f"({bw}, {aw})" if a == "W" else "(0, 0)" for a in lay)
            idx = ", ".join(f"{ch}:{ch + oh}" if a == "H" else f"{cw}:{cw + ow}" if a == "W" else ":" for a in lay)
            lines = ["import upsampling", f"x = np.pad(x, ({widths},), mode='edge')" if any(self.pad) else None,
                     f"y = {inner.expression('x')}[{idx}]"]
        elif isinstance(inner, ONNXResize):
            lines = [f"x = np.pad(x, ((0, 0), (0, 0), ({bh}, {ah}), ({bw}, {aw})), mode='edge')  "
                     "# or an ONNX Pad node with mode='edge'" if any(self.pad) else None,
                     inner.code(padded), f"y = y[:, :, {ch}:{ch + oh}, {cw}:{cw + ow}]"]
        else:  # pragma: no cover - every target's calls are handled above
            raise TypeError(type(inner).__name__)
        return "\n".join(line for line in lines if line)


# -- the coordinate map of a matrix, and solving for paddings and crops -------------------------------


@dataclass(frozen=True)
class AxisFit:
    """``x = a·i + b``: where the rows of an interpolation matrix sample, fitted on the rows whose
    taps all lie inside the input (so the border rule does not enter)."""

    a: float
    b: float
    residual: float
    rows: int

    def rational(self, limit: int) -> tuple[Fraction, Fraction] | None:
        a = Fraction(self.a).limit_denominator(limit)
        b = Fraction(self.b).limit_denominator(limit)
        if abs(float(a) - self.a) > 1e-6 or abs(float(b) - self.b) > 1e-6:
            return None
        return a, b


def fit_axis(m: np.ndarray) -> AxisFit | None:
    """Fit the sample positions ``x_i = Σ_k w_ik·k`` (interior rows whose weights sum to 1) with a line.

    Exact for linear interpolation, and for cubic convolution too (Keys' kernels reproduce
    linear functions for every ``a``).  None when fewer than two usable rows.
    """
    n_out, n_in = m.shape
    k = np.arange(n_in)
    rows = []
    for i in range(n_out):
        nz = np.flatnonzero(m[i])
        if nz.size == 0 or nz[0] == 0 or nz[-1] == n_in - 1 or abs(m[i].sum() - 1) > 1e-6:
            continue
        rows.append((i, float(m[i] @ k)))
    if len(rows) < 2:
        return None
    i = np.array([r[0] for r in rows], dtype=np.float64)
    x = np.array([r[1] for r in rows])
    a, b = np.polyfit(i, x, 1)
    res = float(np.abs(a * i + b - x).max())
    return AxisFit(float(a), float(b), res, len(rows))


@dataclass(frozen=True)
class AxisSolution:
    pad_before: int
    pad_after: int
    size: int | None  # the inner output length (size-based conventions)
    scale: Fraction | None  # the inner scale (scale-based conventions)
    crop: int


_PADS = [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (2, 2), (1, 2), (2, 1)]


def _integer(v: Fraction) -> int | None:
    return v.numerator if v.denominator == 1 else None


def solve_axis(convention: str, scale_based: bool, n: int, out: int, a: Fraction, b: Fraction) -> Iterator[AxisSolution]:
    """Paddings, inner size (or scale) and crop that make ``convention`` sample at ``a·i + b``.

    ``convention``: ``half_pixel`` (``x = (i + 1/2)·N/M - 1/2``), ``align_corners``
    (``i·(N-1)/(M-1)``), ``asymmetric`` (``i·N/M``) or ``box`` (Pillow's ``box``: any offset,
    ``a = (box1 - box0)/M``).  With ``scale_based`` the convention divides by a free scale
    instead of ``M/N`` (PyTorch ``scale_factor``, OpenCV ``fx``, ONNX ``scales``).
    """
    if a <= 0:
        return
    for pb, pa in _PADS:
        big_n = n + pb + pa
        if convention == "box":
            # centre (edge units) box0 + (i + 1/2)·a  ->  x = box0 + a/2 - 1/2; crop 0, M = out
            box0 = b + pb - a / 2 + Fraction(1, 2)
            if box0 >= 0 and box0 + a * out <= big_n:
                yield AxisSolution(pb, pa, out, box0, 0)
            continue
        if scale_based:
            scale = 1 / a
            size = None
            m_len = int(big_n * scale)  # floor
        elif convention == "align_corners":
            m = _integer((big_n - 1) / a + 1)
            if m is None or m < 2:
                continue
            size, scale, m_len = m, None, m
        else:
            m = _integer(big_n / a)
            if m is None:
                continue
            size, scale, m_len = m, None, m
        if convention == "half_pixel":
            c = (b + Fraction(1, 2) + pb) / a - Fraction(1, 2)
        else:  # asymmetric, align_corners: x = a·(i + c) - pb
            c = (b + pb) / a
        ci = _integer(c)
        if ci is None or ci < 0 or ci + out > m_len:
            continue
        if (pb, pa, ci, m_len) == (0, 0, 0, out) and size == out:
            continue  # that is the plain call, tried already
        yield AxisSolution(pb, pa, size, scale, ci)


def _convention(call: Call) -> tuple[str, bool] | None:
    """The coordinate convention a template call would sample with, and whether it is scale-based."""
    if isinstance(call, TorchInterpolate):
        if call.mode == "area":
            return None
        if call.align_corners:
            return ("align_corners", False)
        if call.mode == "nearest":
            return ("asymmetric", call.scale_factor is not None)
        return ("half_pixel", call.scale_factor is not None)
    if isinstance(call, TFResize):
        return None if call.method == "area" else ("half_pixel", False)
    if isinstance(call, TF1Resize):
        if call.op == "resize_area":
            return None
        if call.align_corners:
            return ("align_corners", False)
        return ("half_pixel" if call.half_pixel_centers else "asymmetric", False)
    if isinstance(call, CVResize):
        if call.interpolation in ("INTER_AREA", "INTER_NEAREST_EXACT"):
            return None
        scale = call.dsize is None
        return ("asymmetric" if call.interpolation == "INTER_NEAREST" else "half_pixel", scale)
    if isinstance(call, PILResize):
        return ("box", False)
    if isinstance(call, (ONNXResize, EngineResize)):
        spec = call.spec() if isinstance(call, ONNXResize) else call.spec
        if spec.mode == "area" or spec.coordinate_transformation_mode not in ("half_pixel", "align_corners",
                                                                                "asymmetric"):
            return None
        return (spec.coordinate_transformation_mode, spec.scale is not None)
    return None


def _with(call: Call, sizes: tuple[int, int] | None, scales: tuple[Fraction, Fraction] | None,
          box: tuple[Fraction, Fraction] | None, padded: Dims, out: tuple[int, int]) -> Call | None:
    fl = None if scales is None else (float(scales[0]), float(scales[1]))
    if isinstance(call, TorchInterpolate):
        return replace(call, size=sizes, scale_factor=fl)
    if isinstance(call, (TFResize, TF1Resize)):
        return replace(call, size=sizes) if sizes else None
    if isinstance(call, CVResize):
        if sizes is not None:
            return replace(call, dsize=(sizes[1], sizes[0]), fx=0.0, fy=0.0)
        return replace(call, dsize=None, fx=fl[1], fy=fl[0])
    if isinstance(call, PILResize):
        b0h, b0w = box
        ah, aw = scales  # here: the box width per output sample
        return replace(call, size=(out[1], out[0]),
                       box=(float(b0w), float(b0h), float(b0w + aw * out[1]), float(b0h + ah * out[0])))
    if isinstance(call, ONNXResize):
        return replace(call, sizes=sizes, scales=fl)
    if isinstance(call, EngineResize):
        return replace(call, spec=call.spec.replace(size=sizes, scale=fl))
    return None


def compositions(templates: list[Call], dims: Dims, out: tuple[int, int], fits: tuple[Any, Any],
                 limit: int = 8) -> list[Composition]:
    """Compositions (pad, one of ``templates`` resized, crop) that sample where the source does.

    ``fits``: the source's :class:`AxisFit` of each axis.  At most ``limit`` results, fewest
    padded pixels first.
    """
    if fits[0] is None or fits[1] is None:
        return []
    rational = [f.rational(64 * max(dims.h, dims.w, *out)) for f in fits]
    if None in rational:
        return []
    found: list[Composition] = []
    seen = set()
    for template in templates:
        conv = _convention(template)
        if conv is None:
            continue
        convention, scale_based = conv
        sols = [list(solve_axis(convention, scale_based, n, o, a, b))
                for n, o, (a, b) in zip((dims.h, dims.w), out, rational)]
        if not sols[0] or not sols[1]:
            # one axis may need nothing: the plain call's own solution
            continue
        for sh in sols[0][:3]:
            for sw in sols[1][:3]:
                padded = dims.resized(dims.h + sh.pad_before + sh.pad_after, dims.w + sw.pad_before + sw.pad_after)
                if convention == "box":
                    inner = _with(template, None, (rational[0][0], rational[1][0]), (sh.scale, sw.scale), padded, out)
                elif scale_based:
                    inner = _with(template, None, (sh.scale, sw.scale), None, padded, out)
                else:
                    inner = _with(template, (sh.size, sw.size), None, None, padded, out)
                if inner is None:
                    continue
                comp = Composition(inner=inner, pad=(sh.pad_before, sh.pad_after, sw.pad_before, sw.pad_after),
                                   crop=(sh.crop, sw.crop), out=out, why=convention)
                if comp in seen:
                    continue
                seen.add(comp)
                found.append(comp)
    found.sort(key=lambda c: (sum(c.pad), sum(c.crop)))
    return found[:limit]
