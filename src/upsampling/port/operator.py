"""What a resize computes, read off the operation itself: its two per-axis matrices.

Every resize in every framework is linear and separable: output channel ``c`` is
``Y_c = A · X_c · Bᵀ (+ O)``, with ``A`` the ``(out_h, in_h)`` matrix of the height axis, ``B``
the ``(out_w, in_w)`` matrix of the width axis (the dense form of the two
:class:`~upsampling.plan.AxisPlan` the engine builds) and ``O`` a constant image (the
extrapolation value of ``tf_crop_and_resize``; zero otherwise).  :func:`probe` recovers
``A``, ``B`` and ``O`` from any callable -- a framework twin, or a black box handed to
:func:`upsampling.port.identify` -- by feeding it impulse patterns:

* the zero image gives ``O``; the all-ones image gives ``r_h · r_wᵀ`` (the row sums);
* a lattice of rows ``{k, k+Δ, k+2Δ, ...}`` (constant along the width) gives the sum of those
  columns of ``A``; each output row is credited to the lattice row whose image lands nearest,
  which is unambiguous when the columns' supports do not overlap (``Δ`` larger than the kernel's
  reach); the same with columns for ``B``;
* a random image checks the whole recovery: ``A X Bᵀ + O`` must equal the callable's output
  within float rounding.  When it does not, ``Δ`` doubles (up to one impulse per probe, which
  needs no crediting at all); when even that fails the callable is not a separable linear
  resize and :class:`NotALinearResize` says so.

So an operation costs ``2Δ + 3`` calls of the callable (``Δ`` about 6 for upscales), packed
into the batch and channel slots of the input shape, instead of one per input pixel.

Comparing two operations is comparing their matrices: :func:`worst_error` is the exact
largest ``|difference|`` any input with values in a unit range can produce (the supremum, not
a sample), computed tap by tap from the two separable forms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from upsampling.errors import NotALinearResize, OutputTooLargeError, ShapeError, UpsamplingError
from upsampling.spec import LAYOUTS

__all__ = ["NotALinearResize", "Operator", "axis_tolerance", "check_bytes", "probe", "worst_error"]

PROBE_BYTES = 256 * 2**20  # one probing call's input and output, at most (roughly)
MATRIX_BYTES = 2**30  # the two dense per-axis matrices of an operation, at most


def check_bytes(in_h: int, in_w: int, out_h: int, out_w: int,
                hint: str = "pass an input_shape (and size) with the same sizes ratio that is smaller, e.g. a tenth") -> None:
    """The dense per-axis matrices and one probe image must fit; say so before allocating them."""
    need = 8 * (out_h * in_h + out_w * in_w)
    image = 8 * (in_h * in_w + out_h * out_w)
    if need > MATRIX_BYTES or image > 8 * PROBE_BYTES:
        sizes = f"{_n(in_h)}x{_n(in_w)} to {_n(out_h)}x{_n(out_w)}"
        raise OutputTooLargeError(
            "input_shape", sizes,
            message=f"comparing resizes of {sizes} needs {_mib(need)} of per-axis matrices "
            f"and {_mib(image)} per probe image; {hint}",
        )


def _n(v: int) -> str:
    return str(v) if abs(v) < 10**9 else f"{float(v):.3g}"


def _mib(nbytes: int) -> str:
    return f"{nbytes // 2**20:,} MiB" if nbytes < 2**80 else "more than 2**80 bytes"


@dataclass(frozen=True, eq=False)
class Operator:
    """One resize as numbers: ``Y = h · X · wᵀ + offset`` for every 2-D channel ``X``.

    Attributes
    ----------
    h : ``(out_h, in_h)`` float64 matrix of the height axis.
    w : ``(out_w, in_w)`` float64 matrix of the width axis.
    offset : ``(out_h, out_w)`` constant added to every channel, or None when it is zero.

    The split between ``h`` and ``w`` is normalised so that the largest absolute row sum of
    ``h`` is 1 (it is 1 for every resize that preserves constants), which makes the per-axis
    matrices of two operations comparable.
    """

    h: np.ndarray
    w: np.ndarray
    offset: np.ndarray | None = None

    @property
    def n_in(self) -> tuple[int, int]:
        return self.h.shape[1], self.w.shape[1]

    @property
    def n_out(self) -> tuple[int, int]:
        return self.h.shape[0], self.w.shape[0]

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Apply to ``(..., in_h, in_w)`` in float64."""
        y = self.h @ np.asarray(x, dtype=np.float64) @ self.w.T
        return y if self.offset is None else y + self.offset

    def axis(self, k: int) -> np.ndarray:
        return self.h if k == 0 else self.w


def axis_tolerance(n_in: int, n_out: int) -> float:
    """The largest per-weight difference that float rounding of a coordinate explains.

    Frameworks compute the source coordinate in float32 (TensorFlow, PyTorch on float32
    input, ONNX Runtime) or float64; the coordinate is off by a few ulps of ``n_in``, the
    weights by about as much (the kernels' slopes are at most 1.5).  ``2**-22 * max(16, n)``
    covers that (observed: 4e-5 at n = 1000) and stays below what a real difference of
    convention gives (TensorFlow's 1/1024 cubic weight table: ~3e-4 to 2e-3).
    """
    return 2.0**-22 * max(16, n_in)


def _spatial_last(layout: str, ndim: int) -> tuple[int, int, list[int]]:
    if layout not in LAYOUTS:
        raise ShapeError("layout", layout, "one of " + ", ".join(LAYOUTS))
    rank, ah, aw = LAYOUTS[layout]
    if ndim != rank:
        raise ShapeError("input_shape", f"a {ndim}-D shape", f"a {rank}-D shape for layout {layout!r}")
    return ah, aw, [a for a in range(rank) if a not in (ah, aw)]


def _pack(patterns: list[np.ndarray], shape: tuple[int, ...], layout: str, dtype) -> np.ndarray:
    """Place 2-D patterns into the non-spatial slots of an array of ``shape`` (zeros elsewhere)."""
    ah, aw, rest = _spatial_last(layout, len(shape))
    slots = int(np.prod([shape[a] for a in rest], dtype=np.int64)) if rest else 1
    stack = np.zeros((slots, shape[ah], shape[aw]), dtype=dtype)
    for k, p in enumerate(patterns):
        stack[k] = p
    lead = [shape[a] for a in rest]
    arr = stack.reshape(lead + [shape[ah], shape[aw]])
    return np.moveaxis(arr, [len(rest), len(rest) + 1], [ah, aw])


def _unpack(y: np.ndarray, shape: tuple[int, ...], layout: str, count: int) -> np.ndarray:
    ah, aw, rest = _spatial_last(layout, len(shape))
    y = np.asarray(y)
    if y.ndim == len(shape) - 1 and layout in ("HWC",) and shape[2] == 1:
        y = y[:, :, None]  # cv2 drops a single channel
    if y.ndim != len(shape) or any(y.shape[a] != shape[a] for a in rest):
        raise NotALinearResize(
            "fn",
            f"output of shape {y.shape}",
            message=f"the callable returned shape {y.shape} for an input of shape {tuple(shape)} ({layout}); "
            "a resize keeps the batch and channel axes",
        )
    if y.size == 0 or not np.issubdtype(y.dtype, np.number) or np.iscomplexobj(y):
        raise NotALinearResize("fn", f"output of shape {y.shape} and dtype {y.dtype}",
                               message=f"the callable returned an {'empty' if y.size == 0 else y.dtype} array of shape "
                               f"{y.shape} for an input of shape {tuple(shape)} ({layout}): a resize returns real "
                               "numbers, at least one per axis")
    y = np.moveaxis(y, [ah, aw], [len(shape) - 2, len(shape) - 1])
    flat = y.reshape((-1, y.shape[-2], y.shape[-1]))
    return flat[:count]


def _run_patterns(
    run: Callable[[np.ndarray], np.ndarray], patterns: list[np.ndarray], shape: tuple[int, ...], layout: str, dtype
) -> list[np.ndarray]:
    ah, aw, rest = _spatial_last(layout, len(shape))
    slots = int(np.prod([shape[a] for a in rest], dtype=np.int64)) if rest else 1
    out: list[np.ndarray] = []
    for start in range(0, len(patterns), slots):
        chunk = patterns[start : start + slots]
        x = _pack(chunk, shape, layout, dtype)
        try:
            y = run(x)
        except UpsamplingError:
            raise
        except Exception as exc:  # the user's black box: say which input it failed on
            raise NotALinearResize(
                "fn", f"{type(exc).__name__}: {exc}",
                message=f"the callable raised {type(exc).__name__} ({' '.join(str(exc).split())[:200]}) on an input of "
                f"shape {tuple(shape)} ({layout}, {np.dtype(dtype).name}); identify feeds it arrays of that shape, "
                "layout and dtype",
            ) from exc
        out.extend(_unpack(y, shape, layout, len(chunk)))
    return out


def _credit(total: np.ndarray, members: np.ndarray, n_in: int, n_out: int) -> np.ndarray:
    """Split ``total`` (an output vector, the sum of the columns in ``members``) into columns:
    each output index goes to the member whose image centre ``(c + 0.5)·out/in - 0.5`` is nearest."""
    cols = np.zeros((n_out, members.size))
    if members.size == 0:
        return cols
    centre = (members + 0.5) * (n_out / n_in) - 0.5
    owner = np.abs(np.arange(n_out)[:, None] - centre[None, :]).argmin(axis=1)
    cols[np.arange(n_out), owner] = total
    return cols


def probe(
    run: Callable[[np.ndarray], np.ndarray],
    input_shape: Sequence[int],
    layout: str,
    dtype: type | np.dtype = np.float32,
    *,
    seed: int = 0,
) -> Operator:
    """Recover the per-axis matrices of a resize from the resize itself.

    Parameters
    ----------
    run : the resize, ``x -> y``: takes an array of ``input_shape`` and ``dtype`` in ``layout``
        and returns the resized array in the same layout (a ``(H, W, 1)`` input may come back
        ``(h, w)``, as cv2 returns it).
    input_shape : the input's shape, e.g. ``(1, 3, 33, 47)``.
    layout : ``"HW"``, ``"HWC"``, ``"CHW"``, ``"NHWC"`` or ``"NCHW"``.
    dtype : the input's float dtype (the frameworks' coordinate arithmetic may depend on it).
    seed : of the random image that checks the result.

    Returns
    -------
    Operator, with ``h`` normalised so that its largest absolute row sum is 1.

    Raises
    ------
    NotALinearResize
        The callable changes the batch/channel axes, or its output is not ``A X Bᵀ + O``
        within float rounding even with one impulse per probe (not linear, not separable, or
        not the same operation in every channel).
    """
    shape = tuple(int(v) for v in input_shape)
    ah, aw, _ = _spatial_last(layout, len(shape))
    n_h, n_w = shape[ah], shape[aw]
    if 8 * int(np.prod(shape, dtype=object)) > PROBE_BYTES:
        raise OutputTooLargeError("input_shape", shape, message=f"probing a resize of input shape {shape} needs "
                                  f"{_mib(8 * int(np.prod(shape, dtype=object)))} per probe (at most "
                                  f"{_mib(PROBE_BYTES)}); pass a smaller batch or image (the operation is read per axis)")
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    check = rng.standard_normal((n_h, n_w))
    base = _run_patterns(run, [np.zeros((n_h, n_w)), np.ones((n_h, n_w)), check], shape, layout, dtype)
    offset, ones, y_check = (np.asarray(b, dtype=np.float64) for b in base)
    out_h, out_w = offset.shape
    check_bytes(n_h, n_w, out_h, out_w)
    ones = ones - offset
    flat = int(np.abs(ones).argmax())
    i0, j0 = divmod(flat, out_w)
    pivot = ones[i0, j0]
    if pivot == 0:
        raise NotALinearResize("fn", "an all-zero response", message="the callable maps a constant image to zero "
                               "(or to a constant): there is no resize to recover")
    eps = float(np.finfo(dtype).eps) if dtype.kind == "f" else 2.0**-23
    spacing = [
        min(n, 2 + math.ceil(6 * max(1.0, n / o))) for n, o in ((n_h, out_h), (n_w, out_w))
    ]
    while True:
        patterns = []
        for k in range(spacing[0]):
            rows = np.zeros((n_h, 1))
            rows[k :: spacing[0]] = 1
            patterns.append(np.broadcast_to(rows, (n_h, n_w)))
        for k in range(spacing[1]):
            cols = np.zeros((1, n_w))
            cols[:, k :: spacing[1]] = 1
            patterns.append(np.broadcast_to(cols, (n_h, n_w)))
        ys = _run_patterns(run, patterns, shape, layout, dtype)
        h = np.zeros((out_h, n_h))
        w = np.zeros((out_w, n_w))
        for k in range(spacing[0]):
            members = np.arange(k, n_h, spacing[0])
            column = ys[k][:, j0].astype(np.float64) - offset[:, j0]
            h[:, members] = _credit(column / pivot, members, n_h, out_h)
        for k in range(spacing[1]):
            members = np.arange(k, n_w, spacing[1])
            row = ys[spacing[0] + k][i0, :].astype(np.float64) - offset[i0, :]
            w[:, members] = _credit(row, members, n_w, out_w)
        op = _normalised(h, w, offset)
        predicted = op.apply(check)
        norm = np.abs(op.h).sum(1).max() * np.abs(op.w).sum(1).max() * np.abs(check).max()
        tol = 64 * eps * (norm + np.abs(offset).max(initial=0.0)) + 1e-300
        err = float(np.abs(predicted - y_check).max(initial=0.0))
        if err <= tol:
            return op
        if spacing == [n_h, n_w]:
            raise NotALinearResize(
                "fn",
                "a non-separable or non-linear response",
                message=f"the callable is not a separable linear resize: with one impulse per probe its output on a "
                f"random image differs from A·X·Bᵀ by {err:.3g} (float rounding allows {tol:.3g})",
            )
        spacing = [min(n, 2 * s) for n, s in zip((n_h, n_w), spacing)]


def _normalised(h: np.ndarray, w: np.ndarray, offset: np.ndarray) -> Operator:
    s = float(np.abs(h.sum(axis=1)).max(initial=0.0))
    if s > 0:
        h, w = h / s, w * s
    return Operator(h, w, offset if np.any(offset) else None)


def _support(m: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the union of the nonzero columns of ``m`` and ``other``, padded: (index, m vals, other vals)."""
    mask = (m != 0) | (other != 0)
    width = max(1, int(mask.sum(axis=1).max(initial=0)))
    idx = np.zeros((m.shape[0], width), dtype=np.intp)
    valid = np.zeros((m.shape[0], width), dtype=bool)
    for r in range(m.shape[0]):
        cols = np.flatnonzero(mask[r])
        idx[r, : cols.size] = cols
        valid[r, : cols.size] = True
    rows = np.arange(m.shape[0])[:, None]
    return idx, np.where(valid, m[rows, idx], 0.0), np.where(valid, other[rows, idx], 0.0)


def worst_error(a: Operator, b: Operator) -> float:
    """``max |a(x) - b(x)|`` over every input ``x`` with values in ``[0, 1]``.

    Exact (the supremum, not a sample): for each output pixel the difference is a linear
    form ``d·x + Δoffset``, whose extremes over the unit cube are ``Δoffset + Σ d⁺`` and
    ``Δoffset - Σ d⁻``.  Both operations must have the same input and output sizes.
    """
    if a.n_in != b.n_in or a.n_out != b.n_out:
        raise ShapeError("operator", f"{a.n_in}->{a.n_out}", f"the same sizes as {b.n_in}->{b.n_out}")
    _, ah1, ah2 = _support(a.h, b.h)
    _, aw1, aw2 = _support(a.w, b.w)
    off = np.zeros(a.n_out)
    if a.offset is not None:
        off = off + a.offset
    if b.offset is not None:
        off = off - b.offset
    out_h, out_w = a.n_out
    s, t = ah1.shape[1], aw1.shape[1]
    chunk = max(1, int(4_000_000 // max(1, out_w * s * t)))
    worst = 0.0
    for start in range(0, out_h, chunk):
        sl = slice(start, start + chunk)
        d = ah1[sl, None, :, None] * aw1[None, :, None, :] - ah2[sl, None, :, None] * aw2[None, :, None, :]
        pos = np.clip(d, 0, None).sum(axis=(2, 3))
        neg = np.clip(-d, 0, None).sum(axis=(2, 3))
        o = off[sl]
        worst = max(worst, float(np.maximum(np.abs(o + pos), np.abs(o - neg)).max(initial=0.0)))
    return worst
