"""upsampling: resize and transposed convolution exactly as each framework does them.

The NumPy API lives here; framework twins are in :mod:`upsampling.frameworks`.
Importing this package imports NumPy and nothing heavier.
"""

from __future__ import annotations

import importlib
from typing import Any

from upsampling._options import get_options, options, set_options
from upsampling.errors import (
    DTypeError,
    InvalidArgumentError,
    MissingExtraError,
    OutputTooLargeError,
    ShapeError,
    UnsupportedError,
    UpsamplingError,
)

__version__ = "0.1.0"

__all__ = [
    "DTypeError",
    "InvalidArgumentError",
    "MissingExtraError",
    "OutputTooLargeError",
    "ShapeError",
    "UnsupportedError",
    "UpsamplingError",
    "get_options",
    "options",
    "set_options",
]

# --- resize ---
from upsampling.interpolate import bilinear, bilinear_matrix, bilinear_steps, bilinear_unit_square, lerp, sample
from upsampling.argmax import upsample_argmax
from upsampling.resizing import resize, resize_spec
from upsampling.spec import ResizeSpec

__all__ += [
    "ResizeSpec",
    "bilinear",
    "bilinear_matrix",
    "bilinear_steps",
    "bilinear_unit_square",
    "lerp",
    "resize",
    "resize_spec",
    "sample",
    "upsample_argmax",
]

# --- transposed convolution ---
from upsampling.layouts import (
    onnx_to_tf_weight,
    onnx_to_torch_weight,
    tf_to_onnx_weight,
    tf_to_torch_weight,
    torch_to_onnx_weight,
    torch_to_tf_weight,
)
from upsampling.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    same_padding,
    valid_conv_transpose_output_sizes,
)

# TensorFlow's convolution faces (``upsampling.conv2d_transpose`` ...) belong to the TensorFlow
# twin (frameworks/tensorflow/conv.py), a layer above the engines this package imports; they
# are loaded on first use (``__getattr__``), so ``import upsampling`` stays on the engine layers.
_LAZY = {
    name: "upsampling.frameworks.tensorflow.conv"
    for name in ("conv1d", "conv1d_transpose", "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose")
}

__all__ += [
    *_LAZY,
    "conv_output_size",
    "conv_transpose_output_size",
    "onnx_to_tf_weight",
    "onnx_to_torch_weight",
    "same_padding",
    "tf_to_onnx_weight",
    "tf_to_torch_weight",
    "torch_to_onnx_weight",
    "torch_to_tf_weight",
    "valid_conv_transpose_output_sizes",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'upsampling' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
