"""Twin of the ONNX ``ConvTranspose`` operator (opset 1/11/22), with ONNX Runtime's size rules.

Argument translation only: attributes become the engine's crops (:mod:`upsampling.shapes`
holds the size arithmetic) and :func:`upsampling.conv_transpose.conv_transpose` computes.
This module never imports onnx.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from upsampling import _checks
from upsampling import conv_transpose as engine
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError
from upsampling.shapes import split_padding, transposed_size, truncated_forward_size

__all__ = ["AUTO_PADS", "AutoPad", "conv_transpose"]

AutoPad = Literal["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]
AUTO_PADS: tuple[str, ...] = AutoPad.__args__  # type: ignore[attr-defined]
# ConvTranspose-22's T (bfloat16 has no NumPy dtype).  ONNX Runtime's CPU kernel is float32 only.
_CONV_TRANSPOSE_TYPES = ("float16", "float32", "float64")


def _ct_attribute(name: str, value: Any, length: int, default: int, minimum: int | None) -> list[int]:
    """An ints attribute of ``length`` values (ONNX: "Attribute strides has incorrect size")."""
    if value is None:
        return [default] * length
    items = _checks.sequence(name, value)
    if len(items) != length:
        raise InvalidArgumentError(
            name, value, f"{length} ints", message=f"Attribute {name} has incorrect size: {list(items)} (expected "
            f"{length} values)."
        )
    values = [_checks.integer(name, v) for v in items]
    if minimum is not None and min(values, default=minimum) < minimum:
        word = "positive" if minimum == 1 else "non-negative"
        raise InvalidArgumentError(
            name, value, f"{word} ints", message=f"Attribute {name} must only contain {word} values: {values}."
        )
    return values


def conv_transpose(
    X: Any,
    W: Any,
    B: Any = None,
    *,
    auto_pad: AutoPad = "NOTSET",
    dilations: Any = None,
    group: int = 1,
    kernel_shape: Any = None,
    output_padding: Any = None,
    output_shape: Any = None,
    pads: Any = None,
    strides: Any = None,
) -> np.ndarray:
    """ONNX ``ConvTranspose`` (opset 1/11/22) on NumPy arrays, with ONNX Runtime's size rules.

    Parameters
    ----------
    X : array ``(N, C, D1, ..., Dn)``; float16, float32 or float64 (the schema's ``T``).
    W : array ``(C, M/group, k1, ..., kn)`` (the layout of PyTorch's ``conv_transpose``).
    B : optional ``(M,)``.
    auto_pad : ``"NOTSET"`` (use ``pads``), ``"SAME_UPPER"``, ``"SAME_LOWER"`` or ``"VALID"``.
    dilations, strides : n ints (default 1).
    group : channel groups.
    kernel_shape : n ints; must equal ``W.shape[2:]`` when given.
    output_padding : n ints (default 0), each smaller than ``max(stride, dilation)``; added to the
        end of the output (or, with ``output_shape``, only to the padding arithmetic).
    output_shape : n spatial sizes.  The padding is then
        ``total = max(0, s·(in-1) + output_padding + k_eff - output_shape)``, split
        ``total // 2`` before for ``SAME_UPPER`` (the odd element at the end, as TensorFlow's
        SAME) and ``total - total // 2`` before otherwise (``SAME_LOWER``, ``NOTSET``, ``VALID``);
        ``pads`` is ignored.
    pads : 2n ints ``[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`` cut off the full output (only
        with ``auto_pad="NOTSET"``).

    Returns
    -------
    ndarray ``(N, M, *out)``: ``out = s·(in-1) + output_padding + k_eff - pads_begin - pads_end``;
    ``SAME_*`` without ``output_shape``: ``in·s``, or the full ``s·(in-1) + k_eff + output_padding``
    when that is shorter (a kernel smaller than the stride: ORT clamps the padding at 0 and
    recomputes the size; the spec says ``in·s``).  The input's dtype.

    Raises
    ------
    InvalidArgumentError, ShapeError, DTypeError
        Where ONNX Runtime 1.32 refuses, with its message: attribute lengths, non-positive
        strides/dilations, negative pads, ``pads`` together with ``auto_pad``, ``kernel_shape`` not
        matching ``W``, group not dividing C, channel or bias mismatches, ``output_padding`` too
        large, an ``output_shape`` the forward convolution does not map back to the input
        (ORT accepts ``1 .. s·(in-1) + k_eff + s - 1`` when ``output_padding < stride``).

    Notes
    -----
    ORT computes ``total`` with ``max(0, ...)``: an ``output_shape`` beyond the full output is
    filled with zeros at the end, for every ``auto_pad`` (verified with ORT 1.32).  ONNX
    Runtime's CPU kernel has no float64 implementation; this twin computes float64 as the
    schema allows.  ``onnx.reference``'s ConvTranspose is wrong for ``group > 1``; this twin is
    checked against ORT instead.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import onnx
    >>> X = np.array([[[1.0, 2.0]]], dtype=np.float32)
    >>> W = np.array([[[1.0, 10.0, 100.0]]], dtype=np.float32)
    >>> onnx.conv_transpose(X, W, strides=[2])
    array([[[  1.,  10., 102.,  20., 200.]]], dtype=float32)
    >>> onnx.conv_transpose(X, W, strides=[2], auto_pad="SAME_UPPER")   # odd crop at the end
    array([[[  1.,  10., 102.,  20.]]], dtype=float32)
    >>> onnx.conv_transpose(X, W, strides=[2], auto_pad="SAME_LOWER")   # odd crop at the start
    array([[[ 10., 102.,  20., 200.]]], dtype=float32)
    """
    x, w, b = _arrays(X, W, B)
    nd = x.ndim - 2
    auto_pad, s, d, op, p = _attributes(w, nd, auto_pad, strides, dilations, output_padding, pads, kernel_shape)
    g, m = _channels(x, w, b, group)
    begins, outs = _crops(x, w, auto_pad, s, d, op, p, output_shape, output_padding, pads)
    if nd > 2 and 0 in x.shape[2:] and x.shape[0] * x.shape[1] * m > 0 and 0 not in outs:
        # ORT's N-d col2im walks the input's (empty) spatial grid and fails an internal check
        # (math_cpu.cc NextPosition, "dims[d_i] < d_max"); 1-D and 2-D give zeros (observed).
        raise ShapeError(
            "X", f"array of shape {x.shape}", message="ConvTranspose of a 3-D or higher input with an empty spatial "
            f"axis {list(x.shape[2:])} fails in ONNX Runtime (math_cpu.cc NextPosition: dims[d_i] < d_max was false)"
        )
    return engine.conv_transpose(x, w, b, strides=s, dilations=d, pads_begin=begins, output_size=outs, groups=g)


def _arrays(X: Any, W: Any, B: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``X``, ``W`` and ``B`` with ONNX Runtime's rank checks and the schema's type ``T``."""
    x = _checks.numeric_array("X", X)
    w = _checks.numeric_array("W", W)
    if x.ndim < 3:
        raise ShapeError(
            "X", f"array of shape {x.shape}",
            message=f"Input tensor must have at least 3 dimensions (N x C x D1...Dn). Got: {x.ndim}",
        )
    if w.ndim != x.ndim:
        raise ShapeError(
            "W", f"array of shape {w.shape}",
            message=f"Weight tensor spatial rank does not match input tensor spatial rank: W {w.shape}, X {x.shape}",
        )
    b = None if B is None else _checks.numeric_array("B", B)
    for name, arr in (("X", x), ("W", w), ("B", b)):
        if arr is not None and (arr.dtype.name not in _CONV_TRANSPOSE_TYPES or arr.dtype != x.dtype):
            raise DTypeError(
                name, f"array of dtype {arr.dtype}", "float16, float32 or float64, the same for X, W and B (type T)"
            )
    return x, w, b


def _attributes(
    w: np.ndarray, nd: int, auto_pad: Any, strides: Any, dilations: Any, output_padding: Any, pads: Any,
    kernel_shape: Any,
) -> tuple[str, list[int], list[int], list[int], list[int]]:
    """``auto_pad``, ``strides``, ``dilations``, ``output_padding`` and ``pads`` checked as ONNX
    Runtime checks them (``kernel_shape`` against ``W``)."""
    auto_pad = _checks.choice("auto_pad", auto_pad, AUTO_PADS)
    s = _ct_attribute("strides", strides, nd, 1, 1)
    d = _ct_attribute("dilations", dilations, nd, 1, 1)
    op = _ct_attribute("output_padding", output_padding, nd, 0, 0)
    if pads is not None and auto_pad != "NOTSET":
        raise InvalidArgumentError(
            "pads", pads, "no pads with auto_pad", message="The pads attribute cannot be used simultaneously with "
            f"auto_pad attribute (auto_pad={auto_pad!r})"
        )
    p = _ct_attribute("pads", pads, 2 * nd, 0, 0)
    if kernel_shape is not None:
        ks = _ct_attribute("kernel_shape", kernel_shape, nd, 1, 1)
        if tuple(ks) != w.shape[2:]:
            raise ShapeError(
                "kernel_shape", kernel_shape, message=f"kernel_shape is not compatible with W shape. kernel_shape: "
                f"{ks} W: {list(w.shape)}"
            )
    for a in range(nd):
        if op[a] >= max(s[a], d[a]):
            raise InvalidArgumentError(
                "output_padding", output_padding, message=f"output_padding[{a}] ({op[a]}) must be less than "
                f"max(stride, dilation) ({max(s[a], d[a])}) for spatial dimension {a}."
            )
    return auto_pad, s, d, op, p


def _channels(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, group: Any) -> tuple[int, int]:
    """``group`` and the output channels ``M``, after ONNX Runtime's channel and bias checks."""
    g = _checks.positive_int("group", group)
    c = x.shape[1]
    if c % g:
        raise InvalidArgumentError(
            "group", g, message=f"Input channels C must be divisible by group for ConvTranspose. C={c} group={g}."
        )
    if w.shape[0] != c:
        raise ShapeError(
            "W", f"array of shape {w.shape}", message=f"filter number not equal to input channel number. "
            f"filter_number: {w.shape[0]} num_input_channels: {c}"
        )
    m = w.shape[1] * g
    if b is not None and b.shape != (m,):
        raise ShapeError(
            "B", f"array of shape {b.shape}", message="Bias shape is not compatible with number of output channels. "
            f"It should be a 1-D tensor with size num_output_channels(M). Bias: {list(b.shape)} "
            f"num_output_channels: {m}"
        )
    return g, m


def _crops(
    x: np.ndarray, w: np.ndarray, auto_pad: str, s: list[int], d: list[int], op: list[int], p: list[int],
    output_shape: Any, output_padding: Any, pads: Any,
) -> tuple[list[int], list[int]]:
    """Per spatial axis, the crop before it and the output size, as ONNX Runtime derives them from
    ``output_shape``, ``auto_pad`` or ``pads``, and its check that the output maps back to ``X``."""
    nd = x.ndim - 2
    requested = None if output_shape is None else _ct_attribute("output_shape", output_shape, nd, 1, None)
    begins, outs = [], []
    for a, n in enumerate(x.shape[2:]):
        full = transposed_size(n, w.shape[2 + a], s[a], d[a])
        if requested is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            out = requested[a] if requested is not None else n * s[a]
            if out <= 0:
                raise ShapeError(
                    "output_shape", output_shape, message=f"Explicit output size must be positive. Got: {out}"
                )
            total = max(0, full + op[a] - out)  # ORT clamps: a larger output gets zeros at the end
            before, after = split_padding(total, odd_at_end=auto_pad == "SAME_UPPER")
            if requested is None:
                # ORT then recomputes the size from the clamped pads: a kernel smaller than the
                # stride gives full + output_padding (< in·s), not the spec's in·s.
                out = full + op[a] - total
        else:
            before, after = (0, 0) if auto_pad == "VALID" else (p[a], p[nd + a])
            out = full + op[a] - before - after
            if out <= 0:
                raise ShapeError(
                    "pads",
                    pads,
                    message=f"Computed output dimension is <= 0 for dim {a}. Input shape: {list(x.shape[2:])}",
                )
        # ORT then checks that the forward convolution maps the output back onto the input.
        back = truncated_forward_size(out, w.shape[2 + a], s[a], before, after, d[a])
        if back != n:
            if requested is not None:
                text = (
                    "Explicit output_shape is inconsistent with input spatial dimensions and convolution parameters. "
                    f"Expected input size {back} but got {n} (output_size={out}, kernel={w.shape[2 + a]}, "
                    f"stride={s[a]}, dilation={d[a]}, output_padding={op[a]}). Valid output_shape values here: "
                    f"1..{full + s[a] - 1}" + ("" if op[a] < s[a] else " with output_padding < stride")
                )
            else:
                text = (
                    "Computed output shape is inconsistent with input spatial dimensions. output_padding "
                    f"({op[a]}) may be too large for stride ({s[a]}). Expected input size {back} but got {n}."
                )
            if requested is not None:
                raise ShapeError("output_shape", output_shape, message=text)
            raise ShapeError("output_padding", output_padding, message=text)
        begins.append(before)
        outs.append(out)
    return begins, outs
