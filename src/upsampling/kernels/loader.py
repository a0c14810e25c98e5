"""Loading the compiled kernels (``upsampling.kernels._native``), once, and what they report.

The kernel modules (:mod:`.fused`, :mod:`.conv_tiles`) import this module, not the package, so
that the package's dispatch (:func:`upsampling.kernels.resize_axis_kernel`) can import them
without a circle.
"""

from __future__ import annotations

import os
import threading
import warnings
from types import ModuleType
from typing import Any

from upsampling._options import _options

__all__ = ["info", "load_fast_kernels", "native", "thread_count"]

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


def _reset_for_tests() -> None:
    """Forget the import attempt (tests force the fallback and then restore the kernels)."""
    global _loaded, _failure, _tried
    _loaded, _failure, _tried = None, None, False
