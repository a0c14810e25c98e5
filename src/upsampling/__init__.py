"""upsampling: resize and transposed convolution exactly as each framework does them.

The NumPy API lives here; framework twins are in :mod:`upsampling.frameworks`.
Importing this package imports NumPy and nothing heavier.
"""

from __future__ import annotations

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
from upsampling.resizing import resize

__all__ += [
    "bilinear",
    "bilinear_matrix",
    "bilinear_steps",
    "bilinear_unit_square",
    "lerp",
    "resize",
    "sample",
]

# --- transposed convolution ---
