"""Compositions a target framework can express when no single call equals the source:
replicate padding, one resize, and a crop that may keep every ``step``-th sample.

Every convention samples output ``i`` at ``x = a·i + b`` (``a``, ``b`` fixed by the sizes).
Padding the input by ``p`` pixels at the start, resizing with a target convention that samples
``x' = A·j + B`` and keeping outputs ``j = c, c + s, c + 2s, ...`` samples at
``x = A·(c + s·i) + B - p``: equal to the source's when ``A·s = a`` and ``A·c + B - p = b``.
:func:`solve_axis` looks for small paddings, integer steps ``s`` and crops ``c`` that make a
target convention land exactly on the source's ``(a, b)``, in exact rational arithmetic;
:func:`compositions` turns the solutions of both axes into :class:`Composition` calls, which
``translate`` then proves (or rejects) by comparing their matrices with the source's, like any
other candidate.  Edge replication reproduces the frameworks' clamping at the border, so
interpolating kernels keep their values there too.  ``upsampling audit --fix`` solves its
Pad + Resize + Slice rewrites with the same :func:`solve_axis` (:mod:`upsampling.port.rewrite`).

Examples (the issue's and two more):

* TF1 legacy bilinear samples at ``x = i·n/m``; ``align_corners=True`` on ``n + 1`` pixels (one
  replicated at the end) resized to ``m + 1`` samples at ``i·n/m`` too, and the last output is
  dropped.
* A non-antialiased downscale (OpenCV's ``INTER_LINEAR``, PyTorch's bilinear) in Pillow, which
  stretches its kernel whenever it shrinks: resize the box to ``s·(out - 1) + 1`` samples with
  ``s >= in/out`` (so Pillow does not shrink) and keep every ``s``-th.
* Half-pixel bilinear ×2 with ONNX ``Upsample`` (asymmetric only): pad one pixel at the start,
  ×4, keep every second sample from the fourth.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from upsampling.errors import DTypeError
from upsampling.port.calls import CVResize, EngineResize, ONNXResize, PILResize
from upsampling.port.calls import TF1Resize, TFResize, TorchInterpolate
from upsampling.port.calls.base import Call, Dims, Wrapper

__all__ = ["Composition", "compositions", "fit_axis", "solve_axis"]


@dataclass(frozen=True)
class Composition(Wrapper):
    """``pad`` (edge replication) -> ``inner`` -> keep ``out`` samples from ``crop`` on, every
    ``step``-th, per axis.

    pad : ``(before_h, after_h, before_w, after_w)``.
    crop : ``(start_h, start_w)``; step : ``(step_h, step_w)``; out : ``(out_h, out_w)``.
    """

    inner: Call = field(default_factory=lambda: TorchInterpolate(size=(1, 1)))
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)
    crop: tuple[int, int] = (0, 0)
    out: tuple[int, int] = (1, 1)
    why: str = ""
    step: tuple[int, int] = (1, 1)

    framework: ClassVar[str] = "composition"

    def layout(self, dims: Dims) -> str:
        return self.inner.layout(self._padded(dims))

    def _padded(self, dims: Dims) -> Dims:
        bh, ah, bw, aw = self.pad
        return dims.resized(dims.h + bh + ah, dims.w + bw + aw)

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.out

    def expression(self, x: str = "x") -> str:
        every = "" if self.step == (1, 1) else f", every {self._step_words()}"
        return f"{self.inner.expression(x)} on the input padded by {self.pad}, cropped at {self.crop}{every}"

    def _step_words(self) -> str:
        sh, sw = self.step
        if sh == sw:
            return f"{_nth(sh)} sample"
        return " and ".join(f"{_nth(s)} sample along {axis}" for s, axis in ((sh, "H"), (sw, "W")) if s != 1)

    def _slices(self) -> tuple[str, str]:
        """The H and W slices of the inner output, as Python text."""
        return tuple(f"{c}:{c + s * (o - 1) + 1}" + (f":{s}" if s != 1 else "")  # type: ignore[return-value]
                     for c, s, o in zip(self.crop, self.step, self.out))

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
        for axis, c, s, o in zip((ah, aw), self.crop, self.step, self.out):
            index[axis] = slice(c, c + s * (o - 1) + 1, s)
        return y[tuple(index)]

    def key(self) -> tuple:
        return ("composition", self.inner.key(), self.pad, self.crop, self.step)

    def size_rule(self) -> tuple:
        return ("size",)

    def code(self, dims: Dims) -> str:
        bh, ah, bw, aw = self.pad
        sl_h, sl_w = self._slices()
        inner = self.inner
        padded = self._padded(dims)
        if isinstance(inner, TorchInterpolate):
            lines = [f"x = F.pad(x, ({bw}, {aw}, {bh}, {ah}), mode='replicate')" if any(self.pad) else None,
                     f"y = {inner.expression('x')}[:, :, {sl_h}, {sl_w}]"]
        elif isinstance(inner, (TFResize, TF1Resize)):
            lines = []  # edge replication: gather clipped indices (tf.pad has no 'edge' mode)
            if bh or ah:
                lines.append(f"x = tf.gather(x, np.clip(np.arange({-bh}, x.shape[1] + {ah}), 0, x.shape[1] - 1), axis=1)")
            if bw or aw:
                lines.append(f"x = tf.gather(x, np.clip(np.arange({-bw}, x.shape[2] + {aw}), 0, x.shape[2] - 1), axis=2)")
            lines.append(f"y = {inner.expression('x')}[:, {sl_h}, {sl_w}, :]")
        elif isinstance(inner, (CVResize, PILResize)):
            batched = dims.batch > 1
            pad = f"(({bh}, {ah}), ({bw}, {aw}), (0, 0))" if not batched else f"((0, 0), ({bh}, {ah}), ({bw}, {aw}), (0, 0))"
            lines = [f"x = np.pad(x, {pad}, mode='edge')" if any(self.pad) else None]
            body = inner.code(padded).split("=", 1)[1].strip()
            lines.append(f"y = ({body})[{'..., ' if batched else ''}{sl_h}, {sl_w}, :]")
        elif isinstance(inner, EngineResize):
            lay = inner.spec.layout
            widths = ", ".join(f"({bh}, {ah})" if a == "H" else f"({bw}, {aw})" if a == "W" else "(0, 0)" for a in lay)
            idx = ", ".join(sl_h if a == "H" else sl_w if a == "W" else ":" for a in lay)
            lines = ["import upsampling", f"x = np.pad(x, ({widths},), mode='edge')" if any(self.pad) else None,
                     f"y = {inner.expression('x')}[{idx}]"]
        elif isinstance(inner, ONNXResize):
            lines = [f"x = np.pad(x, ((0, 0), (0, 0), ({bh}, {ah}), ({bw}, {aw})), mode='edge')  "
                     "# or an ONNX Pad node with mode='edge'" if any(self.pad) else None,
                     inner.code(padded), f"y = y[:, :, {sl_h}, {sl_w}]"]
        else:  # pragma: no cover - every target's calls are handled above
            raise DTypeError("inner", type(inner).__name__, "an engine, ONNX or framework resize call")
        return "\n".join(line for line in lines if line)


def _nth(k: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(k, f"{k}th")


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
    """How one axis is composed: pad, resize to ``length`` samples, keep ``crop``, ``crop + step``...

    ``size``: the inner output length for a size-based convention (None when scale-based);
    ``scale``: the inner scale for a scale-based one; ``box_start``: Pillow's box start (``box``);
    ``spacing``: the inner sample spacing ``A`` (input pixels per inner output).
    """

    pad_before: int
    pad_after: int
    size: int | None
    scale: Fraction | None
    crop: int
    step: int = 1
    length: int = 0
    spacing: Fraction = Fraction(1)
    box_start: Fraction | None = None

    @property
    def cost(self) -> tuple[int, int, int]:
        return (self.step, self.pad_before + self.pad_after, self.crop)


PADS = ((0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (2, 2), (1, 2), (2, 1))
STEPS = (1, 2, 3, 4)


def _integer(v: Fraction) -> int | None:
    return v.numerator if v.denominator == 1 else None


def solve_axis(convention: str, scale_based: bool, n: int, out: int, a: Fraction, b: Fraction, *,
               steps: Sequence[int] = STEPS, pads: Sequence[tuple[int, int]] = PADS,
               keep_plain: bool = False) -> Iterator[AxisSolution]:
    """Paddings, step, inner size (or scale) and crop that make ``convention`` sample at ``a·i + b``.

    ``convention``: ``half_pixel`` (``x' = (j + 1/2)·A - 1/2``), ``align_corners``
    (``A = (N-1)/(M-1)``, ``x' = j·A``), ``asymmetric`` (``x' = j·A``) or ``box`` (Pillow's
    ``box``: any start, ``x' = box0 + (j + 1/2)·A - 1/2``); ``A = N/M`` for a size-based call on
    the padded length ``N``, ``1/scale`` for a scale-based one (PyTorch ``scale_factor``, OpenCV
    ``fx``, ONNX ``scales``; the inner length is then ``floor(N·scale)``).  Solutions come
    cheapest first per step (fewest padded pixels); ``step`` 1 with no padding and no crop (the
    plain call) is left out unless ``keep_plain``.
    """
    if a <= 0 or out < 1:
        return
    for step in steps:
        if step > 1 and out == 1:
            continue
        spacing = a / step
        for pb, pa in pads:
            big_n = n + pb + pa
            solution = _solve_one(convention, scale_based, big_n, out, spacing, b + pb, step)
            if solution is None:
                continue
            crop, size, scale, length, box0 = solution
            if (pb, pa, crop, length, step) == (0, 0, 0, out, 1) and not keep_plain:
                continue  # that is the plain call, tried already
            yield AxisSolution(pb, pa, size, scale, crop, step, length, spacing, box0)


def _solve_one(convention: str, scale_based: bool, big_n: int, out: int, spacing: Fraction, offset: Fraction,
               step: int) -> tuple[int, int | None, Fraction | None, int, Fraction | None] | None:
    """``(crop, size, scale, inner length, box start)`` sampling the padded input at
    ``spacing·(crop + step·i) + B = offset + spacing·step·i`` (None when not integral)."""
    last = step * (out - 1) + 1  # inner samples needed after the crop
    if convention == "box":
        box0 = offset - spacing / 2 + Fraction(1, 2)
        if box0 < 0 or box0 + spacing * last > big_n:
            return None
        return 0, last, None, last, box0
    size: int | None
    scale: Fraction | None = None
    if scale_based:
        scale, size = 1 / spacing, None
        length = int(big_n * scale)  # floor
    elif convention == "align_corners":
        size = _integer((big_n - 1) / spacing + 1)
        if size is None or size < 2:
            return None
        length = size
    else:
        size = _integer(big_n / spacing)
        if size is None:
            return None
        length = size
    shift = Fraction(1, 2) - spacing / 2 if convention == "half_pixel" else Fraction(0)
    crop = _integer((offset + shift) / spacing)
    if crop is None or crop < 0 or crop + last > length:
        return None
    return crop, size, scale, length, None


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


def _with(call: Call, sh: AxisSolution, sw: AxisSolution) -> Call | None:
    """``call`` with the inner size, scale or box the two axis solutions ask for."""
    sizes = None if sh.size is None or sw.size is None else (sh.size, sw.size)
    scales = None if sh.scale is None or sw.scale is None else (float(sh.scale), float(sw.scale))
    if isinstance(call, PILResize):
        if sh.box_start is None or sw.box_start is None:
            return None
        (b0h, ah, mh), (b0w, aw, mw) = ((s.box_start, s.spacing, s.length) for s in (sh, sw))
        return replace(call, size=(mw, mh), box=(float(b0w), float(b0h), float(b0w + aw * mw), float(b0h + ah * mh)))
    if sizes is None and scales is None:
        return None
    if isinstance(call, TorchInterpolate):
        return replace(call, size=sizes, scale_factor=scales)
    if isinstance(call, (TFResize, TF1Resize)):
        return replace(call, size=sizes) if sizes else None
    if isinstance(call, CVResize):
        if sizes is not None:
            return replace(call, dsize=(sizes[1], sizes[0]), fx=0.0, fy=0.0)
        return replace(call, dsize=None, fx=scales[1], fy=scales[0])
    if isinstance(call, ONNXResize):
        return replace(call, sizes=sizes, scales=scales)
    if isinstance(call, EngineResize):
        return replace(call, spec=call.spec.replace(size=sizes, scale=scales))
    return None


def _plain(s: AxisSolution, n: int, out: int) -> bool:
    """The axis is the target call itself: no padding, crop, step, and (Pillow) the whole image as box."""
    whole = s.box_start is None or (s.box_start == 0 and s.spacing * s.length == n)
    return (s.pad_before, s.pad_after, s.crop, s.step, s.length) == (0, 0, 0, 1, out) and whole


def compositions(templates: list[Call], dims: Dims, out: tuple[int, int], fits: tuple[Any, Any],
                 per_template: int = 6, limit: int = 12) -> list[Composition]:
    """Compositions (pad, one of ``templates`` resized, crop, step) that sample where the source does.

    ``fits``: the source's :class:`AxisFit` of each axis; ``templates``: likeliest first.  Per
    template, the cheapest solution of each step on each axis (the plain call where it is right
    already), combined: the same step on both axes first (a downscale into a template that
    antialiases needs a step of at least in/out on both), then the smallest steps and fewest
    padded pixels; at most ``per_template`` of them, ``limit`` in all.
    """
    if fits[0] is None or fits[1] is None:
        return []
    rational = [f.rational(64 * max(dims.h, dims.w, *out)) for f in fits]
    if None in rational:
        return []
    found: list[Composition] = []
    for template in templates:
        conv = _convention(template)
        if conv is None:
            continue
        convention, scale_based = conv
        options = [_cheapest_per_step(solve_axis(convention, scale_based, n, o, a, b, keep_plain=True))
                   for n, o, (a, b) in zip((dims.h, dims.w), out, rational)]
        combos = sorted(itertools.product(*options),
                        key=lambda p: (p[0].step != p[1].step, max(p[0].step, p[1].step), p[0].cost, p[1].cost))
        kept = 0
        for sh, sw in combos:
            if kept == per_template or len(found) == limit:
                break
            if _plain(sh, dims.h, out[0]) and _plain(sw, dims.w, out[1]):
                continue
            inner = _with(template, sh, sw)
            if inner is None:
                continue
            comp = Composition(inner=inner, pad=(sh.pad_before, sh.pad_after, sw.pad_before, sw.pad_after),
                               crop=(sh.crop, sw.crop), out=out, why=convention, step=(sh.step, sw.step))
            if comp not in found:
                found.append(comp)
                kept += 1
    return found


def _cheapest_per_step(solutions: Iterator[AxisSolution]) -> list[AxisSolution]:
    best: dict[int, AxisSolution] = {}
    for s in solutions:
        if s.step not in best or s.cost < best[s.step].cost:
            best[s.step] = s
    return [best[k] for k in sorted(best)]
