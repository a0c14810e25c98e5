"""Twin of OpenCV's ``cv2.resize`` (:mod:`.resize`): NumPy in, NumPy out, OpenCV 5.0's signature,
defaults, flags and dtypes.  This package never imports cv2."""

from upsampling.frameworks.opencv.resize import (  # noqa: F401  (the Settings, for the registry and tests)
    AREA_DOWN,
    AREA_UP,
    CUBIC,
    CUBIC_IPP,
    INTER_AREA,
    INTER_CUBIC,
    INTER_LANCZOS4,
    INTER_LINEAR,
    INTER_LINEAR_EXACT,
    INTER_NEAREST,
    INTER_NEAREST_EXACT,
    LANCZOS4,
    LINEAR,
    LINEAR_EXACT,
    LINEAR_IPP,
    LINEAR_UINT8_ROWS,
    NEAREST,
    NEAREST_EXACT,
    resize,
)
from upsampling.frameworks.opencv.resize import __all__  # noqa: F401  (the same public names)


# doctest.testmod(<this package>) finds only what the package's own file defines: point it at the
# twin's functions, whose examples the parity tests run as the module's doctests.
__test__ = {"resize": resize}
