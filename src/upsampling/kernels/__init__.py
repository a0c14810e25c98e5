"""Fast paths.  Each is tested against the readable reference in :mod:`upsampling.reference`."""

from __future__ import annotations

import functools
from collections.abc import Callable

from upsampling._optional import module_available
from upsampling._options import _options


@functools.cache
def _numba_apply_axis() -> Callable | None:
    if not module_available("numba"):
        return None
    from upsampling.kernels.numba_resize import apply_axis

    return apply_axis


def resize_axis_kernel() -> Callable:
    """The per-axis resize kernel chosen by ``upsampling.options(kernel=...)``.

    Both kernels give the same bits; Numba is used when installed and not disabled.
    """
    if _options["kernel"] == "auto":
        fast = _numba_apply_axis()
        if fast is not None:
            return fast
    from upsampling.kernels.numpy_resize import apply_axis

    return apply_axis


@functools.cache
def _numba_fused() -> object | None:
    if not module_available("numba"):
        return None
    from upsampling.kernels import numba_fused

    return numba_fused


def fused_resize_kernel() -> object | None:
    """The fused two-axis kernel module (:mod:`.numba_fused`), or ``None``.

    ``None`` when Numba is missing or ``upsampling.options(kernel=...)`` is not ``"auto"``;
    the fused kernel gives the per-axis kernels' bits, so the choice never changes a result.
    """
    if _options["kernel"] != "auto":
        return None
    return _numba_fused()
