"""Transposed convolutions read from a call: :class:`ConvSource` (translated by :mod:`upsampling.port.conv`)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from upsampling.errors import InvalidArgumentError
from upsampling.port.parse.literals import bind
from upsampling.port.parse.onnx import onnx_kwargs

__all__ = ["ConvSource", "conv_call"]


@dataclass(frozen=True)
class ConvSource:
    """A transposed convolution read from a call (see :mod:`upsampling.port.conv`).

    framework : ``"tensorflow"`` (``tf.nn.conv2d_transpose``), ``"keras"``, ``"pytorch"``, ``"onnx"``
        or ``"engine"``; ``function`` the name as written; ``args`` the bound literal arguments.
    """

    framework: str
    function: str
    args: tuple[tuple[str, Any], ...]
    text: str

    def get(self, name: str, default: Any = None) -> Any:
        return dict(self.args).get(name, default)


def conv_call(fn: str, text: str, node: ast.Call) -> ConvSource:
    last = fn.split(".")[-1]
    if last == "conv2d_transpose" and fn.startswith("upsampling"):
        a = bind(fn, text, node, ["filters", "output_shape", "strides", "padding", "data_format", "dilations", "name"])
        return ConvSource("engine", fn, tuple(a.items()), text)
    if last == "conv2d_transpose":
        a = bind(fn, text, node, ["filters", "output_shape", "strides", "padding", "data_format", "dilations", "name"])
        return ConvSource("tensorflow", fn, tuple(a.items()), text)
    if last in ("Conv2DTranspose", "Conv2dTranspose"):
        names = ["filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate",
                 "activation", "use_bias"]
        a = bind(fn, text, node, names, skip_input=False, extra_ok=True)
        for k in list(a):
            if k not in names and k not in ("kernel_initializer", "bias_initializer", "name", "groups"):
                raise InvalidArgumentError(k, a[k], message=f"{fn}() has no argument {k!r} that translate reads")
        return ConvSource("keras", fn, tuple(a.items()), text)
    if last == "conv_transpose2d":
        a = bind(fn, text, node, ["weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"])
        return ConvSource("pytorch", fn, tuple(a.items()), text)
    if last == "ConvTranspose2d":
        names = ["in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
                 "dilation", "padding_mode"]
        a = bind(fn, text, node, names, skip_input=False)
        return ConvSource("pytorch_module", fn, tuple(a.items()), text)
    a, opset = onnx_kwargs(fn, text, node)
    allowed = {"auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"}
    for k in a:
        if k not in allowed:
            raise InvalidArgumentError(k, a[k], message="ONNX ConvTranspose has no attribute "
                                       f"{k!r}; it takes " + ", ".join(sorted(allowed)))
    return ConvSource("onnx", fn, tuple(a.items()) + (("opset", opset),), text)
