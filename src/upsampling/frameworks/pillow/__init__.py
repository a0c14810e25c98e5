"""Twin of Pillow's ``Image.resize`` (:mod:`.resize`): NumPy in, NumPy out, Pillow 13's signature,
defaults, filters and modes (F, L, RGB as ``np.asarray(image)`` gives them).  This package never
imports PIL."""

from upsampling.frameworks.pillow.resize import (  # noqa: F401  (Settings and the passes the parity tests use)
    BICUBIC,
    BILINEAR,
    BOX,
    HAMMING,
    LANCZOS,
    MKS2013,
    MKS2021,
    NEAREST,
    NEAREST_SETTING,
    REDUCE,
    _axis_plan,
    _height_first,
    _pass,
    resize,
)
from upsampling.frameworks.pillow.resize import __all__  # noqa: F401  (the same public names)


# doctest.testmod(<this package>) finds only what the package's own file defines: point it at the
# twin's functions, whose examples the parity tests run as the module's doctests.
__test__ = {"resize": resize}
