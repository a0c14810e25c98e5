"""Output-size arithmetic of convolution and transposed convolution, one spatial axis at a time.

Every formula is the textbook one generalised with dilation.  With the *effective*
kernel size ``k_eff = (k - 1)·d + 1``:

* forward convolution: ``out = floor((in + p_before + p_after - k_eff) / s) + 1``
  (``(H + 2P - K)/S + 1`` with symmetric padding);
* transposed convolution: ``out = (in - 1)·s - p_before - p_after + k_eff + output_padding``
  (``(H - 1)·S - 2P + K``); its "full" output, before any cropping, is ``(in - 1)·s + k_eff``;
* TensorFlow ``SAME``: ``out = ceil(in / s)`` with total padding
  ``max(0, (out - 1)·s + k_eff - in)``, split ``before = total // 2`` and
  ``after = total - before`` -- the odd pixel goes at the end (bottom/right).  Source:
  ``tensorflow/core/framework/kernel_shape_util.cc::GetWindowedOutputSizeVerbose``.

Because the forward convolution floors, ``s`` different sizes map to the same input
size, so a transposed convolution with ``s > 1`` must be told which one to produce:
:func:`valid_conv_transpose_output_sizes` lists them (TensorFlow accepts exactly those;
``conv_grad_shape_utils.cc::ConvBackpropExtractAndVerifyDimension``), and
:func:`conv_transpose_crop` says how much of the full output each one keeps.

Padding may be given as

* an int ``p``: ``p`` on both sides (PyTorch's ``padding``);
* a pair ``(before, after)`` (TensorFlow's explicit padding, ONNX's ``pads``);
* ``"VALID"``: no padding;
* ``"SAME"``: TensorFlow's rule above.

Examples
--------
>>> from upsampling import shapes
>>> shapes.conv_output_size(56, 4, stride=2, padding="SAME")
28
>>> list(shapes.valid_conv_transpose_output_sizes(28, 4, stride=2, padding="SAME"))
[55, 56]
>>> shapes.same_padding(56, 4, stride=2)
(1, 1)
>>> shapes.conv_transpose_output_size(28, 4, stride=2, padding=1)
56
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Union

import numpy as np

from upsampling import _checks
from upsampling.errors import InvalidArgumentError, ShapeError

__all__ = [
    "Padding",
    "conv_output_size",
    "conv_transpose_crop",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "full_conv_transpose_size",
    "padding_pair",
    "same_padding",
    "split_padding",
    "transposed_size",
    "truncated_forward_size",
    "valid_conv_transpose_output_sizes",
]

#: One axis's padding: symmetric int, ``(before, after)``, ``"SAME"`` or ``"VALID"``.
Padding = Union[int, tuple[int, int], Sequence[int], Literal["SAME", "VALID"]]
PADDING_NAMES = ("SAME", "VALID")


def _nonneg(parameter: str, value: Any) -> int:
    return _checks.integer(parameter, value, minimum=0, what="an integer >= 0")


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    """``(kernel_size - 1) * dilation + 1``: the span a dilated kernel covers.

    >>> effective_kernel_size(3, dilation=2)
    5
    """
    k = _checks.positive_int("kernel_size", kernel_size)
    d = _checks.positive_int("dilation", dilation)
    return (k - 1) * d + 1


def same_padding(input_size: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's ``SAME`` padding of a forward convolution, as ``(before, after)``.

    Parameters
    ----------
    input_size : the forward convolution's input length along the axis (>= 1).
    kernel_size, stride, dilation : positive ints.

    Returns
    -------
    (before, after) : ``total = max(0, (ceil(in/s) - 1)·s + k_eff - in)``,
        ``before = total // 2``, ``after = total - before``: an odd total puts the
        extra pixel at the end, as TensorFlow (and ONNX ``SAME_UPPER``) do.

    Examples
    --------
    >>> same_padding(5, 4, stride=1)     # total 3: one before, two after
    (1, 2)
    >>> same_padding(7, 1, stride=3)     # a kernel smaller than the stride needs none
    (0, 0)
    """
    n = _checks.positive_int("input_size", input_size)
    k_eff = effective_kernel_size(kernel_size, dilation)
    s = _checks.positive_int("stride", stride)
    out = -(-n // s)
    return split_padding(max(0, (out - 1) * s + k_eff - n))


def padding_pair(
    padding: Any, input_size: int, kernel_size: int, stride: int = 1, dilation: int = 1, parameter: str = "padding"
) -> tuple[int, int]:
    """One axis's forward-convolution padding as ``(before, after)``.

    ``"SAME"`` uses :func:`same_padding` on ``input_size``; ``"VALID"`` is ``(0, 0)``;
    an int ``p`` is ``(p, p)``; a pair is returned as is (each >= 0).
    """
    if isinstance(padding, str):
        _checks.choice(parameter, padding, PADDING_NAMES)
        if padding == "VALID":
            return 0, 0
        return same_padding(input_size, kernel_size, stride, dilation)
    if isinstance(padding, (Sequence, np.ndarray)):
        before, after = _checks.sequence(parameter, padding, 2)
        return _nonneg(parameter, before), _nonneg(parameter, after)
    if _checks.is_integer(padding):
        p = _nonneg(parameter, padding)
        return p, p
    raise InvalidArgumentError(
        parameter, padding, "'SAME', 'VALID', an int >= 0 or a pair (before, after) of ints >= 0"
    )


def conv_output_size(
    input_size: int, kernel_size: int, stride: int = 1, padding: Padding = 0, dilation: int = 1
) -> int:
    """Output length of a forward convolution along one axis.

    ``floor((in + p_before + p_after - k_eff) / s) + 1`` with ``k_eff = (k-1)·d + 1``;
    ``"SAME"`` gives ``ceil(in / s)``.  This is ``tf.nn.conv2d``'s, ``torch.nn.functional.conv2d``'s
    and ONNX ``Conv``'s output size.

    Returns 0 (an empty output, as TensorFlow returns; PyTorch refuses it) when the padded
    input is shorter than the effective kernel by at most ``s``.

    Raises
    ------
    ShapeError
        If the formula is negative (TensorFlow: "Computed output size would be negative").

    Examples
    --------
    >>> conv_output_size(28, 3, stride=1, padding=1)
    28
    >>> conv_output_size(8, 3, stride=1, padding="VALID", dilation=2)
    4
    """
    n = _checks.positive_int("input_size", input_size)
    k_eff = effective_kernel_size(kernel_size, dilation)
    s = _checks.positive_int("stride", stride)
    before, after = padding_pair(padding, n, kernel_size, s, dilation)
    out = (n + before + after - k_eff) // s + 1
    if out < 0:
        raise ShapeError(
            "input_size",
            n,
            f"an input of at least {k_eff - before - after - s} so that the padded input "
            f"({n} + {before} + {after}) is not shorter than the effective kernel size {k_eff} by more than the "
            f"stride {s}; the formula gives {out}",
        )
    return out


def full_conv_transpose_size(input_size: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> int:
    """``(in - 1)·s + k_eff``: every position a transposed convolution touches, before cropping.

    >>> full_conv_transpose_size(28, 4, stride=2)
    58
    """
    n = _checks.positive_int("input_size", input_size)
    s = _checks.positive_int("stride", stride)
    return (n - 1) * s + effective_kernel_size(kernel_size, dilation)


def conv_transpose_output_size(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: Padding = 0,
    dilation: int = 1,
    output_padding: int = 0,
) -> int:
    """Output length of a transposed convolution along one axis.

    ``(in - 1)·s - p_before - p_after + k_eff + output_padding``: PyTorch's
    ``conv_transpose2d`` (int ``padding``) and ONNX ``ConvTranspose`` (``pads`` pair).
    ``"VALID"`` is ``(in - 1)·s + k_eff + output_padding``; ``"SAME"`` is ``in·s``, ONNX's
    ``auto_pad=SAME_*`` without ``output_shape`` (and Keras' default), where
    ``output_padding`` changes the padding split, not the size.

    Raises
    ------
    InvalidArgumentError
        ``output_padding`` not smaller than ``max(stride, dilation)`` (PyTorch and ONNX
        Runtime refuse it).
    ShapeError
        A result below 1 (the padding crops everything).

    Examples
    --------
    >>> conv_transpose_output_size(5, 3, stride=2, padding=1, output_padding=1)
    10
    >>> conv_transpose_output_size(28, 4, stride=2, padding="SAME")
    56
    """
    n = _checks.positive_int("input_size", input_size)
    s = _checks.positive_int("stride", stride)
    d = _checks.positive_int("dilation", dilation)
    k_eff = effective_kernel_size(kernel_size, d)
    op = _nonneg("output_padding", output_padding)
    if op >= max(s, d):
        raise InvalidArgumentError(
            "output_padding", op, f"an integer smaller than max(stride, dilation) = {max(s, d)}"
        )
    if isinstance(padding, str) and _checks.choice("padding", padding, PADDING_NAMES) == "SAME":
        return n * s
    before, after = (0, 0) if isinstance(padding, str) and padding == "VALID" else padding_pair(padding, n, kernel_size, s, d)
    out = (n - 1) * s - before - after + k_eff + op
    if out < 1:
        raise ShapeError(
            "padding",
            padding,
            f"padding that leaves at least one output element; ({n}-1)*{s} - {before} - {after} + {k_eff}"
            f" + {op} = {out}",
        )
    return out


def valid_conv_transpose_output_sizes(
    input_size: int, kernel_size: int, stride: int = 1, padding: Padding = "SAME", dilation: int = 1
) -> range:
    """Every output length a transposed convolution may be asked for, as TensorFlow checks it.

    ``out`` is valid when the forward convolution (same kernel, stride, padding and
    dilation) maps ``out`` back to ``input_size``:

    * ``"SAME"``: ``ceil(out / s) == in``, i.e. ``(in-1)·s + 1 .. in·s``;
    * ``"VALID"``: ``(in-1)·s + k_eff .. (in-1)·s + k_eff + s - 1``;
    * explicit ``(before, after)``: ``(out + before + after - k_eff) // s + 1 == in``, i.e.
      ``(in-1)·s + k_eff - before - after`` and the ``s - 1`` sizes above it (those >= 1).

    Returns
    -------
    range : at most ``stride`` consecutive sizes (empty when padding swallows every size).

    Examples
    --------
    >>> valid_conv_transpose_output_sizes(28, 4, stride=2, padding="SAME")
    range(55, 57)
    >>> valid_conv_transpose_output_sizes(4, 3, stride=2, padding="VALID")
    range(9, 11)
    """
    n = _checks.positive_int("input_size", input_size)
    s = _checks.positive_int("stride", stride)
    k_eff = effective_kernel_size(kernel_size, dilation)
    if isinstance(padding, str):
        _checks.choice("padding", padding, PADDING_NAMES)
        if padding == "SAME":
            return range((n - 1) * s + 1, n * s + 1)
        before = after = 0
    else:
        before, after = padding_pair(padding, n, kernel_size, s, dilation)
    lowest = (n - 1) * s + k_eff - before - after
    return range(max(1, lowest), max(1, lowest + s))


def conv_transpose_crop(
    input_size: int,
    output_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: Padding = "SAME",
    dilation: int = 1,
) -> tuple[int, int]:
    """How TensorFlow cuts ``output_size`` out of the full transposed-convolution output.

    The full output has ``(in-1)·s + k_eff`` elements.  TensorFlow keeps
    ``[before : before + output_size]`` where ``before`` is the *forward* convolution's
    padding before the axis, computed on ``output_size`` (``SAME``: ``total // 2`` with
    ``total = max(0, full - output_size)``; ``VALID``: 0; explicit: the given ``before``).

    Returns
    -------
    (crop_before, crop_after) : ``crop_after = full - output_size - crop_before``.  A
        negative value means zeros are appended instead (a kernel smaller than the
        stride, or a ``VALID``/explicit output larger than the full extent).

    Raises
    ------
    ShapeError
        ``output_size`` is not one of :func:`valid_conv_transpose_output_sizes`.

    Examples
    --------
    >>> conv_transpose_crop(28, 56, 4, stride=2, padding="SAME")   # full 58: one off each end
    (1, 1)
    >>> conv_transpose_crop(4, 12, 1, stride=3, padding="SAME")    # full 10: two zeros appended
    (0, -2)
    """
    n = _checks.positive_int("input_size", input_size)
    out = _checks.positive_int("output_size", output_size)
    valid = valid_conv_transpose_output_sizes(n, kernel_size, stride, padding, dilation)
    if out not in valid:
        raise ShapeError(
            "output_size",
            out,
            f"one of {describe_sizes(valid)} (the sizes the forward convolution maps back to {n})",
        )
    full = full_conv_transpose_size(n, kernel_size, stride, dilation)
    before, _ = padding_pair(padding, out, kernel_size, stride, dilation)
    return before, full - out - before


def forward_size(input_size: int, kernel_size: int, stride: int, padding: Any, dilation: int) -> int:
    """The forward formula ``floor((in + p_b + p_a - k_eff) / s) + 1`` without validation.

    0 means an empty output (TensorFlow returns one when the padded input falls short of the
    kernel by at most ``s``); a negative value means TensorFlow refuses ("Computed output size
    would be negative").
    """
    before, after = padding_pair(padding, input_size, kernel_size, stride, dilation)
    return (input_size + before + after - ((kernel_size - 1) * dilation + 1)) // stride + 1


def transposed_size(
    input_size: int, kernel_size: int, stride: int = 1, dilation: int = 1, before: int = 0, after: int = 0,
    output_padding: int = 0,
) -> int:
    """The transposed formula ``(in - 1)·s + k_eff - before - after + output_padding`` without
    validation: the full output with no crops, else what the crops leave.  It may be <= 0 (an
    empty input axis, crops larger than the output); the caller refuses that in its framework's
    words."""
    return (input_size - 1) * stride + (kernel_size - 1) * dilation + 1 - before - after + output_padding


def truncated_forward_size(
    input_size: int, kernel_size: int, stride: int, before: int, after: int, dilation: int = 1,
    *, stride_first: bool = False,
) -> int:
    """The forward size as the frameworks' C++ computes it, dividing towards zero.

    ``(n + p_b + p_a - k_eff) / s + 1`` (ONNX Runtime's ConvTranspose back-check, TensorFlow's
    oneDNN kernels) or, with ``stride_first``, ``(n + p_b + p_a - k_eff + s) / s`` (TensorFlow's
    ``GetWindowedOutputSizeVerbose``).  Both are :func:`forward_size` when the numerator is
    >= 0; they differ from it, and from each other, below (``-1 / 2`` is 0 in C++).
    """
    span = input_size + before + after - ((kernel_size - 1) * dilation + 1) + (stride if stride_first else 0)
    quotient = abs(span) // stride * (1 if span >= 0 else -1)
    return quotient if stride_first else quotient + 1


def split_padding(total: int, odd_at_end: bool = True) -> tuple[int, int]:
    """A total padding (or crop) as ``(before, after)``: halves, the odd element at the end
    (TensorFlow ``SAME``, ONNX ``SAME_UPPER``) or at the start (ONNX ``SAME_LOWER``)."""
    small = total // 2
    return (small, total - small) if odd_at_end else (total - small, small)

def describe_sizes(sizes: range) -> str:
    """``range(55, 57)`` -> ``"55 or 56"``; used in error messages.

    Built from the range's ends: a stride of ``10**20`` gives a range of ``10**20`` sizes, and
    listing them all took gigabytes (issue 19).
    """
    step = sizes.step
    n = max(0, -(-(sizes.stop - sizes.start) // step)) if step > 0 else max(0, -(-(sizes.start - sizes.stop) // -step))
    if n == 0:  # (len() overflows beyond 2**63 elements)
        return "no size"
    first, last = sizes.start, sizes.start + (n - 1) * step
    if n == 1:
        return str(first)
    if n > 6:
        return f"{first}..{last}"
    items = [str(first + i * step) for i in range(n)]
    return ", ".join(items[:-1]) + " or " + items[-1]
