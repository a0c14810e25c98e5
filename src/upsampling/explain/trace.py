"""Traces: every intermediate the explainer shows, computed by the engines.

Nothing here re-implements the arithmetic.  Where the explainer shows a number the engines
do not return directly (a weight, the stretch of one stamp), it is obtained by running the
engine on a probe: linear operations are asked for their response to a one-hot input, which
*is* the weight the engine uses.

* :func:`transpose_trace` -- :func:`upsampling.reference.conv_transpose_textbook.conv_transpose_textbook`
  (zero insertion, padding, rotated kernel), the scatter reference
  (:mod:`upsampling.reference.conv_transpose_scatter`), :func:`upsampling.conv2d_transpose`
  and :mod:`upsampling.shapes`;
* :func:`shapes_trace` -- :mod:`upsampling.shapes`;
* :func:`overlap_trace` -- :func:`upsampling.conv_transpose.conv_transpose` on ones;
* :func:`bilinear_trace` and :func:`grid_trace` live in :mod:`upsampling.explain.sampling_trace`
  (re-exported here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from upsampling import shapes
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.explain.sampling_trace import (  # noqa: F401 - re-exported
    BilinearTrace,
    GridTrace,
    SettingRow,
    bilinear_field,
    bilinear_trace,
    grid_trace,
)

__all__ = [
    "BilinearTrace",
    "GridTrace",
    "OverlapTrace",
    "ShapesTrace",
    "TransposeTrace",
    "bilinear_trace",
    "grid_trace",
    "overlap_trace",
    "shapes_trace",
    "transpose_trace",
]

# Teaching-size limits for `explain` (the library functions take any size).
LIMITS = {
    "input": 8,  # rows/cols of the transposed-convolution input
    "kernel": 7,  # rows/cols of its kernel
    "stride": 8,
    "dilation": 4,
    "output": 24,  # rows/cols of the transposed-convolution output
    "symbolic_kernel": 25,  # kernel entries that get a letter a..y
    "overlap_kernel": 16,
    "overlap_stride": 16,
    "overlap_input": 16,
    "overlap_output": 64,  # positions of the full 1-D output
    "grid": 32,
    "shapes": 1_000_000,
}
TOO_LARGE = " for explain (a teaching tool; the library functions take any size)"


# ---------------------------------------------------------------------------------------------
# transposed convolution


@dataclass(frozen=True)
class AxisSize:
    """How one axis's output size comes out of ``(H - 1)·S - (P_before + P_after) + K_eff``."""

    n: int
    stride: int
    kernel: int
    dilation: int
    k_eff: int
    crop: tuple[int, int]  # what the forward padding cuts off the full output, per side
    full: int  # (n-1)·s + k_eff, before cropping
    out: int  # from upsampling.shapes.conv_transpose_output_size
    valid_sizes: tuple[int, ...]  # every output size TensorFlow accepts for this axis
    zero_inserted: int  # (n-1)·s + 1


@dataclass(frozen=True)
class Stamp:
    """One input element's contribution in the scatter view."""

    index: tuple[int, int]
    value: float
    rows: tuple[int, int]  # inclusive range of canvas rows the stamp covers
    cols: tuple[int, int]
    canvas: np.ndarray  # the stamp on the full canvas (value · kernel, placed)


@dataclass(frozen=True)
class TransposeTrace:
    input: np.ndarray
    kernel: np.ndarray
    kernel_given: bool
    stride: int
    dilation: int
    padding: Any  # "SAME", "VALID" or (before, after) -- the forward convolution's, as TF takes it
    steps: Any  # upsampling.reference.conv_transpose_textbook.TextbookSteps
    axes: tuple[AxisSize, AxisSize]
    canvas: np.ndarray  # the full scatter canvas (sum of the stamps)
    stamps: tuple[Stamp, ...]
    scatter_output: np.ndarray
    engine_output: np.ndarray
    engine_name: str
    roles: dict[str, np.ndarray] = field(default_factory=dict)  # per-cell roles for colouring

    @property
    def output(self) -> np.ndarray:
        return self.steps.output


def _per_axis_padding(padding: Any) -> Any:
    return padding if isinstance(padding, str) else [tuple(padding), tuple(padding)]


def _tf_padding(padding: Any) -> Any:
    if isinstance(padding, str):
        return padding
    b, a = padding
    return [[0, 0], [b, a], [b, a], [0, 0]]


def transpose_sizes(
    shape: tuple[int, int],
    kernel_shape: tuple[int, int],
    stride: int,
    padding: Any,
    dilation: int,
    output_size: tuple[int, int] | None,
) -> tuple[AxisSize, AxisSize]:
    """Each axis's size arithmetic, from :mod:`upsampling.shapes`; validates ``output_size``."""
    axes = []
    for a, (n, k) in enumerate(zip(shape, kernel_shape)):
        k_eff = shapes.effective_kernel_size(k, dilation)
        valid = shapes.valid_conv_transpose_output_sizes(n, k, stride, padding, dilation)
        if not len(valid):
            raise InvalidArgumentError(
                "padding",
                _pad_text(padding),
                f"padding that leaves at least one output element (the padding crops all of the "
                f"{shapes.full_conv_transpose_size(n, k, stride, dilation)} elements)",
            )
        if output_size is None:
            if padding == "SAME" or padding == "VALID":
                out = shapes.conv_transpose_output_size(n, k, stride, padding, dilation)
            else:
                out = shapes.conv_transpose_output_size(n, k, stride, tuple(padding), dilation)
        else:
            out = output_size[a]
            if out not in valid:
                raise ShapeError(
                    "output_size",
                    out,
                    f"{shapes.describe_sizes(valid)} along {'rows' if a == 0 else 'columns'} (the sizes the forward "
                    f"convolution maps back to {n})",
                )
        crop = shapes.conv_transpose_crop(n, out, k, stride, padding, dilation)
        axes.append(
            AxisSize(
                n=n,
                stride=stride,
                kernel=k,
                dilation=dilation,
                k_eff=k_eff,
                crop=crop,
                full=shapes.full_conv_transpose_size(n, k, stride, dilation),
                out=out,
                valid_sizes=tuple(valid),
                zero_inserted=0,  # filled from the textbook steps below
            )
        )
    return axes[0], axes[1]


def default_kernel(kh: int, kw: int) -> np.ndarray:
    """1, 2, ..., kh·kw row by row: every tap distinguishable, so the 180° rotation shows."""
    return np.arange(1.0, kh * kw + 1).reshape(kh, kw)


def transpose_trace(
    x: np.ndarray,
    kernel: np.ndarray | None,
    kernel_size: int | None,
    stride: int,
    padding: Any,
    dilation: int = 1,
    output_size: tuple[int, int] | None = None,
) -> TransposeTrace:
    """Run the textbook steps, the scatter reference and the engine on one single-channel case.

    ``padding`` is the forward convolution's (TensorFlow's meaning): ``"SAME"``, ``"VALID"`` or
    a ``(before, after)`` pair applied to both axes.  Sizes beyond :data:`LIMITS` are refused
    with :class:`~upsampling.errors.ShapeError` naming the parameter (``x``, ``kernel``,
    ``kernel_size``), as are a kernel whose shape is not ``kernel_size`` and an impossible ``output_size``.
    """
    from upsampling import conv2d_transpose
    from upsampling.conv_transpose import conv_transpose
    from upsampling.reference.conv_transpose_scatter import conv_transpose_scatter, stamp_canvas
    from upsampling.reference.conv_transpose_textbook import conv_transpose_textbook

    if kernel is None:
        k = kernel_size or 3
        kernel = default_kernel(k, k)
        given = False
    else:
        given = True
        if kernel_size is not None and kernel.shape != (kernel_size, kernel_size):
            raise ShapeError(
                "kernel",
                f"{kernel.shape[0]}x{kernel.shape[1]}",
                f"a {kernel_size}x{kernel_size} matrix (the kernel size given)",
            )
    if max(kernel.shape) > LIMITS["kernel"]:
        raise ShapeError(
            "kernel_size" if not given else "kernel",
            f"{kernel.shape[0]}x{kernel.shape[1]}",
            f"a kernel of at most {LIMITS['kernel']}x{LIMITS['kernel']}{TOO_LARGE}",
        )
    axes = transpose_sizes(x.shape, kernel.shape, stride, padding, dilation, output_size)
    if max(a.out for a in axes) > LIMITS["output"] or max(a.full for a in axes) > LIMITS["output"] + 8:
        raise ShapeError(
            "x",
            f"{x.shape[0]}x{x.shape[1]} with stride {stride}",
            f"an output of at most {LIMITS['output']}x{LIMITS['output']}{TOO_LARGE}; this one is "
            f"{axes[0].out}x{axes[1].out}",
        )
    out = (axes[0].out, axes[1].out)

    steps = conv_transpose_textbook(
        x, kernel, strides=stride, padding=_per_axis_padding(padding), output_size=out, dilations=dilation
    )
    axes = tuple(
        AxisSize(**{**a.__dict__, "zero_inserted": steps.zero_inserted.shape[i]}) for i, a in enumerate(axes)
    )

    # The scatter view: every input element stamps value · kernel onto the full canvas.
    x4 = x[None, None]
    w4 = kernel[None, None]
    s2, d2 = (stride, stride), (dilation, dilation)
    canvas = stamp_canvas(x4, w4, s2, d2)[0, 0]
    reach = np.ones_like(kernel)
    stamps = []
    for i, j in np.ndindex(*x.shape):
        one = np.zeros_like(x)
        one[i, j] = 1.0
        where = np.nonzero(stamp_canvas(one[None, None], reach[None, None], s2, d2)[0, 0])
        stamps.append(
            Stamp(
                index=(i, j),
                value=float(x[i, j]),
                rows=(int(where[0].min()), int(where[0].max())),
                cols=(int(where[1].min()), int(where[1].max())),
                canvas=stamp_canvas((one * x)[None, None], w4, s2, d2)[0, 0],
            )
        )
    pads_begin = [a.crop[0] for a in axes]
    scatter = conv_transpose_scatter(x4, w4, s2, d2, pads_begin, out)[0, 0]

    # The library's fast engine, through TensorFlow's signature when TensorFlow accepts the call.
    try:
        engine = conv2d_transpose(
            x[None, :, :, None],
            kernel[:, :, None, None],
            output_shape=(1, out[0], out[1], 1),
            strides=stride,
            padding=_tf_padding(padding),
            dilations=dilation,
        )[0, :, :, 0]
        engine_name = "upsampling.conv2d_transpose (tf.nn.conv2d_transpose's signature)"
    except Exception:  # a combination TensorFlow itself refuses: use the engine directly
        engine = conv_transpose(
            x4, w4, strides=stride, dilations=dilation, pads_begin=pads_begin, output_size=out
        )[0, 0]
        engine_name = "upsampling.conv_transpose.conv_transpose"

    roles = {
        "zero_inserted": _inserted_roles(steps.zero_inserted.shape, stride),
        "padded": _padded_roles(steps.padded.shape, steps.pads, steps.zero_inserted.shape, stride),
    }
    return TransposeTrace(
        input=x,
        kernel=kernel,
        kernel_given=given,
        stride=stride,
        dilation=dilation,
        padding=padding,
        steps=steps,
        axes=axes,  # type: ignore[arg-type]
        canvas=canvas,
        stamps=tuple(stamps),
        scatter_output=scatter,
        engine_output=engine,
        engine_name=engine_name,
        roles=roles,
    )


def _inserted_roles(shape: tuple[int, int], stride: int) -> np.ndarray:
    """'input' where the zero-inserted matrix holds an input element, else 'inserted'."""
    roles = np.full(shape, "inserted", dtype=object)
    roles[::stride, ::stride] = "input"
    return roles


def _padded_roles(
    shape: tuple[int, int], pads: Any, inner: tuple[int, int], stride: int
) -> np.ndarray:
    """Roles of the padded matrix's cells: 'pad', 'inserted' or 'input' (negative pads crop)."""
    roles = np.full(shape, "pad", dtype=object)
    inner_roles = _inserted_roles(inner, stride)
    (tb, _), (lb, _) = pads
    r0, c0 = max(tb, 0), max(lb, 0)
    cr, cc = max(-tb, 0), max(-lb, 0)
    piece = inner_roles[cr:, cc:]
    h = min(piece.shape[0], shape[0] - r0)
    w = min(piece.shape[1], shape[1] - c0)
    roles[r0 : r0 + h, c0 : c0 + w] = piece[:h, :w]
    return roles


def window_terms(trace: TransposeTrace, r: int, c: int) -> list[tuple[float, float, tuple[int, int]]]:
    """The products summed for output ``(r, c)``: (padded value, rotated-kernel value, kernel tap).

    Read from the textbook's arrays: the window of the padded matrix under the rotated kernel.
    Only pairs where both factors are non-zero are listed.  The tap is the position in the
    *original* kernel (row, col), so the letter of the symbolic kernel can be named.
    """
    rk = trace.steps.rotated_kernel
    kh, kw = rk.shape
    window = trace.steps.padded[r : r + kh, c : c + kw]
    d = trace.dilation
    terms = []
    for a, b in np.ndindex(kh, kw):
        if window[a, b] != 0 and rk[a, b] != 0:
            # rotated position (a, b) of the dilated kernel is dilated tap (kh-1-a, kw-1-b)
            terms.append((float(window[a, b]), float(rk[a, b]), ((kh - 1 - a) // d, (kw - 1 - b) // d)))
    return terms


# ---------------------------------------------------------------------------------------------
# output sizes


@dataclass(frozen=True)
class ShapesTrace:
    n: int
    kernel: int
    stride: int
    dilation: int
    padding: Any
    k_eff: int
    forward_pads: tuple[int, int]  # the forward convolution's padding of n
    forward_out: int | None  # None: the forward convolution refuses this input
    forward_error: str
    transposed_out: int
    transposed_crop: tuple[int, int]  # what the transposed convolution's output crops from the full output
    full: int
    accepted: tuple[tuple[int, tuple[int, int]], ...]  # (size, crop) TensorFlow accepts
    refused: tuple[tuple[int, int], ...]  # (size, what the forward convolution maps it back to)


def shapes_trace(n: int, kernel: int, stride: int, padding: Any, dilation: int = 1) -> ShapesTrace:
    from upsampling.errors import UpsamplingError

    pad = padding if isinstance(padding, str) else tuple(padding)
    k_eff = shapes.effective_kernel_size(kernel, dilation)
    forward_pads = shapes.padding_pair(pad, n, kernel, stride, dilation)
    try:
        forward_out: int | None = shapes.conv_output_size(n, kernel, stride, pad, dilation)
        forward_error = ""
    except UpsamplingError as exc:
        forward_out, forward_error = None, str(exc)
    try:
        transposed = shapes.conv_transpose_output_size(n, kernel, stride, pad, dilation)
    except UpsamplingError:
        full = shapes.full_conv_transpose_size(n, kernel, stride, dilation)
        raise InvalidArgumentError(
            "padding",
            _pad_text(pad),
            f"padding that leaves at least one output element (the transposed convolution's full output has {full}, "
            "and this padding crops them all)",
        ) from None
    valid = shapes.valid_conv_transpose_output_sizes(n, kernel, stride, pad, dilation)
    accepted = tuple((o, shapes.conv_transpose_crop(n, o, kernel, stride, pad, dilation)) for o in valid)
    lo, hi = (valid[0], valid[-1]) if len(valid) else (transposed, transposed)
    refused = []
    for o in range(max(1, lo - 3), hi + 4):
        if o in valid:
            continue
        refused.append((o, shapes.forward_size(o, kernel, stride, pad, dilation)))
    crop = shapes.conv_transpose_crop(n, transposed, kernel, stride, pad, dilation) if transposed in valid else (0, 0)
    return ShapesTrace(
        n=n, kernel=kernel, stride=stride, dilation=dilation, padding=pad, k_eff=k_eff,
        forward_pads=forward_pads, forward_out=forward_out, forward_error=forward_error,
        transposed_out=transposed, transposed_crop=crop,
        full=shapes.full_conv_transpose_size(n, kernel, stride, dilation),
        accepted=accepted, refused=tuple(refused),
    )


def _pad_text(pad: Any) -> str:
    return pad if isinstance(pad, str) else f"{pad[0]},{pad[1]}"


# ---------------------------------------------------------------------------------------------
# kernel overlap


@dataclass(frozen=True)
class OverlapTrace:
    kernel: int
    stride: int
    dilation: int
    n: int  # input length used
    counts: np.ndarray  # taps landing on each position of the full 1-D output
    counts_2d: np.ndarray  # the same for an n x n input and a k x k kernel
    interior: tuple[int, int]  # [start, stop) of positions every stamp that could reach does reach
    period: tuple[int, ...]  # counts over one stride in the interior
    even: bool
    holes: bool  # some interior position gets no tap at all
    rule_even: bool  # the textbook rule: kernel size a multiple of the stride
    stamp_spans: tuple[tuple[int, ...], ...]  # positions each input element's taps land on
    range_2d: tuple[int, int]  # fewest and most taps on an interior pixel in 2-D


def overlap_trace(kernel: int, stride: int, dilation: int = 1, n: int | None = None) -> OverlapTrace:
    """Count the kernel taps that land on each output position (the engine on all-ones data)."""
    from upsampling.conv_transpose import conv_transpose
    from upsampling.reference.conv_transpose_scatter import stamp_canvas

    k_eff = shapes.effective_kernel_size(kernel, dilation)
    # Enough input for two whole strides of interior (every stamp that could reach it does).
    need = math.ceil((k_eff - 1) / stride) + 3
    n = need if n is None else n
    if n < need:
        raise InvalidArgumentError(
            "n",
            n,
            f"at least {need} (so the interior, away from the borders, spans two strides)",
        )
    counts = conv_transpose(np.ones((1, 1, n)), np.ones((1, 1, kernel)), strides=stride, dilations=dilation)[0, 0]
    counts_2d = conv_transpose(
        np.ones((1, 1, n, n)), np.ones((1, 1, kernel, kernel)), strides=stride, dilations=dilation
    )[0, 0]
    start, stop = k_eff - 1, (n - 1) * stride + 1  # positions reached by every stamp that could reach
    interior = counts[start:stop]
    period = tuple(int(v) for v in interior[:stride])
    spans = []
    for i in range(n):
        one = np.zeros((1, 1, n))
        one[0, 0, i] = 1.0
        spans.append(tuple(int(p) for p in np.nonzero(stamp_canvas(one, np.ones((1, 1, kernel)), (stride,), (dilation,))[0, 0])[0]))
    return OverlapTrace(
        kernel=kernel, stride=stride, dilation=dilation, n=n,
        counts=counts.astype(int), counts_2d=counts_2d.astype(int), interior=(start, stop), period=period,
        even=bool(interior.min() == interior.max() and interior.min() > 0), holes=bool(interior.min() == 0),
        rule_even=kernel % stride == 0, stamp_spans=tuple(spans),
        range_2d=(int(counts_2d[start:stop, start:stop].min()), int(counts_2d[start:stop, start:stop].max())),
    )
