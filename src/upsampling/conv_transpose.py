"""Transposed convolution and its adjoint, the forward convolution: one N-D engine.

The engine (:func:`conv_transpose`, :func:`conv`) speaks ONNX's vocabulary in the
channels-first layout of PyTorch and ONNX:

* ``x``: ``(N, C_in, *spatial)``, 1 to 3 (or more) spatial axes;
* transposed-convolution weight ``w``: ``(C_in, C_out/groups, *kernel)``, the layout of
  ``torch.nn.functional.conv_transpose2d`` and ONNX ``ConvTranspose``;
* forward-convolution weight: ``(C_out, C_in/groups, *kernel)`` (``torch.nn.functional.conv2d``,
  ONNX ``Conv``) -- the *same array* as the transposed weight of its adjoint;
* ``strides``, ``dilations``, ``groups`` as everywhere;
* ``pads_begin`` / ``pads_end``: for the transposed convolution, how much of the *full*
  output ``(in-1)·s + (k-1)·d + 1`` is cut off each end (ONNX's ``pads``; a negative value
  appends zeros instead, which is how TensorFlow's ``SAME`` with a kernel smaller than the
  stride and PyTorch's ``output_padding`` beyond the full extent come out); for the
  forward convolution, zeros added to the input (negative crops).

Every framework's convention is a choice of those crops (see ``docs/conv_transpose.md``):

========================= ===================================== ===================================
framework                 crop before                           crop after
========================= ===================================== ===================================
TensorFlow ``SAME``       ``total // 2``                        ``total - total // 2`` (odd: end)
TensorFlow ``VALID``      0                                     ``full - output_shape`` (<= 0)
PyTorch                   ``padding``                           ``padding - output_padding``
ONNX ``SAME_UPPER``       ``total // 2``                        ``total - total // 2``
ONNX ``SAME_LOWER``       ``total - total // 2`` (odd: start)   ``total // 2``
========================= ===================================== ===================================

(``total = full - output_size``.)  The fast path (:mod:`upsampling.kernels.numpy_conv`) is one
GEMM and one strided slice-add per kernel tap; in 2-D without dilation (floats) it is
output-stationary instead, one GEMM per run of output phases sharing their input taps
(``conv_transpose2d_blocks``; large problems run the same GEMMs in tiles on our threads
through a private OpenBLAS, :mod:`upsampling.kernels.conv_tiles`).  ``upsampling.options(kernel="reference")``
switches :func:`conv_transpose` to the scatter reference
(:mod:`upsampling.reference.conv_transpose_scatter`), and
:mod:`upsampling.reference.conv_transpose_textbook` keeps the zero-insert / pad / rotate
steps, every intermediate returned.

The framework faces are twins (:mod:`upsampling.frameworks`): TensorFlow's
``conv2d_transpose`` and its siblings (``upsampling.conv2d_transpose`` at the top of the
package) are in ``frameworks/tensorflow/conv.py``, PyTorch's and ONNX's beside their resizes.
They validate in their framework's words and call :func:`conv_transpose` (or, having checked
everything, :func:`conv_transpose_checked`) and :func:`conv`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple, Union

import numpy as np

from upsampling import _checks
from upsampling._options import _options
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.kernels.numpy_conv import conv_numpy, conv_transpose2d_blocks, conv_transpose_numpy
from upsampling.shapes import transposed_size

__all__ = ["conv", "conv_transpose", "conv_transpose_checked"]

IntOrSeq = Union[int, Sequence[int]]


# ---------------------------------------------------------------------------------------------
# dtypes


def _compute_dtype(dtype: np.dtype) -> np.dtype:
    """Accumulation type: float16 in float32 (as the frameworks' CPU kernels), ints in int64."""
    if np.issubdtype(dtype, np.integer):
        return np.dtype(np.int64)
    if dtype == np.float16:
        return np.dtype(np.float32)
    return np.dtype(dtype)


def _cast(y: np.ndarray, dtype: np.dtype) -> np.ndarray:
    # Integer results wrap modulo 2**bits, as TensorFlow's int32 and PyTorch's int64 kernels do.
    return y if y.dtype == dtype else y.astype(dtype)


# ---------------------------------------------------------------------------------------------
# argument normalisation shared by the engine and its faces


def _per_axis(
    parameter: str, value: Any, nd: int, minimum: int | None = None, what: str | None = None
) -> tuple[int, ...]:
    """An int for every spatial axis, or one per axis (length 1 broadcasts)."""
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        items = _checks.sequence(parameter, value, (1, nd))
        if len(items) == 1:
            items = items * nd
    else:
        items = [value] * nd
    return tuple(_checks.integer(parameter, v, minimum=minimum, what=what) for v in items)


class _Args(NamedTuple):
    """The arguments :func:`conv_transpose` and :func:`conv` share, validated once."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    result: np.dtype  # np.result_type(x, w)
    nd: int  # spatial axes
    groups: int
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads_begin: tuple[int, ...]


def _prologue(x: Any, w: Any, bias: Any, strides: Any, dilations: Any, pads_begin: Any, groups: Any) -> _Args:
    """The validation both engine entry points start with: arrays, ranks, kernel sizes, one value
    per spatial axis, and groups dividing the input channels."""
    x = _checks.numeric_array("x", x)
    w = _checks.numeric_array("w", w)
    b = None if bias is None else _checks.numeric_array("bias", bias)
    if x.ndim < 3:
        raise ShapeError(
            "x", f"array of shape {x.shape}", "an array (N, C, *spatial) with at least one spatial axis"
        )
    if w.ndim != x.ndim:
        raise ShapeError(
            "w",
            f"array of shape {w.shape}",
            f"a {x.ndim}-D weight (two channel axes and {x.ndim - 2} spatial axes, like x of shape {x.shape})",
        )
    if min(w.shape[2:]) < 1:
        raise ShapeError("w", f"array of shape {w.shape}", "kernel sizes >= 1")
    nd = x.ndim - 2
    g = _checks.positive_int("groups", groups)
    s = _per_axis("strides", strides, nd, 1, "a positive integer")
    d = _per_axis("dilations", dilations, nd, 1, "a positive integer")
    pb = _per_axis("pads_begin", pads_begin, nd)
    if x.shape[1] % g:
        raise InvalidArgumentError("groups", g, f"a divisor of the input channels C_in={x.shape[1]}")
    return _Args(x, w, b, np.result_type(x.dtype, w.dtype), nd, g, s, d, pb)


def _bias_check(b: np.ndarray | None, m: int) -> None:
    if b is not None and b.shape != (m,):
        raise ShapeError("bias", f"array of shape {b.shape}", f"a 1-D array of {m} elements (one per output channel)")


def _finish(y: np.ndarray, b: np.ndarray | None, dtype: np.dtype, result: np.dtype) -> np.ndarray:
    """Add the bias (one per output channel, axis 1) in the accumulation ``dtype``, then cast."""
    if b is not None:
        y += b.astype(dtype).reshape((1, y.shape[1]) + (1,) * (y.ndim - 2))
    return _cast(y, result)


# ---------------------------------------------------------------------------------------------
# the engine


def conv_transpose(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    strides: IntOrSeq = 1,
    dilations: IntOrSeq = 1,
    pads_begin: IntOrSeq = 0,
    pads_end: IntOrSeq = 0,
    output_size: IntOrSeq | None = None,
    groups: int = 1,
) -> np.ndarray:
    """N-D transposed convolution in the channels-first layout (ONNX ``ConvTranspose``'s arithmetic).

    Every input element ``x[n, c, i]`` adds ``x[n, c, i] · w[c, m, j]`` to output position
    ``i·s + j·d - pads_begin`` of channel ``m`` (within ``c``'s group); positions nothing
    reaches are zero.

    Parameters
    ----------
    x : array ``(N, C_in, *in)``, float16/32/64 or integer.
    w : array ``(C_in, C_out/groups, *k)`` -- PyTorch's and ONNX's layout.
    bias : optional ``(C_out,)``, added to every output position.
    strides, dilations : int or one per spatial axis, >= 1.
    pads_begin, pads_end : int or one per spatial axis: elements cut off the start / end of
        the full output ``(in-1)·s + (k-1)·d + 1``; negative values append zeros.
    output_size : optional spatial size; when given, ``pads_end`` is ignored and becomes
        ``full - output_size - pads_begin``.

    Empty arrays are fine: a batch, channel or spatial size of 0 in ``x`` or ``w``, or an output
    size of 0, gives the (possibly empty) array of zeros plus the bias; the framework twins decide
    which of these their framework refuses.
    groups : ``C_in`` and ``C_out`` split into this many independent groups.

    Returns
    -------
    ndarray ``(N, C_out, *out)`` with ``out = full - pads_begin - pads_end``.  dtype:
    ``np.result_type(x, w)``; float16 is accumulated in float32, integers in int64 and
    wrapped to the result type.

    Raises
    ------
    ShapeError
        Ranks, channel counts, a bias of the wrong size, an output size below 0.
    InvalidArgumentError
        Non-positive strides, dilations or groups; groups not dividing ``C_in``.
    DTypeError
        bool, complex or object arrays.
    OutputTooLargeError
        The output would exceed ``upsampling.set_options(max_output_bytes=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0]]])            # N=1, C=1, length 2
    >>> w = np.array([[[1.0, 10.0, 100.0]]])    # C_in=1, C_out=1, k=3
    >>> conv_transpose(x, w, strides=2)         # each input stamps the kernel 2 apart
    array([[[  1.,  10., 102.,  20., 200.]]])
    >>> conv_transpose(x, w, strides=2, pads_begin=1, pads_end=0)
    array([[[ 10., 102.,  20., 200.]]])
    """
    x, w, b, result, nd, g, s, d, pb = _prologue(x, w, bias, strides, dilations, pads_begin, groups)
    c_in = x.shape[1]
    if w.shape[0] != c_in:
        raise ShapeError(
            "w",
            f"array of shape {w.shape}",
            f"w.shape[0] == C_in = {c_in} (layout [C_in, C_out/groups, *kernel])",
        )
    m = w.shape[1] * g
    _bias_check(b, m)
    full = [transposed_size(*args) for args in zip(x.shape[2:], w.shape[2:], s, d)]
    if output_size is not None:
        out = _per_axis("output_size", output_size, nd, 0, "a non-negative integer")
    else:
        pe = _per_axis("pads_end", pads_end, nd)
        out = tuple(f - a - e for f, a, e in zip(full, pb, pe))
        if min(out) < 0:
            raise ShapeError(
                "pads_begin",
                pb,
                f"crops that leave an output size >= 0 along every axis: full size {full} minus "
                f"pads_begin {list(pb)} and pads_end {list(pe)} gives {list(out)}",
            )
    return conv_transpose_checked(x, w, b, s, d, pb, out, g, result, "output_size" if output_size is not None else "pads")


def conv_transpose_checked(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    s: tuple[int, ...],
    d: tuple[int, ...],
    pb: tuple[int, ...] | list[int],
    out: tuple[int, ...],
    g: int,
    result: np.dtype,
    parameter: str,
) -> np.ndarray:
    """:func:`conv_transpose` after validation (shapes, channels, groups, sizes >= 1 all checked).

    The TensorFlow faces validate as TensorFlow does and come straight here; only the output
    byte limit is checked (naming ``parameter``).  Same arguments and result as
    :func:`conv_transpose`, normalised: one int per spatial axis, ``out`` the output size.
    """
    nd = x.ndim - 2
    m = w.shape[1] * g
    _checks.output_bytes(parameter, (x.shape[0], m, *out), result)
    dtype = _compute_dtype(result)
    if x.size == 0 or w.size == 0 or 0 in out or m == 0:
        # Nothing to sum (no batch, channels, input samples or taps) or nothing to write: zeros
        # (plus the bias), the empty results the frameworks return; the kernels need data.
        return _finish(np.zeros((x.shape[0], m, *out), dtype=dtype), b, dtype, result)
    # The phase ("sub-pixel") paths lay the output out in stride-sized blocks: not when the blocks
    # would dwarf the output (a stride of 10**6 on a 2-pixel output would allocate terabytes).
    laid = x.shape[0] * m * math.prod((-(-oi // si) + 2) * si for oi, si in zip(out, s))
    phases = nd == 2 and d == (1, 1) and dtype.kind == "f" and laid <= 16 * x.shape[0] * m * math.prod(out) + 2**20
    if not phases:  # the per-tap path: each input element times the whole kernel, per batch item
        per_item = x.shape[1] // g * g * w.shape[1] * math.prod(w.shape[2:]) * math.prod(x.shape[2:]) * dtype.itemsize
        _checks.work_bytes("w", per_item + x[:1].size * dtype.itemsize, "per-tap products of the transposed convolution",
                            "use a smaller kernel or split the batch")
    else:  # one batch item's im2col of shifted input taps, and the block-laid-out output
        blocks = [-(-oi // si) + 2 for oi, si in zip(out, s)]
        depth = [-(-ki // si) for ki, si in zip(w.shape[2:], s)]
        im2col = math.prod(blocks) * math.prod(depth) * x.shape[1] * dtype.itemsize
        _checks.work_bytes("w", im2col + laid * dtype.itemsize, "the transposed convolution's im2col", "use a smaller kernel or split the batch")
    if _options["kernel"] == "reference":
        from upsampling.reference.conv_transpose_scatter import conv_transpose_scatter

        y = conv_transpose_scatter(x.astype(dtype), w.astype(dtype), s, d, pb, out, g)
    elif phases:
        # Fast path: output phases ("sub-pixel"), one GEMM per run of phases sharing their taps;
        # for large problems in tiles on our threads, through the private single-threaded
        # OpenBLAS (kernels/conv_tiles.py), when it loads and the problem is one it wins.
        blas = None
        if _options["kernel"] == "auto":
            from upsampling.kernels.conv_tiles import tiles_blas

            blas = tiles_blas(x.shape, w.shape, s, pb, out, g)
        if blas is not None:
            from upsampling.kernels.conv_tiles import conv_transpose2d_tiles

            y = conv_transpose2d_tiles(x, w, s, pb, out, g, dtype, blas)
        else:
            y = conv_transpose2d_blocks(x, w, s, pb, out, g, dtype)
    else:
        y = conv_transpose_numpy(x, w, s, d, pb, out, g, dtype)
    return _finish(y, b, dtype, result)


def conv(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    strides: IntOrSeq = 1,
    dilations: IntOrSeq = 1,
    pads_begin: IntOrSeq = 0,
    pads_end: IntOrSeq = 0,
    groups: int = 1,
) -> np.ndarray:
    """N-D forward convolution (cross-correlation, as every framework computes it), channels first.

    ``y[n, m, o] = sum_{c in m's group, j} x_padded[n, c, o·s + j·d] · w[m, c, j]``.  With the
    same ``w``, ``strides``, ``dilations``, ``groups`` and ``pads_begin`` it is the adjoint of
    :func:`conv_transpose` (``<conv(x), y> == <x, conv_transpose(y, output_size=x's size)>``).

    Parameters
    ----------
    x : array ``(N, C_in, *in)``.
    w : array ``(C_out, C_in/groups, *k)`` -- ``torch.nn.functional.conv2d``'s and ONNX ``Conv``'s layout.
    bias : optional ``(C_out,)``.
    strides, dilations : int or one per spatial axis, >= 1.
    pads_begin, pads_end : zeros added before / after each spatial axis (negative crops).
    groups : as in :func:`conv_transpose`.

    Returns
    -------
    ndarray ``(N, C_out, *out)``, ``out = floor((in + pads_begin + pads_end - k_eff) / s) + 1``;
    dtype as :func:`conv_transpose`.  ``out`` may be 0 (an empty array, as TensorFlow returns
    when the padded input is shorter than the kernel by at most the stride).

    Examples
    --------
    >>> import numpy as np
    >>> conv(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, -1.0]]]), strides=2)
    array([[[-1., -1.]]])
    """
    x, w, b, result, nd, g, s, d, pb = _prologue(x, w, bias, strides, dilations, pads_begin, groups)
    pe = _per_axis("pads_end", pads_end, nd)
    c_in, m = x.shape[1], w.shape[0]
    if m % g:
        raise InvalidArgumentError("groups", g, f"a divisor of the output channels w.shape[0]={m}")
    if w.shape[1] * g != c_in:
        raise ShapeError(
            "w",
            f"array of shape {w.shape}",
            f"w.shape[1] * groups == C_in = {c_in} (layout [C_out, C_in/groups, *kernel])",
        )
    _bias_check(b, m)
    spans = [n + a + e - ((k - 1) * di + 1) for n, a, e, k, di in zip(x.shape[2:], pb, pe, w.shape[2:], d)]
    out = tuple(span // si + 1 for span, si in zip(spans, s))
    if min(out) < 0:
        raise ShapeError(
            "x",
            f"array of shape {x.shape}",
            "a padded input no shorter than the effective kernel (k-1)·d+1 minus the stride along every axis "
            f"(the output size formula gives {list(out)})",
        )
    shape = (x.shape[0], m, *out)
    _checks.output_bytes("x", shape, result)
    dtype = _compute_dtype(result)
    if x.size == 0 or w.size == 0 or 0 in shape:  # zeros (plus the bias); the kernel needs data
        return _finish(np.zeros(shape, dtype=dtype), b, dtype, result)
    # The im2col of one batch item: every input channel under every tap at every output position.
    _checks.work_bytes("w", c_in * math.prod(w.shape[2:]) * math.prod(out) * dtype.itemsize, "the convolution's im2col", "use a smaller kernel or split the batch")
    y = conv_numpy(x, w, s, d, pb, out, g, dtype)
    return _finish(y, b, dtype, result)
