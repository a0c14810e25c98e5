"""Fast paths and their dispatch.  Each is tested against the readable reference.

The fast kernels are compiled C++ (``upsampling.kernels._native``, sources in ``csrc/``, built
by ``pip install`` through scikit-build-core and nanobind): the fused two-axis resize, the
nearest-neighbour bit copy, the per-axis resize, the fused ``upsample_argmax`` and the tiles of
the transposed convolution.  They run at full speed from the first call (nothing to compile or
load in the background), release the GIL for the whole call and run on a small native thread
pool (``set_options(threads=...)``), and give the NumPy path's bits
(``tests/test_fast_paths.py``).  The instruction set (baseline, AVX2, AVX-512) is chosen at
import from what the CPU reports; :func:`info` says which ran.

When the extension cannot be imported (a source checkout that was never built, an unsupported
platform), or ``UPSAMPLING_NATIVE=0`` is set, every call takes the NumPy kernels, which give the
same results, and one warning says so.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from upsampling._options import _options
from upsampling.kernels.loader import info, load_fast_kernels, native, thread_count

__all__ = ["fused_resize_kernel", "info", "load_fast_kernels", "native", "resize_axis_kernel", "thread_count"]


def resize_axis_kernel() -> Callable:
    """The per-axis resize kernel chosen by ``upsampling.options(kernel=...)``.

    Both kernels give the same bits; the compiled one is used when it loads and is not disabled.
    """
    if _options["kernel"] == "auto" and native() is not None:
        from upsampling.kernels.fused import apply_axis

        return apply_axis
    from upsampling.kernels.numpy_resize import apply_axis

    return apply_axis


def fused_resize_kernel() -> ModuleType | None:
    """The fused two-axis kernel module (:mod:`.fused`), or ``None``.

    ``None`` when the compiled kernels are unavailable or ``upsampling.options(kernel=...)``
    is not ``"auto"``; the fused kernel gives the per-axis kernels' bits, so the choice never
    changes a result.
    """
    if _options["kernel"] != "auto" or native() is None:
        return None
    from upsampling.kernels import fused

    return fused
