"""Twin of PyTorch's transposed convolutions (``torch.nn.functional.conv_transpose{1,2,3}d``).

NumPy in, NumPy out, PyTorch's signatures, defaults and refusals (with its messages); the
arithmetic is the engine's (:func:`upsampling.conv_transpose.conv_transpose`) and the sizes
:mod:`upsampling.shapes`'.  This module never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling import conv_transpose as engine
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from upsampling.frameworks._common import refuse
from upsampling.frameworks.pytorch._names import torch_dtype_name
from upsampling.shapes import transposed_size

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

# slow_conv_transpose{2,3}d (CPU) is compiled for the floating types and Long only.
_CONV_TRANSPOSE_DTYPES = ("float16", "float32", "float64", "int64")


def _conv_labels(nd: int) -> tuple[str, ...]:
    # conv_transpose1d runs as a 2-D op with height 1, and its messages say so.
    return ("depth", "height", "width") if nd == 3 else ("height", "width")


def _conv_pad1d(nd: int, values: Sequence[int], fill: int) -> list[int]:
    """Prefix the unit height torch's messages show for 1-D inputs."""
    return [fill, *values] if nd == 1 else list(values)


def _conv_int_tuple(parameter: str, value: Any, nd: int, op: str) -> tuple[int, ...]:
    """torch's int-or-tuple arguments (``expand_param_if_needed``): one int, or 1 or ``nd`` ints."""
    if isinstance(value, str):
        if parameter == "padding":
            refuse(
                parameter,
                value,
                f"{op}(): argument 'padding' must be tuple of ints, not str (PyTorch has no padding={value!r} for "
                "transposed convolutions: pytorch/pytorch#80301). For TensorFlow's SAME use "
                "upsampling.conv2d_transpose(..., padding='SAME'), or padding=0 and crop.",
                UnsupportedError,
            )
        refuse(
            parameter, value, f"{op}(): argument '{parameter}' must be tuple of ints, not str", InvalidArgumentError
        )
    items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
    for v in items:
        if not _checks.is_integer(v):
            refuse(
                parameter,
                value,
                f"{op}(): argument '{parameter}' must be tuple of ints, not {type(v).__name__}",
                InvalidArgumentError,
            )
    if len(items) == 1:
        items = items * nd
    if len(items) != nd:
        refuse(
            parameter,
            value,
            f"expected {parameter} to be a single integer value or a list of {nd} values to match the convolution "
            f"dimensions, but got {parameter}={[int(v) for v in items]}",
            InvalidArgumentError,
        )
    return tuple(int(v) for v in items)


def _conv_transpose_twin(
    input: Any, weight: Any, bias: Any, stride: Any, padding: Any, output_padding: Any, groups: Any,
    dilation: Any, nd: int,
) -> np.ndarray:
    """PyTorch's checks (aten/src/ATen/native/Convolution.cpp, NaiveConvolutionTranspose{2,3}d.cpp),
    then the engine with crop-before = padding and crop-after = padding - output_padding."""
    op = f"conv_transpose{nd}d"
    x, w, unbatched = _arrays(input, weight, nd, op)
    s, p, op_, d, g = _parameters(w, stride, padding, output_padding, dilation, groups, nd, op)
    m, b = _channels(x, w, g, bias)
    if min(x.shape[2:]) <= 0 and x.shape[0] != 0:
        refuse(
            "input",
            f"array of shape {x.shape}",
            f"Only zero batch or zero channel inputs are supported, but got input shape: {list(x.shape)}",
            ShapeError,
        )
    # out = (in - 1)·s - 2p + d·(k - 1) + output_padding + 1
    out = [transposed_size(*args) for args in zip(x.shape[2:], w.shape[2:], s, d, p, p, op_)]
    if x.shape[0] == 0:
        # An empty batch takes torch's "Empty" backend (Convolution.cpp): the output shape is
        # computed and nothing else is checked (not output_padding), but it multiplies by the
        # weight's first element and views to the computed shape (torch 2.13, checked live).
        if w.size == 0:
            refuse("weight", f"array of shape {w.shape}",
                         "select(): index 0 out of range for tensor of size [0] at dimension 0 (PyTorch's empty-batch "
                         "path reads the weight's first element)", ShapeError)
        if min(out) < 0:
            refuse("padding", padding, f"invalid shape dimension {min(out)} of the output shape "
                         f"{[0, m, *_conv_pad1d(nd, out, 1)]}", ShapeError)
        y = np.zeros((0, m, *out), dtype=x.dtype)
        return y[0] if unbatched else y
    if w.size == 0:
        refuse("weight", f"array of shape {w.shape}",
                     f"non-empty {nd + 2}D weight tensor expected, but got: {list(w.shape)} (PyTorch's CPU kernels "
                     "refuse a weight without output channels)", ShapeError)
    if any(o >= max(si, di) for o, si, di in zip(op_, s, d)):
        text = " ".join(
            f"{name}_{a}: {v}"
            for name, values, fill in (("output_padding", op_, 0), ("stride", s, 1), ("dilation", d, 1))
            for a, v in zip(_conv_labels(nd), _conv_pad1d(nd, values, fill))
        )
        refuse(
            "output_padding",
            output_padding,
            f"output padding must be smaller than either stride or dilation, but got {text}",
            InvalidArgumentError,
        )
    # oneDNN's deconvolution returns an empty result for an output size of 0 (and refuses a negative
    # one); slow_conv_transpose refuses anything below 1.  Which runs: _onednn.
    if min(out) == 0 and _onednn(x, w, s, d, g, op_):
        y = np.zeros((x.shape[0], m, *out), dtype=x.dtype)
        return y[0] if unbatched else y
    if min(out) < 1:
        refuse(
            "padding",
            padding,
            f"Given input size per channel: ({' x '.join(map(str, _conv_pad1d(nd, x.shape[2:], 1)))}). Calculated "
            f"output size per channel: ({' x '.join(map(str, _conv_pad1d(nd, out, 1)))}). Output size is too small",
            ShapeError,
        )
    y = engine.conv_transpose(
        x, w, b, strides=s, dilations=d, pads_begin=p, pads_end=[pi - oi for pi, oi in zip(p, op_)], groups=g
    )
    return y[0] if unbatched else y


def _arrays(input: Any, weight: Any, nd: int, op: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """``input`` (batched, and whether it was not) and ``weight``: ranks and dtypes as PyTorch checks them."""
    x = _checks.numeric_array("input", input)
    w = _checks.numeric_array("weight", weight)
    if x.ndim not in (nd + 1, nd + 2):
        refuse(
            "input",
            f"array of shape {x.shape}",
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got input of size: "
            f"{list(x.shape)}",
            ShapeError,
        )
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    if w.ndim != nd + 2:
        refuse(
            "weight",
            f"array of shape {w.shape}",
            f"weight must be a {nd + 2}-D array [in_channels, out_channels/groups, *kernel] for {op}; got shape "
            f"{list(w.shape)}",
            ShapeError,
        )
    if x.dtype != w.dtype:
        raise DTypeError(
            "weight",
            f"array of dtype {w.dtype}",
            f"the input's dtype {x.dtype}",
            message=f"expected scalar type {torch_dtype_name(x.dtype.name)} but found "
            f"{torch_dtype_name(w.dtype.name)} (PyTorch refuses mixed input/weight dtypes; "
            "cast one of them).",
        )
    if x.dtype.name not in _CONV_TRANSPOSE_DTYPES:
        kernel_name = f"slow_conv_transpose{max(nd, 2)}d_out_cpu"
        raise DTypeError(
            "input",
            f"array of dtype {x.dtype}",
            "float16, float32, float64 or int64",
            message=f"\"{kernel_name}\" not implemented for '{torch_dtype_name(x.dtype.name)}' "
            "(PyTorch's CPU transposed convolution takes float16, float32, float64 or int64).",
        )
    return x, w, unbatched


def _parameters(
    w: np.ndarray, stride: Any, padding: Any, output_padding: Any, dilation: Any, groups: Any, nd: int, op: str
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...], int]:
    """``stride``, ``padding``, ``output_padding``, ``dilation`` (one int per axis) and ``groups``,
    with PyTorch's refusals, and the kernel's sizes."""
    s = _conv_int_tuple("stride", stride, nd, op)
    p = _conv_int_tuple("padding", padding, nd, op)
    op_ = _conv_int_tuple("output_padding", output_padding, nd, op)
    d = _conv_int_tuple("dilation", dilation, nd, op)
    if not _checks.is_integer(groups):
        refuse(
            "groups", groups, f"{op}(): argument 'groups' must be int, not {type(groups).__name__}", InvalidArgumentError
        )
    g = int(groups)
    if g <= 0:
        refuse("groups", g, "non-positive groups is not supported", InvalidArgumentError)
    if min(s) <= 0:
        refuse("stride", stride, "non-positive stride is not supported", InvalidArgumentError)
    if min(p) < 0:
        refuse("padding", padding, "negative padding is not supported", InvalidArgumentError)
    if min(op_) < 0:
        refuse(
            "output_padding", output_padding, "negative output_padding is not supported", InvalidArgumentError
        )
    labels = _conv_labels(nd)
    if min(d) <= 0:
        pairs = ", ".join(f"dilation_{a}: {v}" for a, v in zip(labels, _conv_pad1d(nd, d, 1)))
        refuse(
            "dilation", dilation, f"dilation should be greater than zero, but got {pairs}", InvalidArgumentError
        )
    if min(w.shape[2:]) <= 0:
        pairs = " ".join(f"kernel_{a}: {v}" for a, v in zip(labels, _conv_pad1d(nd, w.shape[2:], 1)))
        refuse(
            "weight", f"array of shape {w.shape}", f"kernel size should be greater than zero, but got {pairs}", ShapeError
        )
    return s, p, op_, d, g


def _channels(x: np.ndarray, w: np.ndarray, g: int, bias: Any) -> tuple[int, np.ndarray | None]:
    """The output channels and the bias (in the input's dtype), after PyTorch's channel checks."""
    if w.shape[0] < g:  # check_shape_forward (this also refuses zero input channels)
        refuse(
            "weight",
            f"array of shape {w.shape}",
            f"Given groups={g}, expected weight to be at least {g} at dimension 0, but got weight of size "
            f"{list(w.shape)} instead",
            ShapeError,
        )
    if w.shape[0] % g:
        refuse(
            "groups",
            g,
            f"Given groups={g}, expected weight to be divisible by {g} at dimension 0, but got weight of size "
            f"[{list(w.shape)}] instead",
            InvalidArgumentError,
        )
    if x.shape[1] != w.shape[0]:
        refuse(
            "input",
            f"array of shape {x.shape}",
            f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} to have "
            f"{w.shape[0]} channels, but got {x.shape[1]} channels instead",
            ShapeError,
        )
    m = w.shape[1] * g
    b = None
    if bias is not None:
        b = _checks.numeric_array("bias", bias)
        if b.shape != (m,):
            refuse(
                "bias",
                f"array of shape {b.shape}",
                f"Given transposed=1, weight of size {list(w.shape)}, expected bias to be 1-dimensional with {m} "
                f"elements, but got bias of size {list(b.shape)} instead",
                ShapeError,
            )
        b = b.astype(x.dtype)
    return m, b


def _onednn(x: np.ndarray, w: np.ndarray, s: tuple[int, ...], d: tuple[int, ...], g: int, op: tuple[int, ...]) -> bool:
    """Whether torch 2.13's CPU convolution takes oneDNN (``use_mkldnn`` in ATen's
    ``Convolution.cpp``, on the 4-D view it makes of 3-D input): float32 only, a kernel that is
    strided, dilated or not 1x1 (or a batch of 16 or more), an output_padding below the stride (one
    only the dilation allows takes the slow path, observed), and groups, a kernel larger than 3x3,
    a batch of 2 or more, or more than 20,480 input elements in the first four dimensions.
    PyTorch also takes oneDNN for 1x1 kernels when it runs more than one thread; this follows
    ``torch.set_num_threads(1)``, as the parity tests run it (checked live, issue 19)."""
    if x.dtype != np.float32 or any(o >= si for o, si in zip(op, s)):  # (output_padding >= stride: never, observed)
        return False
    shape = x.shape if x.ndim > 3 else (x.shape[0], x.shape[1], 1, x.shape[2])
    kernel = w.shape[2:] if w.ndim > 3 else (1, w.shape[2])
    wide = max(s) > 1 or max(d) > 1 or shape[0] >= 16 or kernel[-1] != 1 or kernel[-2] != 1
    worth = g > 1 or (kernel[-1] > 3 and kernel[-2] > 3) or shape[0] > 1 or shape[0] * shape[1] * shape[2] * shape[3] > 20480
    return wide and worth


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """``torch.nn.functional.conv_transpose2d`` on NumPy arrays (CPU semantics of torch 2.13).

    Parameters
    ----------
    input : array ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
    weight : array ``[C_in, C_out/groups, kh, kw]``.
    bias : optional ``(C_out,)``.
    stride, padding, output_padding, dilation : an int or a pair.  ``padding`` removes
        ``padding`` elements from *both* ends of the full output ``(H-1)·stride +
        dilation·(kh-1) + 1``; ``output_padding`` (< ``max(stride, dilation)``) gives back that
        many at the end only (computed values, or zeros past the full output).
    groups : splits the channels into independent groups.

    Returns
    -------
    ndarray ``(N, C_out, H_out, W_out)``, ``H_out = (H-1)·stride - 2·padding + dilation·(kh-1)
    + output_padding + 1``; the input's dtype (float16, float32, float64 or int64, as PyTorch's
    CPU kernels; float16 accumulated in float32).

    Raises
    ------
    InvalidArgumentError, ShapeError, DTypeError, UnsupportedError
        Wherever PyTorch refuses, with PyTorch's message: ``output_padding`` not smaller than
        stride or dilation, negative padding, non-positive stride/dilation/groups, groups not
        dividing ``weight.shape[0]``, channel or bias mismatches, an output smaller than 1,
        mixed dtypes, ``padding='same'`` (a TypeError in PyTorch).

    Notes
    -----
    TensorFlow's ``SAME`` with an odd total cannot be expressed with ``padding`` and
    ``output_padding`` (it needs one more crop at the end than at the start); use
    :func:`upsampling.conv2d_transpose` for it.

    Examples
    --------
    >>> import numpy as np
    >>> from upsampling.frameworks import pytorch
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> pytorch.conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [2., 2., 3., 3.],
           [2., 2., 3., 3.]])
    """
    return _conv_transpose_twin(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """``torch.nn.functional.conv_transpose1d``: input ``(N, C_in, L)`` or ``(C_in, L)``, weight
    ``[C_in, C_out/groups, k]``; otherwise as :func:`conv_transpose2d`."""
    return _conv_transpose_twin(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose3d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """``torch.nn.functional.conv_transpose3d``: input ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``,
    weight ``[C_in, C_out/groups, kd, kh, kw]``; otherwise as :func:`conv_transpose2d`."""
    return _conv_transpose_twin(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
