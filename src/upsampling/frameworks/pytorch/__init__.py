"""Twin of PyTorch's upsampling operators: NumPy in, NumPy out, PyTorch's own signatures and defaults.

* :mod:`.resize`: ``torch.nn.functional.interpolate`` (:func:`interpolate`) and the
  :class:`~upsampling.frameworks._mapping.Setting` of every mode;
* :mod:`.conv`: ``torch.nn.functional.conv_transpose{1,2,3}d``.

Argument translation only: the math lives in the resize and transposed-convolution engines.
This package never imports torch.
"""

from upsampling.frameworks.pytorch.conv import conv_transpose1d, conv_transpose2d, conv_transpose3d
from upsampling.frameworks.pytorch.resize import (  # noqa: F401  (the Settings, for the registry and tests)
    AREA,
    BICUBIC_ANTIALIAS,
    BILINEAR_ANTIALIAS,
    CUBIC,
    CUBIC_ALIGN_CORNERS,
    INTERPOLATE_MODES,
    LANCZOS_ANTIALIAS,
    LINEAR,
    LINEAR_ALIGN_CORNERS,
    NEAREST,
    NEAREST_EXACT,
    NEAREST_EXACT_GENERIC,
    NEAREST_GENERIC,
    InterpolateMode,
    interpolate,
)

__all__ = [
    "INTERPOLATE_MODES",
    "InterpolateMode",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "interpolate",
]

# doctest.testmod(<this package>) finds only what the package's own file defines: point it at the
# twin's functions, whose examples the parity tests run as the module's doctests.
__test__ = {"interpolate": interpolate, "conv_transpose2d": conv_transpose2d}
