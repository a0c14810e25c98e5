"""Twin of TensorFlow's upsampling operators: NumPy in, NumPy out, TensorFlow's own signatures and defaults.

* :mod:`.resize`: ``tf.image.resize`` and the TF1 ``resize_bilinear`` / ``resize_nearest_neighbor``
  / ``resize_bicubic`` / ``resize_area``, with the :class:`~upsampling.frameworks._mapping.Setting`
  of each;
* :mod:`.conv`: ``tf.nn.conv{1,2,3}d_transpose`` and ``tf.nn.conv{1,2,3}d`` (also
  ``upsampling.conv2d_transpose`` etc. at the top of the package).

Argument translation only: the math lives in the resize and transposed-convolution engines.
This package never imports tensorflow.
"""

from upsampling.frameworks.tensorflow.conv import (
    conv1d,
    conv1d_transpose,
    conv2d,
    conv2d_transpose,
    conv3d,
    conv3d_transpose,
)
from upsampling.frameworks.tensorflow.resize import (  # noqa: F401  (the Settings, for the registry and tests)
    AREA,
    AREA_ALIGN_CORNERS,
    BICUBIC_ALIGN_CORNERS,
    BICUBIC_HALF_PIXEL,
    BICUBIC_LEGACY,
    BILINEAR_ALIGN_CORNERS,
    BILINEAR_HALF_PIXEL,
    BILINEAR_LEGACY,
    GAUSSIAN,
    KEYS_CUBIC,
    LANCZOS3,
    LANCZOS5,
    MITCHELLCUBIC,
    NEAREST_ALIGN_CORNERS,
    NEAREST_HALF_PIXEL,
    NEAREST_LEGACY,
    RESIZE_METHODS,
    TRIANGLE,
    ResizeMethod,
    resize,
    resize_area,
    resize_bicubic,
    resize_bilinear,
    resize_nearest_neighbor,
)

__all__ = [
    "RESIZE_METHODS",
    "ResizeMethod",
    "conv1d",
    "conv1d_transpose",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "resize",
    "resize_area",
    "resize_bicubic",
    "resize_bilinear",
    "resize_nearest_neighbor",
]

# doctest.testmod(<this package>) finds only what the package's own file defines: point it at the
# twin's functions, whose examples the parity tests run as the module's doctests.
__test__ = {"resize": resize, "conv2d_transpose": conv2d_transpose, "conv1d_transpose": conv1d_transpose, "conv2d": conv2d}
