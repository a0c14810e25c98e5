"""Twin of ONNX's upsampling operators: NumPy in, NumPy out, ONNX's own attributes and defaults.

* :mod:`.resize`: ``Resize`` (opset 19, :func:`resize`) and ``Upsample`` (opset 9, :func:`upsample`);
* :mod:`.conv`: ``ConvTranspose`` (:func:`conv_transpose`).

Argument translation only: the math lives in the resize and transposed-convolution engines.
This package never imports onnx or onnxruntime.
"""

from upsampling.frameworks.onnx.conv import AUTO_PADS, conv_transpose
from upsampling.frameworks.onnx.resize import RESIZE_ORT, RESIZE_SPEC, UPSAMPLE, resize, upsample  # noqa: F401

__all__ = ["AUTO_PADS", "conv_transpose", "resize", "upsample"]

# doctest.testmod(<this package>) finds only what the package's own file defines: point it at the
# twin's functions, whose examples the parity tests run as the module's doctests.
__test__ = {"conv_transpose": conv_transpose}
