"""``translate`` for transposed convolutions.

Every framework's transposed convolution is the same operation -- the *full* transposed
convolution ``(in-1)·s + (k-1)·d + 1`` long -- followed by a crop: ``before`` elements cut at the
start of each spatial axis and ``after`` at the end (a negative ``after`` appends zeros).  Only
the crops, the weight layout and the argument spelling differ:

==================  =========================================================================
framework           crop (before, after) per axis
==================  =========================================================================
PyTorch             ``(padding, padding - output_padding)``; ``output_padding < max(s, d)``
TensorFlow          ``before`` = the forward convolution's padding before the axis, computed on
                    ``output_shape`` (``SAME``: ``total // 2``, the odd element at the end)
Keras               TensorFlow's, with the output size Keras computes (``same``: ``in·s``)
ONNX                ``pads`` (``after`` reduced by ``output_padding``); ``SAME_UPPER`` = TF SAME
==================  =========================================================================

The source's crops are not re-derived here: its twin is run once with a ramp input and a
single-tap kernel, and the crops are read off where the ramp lands (:func:`_crops`).  The target
code then expresses the same crops with the target's arguments (and a slice where they cannot:
TensorFlow's odd ``SAME`` total in PyTorch, pytorch/pytorch#80301), converts the weight layout
(``weight.transpose(3, 2, 0, 1)``: TensorFlow ``[kh, kw, out/g, in]`` -> PyTorch/ONNX
``[in, out/g, kh, kw]``), and both twins are compared on random data before anything is returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling.errors import InvalidArgumentError, OutputTooLargeError, ShapeError
from upsampling.port.calls import TITLES
from upsampling.port.parse import ConvSource, _Ignored

__all__ = ["ConvOp", "translate_conv"]


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
class _Source:
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
    if value is None or isinstance(value, _Ignored):
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


def _source(parsed: ConvSource, input_shape: tuple[int, ...], weight_shape: Sequence[int] | None) -> _Source:
    """The parsed call made runnable through its twin, for inputs of ``input_shape``."""
    build = {"tensorflow": _tf_source, "engine": _tf_source, "keras": _keras_source, "pytorch": _torch_source,
             "pytorch_module": _torch_source, "onnx": _onnx_source}[parsed.framework]
    return build(parsed, dict(parsed.args), input_shape, weight_shape)


def _tf_source(parsed: ConvSource, a: dict[str, Any], input_shape: tuple[int, ...],
               weight_shape: Sequence[int] | None) -> _Source:
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
    return _Source(parsed.text, "engine" if parsed.framework == "engine" else "tensorflow", fmt, "tf", w_shape,
                   _pair("strides", strides, 1, tf_layout=fmt), _pair("dilations", dilations, 1, tf_layout=fmt),
                   _groups_tf(out_shape, fmt, w_shape), False, run, True)


def _keras_source(parsed: ConvSource, a: dict[str, Any], input_shape: tuple[int, ...],
                  weight_shape: Sequence[int] | None) -> _Source:
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
    return _Source(parsed.text, "tensorflow", fmt, "tf", w_shape, strides, dil, 1,
                   a.get("use_bias", True) is not False, run, False,
                   f"Keras computes the output size {out_hw[0]}x{out_hw[1]} ({padding}) and runs "
                   f"tf.nn.conv2d_transpose with padding='{padding.upper()}'")


def _torch_source(parsed: ConvSource, a: dict[str, Any], input_shape: tuple[int, ...],
                  weight_shape: Sequence[int] | None) -> _Source:
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
    return _Source(parsed.text, "pytorch", "NCHW", "torch", w_shape, _pair("stride", stride, 1),
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
                 weight_shape: Sequence[int] | None) -> _Source:
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
    return _Source(parsed.text, "onnx", "NCHW", "torch", w_shape, _pair("strides", a.get("strides"), 1),
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


def _crops(src: _Source, input_shape: tuple[int, ...]) -> tuple[tuple[tuple[int, int], tuple[int, int]], tuple, int]:
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
            zip((n_h, n_w), src.stride, _kernel(src), src.dilation)]
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


def _check_bytes(src: _Source, shape: tuple[int, ...]) -> None:
    """Refuse, before allocating, an input whose twin runs would need more than :data:`_CHECK_BYTES`."""
    lay = src.layout
    n, c_in = shape[0], shape[lay.index("C")]
    c_out = src.weight_shape[1] * src.groups if src.weight_layout == "torch" else src.weight_shape[2] * src.groups
    full = [(shape[lay.index(a)] - 1) * s + (k - 1) * d + 1
            for a, s, k, d in zip("HW", src.stride, _kernel(src), src.dilation)]
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


def _kernel(src: _Source) -> tuple[int, int]:
    ws = src.weight_shape
    return (ws[2], ws[3]) if src.weight_layout == "torch" else (ws[0], ws[1])


# -- target code --------------------------------------------------------------------------------------


def _w_expr(src: _Source, target_layout: str) -> str:
    if src.weight_layout == target_layout:
        return "weight"
    return "weight.transpose(3, 2, 0, 1)" if target_layout == "torch" else "weight.transpose(2, 3, 1, 0)"


def _torch_code(op: ConvOp, src: _Source) -> tuple[str, str, dict[str, Any]]:
    pads, ops, slices, zeros = [], [], [], []
    for a in range(2):
        before, after = op.crop[a]
        limit = max(op.stride[a], op.dilation[a])
        if before >= 0 and 0 <= before - after < limit:
            pads.append(before)
            ops.append(before - after)
            slices.append((0, 0))
        else:
            p = max(0, min(before, after))
            pads.append(p)
            ops.append(0)
            slices.append((before - p, after - p))
    lines = [f"w = torch.from_numpy(np.ascontiguousarray({_w_expr(src, 'torch')}))"]
    args = ["x", "w"]
    if op.bias:
        args.append("torch.from_numpy(bias)")
    if op.stride != (1, 1):
        args.append(f"stride={_tup(op.stride)}")
    if any(pads):
        args.append(f"padding={_tup(tuple(pads))}")
    if any(ops):
        args.append(f"output_padding={_tup(tuple(ops))}")
    if op.groups != 1:
        args.append(f"groups={op.groups}")
    if op.dilation != (1, 1):
        args.append(f"dilation={_tup(op.dilation)}")
    lines.append(f"y = F.conv_transpose2d({', '.join(args)})")
    extra = [s for s in slices if s != (0, 0)]
    if extra:
        (bh, ah), (bw, aw) = slices
        if min(ah, aw) < 0:
            lines.append(f"y = F.pad(y, (0, {max(0, -aw)}, 0, {max(0, -ah)}))")
        h_end = f"y.shape[2] - {ah}" if ah > 0 else ""
        w_end = f"y.shape[3] - {aw}" if aw > 0 else ""
        lines.append(f"y = y[:, :, {bh or ''}:{h_end}, {bw or ''}:{w_end}]")
    kwargs = dict(stride=op.stride, padding=tuple(pads), output_padding=tuple(ops), groups=op.groups,
                  dilation=op.dilation, slices=tuple(slices))
    what = "F.conv_transpose2d(" + ", ".join(args) + ")" + (" then a crop" if extra else "")
    return "\n".join(lines), what, kwargs


def _tup(t: tuple) -> str:
    return repr(t[0]) if t[0] == t[1] else repr(tuple(t))


def _tf_padding(op: ConvOp) -> Any:
    from upsampling.shapes import padding_pair, valid_conv_transpose_output_sizes

    for name in ("SAME", "VALID"):
        ok = True
        for a in range(2):
            k, s, d, n = op.kernel[a], op.stride[a], op.dilation[a], op.in_hw[a]
            out = op.out_hw[a]
            if out not in valid_conv_transpose_output_sizes(n, k, s, name, d) or \
                    padding_pair(name, out, k, s, d)[0] != op.crop[a][0]:
                ok = False
        if ok:
            return name
    pads = []
    for a in range(2):
        before, after = op.crop[a]
        pads.append([before, max(after, 0)])
    return [[0, 0], pads[0], pads[1], [0, 0]]


def _tf_code(op: ConvOp, src: _Source, fixed: bool) -> tuple[str, str, dict[str, Any]]:
    """``tf.nn.conv2d_transpose``.  TensorFlow's CPU kernels refuse a dilation above 1 with explicit
    padding and some grouped convolutions (observed, TF 2.21 with oneDNN), so a dilated kernel is
    written out with its zeros (the same products, dilation 1) and groups run one by one."""
    k_eff = tuple((k - 1) * d + 1 for k, d in zip(op.kernel, op.dilation))
    plain = ConvOp(op.n, op.c_in, op.c_out, op.groups, op.in_hw, op.out_hw, k_eff, op.stride, (1, 1), op.crop,
                   op.bias)
    padding = _tf_padding(plain)
    lines = []
    w = _w_expr(src, "tf")
    if op.dilation != (1, 1):
        lines += [f"w = {w}",
                  f"filters = np.zeros(({k_eff[0]}, {k_eff[1]}) + w.shape[2:], w.dtype)",
                  f"filters[::{op.dilation[0]}, ::{op.dilation[1]}] = w"]
        w = "filters"
    out_c = op.c_out // op.groups
    if fixed:
        hw = f"{op.out_hw[0]}, {op.out_hw[1]}"
    else:
        hw = ", ".join(f"(x.shape[{1 + a}] - 1) * {op.stride[a]} + "
                       f"{op.full(a) - (op.in_hw[a] - 1) * op.stride[a] - sum(op.crop[a])}" for a in range(2))
    tail = f"strides={_tup(op.stride)}, padding={padding!r})"
    if op.groups == 1:
        lines.append(f"filters = tf.constant({w})" if w != "filters" else "filters = tf.constant(filters)")
        lines.append(f"y = tf.nn.conv2d_transpose(x, filters, (x.shape[0], {hw}, {op.c_out}), {tail}")
    else:
        lines += [f"parts = zip(tf.split(x, {op.groups}, axis=3), np.split({w}, {op.groups}, axis=3))",
                  f"y = tf.concat([tf.nn.conv2d_transpose(xg, tf.constant(fg), (x.shape[0], {hw}, {out_c}), {tail}"
                  " for xg, fg in parts], axis=3)"]
    if op.bias:
        lines.append("y = tf.nn.bias_add(y, bias)")
    what = f"tf.nn.conv2d_transpose(..., padding={padding!r})"
    if op.dilation != (1, 1):
        what += " with the dilated kernel written out"
    if op.groups != 1:
        what += f", {op.groups} groups one by one"
    return "\n".join(lines), what, dict(padding=padding, plain=plain)


def _onnx_code(op: ConvOp, src: _Source, opset: int) -> tuple[str, str, dict[str, Any]]:
    pads_b, pads_e, outp = [], [], []
    for a in range(2):
        before, after = op.crop[a]
        if after >= 0:
            pads_b.append(before)
            pads_e.append(after)
            outp.append(0)
        else:
            pads_b.append(before)
            pads_e.append(0)
            outp.append(-after)
    attrs: dict[str, Any] = {"kernel_shape": list(op.kernel), "strides": list(op.stride)}
    if any(pads_b + pads_e):
        attrs["pads"] = pads_b + pads_e
    if any(outp):
        attrs["output_padding"] = outp
    if op.dilation != (1, 1):
        attrs["dilations"] = list(op.dilation)
    if op.groups != 1:
        attrs["group"] = op.groups
    names = ["x", "W"] + (["B"] if op.bias else [])
    inits = [f"onnx.numpy_helper.from_array(np.ascontiguousarray({_w_expr(src, 'torch')}), 'W')"]
    if op.bias:
        inits.append("onnx.numpy_helper.from_array(bias, 'B')")
    attr_text = "".join(f", {k}={v!r}" for k, v in attrs.items())
    code = "\n".join([
        "import onnx, onnxruntime",
        f"node = onnx.helper.make_node('ConvTranspose', {names!r}, ['y']{attr_text})",
        "elem = onnx.helper.np_dtype_to_tensor_dtype(x.dtype)",
        "graph = onnx.helper.make_graph(",
        "    [node], 'port', [onnx.helper.make_tensor_value_info('x', elem, list(x.shape))],",
        "    [onnx.helper.make_tensor_value_info('y', elem, None)],",
        f"    initializer=[{', '.join(inits)}])",
        f"model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid('', {opset})])",
        "model.ir_version = min(model.ir_version, 10)",
        "session = onnxruntime.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])",
        "y = session.run(None, {'x': x})[0]",
    ])
    return code, f"ConvTranspose({', '.join(f'{k}={v!r}' for k, v in attrs.items())})", dict(attrs=attrs)


def _engine_code(op: ConvOp, src: _Source) -> tuple[str, str, dict[str, Any]]:
    w = "weight" if src.weight_layout == "torch" else "upsampling.tf_to_torch_weight(weight)"
    args = ["x", w] + (["bias"] if op.bias else [])
    args += [f"strides={op.stride!r}", f"dilations={op.dilation!r}",
             f"pads_begin={(op.crop[0][0], op.crop[1][0])!r}", f"pads_end={(op.crop[0][1], op.crop[1][1])!r}"]
    if op.groups != 1:
        args.append(f"groups={op.groups}")
    call = f"conv_transpose({', '.join(args)})"
    return ("import upsampling\nfrom upsampling.conv_transpose import conv_transpose\ny = " + call,
            "upsampling.conv_transpose." + call, {})


# -- checking the target against the source with the twins ---------------------------------------------


def _run_target(to: str, op: ConvOp, kwargs: dict[str, Any], x_nchw: np.ndarray, w_torch: np.ndarray,
                b: np.ndarray | None) -> np.ndarray:
    """The target's call through its twin (NCHW in and out)."""
    from upsampling.conv_transpose import conv_transpose
    from upsampling.frameworks import onnx as onnx_twin
    from upsampling.frameworks import pytorch as torch_twin
    from upsampling.frameworks import tensorflow as tf_twin

    if to == "pytorch":
        y = torch_twin.conv_transpose2d(x_nchw, w_torch, b, kwargs["stride"], kwargs["padding"],
                                        kwargs["output_padding"], kwargs["groups"], kwargs["dilation"])
        (bh, ah), (bw, aw) = kwargs["slices"]
        y = np.pad(y, ((0, 0), (0, 0), (0, max(0, -ah)), (0, max(0, -aw))))
        return y[:, :, bh: y.shape[2] - max(ah, 0), bw: y.shape[3] - max(aw, 0)]
    if to == "tensorflow":
        x = x_nchw.transpose(0, 2, 3, 1)
        w = w_torch.transpose(2, 3, 1, 0)
        plain = kwargs["plain"]
        wd = np.zeros(plain.kernel + w.shape[2:], w.dtype)
        wd[:: op.dilation[0], :: op.dilation[1]] = w
        g = op.groups
        parts = [tf_twin.conv2d_transpose(xg, fg, [x.shape[0], op.out_hw[0], op.out_hw[1], op.c_out // g],
                                          list(op.stride), kwargs["padding"], "NHWC", None)
                 for xg, fg in zip(np.split(x, g, axis=3), np.split(wd, g, axis=3))]
        y = np.concatenate(parts, axis=3)
        if b is not None:
            y = y + b
        return y.transpose(0, 3, 1, 2)
    if to == "onnx":
        return onnx_twin.conv_transpose(x_nchw, w_torch, b, **kwargs["attrs"])
    return conv_transpose(x_nchw, w_torch, b, strides=op.stride, dilations=op.dilation,
                          pads_begin=(op.crop[0][0], op.crop[1][0]), pads_end=(op.crop[0][1], op.crop[1][1]),
                          groups=op.groups)


def _verify(parsed: ConvSource, src: _Source, code: str, to: str, layout: str, shape: tuple[int, ...], opset: int,
            weight_shape: Sequence[int] | None) -> tuple[float, bool]:
    """Run the source's own framework and the target code live on random data.

    The source text is never run: its framework runs the code ``translate`` writes for it in that
    same framework (the same function, the same crops).
    """
    from upsampling.port.calls import convert_layout, namespace, run_live

    own = {"tensorflow": "tensorflow", "engine": "engine", "pytorch": "pytorch", "onnx": "onnx"}[src.framework]
    same = translate_conv(parsed, own, shape, opset=opset, weight_shape=weight_shape, verify=False)
    names = namespace()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(src.weight_shape).astype(np.float32)
    b = np.zeros(same.output_shape[1 if same.layout == "NCHW" else 3], np.float32)
    extra = dict(names, bias=b)
    y_src = run_live(same.code, np.ascontiguousarray(convert_layout(x, src.layout, same.layout)), own, weight=w,
                     names=extra)
    y_t = run_live(code, np.ascontiguousarray(convert_layout(x, src.layout, layout)), to, weight=w, names=extra)
    y_t = convert_layout(y_t, layout, same.layout)
    return float(np.abs(y_t.astype(np.float64) - y_src).max()), bool(np.array_equal(y_t, y_src))


def translate_conv(parsed: ConvSource, to: str, input_shape: Sequence[int] | None, *, opset: int,
                   weight_shape: Sequence[int] | None, verify: bool) -> Any:
    """:func:`upsampling.port.translate` for a transposed convolution."""
    from upsampling.port.result import Translation

    layout = "NCHW" if parsed.framework in ("pytorch", "pytorch_module", "onnx") else \
        {"NCHW": "NCHW", "channels_first": "NCHW"}.get(dict(parsed.args).get("data_format"), "NHWC")
    notes: list[str] = []
    if input_shape is None:
        raise InvalidArgumentError("input_shape", None, message=f"{parsed.text}: pass input_shape (in {layout}) -- a "
                                   "transposed convolution's crops depend on it")
    shape = tuple(_checks.positive_int("input_shape", v) for v in _checks.sequence("input_shape", input_shape, 4))
    src = _source(parsed, shape, weight_shape)
    _check_bytes(src, shape)
    crop, out_hw, c_out = _crops(src, shape)
    lay = src.layout
    op = ConvOp(shape[0], shape[lay.index("C")], c_out, src.groups, (shape[lay.index("H")], shape[lay.index("W")]),
                out_hw, _kernel(src), src.stride, src.dilation, crop, src.bias)
    if src.note:
        notes.append(src.note)
    title = TITLES.get(to, to)
    in_words = (f"the full transposed convolution ({op.full(0)}x{op.full(1)}) cropped by {crop[0][0]} at the top, "
                f"{crop[0][1]} at the bottom, {crop[1][0]} at the left, {crop[1][1]} at the right"
                + (" (negative: zeros appended)" if min(min(c) for c in crop) < 0 else ""))
    size_free = not src.size_fixed
    holds = ("all input sizes" if size_free else "the input shape given")
    reason = ("the crops do not depend on the input size (they come from the padding arguments alone)" if size_free
              else "the call states its output size, and the crops that give it depend on the input size: for "
                   "another input size, translate again")
    if to in ("opencv", "pillow"):
        return Translation(
            source=parsed.text, target=to, code="", layout="", exact=False, bit_identical=None, max_error=math.inf,
            holds_for="no input size", reason=f"{title} has no transposed convolution",
            input_shape=shape, source_layout=lay, output_shape=(), call="", kind="conv_transpose",
            source_does=in_words, differences=[f"{title} has no transposed convolution; use to='onnx' (cv2.dnn runs "
                                               "ONNX models) or to='engine' (upsampling, NumPy)"],
            notes=notes)
    if to == "pytorch":
        code, what, kwargs = _torch_code(op, src)
        target_layout = "NCHW"
        if kwargs["slices"] != ((0, 0), (0, 0)):
            notes.append("PyTorch's padding crops both ends alike and output_padding only adds at the end, so these "
                         "crops need a slice after the call (pytorch/pytorch#80301)")
    elif to == "tensorflow":
        code, what, kwargs = _tf_code(op, src, fixed=src.size_fixed)
        target_layout = "NHWC"
    elif to == "onnx":
        code, what, kwargs = _onnx_code(op, src, max(opset, 11))
        target_layout = "NCHW"
    else:
        code, what, kwargs = _engine_code(op, src)
        target_layout = "NCHW"
    # prove it with the twins: random input, weight and bias, source vs target
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(src.weight_shape)
    b = rng.standard_normal(c_out) if src.bias else None
    y_src = np.asarray(src.run(x, w, b))
    y_src_nchw = y_src.transpose(0, 3, 1, 2) if lay == "NHWC" else y_src
    x_nchw = x.transpose(0, 3, 1, 2) if lay == "NHWC" else x
    w_torch = w.transpose(3, 2, 0, 1) if src.weight_layout == "tf" else w
    y_t = _run_target(to, op, kwargs, x_nchw, w_torch, b)
    if y_t.shape != y_src_nchw.shape:  # pragma: no cover - a bug in the crops above
        raise ShapeError("code", y_t.shape, f"the source's output shape {y_src_nchw.shape}")
    scale = float(np.abs(x).max()) * float(np.abs(w).sum(axis=(0, 1) if src.weight_layout == "tf" else (0, 2, 3)).max())
    err = float(np.abs(y_t - y_src_nchw).max()) / max(scale, 1e-300)
    exact = err < 1e-12
    out_shape = (shape[0], c_out, *out_hw) if target_layout == "NCHW" else (shape[0], *out_hw, c_out)
    measured = bit = None
    if verify:
        measured, bit = _verify(parsed, src, code, to, target_layout, shape, opset, weight_shape)
    return Translation(
        source=parsed.text, target=to, code=code, layout=target_layout, exact=exact,
        max_error=err, holds_for=holds, reason=reason, input_shape=shape, source_layout=lay,
        output_shape=out_shape, call=what, kind="conv_transpose", source_does=in_words,
        composition=to == "pytorch" and kwargs["slices"] != ((0, 0), (0, 0)),
        target_does=f"{what}: the same crops" + (" with the weight transposed" if _w_expr(src, 'torch' if to in (
            'pytorch', 'onnx', 'engine') else 'tf') != "weight" else ""),
        measured_error=measured, bit_identical=bit,
        notes=notes + [f"code reads `weight` ({'[kh, kw, out/groups, in]' if src.weight_layout == 'tf' else '[in, out/groups, kh, kw]'}, "
                       f"the source's layout{', ' + 'and `bias`' if op.bias else ''})"],
    )
