"""Twin of TensorFlow's convolutions: ``tf.nn.conv{1,2,3}d_transpose`` and ``tf.nn.conv{1,2,3}d``.

TensorFlow's signatures, layouts (``filters`` ``[k..., out/groups, in]`` for the transposed
ops, ``[k..., in/groups, out]`` for the forward ones; ``NHWC`` by default) and refusals, with
TensorFlow's messages; ``output_shape`` validated as TensorFlow does.  The arithmetic is the
engine's (:mod:`upsampling.conv_transpose`), the sizes :mod:`upsampling.shapes`'.
``upsampling.conv2d_transpose`` and its siblings at the top of the package are these functions.
This module never imports tensorflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from upsampling import _checks
from upsampling import conv_transpose as engine
from upsampling.errors import ShapeError, UnsupportedError
from upsampling.frameworks.tensorflow._conv_checks import (
    AXIS_NAMES,
    FORMATS,
    KERNEL_NAMES,
    ONEDNN,
    DataFormat1D,
    DataFormat2D,
    DataFormat3D,
    IntOrSeq,
    TFPadding,
    axis_crop,
    check_kernel,
    check_ranks,
    output_shape_parts,
    tf_arrays,
    tf_padding,
    tf_sequence,
    window_size,
)
from upsampling.layouts import tf_to_torch_weight, to_channels_first, to_channels_last
from upsampling.shapes import effective_kernel_size, forward_size, padding_pair

__all__ = ["conv1d", "conv1d_transpose", "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose"]



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
    formats = FORMATS[nd]
    _checks.choice("data_format", data_format, formats)
    channels_last = data_format == formats[0]
    x, w = tf_arrays(input, filters, nd, op, "filters" if nd != 1 else None)
    check_ranks(x, w, nd, data_format)
    s = tf_sequence("strides", strides, nd, channels_last, op, positive=False)
    d = tf_sequence("dilations", dilations, nd, channels_last, op, positive=False)
    pads = tf_padding(padding, nd, channels_last, op)
    batch, channels, out = output_shape_parts(output_shape, nd, x, w, channels_last)
    if x.dtype in ONEDNN and (0 in (batch, channels, *out) or x.size == 0 or w.size == 0):
        # TF's oneDNN kernel (mkl_conv_grad_input_ops.cc) returns an empty output_shape, or zeros
        # when the input or the filter is empty, before checking anything else: strides, batch,
        # channels, sizes (TF 2.21, checked live; tests/parity/test_parity_tensorflow_conv.py).
        shape = (batch, *out, channels) if channels_last else (batch, channels, *out)
        _checks.output_bytes("output_shape", shape, x.dtype)
        return np.zeros(shape, dtype=x.dtype)
    s = tf_sequence("strides", strides, nd, channels_last, op)
    d = tf_sequence("dilations", dilations, nd, channels_last, op)
    check_kernel(w, nd)
    onednn = x.dtype in ONEDNN
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
            f"[{', '.join(KERNEL_NAMES[nd])}, out_channels/groups, in_channels]). (TensorFlow: input depth must be "
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
        crops.append(axis_crop(a, nd, spatial_in[a], out[a], kernel[a], s[a], d[a], pads[a], channels_last, op, onednn))
    xc = x.transpose(0, nd + 1, *range(1, nd + 1)) if channels_last else x  # to_channels_first
    # Everything conv_transpose checks is checked above, in TensorFlow's terms.
    wc = w.transpose(nd + 1, nd, *range(nd))  # tf_to_torch_weight
    y = engine.conv_transpose_checked(xc, wc, None, s, d, crops, out, groups, x.dtype, "output_size")
    return np.ascontiguousarray(y.transpose(0, *range(2, nd + 2), 1)) if channels_last else y  # to_channels_last


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
    formats = FORMATS[nd]
    _checks.choice("data_format", data_format, formats)
    channels_last = data_format == formats[0]
    x, w = tf_arrays(input, filters, nd, op, "input" if nd != 1 else None)
    check_ranks(x, w, nd, data_format)
    check_kernel(w, nd)
    onednn = x.dtype in ONEDNN
    if w.size == 0 and (onednn or nd == 3 or w.shape[nd] == 0):
        text = (
            "filter must not have zero elements (i.e. all dimensions must be non-zero)" if onednn
            else "filter depth must be stricly positive, got 0"
        )
        raise ShapeError("filters", f"array of shape {w.shape}", message=f"filters of shape {w.shape} are empty. "
                         f"(TensorFlow: {text})")
    parameter = "stride" if nd == 1 else "strides"
    s = tf_sequence(parameter, strides, nd, channels_last, op, exact=nd == 3)
    d = tf_sequence("dilations", dilations, nd, channels_last, op, exact=nd == 3 and dilations is not None)
    pads = tf_padding(padding, nd, channels_last, op)
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
        (forward_size(n, k, st, p, dl) if n else window_size(0, k, st, p, dl)) == 0
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
            window_size(0, w.shape[a], s[a], pads[a], d[a]))
        sizes.append(size)
        if size < 0:  # 0 is allowed: TensorFlow returns an empty array
            raise ShapeError(
                "input",
                f"array of shape {x.shape}",
                message=f"the {AXIS_NAMES[nd][a]} {spatial_in[a]} (padded by {b} + {e}) is shorter than the "
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
