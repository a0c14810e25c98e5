"""Twin of TensorFlow's convolutions: ``tf.nn.conv{1,2,3}d_transpose`` and ``tf.nn.conv{1,2,3}d``.

TensorFlow's signatures, layouts (``filters`` ``[k..., out/groups, in]`` for the transposed
ops, ``[k..., in/groups, out]`` for the forward ones; ``NHWC`` by default) and refusals, with
TensorFlow's messages; ``output_shape`` validated as TensorFlow does.  The arithmetic is the
engine's (:mod:`upsampling.conv_transpose`), the sizes :mod:`upsampling.shapes`'.
``upsampling.conv2d_transpose`` and its siblings at the top of the package are these functions.
This module never imports tensorflow.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Literal, Union

import numpy as np

from upsampling import _checks
from upsampling import conv_transpose as engine
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from upsampling.layouts import tf_to_torch_weight, to_channels_first, to_channels_last
from upsampling.shapes import (
    describe_sizes,
    effective_kernel_size,
    forward_size,
    padding_pair,
    truncated_forward_size,
    valid_conv_transpose_output_sizes,
)

__all__ = ["conv1d", "conv1d_transpose", "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose"]

IntOrSeq = Union[int, Sequence[int]]
#: TensorFlow padding: "SAME", "VALID" or explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]``.
TFPadding = Union[Literal["SAME", "VALID"], Sequence[Sequence[int]]]
DataFormat1D = Literal["NWC", "NCW"]
DataFormat2D = Literal["NHWC", "NCHW"]
DataFormat3D = Literal["NDHWC", "NCDHW"]

_TF_FORMATS = {n: f.__args__ for n, f in ((1, DataFormat1D), (2, DataFormat2D), (3, DataFormat3D))}
_AXIS_NAMES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}
_KERNEL_NAMES = {1: ("kw",), 2: ("kh", "kw"), 3: ("kd", "kh", "kw")}
# Conv2D / Conv2DBackpropInput register T in {half, bfloat16, float, double, int32}; the 3-D
# ops have no int32 kernels.
_TF_DTYPES = {
    1: (np.float16, np.float32, np.float64, np.int32),
    2: (np.float16, np.float32, np.float64, np.int32),
    3: (np.float16, np.float32, np.float64),
}


def _tf_arrays(input: Any, filters: Any, nd: int, op: str, convert: str | None) -> tuple[np.ndarray, np.ndarray]:
    """TensorFlow's dtype rule for NumPy arguments.

    TF converts a NumPy argument to the dtype of the argument converted before it: the
    transposed ops convert ``filters`` first (``conv2d_backprop_input(input_sizes, filter,
    out_backprop)``), the forward ops ``input`` first; ``conv1d``/``conv1d_transpose`` convert
    each separately and refuse a mismatch.  We follow that, except that a float array is never
    truncated to int32 (TF does it silently; we refuse).
    """
    x = _checks.numeric_array("input", input)
    w = _checks.numeric_array("filters", filters)
    allowed = _TF_DTYPES[nd]
    target = w.dtype if convert == "filters" else x.dtype
    if x.dtype != w.dtype:
        if convert is None:
            raise DTypeError(
                "input",
                f"array of dtype {x.dtype}",
                f"the same dtype as filters ({w.dtype})",
                f"TensorFlow's {op} refuses mixed dtypes; cast one of them, e.g. input.astype(filters.dtype).",
            )
        other = x if convert == "filters" else w
        if np.issubdtype(target, np.integer) and np.issubdtype(other.dtype, np.floating):
            raise DTypeError(
                "input" if convert == "filters" else "filters",
                f"array of dtype {other.dtype}",
                f"{target} like {'filters' if convert == 'filters' else 'input'}, or a float dtype for both",
                "TensorFlow would truncate the floats to integers; cast explicitly if that is what you want.",
            )
    if target not in allowed:  # a dtype equals its scalar type
        names = ", ".join(np.dtype(t).name for t in allowed)
        raise DTypeError(
            "filters" if convert == "filters" else "input",
            f"array of dtype {target}",
            f"one of {names} (TensorFlow's {op} kernels)",
            "Cast it first, e.g. .astype(np.float32).",
        )
    return x.astype(target, copy=False), w.astype(target, copy=False)


def _tf_sequence(
    parameter: str, value: Any, nd: int, channels_last: bool, op: str, *, exact: bool = False, positive: bool = True
) -> tuple[int, ...]:
    """``nn_ops._get_sequence``: an int, or a list of 1, nd or nd+2 values; then the kernels' checks."""
    if value is None:
        return (1,) * nd
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        items = list(np.asarray(value).ravel().tolist()) if isinstance(value, np.ndarray) else list(value)
    else:
        if exact:
            raise InvalidArgumentError(
                parameter, value, f"a list of {nd + 2} ints (TensorFlow's {op} takes no scalar {parameter})"
            )
        items = [value]
    lengths = (nd + 2,) if exact else tuple(sorted({1, nd, nd + 2}))
    if len(items) not in lengths:
        allowed = " or ".join(str(n) for n in lengths)
        raise InvalidArgumentError(
            parameter,
            value,
            f"an int or a list of length {allowed}",
            f"(TensorFlow: {parameter} should be of length {', '.join(map(str, lengths))}.)",
        )
    items = [_checks.integer(parameter, v) for v in items]
    if len(items) == nd + 2:
        outer = (items[0], items[-1]) if channels_last else (items[0], items[1])
        if outer != (1, 1):
            kind = "strides" if parameter.startswith("stride") else "dilations"
            raise UnsupportedError(
                parameter,
                value,
                message=(
                    f"{parameter}={value!r}: the batch and channel entries must be 1. (TensorFlow: Current "
                    f"implementation does not yet support {kind} in the batch and depth dimensions.)"
                ),
            )
        items = items[1:-1] if channels_last else items[2:]
    elif len(items) == 1:
        items = items * nd
    for v in items if positive else ():
        if v < 1:
            tf_text = (
                f"Stride must be > 0, but got {v}"
                if parameter.startswith("stride")
                else "Dilated rates should be larger than 0."
            )
            raise InvalidArgumentError(
                parameter,
                value,
                "positive integers",
                f"(TensorFlow: {tf_text})",
            )
    return tuple(items)


def _tf_padding(padding: Any, nd: int, channels_last: bool, op: str) -> list[Any]:
    """One padding per spatial axis: "SAME", "VALID" or a ``(before, after)`` pair."""
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise InvalidArgumentError(
                "padding",
                padding,
                "'SAME', 'VALID' or an explicit list" if nd == 2 else "'SAME' or 'VALID'",
                "Upper case, as TensorFlow requires." if padding.upper() in ("SAME", "VALID") else None,
            )
        return [padding] * nd
    if nd != 2 or not isinstance(padding, (Sequence, np.ndarray)):
        raise InvalidArgumentError(
            "padding",
            padding,
            "'SAME' or 'VALID'" if nd != 2 else "'SAME', 'VALID' or a list of 4 (before, after) pairs",
            f"TensorFlow's {op} accepts explicit padding lists only for 2-D convolutions."
            if nd != 2
            else None,
        )
    pairs = [list(p) if isinstance(p, (Sequence, np.ndarray)) else p for p in padding]
    if len(pairs) != nd + 2 or any(not isinstance(p, list) or len(p) != 2 for p in pairs):
        raise InvalidArgumentError(
            "padding",
            padding,
            f"a list of {nd + 2} (before, after) pairs in data_format order, e.g. "
            "[[0, 0], [top, bottom], [left, right], [0, 0]] for NHWC",
        )
    pairs = [[_checks.integer("padding", v) for v in p] for p in pairs]
    outer = [pairs[0], pairs[-1]] if channels_last else [pairs[0], pairs[1]]
    if any(v != 0 for p in outer for v in p):
        raise UnsupportedError(
            "padding",
            padding,
            message=f"padding={padding!r}: the batch and channel pairs must be [0, 0]. (TensorFlow: Nonzero "
            "explicit padding in the batch or depth dimensions is not supported)",
        )
    spatial = pairs[1:-1] if channels_last else pairs[2:]
    if any(v < 0 for p in spatial for v in p):
        raise InvalidArgumentError(
            "padding",
            padding,
            "non-negative amounts",
            "(TensorFlow: All elements of explicit_paddings must be nonnegative)",
        )
    return [tuple(p) for p in spatial]


def _describe_padding(p: Any) -> str:
    return f"padding={p!r}" if isinstance(p, str) else f"explicit padding {tuple(p)}"


def _tf_check_ranks(x: np.ndarray, w: np.ndarray, nd: int, data_format: str) -> None:
    if x.ndim != nd + 2:
        raise ShapeError("input", f"array of shape {x.shape}", f"a {nd + 2}-D array in {data_format} layout")
    if w.ndim != nd + 2:
        layout = "[" + ", ".join(_KERNEL_NAMES[nd]) + ", out_channels/groups, in_channels]"
        raise ShapeError("filters", f"array of shape {w.shape}", f"a {nd + 2}-D array {layout}")


def _tf_check_kernel(w: np.ndarray, nd: int) -> None:
    if min(w.shape[:nd]) < 1:
        raise ShapeError("filters", f"array of shape {w.shape}", "kernel sizes >= 1")


def _tf_window_size(n: int, k: int, s: int, pad: Any, d: int) -> int:
    """TensorFlow's forward output size (``GetWindowedOutputSizeVerbose``) for an input of ``n``
    (``n`` may be 0): ``SAME`` ``ceil(n / s)``; else ``(n + p_b + p_a - k_eff + s) / s`` in C++
    integer division (towards zero), refused when negative ("Computed output size would be
    negative").  Equal to :func:`upsampling.shapes.forward_size` for ``n >= 1`` inputs that fit."""
    if pad == "SAME":
        return -(-n // s)
    before, after = (0, 0) if pad == "VALID" else pad
    return truncated_forward_size(n, k, s, before, after, d, stride_first=True)


# The dtypes TensorFlow runs through oneDNN (its MKL kernels); the others run Eigen.
_TF_ONEDNN = (np.dtype(np.float32),)


def _tf_output_shape(
    output_shape: Any, nd: int, x: np.ndarray, w: np.ndarray, channels_last: bool
) -> tuple[int, int, tuple[int, ...]]:
    """(batch, channels, spatial) of ``output_shape``; 2-D also accepts spatial sizes only."""
    lengths = (nd + 2, nd) if nd == 2 else (nd + 2,)
    if not isinstance(output_shape, (Sequence, np.ndarray, str, bytes)) and hasattr(output_shape, "__iter__"):
        output_shape = list(output_shape)  # tf.TensorShape, torch.Size, generators
    items = _checks.sequence("output_shape", output_shape, lengths)
    values = [_checks.integer("output_shape", v, minimum=0, what="non-negative integers") for v in items]
    batch = x.shape[0]
    if len(values) == nd:  # Conv2DBackpropInput: "input_sizes to contain 4 values or 2 values"
        return batch, w.shape[nd], tuple(values)
    if channels_last:
        return values[0], values[-1], tuple(values[1:-1])
    return values[0], values[1], tuple(values[2:])


def _tf_conv_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: Any,
    data_format: str,
    dilations: Any,
    nd: int,
) -> np.ndarray:
    op = f"conv{nd}d_transpose"
    formats = _TF_FORMATS[nd]
    _checks.choice("data_format", data_format, formats)
    channels_last = data_format == formats[0]
    x, w = _tf_arrays(input, filters, nd, op, "filters" if nd != 1 else None)
    _tf_check_ranks(x, w, nd, data_format)
    s = _tf_sequence("strides", strides, nd, channels_last, op, positive=False)
    d = _tf_sequence("dilations", dilations, nd, channels_last, op, positive=False)
    pads = _tf_padding(padding, nd, channels_last, op)
    batch, channels, out = _tf_output_shape(output_shape, nd, x, w, channels_last)
    if x.dtype in _TF_ONEDNN and (0 in (batch, channels, *out) or x.size == 0 or w.size == 0):
        # TF's oneDNN kernel (mkl_conv_grad_input_ops.cc) returns an empty output_shape, or zeros
        # when the input or the filter is empty, before checking anything else: strides, batch,
        # channels, sizes (TF 2.21, checked live; tests/parity/test_parity_tensorflow_conv.py).
        shape = (batch, *out, channels) if channels_last else (batch, channels, *out)
        _checks.output_bytes("output_shape", shape, x.dtype)
        return np.zeros(shape, dtype=x.dtype)
    s = _tf_sequence("strides", strides, nd, channels_last, op)
    d = _tf_sequence("dilations", dilations, nd, channels_last, op)
    _tf_check_kernel(w, nd)
    onednn = x.dtype in _TF_ONEDNN
    if not onednn:  # TF's Eigen kernels (float16, float64, int32)
        # (Eigen also refuses dilations > 1 and groups, which the twin computes on purpose:
        # docs/conv_transpose.md, "Where the twin does more than TensorFlow".)
        spatial_x = x.shape[1 : nd + 1] if channels_last else x.shape[2:]
        if nd == 3 and w.size == 0 and 0 in (batch, channels, *out, *spatial_x):
            raise ShapeError("input", f"array of shape {x.shape}", message=f"an empty array in {op} ({x.dtype}). "
                             "(TensorFlow: input, filter_sizes and out_backprop tensors must all have at least 1 "
                             "element)")
    c_axis = nd + 1 if channels_last else 1
    spatial_in = x.shape[1 : nd + 1] if channels_last else x.shape[2:]
    kernel = w.shape[:nd]
    # Batch and channels: the messages of conv_grad_shape_utils.cc (Conv2DCustomBackpropInput).
    if batch != x.shape[0]:
        raise ShapeError(
            "output_shape",
            output_shape,
            message=f"output_shape has batch size {batch} but input has {x.shape[0]}; they must be equal. "
            f"(TensorFlow: input and out_backprop must have the same batch size. Input batch: {batch}, "
            f"outbackprop batch: {x.shape[0]}, batch_dim: 0)",
        )
    if w.shape[nd] == 0:
        raise ShapeError(
            "filters",
            f"array of shape {w.shape}",
            message=f"filters.shape[{nd}] (out_channels per group) is 0. (TensorFlow: Conv2DCustomBackpropInput: filter "
            "depth must be strictly greated than zero)",
        )
    if channels < 1 or channels % w.shape[nd]:
        raise ShapeError(
            "output_shape",
            output_shape,
            message=f"output_shape has {channels} channels, which must be a positive multiple of "
            f"filters.shape[{nd}] = {w.shape[nd]} (out_channels per group; filters are "
            f"[{', '.join(_KERNEL_NAMES[nd])}, out_channels/groups, in_channels]). (TensorFlow: input depth must be "
            f"evenly divisible by filter depth: {channels} vs {w.shape[nd]})",
        )
    groups = channels // w.shape[nd]
    if x.shape[c_axis] != w.shape[nd + 1]:
        raise ShapeError(
            "input",
            f"array of shape {x.shape}",
            message=f"input has {x.shape[c_axis]} channels but filters.shape[{nd + 1}] (in_channels) is "
            f"{w.shape[nd + 1]}; they must be equal. (TensorFlow: filter and out_backprop must have the same "
            "out_depth)",
        )
    if groups > 1 and nd == 3:
        raise UnsupportedError(
            "filters",
            f"array of shape {w.shape}",
            message=f"output_shape has {channels} channels but filters.shape[3] is {w.shape[3]}: TensorFlow's "
            f"conv3d_transpose has no grouped form. (TensorFlow: input and filter must have the same depth: "
            f"{channels} vs {w.shape[3]})",
        )
    if x.shape[c_axis] % groups:
        raise ShapeError(
            "filters",
            f"array of shape {w.shape}",
            message=f"output_shape channels / filters.shape[{nd}] = {channels} / {w.shape[nd]} implies "
            f"groups={groups}, which does not divide the input's {x.shape[c_axis]} channels. (TensorFlow: "
            f"output depth must be evenly divisible by number of groups: {x.shape[c_axis]} vs {groups})",
        )
    crops = []
    for a in range(nd):
        crops.append(_tf_axis_crop(a, nd, spatial_in[a], out[a], kernel[a], s[a], d[a], pads[a], channels_last, op, onednn))
    xc = x.transpose(0, nd + 1, *range(1, nd + 1)) if channels_last else x  # to_channels_first
    # Everything conv_transpose checks is checked above, in TensorFlow's terms.
    wc = w.transpose(nd + 1, nd, *range(nd))  # tf_to_torch_weight
    y = engine.conv_transpose_checked(xc, wc, None, s, d, crops, out, groups, x.dtype, "output_size")
    return np.ascontiguousarray(y.transpose(0, *range(2, nd + 2), 1)) if channels_last else y  # to_channels_last


@functools.lru_cache(maxsize=256)
def _valid_crop(n_in: int, n_out: int, k: int, s: int, d: int, pad: str) -> int | None:
    """The crop before an axis whose output length ``n_out`` TensorFlow accepts, else ``None``."""
    if n_out not in valid_conv_transpose_output_sizes(n_in, k, s, pad, d):
        return None
    return padding_pair(pad, n_out, k, s, d)[0]


def _tf_axis_crop(
    a: int, nd: int, n_in: int, n_out: int, k: int, s: int, d: int, pad: Any, channels_last: bool, op: str,
    onednn: bool = False,
) -> int:
    """Validate one axis of ``output_shape`` as TensorFlow does and return the crop before it.

    ``onednn`` (float32): TF's oneDNN kernel maps an output back with ``(out + p - k_eff) / s + 1``
    in C++ division, so an output shorter than the kernel (by less than the stride) maps back to 1
    where the Eigen kernels' ``(out + p - k_eff + s) / s`` gives 0 (observed: ``conv1d_transpose``
    of one input sample, kernel 3, stride 2, VALID, to 2 samples)."""
    if n_in == 0:  # an empty input axis (TF's Eigen kernels; float32 returned earlier)
        back = _tf_window_size(n_out, k, s, pad, d)
        if back != 0:
            dim = a + 1 if channels_last else a + 2
            text = (
                f"Computed output size would be negative: {back}" if back < 0
                else f"Size of out_backprop doesn't match computed: actual = 0, computed = {back} spatial_dim: {dim}"
            )
            raise ShapeError(
                "output_shape", n_out,
                message=f"output_shape[{dim}] = {n_out} does not map back to the input's empty "
                f"{_AXIS_NAMES[nd][a]} (TensorFlow: {text})",
            )
        return 0 if n_out == 0 else padding_pair(pad, n_out, k, s, d)[0]
    if isinstance(pad, str):  # "SAME" / "VALID": the common, hashable case (per-call cost)
        before = _valid_crop(n_in, n_out, k, s, d, pad)
        if before is not None:
            return before
    name = _AXIS_NAMES[nd][a]
    dim = a + 1 if channels_last else a + 2
    valid = valid_conv_transpose_output_sizes(n_in, k, s, pad, d)
    if onednn and n_in == 1 and pad != "SAME" and n_out not in valid:
        before, after = (0, 0) if pad == "VALID" else pad
        span = n_out + before + after - effective_kernel_size(k, d)
        if -s < span < 0:  # truncated to 0: maps back to 1
            return before
    if n_out not in valid:
        k_eff = effective_kernel_size(k, d)
        back = forward_size(n_out, k, s, pad, d)
        maps = (
            f"maps an output {name} of {n_out} back to an input {name} of {back}"
            if back >= 1
            else f"has no output for an output {name} of {n_out} (shorter than the effective kernel {k_eff})"
        )
        label = "Conv2DCustomBackpropInput" if nd < 3 else "Conv3DBackpropInputOp"
        raise ShapeError(
            "output_shape",
            n_out,
            message=(
                f"output_shape[{dim}] = {n_out} ({name}) does not fit the input: the forward convolution "
                f"({_describe_padding(pad)}, stride {s}, kernel {k}, dilation {d}) {maps}, but the input's {name} "
                f"is {n_in}. Valid output {name}s for this input: {describe_sizes(valid)}. (TensorFlow: "
                f"{label}: Size of out_backprop doesn't match computed: actual = {n_in}, computed = {back} "
                f"spatial_dim: {dim} input: {n_out} filter: {k} output: {n_in} stride: {s} dilation: {d})"
            ),
        )
    before, _ = padding_pair(pad, n_out, k, s, d)
    return before


def conv2d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: IntOrSeq,
    padding: TFPadding = "SAME",
    data_format: DataFormat2D = "NHWC",
    dilations: IntOrSeq | None = None,
    name: str | None = None,
) -> np.ndarray:
    """``tf.nn.conv2d_transpose`` on NumPy arrays: the same arguments, layouts, numbers and refusals.

    Parameters
    ----------
    input : array ``(N, H, W, C_in)`` (``NHWC``) or ``(N, C_in, H, W)`` (``NCHW``).
    filters : array ``[kh, kw, C_out/groups, C_in]`` -- the forward convolution's filter.
        ``groups = output_shape channels / filters.shape[2]`` (TensorFlow's oneDNN CPU kernels
        accept groups; its Eigen kernels refuse them).
    output_shape : sequence or 1-D array of 4 ints in ``data_format`` order, or of 2 ints
        ``(H_out, W_out)``.  Every spatial size must be one that the forward convolution
        maps back to the input size (see :func:`upsampling.valid_conv_transpose_output_sizes`).
    strides, dilations : an int, or a list of 1, 2 or 4 ints (4: in ``data_format`` order,
        batch and channel entries 1).  ``dilations=None`` is 1.
    padding : ``"SAME"``, ``"VALID"`` or ``[[0, 0], [top, bottom], [left, right], [0, 0]]``
        (``NHWC``; ``NCHW``: ``[[0, 0], [0, 0], [top, bottom], [left, right]]``) -- the
        *forward* convolution's padding.
    data_format : ``"NHWC"`` (default) or ``"NCHW"``.
    name : ignored (TensorFlow's op name).

    Returns
    -------
    ndarray of ``output_shape``.  dtype: the filters' dtype, ``input`` being converted to it as
    TensorFlow converts NumPy arguments; float16, float32, float64 or int32 (wraps on overflow).
    A float ``input`` with int32 ``filters`` is refused (TensorFlow would truncate it).

    Raises
    ------
    ShapeError
        An ``output_shape`` that does not map back to the input (message: the dimension, the
        size it maps back to, the valid sizes, and TensorFlow's own text); channel or batch
        mismatches; wrong ranks.
    InvalidArgumentError, UnsupportedError, DTypeError
        Where TensorFlow refuses: bad ``strides``/``dilations``/``padding``/``data_format``,
        non-zero batch/channel strides or padding, dtypes without a kernel.

    Notes
    -----
    The full transposed convolution ``(in-1)·s + (k-1)·d + 1`` is cropped to ``output_shape``
    starting at the forward convolution's padding before the axis: for ``SAME``
    ``total // 2`` with ``total = max(0, full - out)``, the odd pixel cropped at the end
    (``tensorflow/core/kernels/conv_grad_shape_utils.cc``); positions beyond the full output
    (a kernel smaller than the stride) are zeros.

    Examples
    --------
    >>> import numpy as np, upsampling
    >>> x = np.ones((1, 28, 28, 3))
    >>> w = np.ones((4, 4, 5, 3))
    >>> y = upsampling.conv2d_transpose(x, w, output_shape=(1, 56, 56, 5), strides=2, padding="SAME")
    >>> y.shape, float(y[0, 0, 0, 0]), float(y[0, 1, 1, 0]), float(y[0, 55, 55, 0])
    ((1, 56, 56, 5), 3.0, 12.0, 3.0)
    """
    return _tf_conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations, 2)


def conv1d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: IntOrSeq,
    padding: Literal["SAME", "VALID"] = "SAME",
    data_format: DataFormat1D = "NWC",
    dilations: IntOrSeq | None = None,
    name: str | None = None,
) -> np.ndarray:
    """``tf.nn.conv1d_transpose`` on NumPy arrays.

    input ``(N, W, C_in)`` (``NWC``) or ``(N, C_in, W)`` (``NCW``); filters ``[kw, C_out/groups, C_in]``;
    ``output_shape`` 3 ints in ``data_format`` order; ``padding`` ``"SAME"`` or ``"VALID"`` only
    (TensorFlow refuses explicit lists here); ``input`` and ``filters`` must share a dtype.
    Otherwise as :func:`conv2d_transpose`.

    >>> import numpy as np
    >>> conv1d_transpose(np.array([[[1.0], [2.0]]]), np.array([[[1.0]], [[10.0]], [[100.0]]]), [1, 4, 1], 2)[..., 0]
    array([[  1.,  10., 102.,  20.]])
    """
    return _tf_conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations, 1)


def conv3d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: IntOrSeq,
    padding: Literal["SAME", "VALID"] = "SAME",
    data_format: DataFormat3D = "NDHWC",
    dilations: IntOrSeq | None = None,
    name: str | None = None,
) -> np.ndarray:
    """``tf.nn.conv3d_transpose`` on NumPy arrays.

    input ``(N, D, H, W, C_in)`` (``NDHWC``) or ``(N, C_in, D, H, W)`` (``NCDHW``); filters
    ``[kd, kh, kw, C_out, C_in]`` (no groups: TensorFlow has no grouped 3-D transposed
    convolution); ``output_shape`` 5 ints; ``padding`` ``"SAME"`` or ``"VALID"``; float16/32/64.
    Otherwise as :func:`conv2d_transpose`.
    """
    return _tf_conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations, 3)


def _tf_conv(
    input: Any, filters: Any, strides: Any, padding: Any, data_format: str, dilations: Any, nd: int
) -> np.ndarray:
    op = f"conv{nd}d"
    formats = _TF_FORMATS[nd]
    _checks.choice("data_format", data_format, formats)
    channels_last = data_format == formats[0]
    x, w = _tf_arrays(input, filters, nd, op, "input" if nd != 1 else None)
    _tf_check_ranks(x, w, nd, data_format)
    _tf_check_kernel(w, nd)
    onednn = x.dtype in _TF_ONEDNN
    if w.size == 0 and (onednn or nd == 3 or w.shape[nd] == 0):
        text = (
            "filter must not have zero elements (i.e. all dimensions must be non-zero)" if onednn
            else "filter depth must be stricly positive, got 0"
        )
        raise ShapeError("filters", f"array of shape {w.shape}", message=f"filters of shape {w.shape} are empty. "
                         f"(TensorFlow: {text})")
    parameter = "stride" if nd == 1 else "strides"
    s = _tf_sequence(parameter, strides, nd, channels_last, op, exact=nd == 3)
    d = _tf_sequence("dilations", dilations, nd, channels_last, op, exact=nd == 3 and dilations is not None)
    pads = _tf_padding(padding, nd, channels_last, op)
    c_axis = nd + 1 if channels_last else 1
    c_in = x.shape[c_axis]
    spatial_in = x.shape[1 : nd + 1] if channels_last else x.shape[2:]
    per_group, m = w.shape[nd], w.shape[nd + 1]
    if c_in % per_group:
        raise ShapeError(
            "filters",
            f"array of shape {w.shape}",
            message=f"input has {c_in} channels, not a multiple of filters.shape[{nd}] = {per_group} (in_channels "
            f"per group). (TensorFlow: Depth of input ({c_in}) is not a multiple of input depth of filter "
            f"({per_group}))",
        )
    groups = c_in // per_group
    empty_out = any(
        (forward_size(n, k, st, p, dl) if n else _tf_window_size(0, k, st, p, dl)) == 0
        for n, k, st, p, dl in zip(spatial_in, w.shape[:nd], s, pads, d)
    )
    if groups == 0 and onednn:  # no input channels (Eigen gives zeros; oneDNN refuses)
        raise ShapeError("input", f"array of shape {x.shape}", message="input has no channels. (TensorFlow: grouped "
                         "convolution must have at least one group: 0 groups)")
    if groups > 1 and nd == 3 and (onednn or not (empty_out or x.size == 0)):  # (Eigen returns an empty output first)
        raise UnsupportedError(
            "filters",
            f"array of shape {w.shape}",
            message=f"input has {c_in} channels but filters.shape[3] is {per_group}: TensorFlow's conv3d has no "
            f"grouped form. (TensorFlow: input and filter must have the same depth: {c_in} vs {per_group})",
        )
    if groups and m % groups:
        raise ShapeError(
            "filters",
            f"array of shape {w.shape}",
            message=f"{m} output channels are not divisible by groups = {groups}. (TensorFlow: Depth of output "
            f"({m}) is not a multiple of the number of groups ({groups}))",
        )
    before, after, sizes = [], [], []
    for a in range(nd):
        k_eff = effective_kernel_size(w.shape[a], d[a])
        b, e = padding_pair(pads[a], spatial_in[a], w.shape[a], s[a], d[a]) if spatial_in[a] else (0, 0)
        size = forward_size(spatial_in[a], w.shape[a], s[a], pads[a], d[a]) if spatial_in[a] else (
            _tf_window_size(0, w.shape[a], s[a], pads[a], d[a]))
        sizes.append(size)
        if size < 0:  # 0 is allowed: TensorFlow returns an empty array
            raise ShapeError(
                "input",
                f"array of shape {x.shape}",
                message=f"the {_AXIS_NAMES[nd][a]} {spatial_in[a]} (padded by {b} + {e}) is shorter than the "
                f"effective kernel {k_eff} by more than the stride {s[a]}, so the convolution has no output. "
                f"(TensorFlow: Computed output size would be negative: {size} [input_size: {spatial_in[a]}, "
                f"effective_filter_size: {k_eff}, stride: {s[a]}])",
            )
        before.append(b)
        after.append(e)
    if onednn and (x.size == 0 or 0 in sizes):
        # TF's oneDNN convolution returns zeros shaped like the *input* when the input or the
        # output is empty, whatever the filter (observed: conv2d of (0, 4, 4, 2) by a (3, 3, 2, 5)
        # filter is (0, 4, 4, 2); of (1, 1, 4, 1) by a 2x1 kernel, VALID, (1, 1, 4, 1) zeros).
        return np.zeros(x.shape, dtype=x.dtype)
    if x.size == 0:
        shape = (x.shape[0], *sizes, m) if channels_last else (x.shape[0], m, *sizes)
        return np.zeros(shape, dtype=x.dtype)
    xc = to_channels_first(x) if channels_last else x
    y = engine.conv(xc, tf_to_torch_weight(w), strides=s, dilations=d, pads_begin=before, pads_end=after, groups=groups)
    return np.ascontiguousarray(to_channels_last(y)) if channels_last else y


def conv2d(
    input: Any,
    filters: Any,
    strides: IntOrSeq,
    padding: TFPadding,
    data_format: DataFormat2D = "NHWC",
    dilations: IntOrSeq | None = None,
    name: str | None = None,
) -> np.ndarray:
    """``tf.nn.conv2d`` on NumPy arrays: the forward convolution, adjoint of :func:`conv2d_transpose`.

    Parameters
    ----------
    input : array ``(N, H, W, C_in)`` (``NHWC``) or ``(N, C_in, H, W)`` (``NCHW``).
    filters : array ``[kh, kw, C_in/groups, C_out]``; ``groups = C_in / filters.shape[2]``.
    strides, dilations, padding, data_format : as :func:`conv2d_transpose`.

    Returns
    -------
    ndarray ``(N, H_out, W_out, C_out)`` (or NCHW); ``SAME``: ``ceil(in/s)``; ``VALID``:
    ``floor((in - k_eff)/s) + 1``.  dtype: the input's (TensorFlow converts NumPy ``filters``
    to it).

    Notes
    -----
    ``conv2d_transpose(y, filters, output_shape=x.shape, ...)`` with the same ``filters``,
    ``strides``, ``padding`` and ``dilations`` is its adjoint:
    ``np.vdot(conv2d(x, f, ...), y) == np.vdot(x, conv2d_transpose(y, f, x.shape, ...))``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> conv2d(x, np.ones((2, 2, 1, 1)), strides=2, padding="VALID")[..., 0]
    array([[[10., 18.],
            [42., 50.]]])
    """
    return _tf_conv(input, filters, strides, padding, data_format, dilations, 2)


def conv1d(
    input: Any,
    filters: Any,
    stride: IntOrSeq,
    padding: Literal["SAME", "VALID"],
    data_format: DataFormat1D = "NWC",
    dilations: IntOrSeq | None = None,
    name: str | None = None,
) -> np.ndarray:
    """``tf.nn.conv1d`` on NumPy arrays (note TensorFlow's singular ``stride``).

    input ``(N, W, C_in)`` or ``(N, C_in, W)``; filters ``[kw, C_in/groups, C_out]``; padding
    ``"SAME"``/``"VALID"``; ``input`` and ``filters`` must share a dtype.
    """
    return _tf_conv(input, filters, stride, padding, data_format, dilations, 1)


def conv3d(
    input: Any,
    filters: Any,
    strides: Sequence[int],
    padding: Literal["SAME", "VALID"],
    data_format: DataFormat3D = "NDHWC",
    dilations: Sequence[int] | None = None,
    name: str | None = None,
) -> np.ndarray:
    """``tf.nn.conv3d`` on NumPy arrays.

    input ``(N, D, H, W, C_in)`` or ``(N, C_in, D, H, W)``; filters ``[kd, kh, kw, C_in, C_out]``
    (no groups); ``strides`` and ``dilations`` lists of 5 ints, as TensorFlow requires;
    padding ``"SAME"``/``"VALID"``.
    """
    return _tf_conv(input, filters, strides, padding, data_format, dilations, 3)
