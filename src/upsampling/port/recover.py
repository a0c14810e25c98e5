"""What an unknown resize does, read off its per-axis matrices (:func:`recover`), for
:func:`upsampling.port.identify` to say when no known call matches -- e.g. "half_pixel shifted by
+0.25 px" -- so that a runtime's bug can be recognised.

Per axis: the kernel from the tap profile (one tap of weight 1 is nearest, with its rounding rule;
two non-negative taps linear; four with negative lobes Keys cubic, ``a`` fitted by least squares
and the border rule told apart: edge replicated or out-of-image taps renormalised; wider kernels a
triangle or a box stretched over in/out input pixels -- antialias, area -- or Lanczos-like with
negative lobes) and where it samples, ``x = a·i + b``, against the known conventions (each one
tried, shifted by the offset the rows' centre of mass suggests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from upsampling.filters import cubic
from upsampling.port.compose import AxisFit, fit_axis
from upsampling.port.operator import Operator

__all__ = ["AxisReport", "Recovered", "recover"]


@dataclass(frozen=True)
class AxisReport:
    """What one axis does, read from its matrix."""

    axis: str
    n_in: int
    n_out: int
    kernel: str
    a: float | None
    b: float | None
    convention: str | None
    shift: float | None

    def text(self) -> str:
        where = ""
        if self.a is not None and self.b is not None:
            where = f", samples x = {self.a:.6g}·i {'+' if self.b >= 0 else '-'} {abs(self.b):.6g}"
            if self.convention is not None:
                where += f" = {self.convention}" + (f" shifted by {self.shift:+.4g} px" if self.shift else "")
        return f"{self.axis}: {self.n_in} -> {self.n_out}, {self.kernel}{where}"


@dataclass(frozen=True)
class Recovered:
    """What the unknown resize computes, per axis (:meth:`text` for people)."""

    height: AxisReport | None
    width: AxisReport | None
    note: str = ""

    def text(self) -> str:
        lines = [r.text() for r in (self.height, self.width) if r is not None]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()



def _taps(m: np.ndarray) -> int:
    return int((m != 0).sum(axis=1).max(initial=0))


def _keys_fit(m: np.ndarray, a_line: float, b_line: float) -> tuple[float, float, bool | None] | None:
    """Keys' ``a`` for the rows of ``m`` sampled at ``x_i = a_line·i + b_line`` (the kernel is linear
    in ``a``: least squares on the interior rows), the largest misfit, and whether the border rows
    drop out-of-image taps and renormalise (``exclude_outside``: True) or replicate the edge (False)."""
    n_out, n_in = m.shape
    rows_a, rows_b, border = [], [], []
    for i in range(n_out):
        x = a_line * i + b_line
        taps = np.arange(math.floor(x) - 1, math.floor(x) + 3)
        t = taps - x
        w0, w1 = cubic(t, 0.0), cubic(t, 1.0)
        if taps[0] < 0 or taps[-1] >= n_in:
            border.append((i, taps, w0, w1))
            continue
        rows_a.append(w1 - w0)
        rows_b.append(m[i, taps] - w0)
    if not rows_a:
        return None
    da, db = np.concatenate(rows_a), np.concatenate(rows_b)
    if float(da @ da) == 0:
        return None
    a = float(da @ db) / float(da @ da)
    misfit = float(np.abs(db - a * da).max())
    exclude = None
    if border:
        errs = [0.0, 0.0]  # replicate, renormalise
        for i, taps, w0, w1 in border:
            w = w0 + a * (w1 - w0)
            inside = (taps >= 0) & (taps < n_in)
            rep = np.zeros(n_in)
            np.add.at(rep, np.clip(taps, 0, n_in - 1), w)
            ren = np.zeros(n_in)
            ren[taps[inside]] = w[inside] / w[inside].sum()
            errs[0] = max(errs[0], float(np.abs(rep - m[i]).max()))
            errs[1] = max(errs[1], float(np.abs(ren - m[i]).max()))
        exclude = errs[1] < errs[0]
    return a, misfit, exclude


def _known_lines(n_in: int, n_out: int) -> dict[str, tuple[float, float]]:
    s = n_in / n_out
    return {"half_pixel": (s, s / 2 - 0.5), "asymmetric": (s, 0.0),
            "align_corners": ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0, 0.0)}


def _cubic_report(name: str, m: np.ndarray) -> AxisReport:
    """A four-tap kernel with negative lobes: Keys cubic, its ``a``, where it samples (each known
    convention, shifted or not, tried: the centre of mass is biased unless ``a = -0.5``) and its
    border rule."""
    n_out, n_in = m.shape
    fit = fit_axis(m)
    tries = []
    for conv, a_line, b_line, shift in _line_tries(m, fit):
        found = _keys_fit(m, a_line, b_line)
        if found is not None:
            tries.append((found[1], conv, shift, a_line, b_line, found))
    if not tries:
        return AxisReport(name, n_in, n_out, f"a kernel with negative lobes, up to {_taps(m)} taps",
                          None, None, None, None)
    misfit, conv, shift, a_line, b_line, (a, _, exclude) = min(tries, key=lambda r: r[0])
    border = "" if exclude is None else \
        ", out-of-image taps dropped and renormalised (exclude_outside)" if exclude else ", edge replicated"
    if misfit > 1e-4:  # no known line fits: the centre of mass, approximately
        kernel = (f"cubic (Keys a≈{a:.3g}, weights off a Keys kernel by {misfit:.2g}: a table or "
                  "another kernel)")
        return _with_fit(name, m, fit, kernel + border)
    return AxisReport(name, n_in, n_out, f"cubic (Keys a={a:.4g}){border}", a_line, b_line, conv, shift)


def _line_tries(m: np.ndarray, fit: AxisFit | None) -> list[tuple[str, float, float, float]]:
    """``(convention, slope, offset, shift)`` to try: each known line, and shifted by the fitted
    centre of mass's offset (rounded to 1/64 px) where the slopes agree -- a runtime's shift."""
    n_out, n_in = m.shape
    out = []
    for conv, (ka, kb) in _known_lines(n_in, n_out).items():
        shifts = {0.0}
        if fit is not None and abs(fit.a - ka) <= 1e-3 * max(1.0, ka):
            shifts.add(round((fit.b - kb) * 64) / 64)
        out += [(conv, ka, kb + s, s) for s in sorted(shifts, key=abs)]
    if fit is not None and fit.a > 0:  # no known slope: the fitted line itself, as simple fractions
        limit = 64 * max(n_in, n_out)
        a, b = (float(Fraction(v).limit_denominator(limit)) for v in (fit.a, fit.b))
        out.append(("", a, b, 0.0))
    return out


def _window_report(name: str, m: np.ndarray, fit: AxisFit | None) -> AxisReport:
    """A kernel wider than four taps: Lanczos-like (negative lobes), or a triangle or a box stretched
    over in/out input pixels (antialiased bilinear, area), from the interior rows' profile about
    each known sample line."""
    n_out, n_in = m.shape
    s = n_in / n_out
    taps = _taps(m)
    if (m < -1e-7).any():
        stretch = ", stretched by in/out (antialias)" if s > 1 else ""
        radius = taps / (2 * max(1.0, s))
        words = f"a window with negative lobes over {taps} taps: Lanczos-like, radius ≈ {radius:.2g}"
        return _with_fit(name, m, fit, words + stretch)
    k = np.arange(n_in)
    best = None
    for conv, a_line, b_line, shift in _line_tries(m, fit):
        worst = {"triangle": 0.0, "box": 0.0}
        for i in range(n_out):
            nz = np.flatnonzero(m[i])
            if nz.size == 0 or nz[0] == 0 or nz[-1] == n_in - 1:
                continue
            c = a_line * i + b_line
            tri = np.clip(1 - np.abs(k - c) / max(1.0, a_line), 0, None)
            box = np.clip(np.minimum(k + 0.5, c + a_line / 2) - np.maximum(k - 0.5, c - a_line / 2), 0, None)
            for kind, w in (("triangle", tri), ("box", box)):
                err = float(np.abs(w / w.sum() - m[i]).max()) if w.sum() > 0 else 1.0
                worst[kind] = max(worst[kind], err)
        for kind, err in worst.items():
            if best is None or err < best[0]:
                best = (err, kind, conv, a_line, b_line, shift)
    if best is None or best[0] > 1e-4:
        return _with_fit(name, m, fit, f"a window of up to {taps} taps")
    _, kind, conv, a_line, b_line, shift = best
    words = f"a triangle (bilinear) stretched over {a_line:.4g} input pixels (antialias)" if kind == "triangle" \
        else f"a box of {a_line:.4g} input pixels (area)"
    if not conv:
        conv, shift = _convention(n_in, n_out, a_line, b_line)
    return AxisReport(name, n_in, n_out, words, a_line, b_line, conv, shift)


def _with_fit(name: str, m: np.ndarray, fit: AxisFit | None, kernel: str) -> AxisReport:
    """``kernel`` with where the rows' centres of mass lie (exact for linear, approximate otherwise)."""
    n_out, n_in = m.shape
    if fit is None or fit.residual > 1e-3:
        return AxisReport(name, n_in, n_out, kernel, None, None, None, None)
    conv, shift = _convention(n_in, n_out, fit.a, fit.b)
    return AxisReport(name, n_in, n_out, kernel, fit.a, fit.b, conv, shift)


def _convention(n_in: int, n_out: int, a: float, b: float) -> tuple[str | None, float | None]:
    """The known convention with the same slope, and the shift from it (in input pixels)."""
    known = {
        "half_pixel": (n_in / n_out, n_in / n_out / 2 - 0.5),
        "asymmetric": (n_in / n_out, 0.0),
        "align_corners": ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0, 0.0),
    }
    best = None
    for name, (ka, kb) in known.items():
        if abs(ka - a) <= 1e-4 * max(1.0, abs(ka)):
            shift = b - kb
            if best is None or abs(shift) < abs(best[1]):
                best = (name, 0.0 if abs(shift) < 1e-4 else round(shift, 4))
    if best is None:
        s = Fraction(1 / a).limit_denominator(1000) if a > 0 else None
        if s is not None and abs(float(1 / s) - a) < 1e-6:
            kb = a / 2 - 0.5
            return f"half-pixel sampling with scale {float(s):g}", round(b - kb, 4) if abs(b - kb) > 1e-4 else 0.0
        return None, None
    return best


def _axis_report(name: str, m: np.ndarray) -> AxisReport:
    n_out, n_in = m.shape
    nz = (m != 0).sum(axis=1)
    nearest = bool(nz.size and nz.max() <= 1 and np.allclose(m.sum(axis=1)[nz > 0], 1))
    if nearest:
        idx = np.argmax(m != 0, axis=1).astype(float)
        i = np.arange(n_out)
        for conv, x in (("half_pixel", (i + 0.5) * n_in / n_out - 0.5), ("asymmetric", i * n_in / n_out),
                        ("align_corners", i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0))):
            for rule, f in (("floor", np.floor), ("rounded halves up", lambda v: np.floor(v + 0.5)),
                            ("rounded halves down", lambda v: np.ceil(v - 0.5)), ("ceil", np.ceil)):
                if np.array_equal(np.clip(f(x), 0, n_in - 1), idx):
                    return AxisReport(name, n_in, n_out, f"nearest ({rule})", None, None, conv, 0.0)
        return AxisReport(name, n_in, n_out, "nearest (an index rule of none of the known conventions)", None, None,
                          None, None)
    negative = bool((m < -1e-7).any())
    if negative and _taps(m) <= 4:
        return _cubic_report(name, m)
    fit = fit_axis(m)
    if not negative and _taps(m) <= 2:
        return _with_fit(name, m, fit, "linear")
    return _window_report(name, m, fit)


def recover(op: Operator) -> Recovered:
    """Describe an operator axis by axis."""
    note = "" if op.offset is None else "a constant is added where samples fall outside (extrapolation_value)"
    return Recovered(_axis_report("height", op.h), _axis_report("width", op.w), note)
