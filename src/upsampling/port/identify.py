"""``identify``: which framework setting an unknown resize is.

Given a black box (``x -> y``), :func:`identify` reads its two per-axis matrices with impulses
(:func:`upsampling.port.operator.probe`), then compares them with every call every framework can
write for those sizes (:func:`upsampling.port.search.candidates`, PyTorch, TensorFlow, OpenCV,
Pillow, ONNX, the engine), exact matches first, then the closest by worst error.  Given one
input/output pair instead, each candidate is run on the input and compared with the output.

When nothing known matches, :class:`~upsampling.port.recover.Recovered` says what the operation
is, axis by axis (:mod:`upsampling.port.recover`): the kernel and where it samples, against the
known conventions -- e.g. "half_pixel, shifted by +0.25 px" -- so a runtime's bug can be recognised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling._options import options
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.port.calls import FLOAT_DTYPES, FRAMEWORKS, Call, Dims, FloatDtype, apply_call
from upsampling.port.compose import fit_axis
from upsampling.port.operator import Operator, check_bytes, probe
from upsampling.port.recover import AxisReport, Recovered, recover
from upsampling.port.search import candidates, compare, operator_of
from upsampling.spec import LAYOUTS, Layout

__all__ = ["AxisReport", "Match", "Matches", "Recovered", "identify"]  # AxisReport, Recovered: port.recover


@dataclass
class Match:
    """One known call that reproduces (or comes closest to) the unknown resize.

    call : the call as written in its framework (``cv2.resize(x, (31, 40), interpolation=cv2.INTER_LINEAR)``);
    framework : ``"pytorch"``, ``"tensorflow"``, ``"opencv"``, ``"pillow"``, ``"onnx"`` or ``"engine"``;
    exact : equal within float rounding; max_error : worst ``|difference|`` per unit of input range;
    layout : the layout of ``x``/``y`` in :attr:`code`; code : runnable statements (``y`` from ``x``);
    recovered : what was read off the unknown resize (the same object for every match).
    """

    call: str
    framework: str
    exact: bool
    max_error: float
    layout: str
    code: str
    recovered: Recovered

    def to_dict(self) -> dict[str, Any]:
        return {"call": self.call, "framework": self.framework, "exact": self.exact, "max_error": self.max_error,
                "layout": self.layout, "code": self.code}


class Matches(list):
    """The matches, best first, with :attr:`recovered` (what the unknown resize does)."""

    recovered: Recovered

    def to_dict(self) -> dict[str, Any]:
        return {"matches": [m.to_dict() for m in self], "recovered": self.recovered.text()}


# -- the candidates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Probe(Call):
    """Stands for the unknown resize when asking :func:`candidates` for calls: its family and scales."""

    nearest: bool = False
    scales: tuple[float, float] | None = None

    framework = "unknown"

    @property
    def family(self) -> str:
        return "nearest" if self.nearest else "smooth"

    def size_rule(self) -> tuple:
        return ("size",) if self.scales is None else ("scale", self.scales, "floor")

    def expression(self, x: str = "x") -> str:
        return "the unknown resize"

    def settings(self):
        return ()


def simplest_scale(n_in: int, n_out: int, slope: float | None) -> float | None:
    """The simplest scale factor ``s`` (smallest denominator up to 100) with ``floor(n_in·s) == n_out``
    whose sampling step ``1/s`` is within 0.1 % of the fitted ``slope`` (any, without one)."""
    for den in range(1, 101):
        lo, hi = math.ceil(n_out * den / n_in), math.ceil((n_out + 1) * den / n_in) - 1
        for num in range(lo, hi + 1):
            s = num / den
            if math.floor(n_in * s) != n_out:
                continue
            if slope is None or abs(1 / s - slope) <= 1e-3 * slope:
                return s
    return None


def _scales(op: Operator) -> tuple[float, float] | None:
    """The scale factors the unknown resize may have been given (from the fitted slopes)."""
    out = []
    for k in range(2):
        fit = fit_axis(op.axis(k))
        guess = simplest_scale(op.n_in[k], op.n_out[k], fit.a if fit is not None and fit.a > 0 else None)
        if guess is None:
            return None
        out.append(guess)
    return out[0], out[1]


def _all_candidates(op: Operator, dims: Dims, opset: int) -> list[Call]:
    nearest = bool(np.all((op.h != 0).sum(1) <= 1) and np.all((op.w != 0).sum(1) <= 1))
    scales = _scales(op)
    calls: list[Call] = []
    for fw in FRAMEWORKS:
        for stand_in in (_Probe(nearest=nearest), _Probe(nearest=nearest, scales=scales)):
            calls += [c for c in candidates(fw, stand_in, dims, op.n_out, opset)
                      if type(c).__name__ != "TwinResize" and c not in calls]
            if scales is None:
                break
    return calls


def identify(
    fn_or_pair: Callable[[np.ndarray], np.ndarray] | tuple[Any, Any],
    input_shape: Sequence[int] | None = None,
    layout: Layout = "NCHW",
    *,
    dtype: FloatDtype = "float32",
    top: int = 10,
    opset: int = 19,
) -> Matches:
    """The known framework calls that reproduce an unknown resize, best first.

    Parameters
    ----------
    fn_or_pair : a callable ``x -> y`` (the black box; it must accept float arrays of
        ``input_shape`` in ``layout`` and return the resized array in the same layout), or a pair
        ``(x, y)``: one input and the output it gave (e.g. two images read from files).
    input_shape : the input shape for a callable (ignored for a pair).
    layout : ``"NCHW"`` (default), ``"NHWC"``, ``"CHW"``, ``"HWC"`` or ``"HW"``.
    dtype : the float dtype of the probes fed to a callable.
    top : how many non-exact matches to keep after the exact ones.
    opset : ONNX opset of the ONNX candidates.

    Returns
    -------
    Matches : a list of :class:`Match`, exact ones first (each runnable in its own framework), then
    the closest by ``max_error``; ``.recovered`` describes the operation when nothing matches.

    Raises
    ------
    NotALinearResize
        The callable is not a separable linear resize (probing a callable only).
    ShapeError, InvalidArgumentError
        Bad shapes, layout or pair.
    """
    _checks.choice("layout", layout, tuple(LAYOUTS))
    _checks.choice("dtype", dtype, FLOAT_DTYPES)
    top = _checks.integer("top", top, minimum=0)
    opset = _checks.integer("opset", opset, minimum=7)
    if callable(fn_or_pair):
        if input_shape is None:
            raise InvalidArgumentError("input_shape", None, message="identify(fn) needs input_shape: the shape of x "
                                       "the function accepts")
        shape = tuple(_checks.positive_int("input_shape", v) for v in _checks.sequence("input_shape", input_shape))
        op = probe(fn_or_pair, shape, layout, np.dtype(dtype))
        dims = Dims.from_shape(shape, layout)
        return _match_operator(op, dims, opset, top)
    if not isinstance(fn_or_pair, (tuple, list)) or len(fn_or_pair) != 2:
        raise InvalidArgumentError("fn_or_pair", type(fn_or_pair).__name__,
                                   message="identify takes a callable or a pair (x, y)")
    x, y = (_checks.numeric_array("fn_or_pair", v) for v in fn_or_pair)
    rank, ah, aw = LAYOUTS[layout]
    if x.ndim != rank or y.ndim != rank:
        raise ShapeError("fn_or_pair", (x.shape, y.shape), f"two {rank}-D arrays in layout {layout!r}")
    if x.size == 0 or y.size == 0:
        raise ShapeError("fn_or_pair", (x.shape, y.shape), "two non-empty arrays")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InvalidArgumentError("fn_or_pair", "arrays with NaN or infinite values", "finite values")
    check_bytes(x.shape[ah], x.shape[aw], y.shape[ah], y.shape[aw], "crop the two images alike to a smaller region")
    return _match_pair(x, y, layout, opset, top)


def _match_operator(op: Operator, dims: Dims, opset: int, top: int) -> Matches:
    rec = recover(op)
    scored = []
    for c in _all_candidates(op, dims, opset):
        try:
            s = compare(op, c, operator_of(c, dims, "float32"))
        except Exception:  # noqa: BLE001 - a call the framework refuses for this size
            continue
        if s is not None:
            scored.append(s)
    exact = [s for s in scored if s.exact]
    rest = sorted((s for s in scored if not s.exact), key=lambda s: sum(s.axis_error))[: max(top * 2, top)]
    matches = Matches()
    exact = [s for s in exact if id(s.call) in {id(c) for c in _prune([s.call for s in exact])}]
    rest = [s for _, s in _prune_ordered([(s.worst_error(op), s) for s in rest], key=lambda s: s.call)][:top]
    for s in exact + rest:
        matches.append(Match(s.call.text(), s.call.framework, s.exact, float(s.worst_error(op)), s.call.layout(dims),
                             s.call.code(dims), rec))
    matches.recovered = rec
    return matches


_SIZE_ARGS = ("size", "sizes", "scale", "scales", "scale_factor", "fx", "fy")


def _arguments(call: Call) -> tuple[str, frozenset]:
    """The function and its keyword arguments other than the size or scale."""
    text = call.expression()
    pairs = re.findall(r"(\w+)=('[^']*'|\([^()]*\)|\[[^\]]*\]|[^,()]+)", text)
    args = frozenset(f"{k}={v.strip()}" for k, v in pairs if k not in _SIZE_ARGS)
    return call.framework + ":" + text.split("(")[0], args


def _prune(calls: list[Call]) -> list[Call]:
    """Exact matches worth listing: one per call form (a size and its scale spelling are one
    answer), and none that only adds arguments to a shorter exact match of the same function
    (``antialias=1`` when upscaling changes nothing)."""
    calls = sorted(calls, key=lambda c: (FRAMEWORKS.index(c.framework) if c.framework in FRAMEWORKS else 9,
                                         c.scale_based(), len(c.expression())))
    kept: list[tuple[str, frozenset, Call]] = []
    for c in calls:
        fn, args = _arguments(c)
        if any(fn == f and a <= args for f, a, _ in kept):
            continue
        kept.append((fn, args, c))
    return [c for _, _, c in kept]


def _prune_ordered(items: list, key=lambda c: c) -> list:
    """``(error, item)`` pairs by error, without the ones that only add arguments to a kept one."""
    kept, out = [], []
    for err, item in sorted(items, key=lambda r: r[0]):
        fn, args = _arguments(key(item))
        if any(fn == f and a <= args for f, a in kept):
            continue
        kept.append((fn, args))
        out.append((err, item))
    return out


def _match_pair(x: np.ndarray, y: np.ndarray, layout: str, opset: int, top: int) -> Matches:
    rank, ah, aw = LAYOUTS[layout]
    dims = Dims.from_shape(x.shape, layout)
    out = (y.shape[ah], y.shape[aw])
    other = [a for a in range(rank) if a not in (ah, aw)]
    if any(x.shape[a] != y.shape[a] for a in other):
        raise ShapeError("fn_or_pair", (x.shape, y.shape), "x and y with the same batch and channel axes")
    integer = y.dtype.kind in "iub"
    xf = x.astype(np.float32)
    span = float(xf.max() - xf.min()) or 1.0
    stand_ins = [_Probe(nearest=True), _Probe(nearest=False)]
    # a scale the output size allows: whole factors, or what the sizes give
    scales = tuple(float(o // n) if o % n == 0 else o / n for n, o in zip((dims.h, dims.w), out))
    stand_ins += [_Probe(nearest=True, scales=scales), _Probe(nearest=False, scales=scales)]
    calls: list[Call] = []
    for fw in FRAMEWORKS:
        for s in stand_ins:
            for c in candidates(fw, s, dims, out, opset):
                if type(c).__name__ != "TwinResize" and c not in calls:
                    calls.append(c)
    results = []
    yf = y.astype(np.float64)
    with options(kernel="numpy"):  # small images: no kernel compiles
        results = _run_all(calls, x, xf, y, yf, layout, integer)
    tol = 1.0 + 1e-6 if integer else 2e-5 * max(1.0, float(np.abs(yf).max(initial=0.0)))
    matches = _pair_matches(results, tol, span, dims, top)
    if results and not any(m.exact for m in matches):
        solved = _solve_pair(xf, yf, layout, operator_of(min(results, key=lambda r: r[0])[1], dims, "float32"))
        if solved is not None:
            rec = recover(solved)
            rec = Recovered(rec.height, rec.width, "solved from the pair (least squares, starting from the closest "
                            "known call); " + matches.recovered.note)
            for m in matches:
                m.recovered = rec
            matches.recovered = rec
    return matches


def _solve_pair(x: np.ndarray, y: np.ndarray, layout: str, start: Operator) -> Operator | None:
    """Solve ``y_c = A x_c Bᵀ`` for both axis matrices by alternating least squares (enough channels
    and columns make each step determined); tiny weights are then set to zero."""
    rank, ah, aw = LAYOUTS[layout]
    rest = [a for a in range(rank) if a not in (ah, aw)]
    xs = np.moveaxis(x, [ah, aw], [-2, -1]).reshape(-1, x.shape[ah], x.shape[aw])
    ys = np.moveaxis(y, [ah, aw], [-2, -1]).reshape(-1, y.shape[ah], y.shape[aw])
    del rest
    a, b = start.h.copy(), start.w.copy()
    yy_h = np.concatenate(list(ys), axis=1)  # (out_h, C*out_w)
    yy_w = np.concatenate([yc.T for yc in ys], axis=1)  # (out_w, C*out_h)
    for _ in range(40):
        z = np.concatenate([xc @ b.T for xc in xs], axis=1)  # (in_h, C*out_w)
        gram = z @ z.T
        if np.linalg.matrix_rank(gram) < gram.shape[0]:
            return None
        a = np.linalg.solve(gram, z @ yy_h.T).T
        z = np.concatenate([(a @ xc).T for xc in xs], axis=1)  # (in_w, C*out_h)
        gram = z @ z.T
        if np.linalg.matrix_rank(gram) < gram.shape[0]:
            return None
        b = np.linalg.solve(gram, z @ yy_w.T).T
        if float(np.abs(a @ xs[0] @ b.T - ys[0]).max()) < 1e-5 * max(1.0, float(np.abs(ys[0]).max())):
            break
    a = np.where(np.abs(a) < 0.01, 0.0, a)
    b = np.where(np.abs(b) < 0.01, 0.0, b)
    s = float(np.abs(a.sum(axis=1)).max(initial=0.0)) or 1.0
    a, b = a / s, b * s
    # for describing: rows that nearly sum to one (float32 data, rounding) are made to
    for m in (a, b):
        sums = m.sum(axis=1, keepdims=True)
        near = np.abs(sums - 1) < 1e-2
        m[:] = np.where(near, m / np.where(near, sums, 1.0), m)
        m[:] = np.round(m, 4)
    return Operator(a, b, None)


def _run_all(calls: list[Call], x, xf, y, yf, layout: str, integer: bool) -> list:
    results = []
    for c in calls:
        outputs = []
        if integer and x.dtype == y.dtype:
            try:  # the framework's own integer arithmetic, where its twin has it
                outputs.append(apply_call(c, x, layout))
            except Exception:  # noqa: BLE001 - no kernel for this dtype
                pass
        try:  # and the float result, rounded as an image writer rounds it
            yc = apply_call(c, xf, layout)
            if integer:
                info = np.iinfo(y.dtype)
                yc = np.clip(np.rint(yc.astype(np.float64)), info.min, info.max)
            outputs.append(yc)
        except Exception:  # noqa: BLE001 - a call its framework refuses for this input
            pass
        errs = [float(np.abs(o.astype(np.float64) - yf).max(initial=0.0)) for o in outputs if o.shape == y.shape]
        if errs:
            results.append((min(errs), c))
    return results


def _pair_matches(results: list, tol: float, span: float, dims: Dims, top: int) -> Matches:
    results.sort(key=lambda r: r[0])
    best_err = results[0][0] if results else math.inf
    rec = Recovered(None, None, "from one input/output pair: the closest known call differs by "
                    f"{best_err / span:.3g} per unit of input range" if best_err > tol else
                    "from one input/output pair")
    matches = Matches()
    exact = [r for r in results if r[0] <= tol]
    keep = {id(c) for c in _prune([c for _, c in exact])}
    exact = [r for r in exact if id(r[1]) in keep]
    rest = _prune_ordered([r for r in results if r[0] > tol])[:top]
    for err, c in exact + rest:
        matches.append(Match(c.text(), c.framework, err <= tol, err / span, c.layout(dims), c.code(dims), rec))
    matches.recovered = rec
    return matches


