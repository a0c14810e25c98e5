"""A transposed convolution read from a call (:class:`ConvOp`, framework-free) and made runnable
through its framework's twin (:class:`Source`): the weight layout, strides, groups, and the crops,
read off the twin with a ramp (:func:`crops`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import InvalidArgumentError, OutputTooLargeError, ShapeError
from upsampling.port.parse import ConvSource, Ignored

__all__ = ["ConvOp", "Source", "check_bytes", "crops", "kernel", "source"]


@dataclass(frozen=True)
class ConvOp:
    """A 2-D transposed convolution at one input size, framework-free (channels first).

    in_hw, out_hw : spatial sizes; kernel, stride, dilation : per axis (H, W);
    crop : ``((before_h, after_h), (before_w, after_w))`` cut from the full output;
    c_in, c_out, groups; bias : whether the source adds one.
    """

    n: int
    c_in: int
    c_out: int
    groups: int
    in_hw: tuple[int, int]
    out_hw: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    crop: tuple[tuple[int, int], tuple[int, int]]
    bias: bool

    def full(self, a: int) -> int:
        return (self.in_hw[a] - 1) * self.stride[a] + (self.kernel[a] - 1) * self.dilation[a] + 1


@dataclass(frozen=True)
class Source:
    """A parsed source made runnable: its twin, layouts and fixed arguments."""

    text: str
    framework: str  # "pytorch", "tensorflow", "onnx", "engine"
    layout: str  # "NCHW" or "NHWC"
    weight_layout: str  # "torch" ([in, out/g, kh, kw]) or "tf" ([kh, kw, out/g, in])
    weight_shape: tuple[int, int, int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    bias: bool
    run: Callable[[np.ndarray, np.ndarray, np.ndarray | None], np.ndarray]
    size_fixed: bool  # the output size is written in the call (TF output_shape, ONNX output_shape)
    note: str = ""


def _pair(name: str, value: Any, default: int, *, tf_layout: str | None = None,
          positive: bool = False) -> tuple[int, int]:
    """An int or two ints (one per spatial axis; TF's 4-value form read in ``tf_layout``)."""
    pair = _pair_of(name, value, default, tf_layout)
    if positive and min(pair) < 1:
        raise InvalidArgumentError(name, value, message=f"{name} must be positive, got {value!r}")
    return pair


def _pair_of(name: str, value: Any, default: int, tf_layout: str | None) -> tuple[int, int]:
    if value is None or isinstance(value, Ignored):
        return (default, default)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value))
    if isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        if len(value) == 1:
            return (value[0], value[0])
        if len(value) == 2:
            return (value[0], value[1])
        if len(value) == 4 and tf_layout is not None:
            return (value[tf_layout.index("H")], value[tf_layout.index("W")])
    raise InvalidArgumentError(name, value, message=f"{name} must be an int or 2 ints, got {value!r}")


def _weight_shape(weight_shape: Sequence[int] | None, call: str, layout: str) -> tuple[int, int, int, int]:
    if weight_shape is None:
        example = "(kh, kw, out_channels/groups, in_channels)" if layout == "tf" else \
            "(in_channels, out_channels/groups, kh, kw)"
        raise InvalidArgumentError("weight_shape", None, message=f"{call} does not state the kernel size: pass "
                                   f"weight_shape={example}, the shape of its weight")
    shape = tuple(_checks.positive_int("weight_shape", v) for v in _checks.sequence("weight_shape", weight_shape, 4))
    return shape  # type: ignore[return-value]


def source(parsed: ConvSource, input_shape: tuple[int, ...], weight_shape: Sequence[int] | None) -> Source:
    """The parsed call made runnable through its twin, for inputs of ``input_shape``."""
    build = {"tensorflow": _tf_source, "engine": _tf_source, "keras": _keras_source, "pytorch": _torch_source,
             "pytorch_module": _torch_source, "onnx": _onnx_source}[parsed.framework]
    return build(parsed, dict(parsed.args), input_shape, weight_shape)


def _tf_source(parsed: ConvSource, a: dict[str, Any], input_shape: tuple[int, ...],
               weight_shape: Sequence[int] | None) -> Source:
    """``tf.nn.conv2d_transpose`` (or ``upsampling.conv2d_transpose``, the same arguments)."""
    from upsampling.frameworks import tensorflow as tf_twin

    fmt = _checks.choice("data_format", a.get("data_format", "NHWC"), ("NHWC", "NCHW"))
    w_shape = _weight_shape(weight_shape, parsed.function, "tf")
    out_shape = a.get("output_shape")
    if not isinstance(out_shape, tuple) or len(out_shape) not in (2, 4):
        raise InvalidArgumentError("output_shape", out_shape, message=f"{parsed.function}: output_shape must be "
                                   "written as 4 ints (or 2: height, width)")
    padding = a.get("padding", "SAME")
    if isinstance(padding, tuple):
        padding = [list(p) for p in padding]
    strides, dilations = a.get("strides"), a.get("dilations")
    if strides is None:
        raise InvalidArgumentError("strides", None, message=f"{parsed.function}: strides is required")

    def run(x, w, b, _o=out_shape, _s=strides, _p=padding, _f=fmt, _d=dilations):
        return tf_twin.conv2d_transpose(x, w, list(_o), _s, _p, _f, _d)
    return Source(parsed.text, "engine" if parsed.framework == "engine" else "tensorflow", fmt, "tf", w_shape,
                   _pair("strides", strides, 1, tf_layout=fmt), _pair("dilations", dilations, 1, tf_layout=fmt),
                   _groups_tf(out_shape, fmt, w_shape), False, run, True)


def _keras_source(parsed: ConvSource, a: dict[str, Any], input_shape: tuple[int, ...],
                  weight_shape: Sequence[int] | None) -> Source:
    """``tf.keras.layers.Conv2DTranspose``: Keras computes the output size, then runs TF's op."""
    from upsampling.frameworks import tensorflow as tf_twin

    filters = a.get("filters")
    if not isinstance(filters, int) or isinstance(filters, bool) or filters < 1:
        raise InvalidArgumentError("filters", filters, message=f"{parsed.function}: filters must be a positive int")
    if a.get("kernel_size") is None:
        raise InvalidArgumentError("kernel_size", None, message=f"{parsed.function}: kernel_size is required")
    kernel = _pair("kernel_size", a.get("kernel_size"), 1, positive=True)
    strides = _pair("strides", a.get("strides"), 1)
    dil = _pair("dilation_rate", a.get("dilation_rate"), 1)
    padding = a.get("padding", "valid")
    padding = _checks.choice("padding", padding.lower() if isinstance(padding, str) else padding, ("valid", "same"))
    fmt = {"channels_last": "NHWC", "channels_first": "NCHW", None: "NHWC"}.get(a.get("data_format"))
    if fmt is None:
        raise InvalidArgumentError("data_format", a.get("data_format"), message="data_format must be "
                                   "'channels_last' or 'channels_first'")
    if a.get("groups", 1) != 1:
        raise InvalidArgumentError("groups", a.get("groups"), message="Keras Conv2DTranspose has no groups")
    op = a.get("output_padding")
    op_pair = None if op is None else _pair("output_padding", op, 0)
    c_in = input_shape[fmt.index("C")]
    w_shape = (kernel[0], kernel[1], filters, c_in)
    n_hw = (input_shape[fmt.index("H")], input_shape[fmt.index("W")])
    out_hw = tuple(_keras_length(n_hw[i], kernel[i], padding, None if op_pair is None else op_pair[i], strides[i],
                                 dil[i]) for i in range(2))
    out_shape = (input_shape[0], out_hw[0], out_hw[1], filters) if fmt == "NHWC" else \
        (input_shape[0], filters, out_hw[0], out_hw[1])

    def run(x, w, b, _o=out_shape, _s=strides, _p=padding.upper(), _f=fmt, _d=dil):
        y = tf_twin.conv2d_transpose(x, w, list(_o), list(_s), _p, _f, list(_d))
        if b is not None:
            y = y + (b if _f == "NHWC" else b[:, None, None])
        return y
    return Source(parsed.text, "tensorflow", fmt, "tf", w_shape, strides, dil, 1,
                   a.get("use_bias", True) is not False, run, False,
                   f"Keras computes the output size {out_hw[0]}x{out_hw[1]} ({padding}) and runs "
                   f"tf.nn.conv2d_transpose with padding='{padding.upper()}'")


def _torch_source(parsed: ConvSource, a: dict[str, Any], input_shape: tuple[int, ...],
                  weight_shape: Sequence[int] | None) -> Source:
    """``F.conv_transpose2d`` (weight shape given) or ``nn.ConvTranspose2d(...)`` (optionally called
    with ``output_size=``, which PyTorch turns into ``output_padding``)."""
    from upsampling.frameworks import pytorch as torch_twin

    if parsed.framework == "pytorch":
        w_shape = _weight_shape(weight_shape, parsed.function, "torch")
        has_bias = a.get("bias") is not None
    else:
        c_in, c_out = a.get("in_channels"), a.get("out_channels")
        groups = a.get("groups", 1)
        kernel = _pair("kernel_size", a.get("kernel_size"), 1, positive=True)
        if not all(_checks.is_integer(v) and v > 0 for v in (c_in, c_out, groups)) or c_out % groups or c_in % groups:
            raise InvalidArgumentError("in_channels", (c_in, c_out, groups), message=f"{parsed.function}: "
                                       "in_channels, out_channels and groups must be positive ints, groups "
                                       "dividing both")
        w_shape = (c_in, c_out // groups, kernel[0], kernel[1])
        has_bias = a.get("bias", True) is not False
        if a.get("padding_mode", "zeros") != "zeros":
            raise InvalidArgumentError("padding_mode", a.get("padding_mode"),
                                       message="ConvTranspose2d only supports padding_mode='zeros' (as PyTorch)")
    stride = a.get("stride", 1)
    padding = a.get("padding", 0)
    output_padding = a.get("output_padding", 0)
    groups = a.get("groups", 1)
    dilation = a.get("dilation", 1)
    note = ""
    if a.get("output_size") is not None:
        output_padding = _torch_output_padding(parsed, a["output_size"], input_shape, w_shape, stride, padding,
                                               dilation)
        note = (f"PyTorch turns output_size={a['output_size']!r} into output_padding={output_padding!r} "
                "(torch.nn.ConvTranspose2d._output_padding)")

    def run(x, w, b, _s=stride, _p=padding, _o=output_padding, _g=groups, _d=dilation):
        return torch_twin.conv_transpose2d(x, w, b, _s, _p, _o, _g, _d)
    return Source(parsed.text, "pytorch", "NCHW", "torch", w_shape, _pair("stride", stride, 1),
                   _pair("dilation", dilation, 1), int(groups), has_bias, run, a.get("output_size") is not None, note)


def _torch_output_padding(parsed: ConvSource, output_size: Any, input_shape: tuple[int, ...],
                          w_shape: tuple[int, int, int, int], stride: Any, padding: Any, dilation: Any) -> tuple[int, int]:
    """``ConvTranspose2d.forward(x, output_size)``'s ``output_padding``: ``output_size`` (its last two
    values) minus the size without it, which must lie in ``[min, min + stride - 1]``
    (torch/nn/modules/conv.py, ``_ConvTransposeNd._output_padding``)."""
    from upsampling.shapes import conv_transpose_output_size

    size = _pair("output_size", output_size[-2:] if isinstance(output_size, tuple) and len(output_size) == 4
                 else output_size, 1, positive=True)
    s, p, d = _pair("stride", stride, 1), _pair("padding", padding, 0), _pair("dilation", dilation, 1)
    out = []
    for axis in range(2):
        smallest = conv_transpose_output_size(input_shape[2 + axis], w_shape[2 + axis], s[axis], p[axis], d[axis])
        if not smallest <= size[axis] <= smallest + s[axis] - 1:
            raise ShapeError("output_size", output_size, message=f"{parsed.function}: requested an output size of "
                             f"{list(size)}, but valid sizes range from {smallest} to {smallest + s[axis] - 1} along "
                             f"{'HW'[axis]} (for an input of {list(input_shape[2:])}), as PyTorch says")
        out.append(size[axis] - smallest)
    return (out[0], out[1])


def _onnx_source(parsed: ConvSource, a: dict[str, Any], input_shape: tuple[int, ...],
                 weight_shape: Sequence[int] | None) -> Source:
    """ONNX ``ConvTranspose`` written with its attributes (the kernel from ``kernel_shape`` or the weight)."""
    from upsampling.frameworks import onnx as onnx_twin

    kernel_shape = a.get("kernel_shape")
    if weight_shape is not None:
        w_shape = _weight_shape(weight_shape, parsed.function, "torch")
    elif isinstance(kernel_shape, tuple) and len(kernel_shape) == 2:
        kernel = _pair("kernel_shape", kernel_shape, 1, positive=True)
        group = a.get("group", 1)
        c_in = input_shape[1]
        w_shape = (c_in, max(1, c_in // group) if _checks.is_integer(group) and group > 0 else c_in, *kernel)
    else:
        raise InvalidArgumentError("kernel_shape", kernel_shape, message="ConvTranspose: give kernel_shape=[kh, kw] "
                                   "or weight_shape=(in, out/group, kh, kw); only 2-D transposed convolutions "
                                   "are translated")
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in a.items() if k != "opset"}

    def run(x, w, b, _a=attrs):
        return onnx_twin.conv_transpose(x, w, b, **_a)
    return Source(parsed.text, "onnx", "NCHW", "torch", w_shape, _pair("strides", a.get("strides"), 1),
                   _pair("dilations", a.get("dilations"), 1), int(a.get("group", 1)), False, run,
                   a.get("output_shape") is not None)


def _groups_tf(out_shape: tuple, fmt: str, w_shape: tuple[int, int, int, int]) -> int:
    if len(out_shape) == 4:
        channels = out_shape[fmt.index("C")]
        return max(1, channels // w_shape[2])
    return 1


def _keras_length(n: int, k: int, padding: str, output_padding: int | None, s: int, d: int) -> int:
    """Keras' ``deconv_output_length`` (keras/src/utils/conv_utils.py, also in Keras 3)."""
    k_eff = (k - 1) * d + 1
    if output_padding is None:
        return n * s + (max(k_eff - s, 0) if padding == "valid" else 0)
    pad = k_eff // 2 if padding == "same" else 0
    return (n - 1) * s + k_eff - 2 * pad + output_padding


def crops(src: Source, input_shape: tuple[int, ...]) -> tuple[tuple[tuple[int, int], tuple[int, int]], tuple, int]:
    """Run the source's twin on a ramp with a one-tap kernel; read where the ramp lands."""
    lay = src.layout
    n_h, n_w = input_shape[lay.index("H")], input_shape[lay.index("W")]
    x = np.zeros(input_shape, dtype=np.float64)
    ramp = (np.arange(n_h)[:, None] * n_w + np.arange(n_w)[None, :] + 1).astype(np.float64)
    index = [0] * 4
    index[lay.index("H")] = slice(None)
    index[lay.index("W")] = slice(None)
    x[tuple(index)] = ramp
    w = np.zeros(src.weight_shape, dtype=np.float64)
    if src.weight_layout == "torch":
        w[0, :, 0, 0] = 1.0
    else:
        w[0, 0, :, 0] = 1.0
    y = np.asarray(src.run(x, w, None))
    yl = y.transpose(0, 3, 1, 2) if lay == "NHWC" else y
    plane = yl[0, 0]
    out_hw = plane.shape
    full = [(n - 1) * s + (k - 1) * d + 1 for n, s, k, d in
            zip((n_h, n_w), src.stride, kernel(src), src.dilation)]
    nz = np.argwhere(plane != 0)
    if nz.size == 0:
        raise ShapeError("source", src.text, message=f"{src.text}: the output keeps none of the input "
                         "(everything is cropped)")
    o_h, o_w = nz[0]
    v = int(round(plane[o_h, o_w])) - 1
    i, j = divmod(v, n_w)
    before = (i * src.stride[0] - int(o_h), j * src.stride[1] - int(o_w))
    crop = ((before[0], full[0] - out_hw[0] - before[0]), (before[1], full[1] - out_hw[1] - before[1]))
    c_out = yl.shape[1]
    return crop, tuple(out_hw), c_out


_CHECK_BYTES = 2**30  # the twins' float64 arrays while reading the crops and checking the target, at most


def check_bytes(src: Source, shape: tuple[int, ...]) -> None:
    """Refuse, before allocating, an input whose twin runs would need more than :data:`_CHECK_BYTES`."""
    lay = src.layout
    n, c_in = shape[0], shape[lay.index("C")]
    c_out = src.weight_shape[1] * src.groups if src.weight_layout == "torch" else src.weight_shape[2] * src.groups
    full = [(shape[lay.index(a)] - 1) * s + (k - 1) * d + 1
            for a, s, k, d in zip("HW", src.stride, kernel(src), src.dilation)]
    need = 8 * (3 * n * c_in * shape[lay.index("H")] * shape[lay.index("W")] + 4 * n * c_out * full[0] * full[1]
                + 2 * int(np.prod(src.weight_shape)))
    if need > _CHECK_BYTES:
        raise OutputTooLargeError(
            "input_shape", shape,
            message=f"{src.text}: reading the crops and checking the translation through the twins at input_shape "
            f"{shape} needs about {need // 2**20:,} MiB (at most {_CHECK_BYTES // 2**20:,} MiB); the translation "
            "does not depend on the batch, and the crops of a call without an output size do not depend on the "
            "input size either: pass a smaller input_shape",
        )


def kernel(src: Source) -> tuple[int, int]:
    ws = src.weight_shape
    return (ws[2], ws[3]) if src.weight_layout == "torch" else (ws[0], ws[1])
