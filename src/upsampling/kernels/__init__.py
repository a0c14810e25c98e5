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

import os
import threading
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

from upsampling._options import _options

__all__ = ["fused_resize_kernel", "info", "load_fast_kernels", "native", "resize_axis_kernel", "thread_count"]

_lock = threading.Lock()
_loaded: ModuleType | None = None
_failure: str | None = None
_tried = False
_CPU_COUNT = os.cpu_count() or 1


def _stale_sources(module: ModuleType) -> list[str]:
    """C++ sources of a source checkout that are newer than the built extension (an editable
    install after a C++ edit that was not rebuilt), else ``[]``.  (``os.scandir``, not pathlib:
    this runs inside the first kernel call.)"""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
    csrc = os.path.join(root, "csrc")
    built = getattr(module, "__file__", None)
    if not built or not os.path.isdir(csrc):
        return []
    try:
        built_at = os.stat(built).st_mtime
        with os.scandir(csrc) as it:
            files = [(e.name, e.stat().st_mtime) for e in it if e.name.endswith((".cpp", ".hpp"))]
        files.append(("CMakeLists.txt", os.stat(os.path.join(root, "CMakeLists.txt")).st_mtime))
        return sorted(name for name, mtime in files if mtime > built_at)
    except OSError:
        return []


def native() -> ModuleType | None:
    """The compiled kernels (imported on first use), or ``None`` when they cannot be imported
    or ``UPSAMPLING_NATIVE=0``; the first failure is reported once, as a warning."""
    global _loaded, _failure, _tried
    if _tried:
        return _loaded
    with _lock:
        if _tried:
            return _loaded
        if os.environ.get("UPSAMPLING_NATIVE", "1") == "0":
            _failure = "UPSAMPLING_NATIVE=0"
        else:
            try:
                from upsampling.kernels import _native as module
            except ImportError as exc:
                _failure = f"{type(exc).__name__}: {exc}"
            else:
                _loaded = module
                isa = os.environ.get("UPSAMPLING_ISA")
                if isa and isa != "auto" and module.info()["isa"] != isa:
                    warnings.warn(
                        f"upsampling: UPSAMPLING_ISA={isa!r} is not built or not supported by this CPU; "
                        f"running {module.info()['isa']!r} (supported: {', '.join(module.info()['supported'])})",
                        RuntimeWarning,
                        stacklevel=3,
                    )
                stale = _stale_sources(module)
                if stale:
                    warnings.warn(
                        f"upsampling: the compiled kernels are older than {', '.join(stale)}; rebuild them with "
                        "`make build` (or `pip install -e .`)",
                        RuntimeWarning,
                        stacklevel=3,
                    )
        if _failure is not None:
            warnings.warn(
                f"upsampling: compiled kernels unavailable ({_failure}); using the NumPy kernels (same results, slower)",
                RuntimeWarning,
                stacklevel=3,
            )
        _tried = True
    return _loaded


def thread_count() -> int:
    """Threads a compiled kernel call runs on: ``options(threads=...)``, else one per CPU."""
    threads = _options["threads"]
    return _CPU_COUNT if threads is None else threads


def info() -> dict[str, Any]:
    """Which kernels run, for bug reports and tests.

    ``native``: whether the compiled kernels are in use; ``fallback_reason``: why not (else
    ``None``); ``isa``: the instruction set running (``"avx512"``, ``"avx2"``, ``"baseline"``),
    ``built`` and ``supported``: the sets compiled in and those this CPU runs; ``threads``:
    threads per call; ``last``: the kernel each family ran last, with its instruction set
    (``{"resize": "w_first/avx512", ...}``); ``blas``: the private OpenBLAS the transposed
    convolution's tiles call, once loaded; ``kernel``: ``options(kernel=...)``.
    """
    module = native()
    out: dict[str, Any] = {
        "native": module is not None and _options["kernel"] == "auto",
        "fallback_reason": _failure,
        "kernel": _options["kernel"],
        "threads": thread_count(),
    }
    if module is not None:
        out.update(module.info())
    return out


def load_fast_kernels(wait: bool = True) -> bool:
    """Kept for compatibility: the compiled kernels need no loading or warm-up.  Returns
    whether they are available (``wait`` is ignored)."""
    return native() is not None


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


def _reset_for_tests() -> None:
    """Forget the import attempt (tests force the fallback and then restore the kernels)."""
    global _loaded, _failure, _tried
    _loaded, _failure, _tried = None, None, False
