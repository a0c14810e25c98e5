"""Fast paths.  Each is tested against the readable reference in :mod:`upsampling.reference`.

The Numba kernels load in the background: the first resize of a process starts a thread
that imports Numba and the kernel modules (0.3-0.5 s on this project's machine, more when it
is busy) and, until they are ready, calls use the NumPy kernel.  Both give the same bits
(``tests/test_fast_paths.py``), so no result depends on the timing; only the first calls of
a process are slower than later ones instead of the first waiting half a second.
:func:`load_fast_kernels` waits for them (the test suite and the benchmark harness do).

Fork safety.  A forked child inherits the parent's memory but only the thread that called
``fork``: a lock another thread held stays held forever, and a background job the parent
started never finishes in the child.  So ``os.fork`` (a ``multiprocessing`` "fork" pool, say)
first waits for the loader thread if it is running (its imports hold module locks) and for any
Numba compilation in progress (Numba's compiler lock), and the child then resets every piece of
background state: here, in :mod:`.numba_periodic` (pending compiles), :mod:`._threads` (worker
threads and their locks), :mod:`._blas` and :mod:`upsampling._memory` (their locks).  Tested
with fork-pool workers after each kind of background work (``tests/test_fork_safety.py``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from types import ModuleType

from upsampling._optional import module_available
from upsampling._options import _options

__all__ = ["fused_resize_kernel", "load_fast_kernels", "resize_axis_kernel"]

_lock = threading.Lock()
_loader: threading.Thread | None = None
_fused: ModuleType | None = None
_apply_axis: Callable | None = None
_failed: BaseException | None = None


def _load() -> None:
    global _fused, _apply_axis, _failed
    try:
        from upsampling.kernels import numba_fused
        from upsampling.kernels.numba_resize import apply_axis

        _warm(numba_fused)
        from upsampling.kernels import _spin

        _spin.warm()  # run_rows' workers spin on it between calls
        _apply_axis = apply_axis
        _fused = numba_fused
    except BaseException as exc:  # pragma: no cover - a broken Numba install
        _failed = exc


def _warm(numba_fused: ModuleType) -> None:
    """Load the compiled code of the commonest signatures (float32 resize and argmax, both
    axis orders, float32 nearest) from Numba's disk cache here, not in the first call that needs them: that
    load is 0.1-0.3 s per signature."""
    import numpy as np

    from upsampling.resizing import resize_plans

    for shape, size in (((1, 3, 4, 3), (6, 8)), ((1, 6, 8, 3), (3, 4))):  # W first, H first
        x = np.zeros(shape, dtype=np.float32)
        plans, out_shape = resize_plans(x, size)
        h_first = plans[1].n_out < plans[1].n_in
        numba_fused.apply_two_axes(x, 1, plans[1], plans[2], h_first, np.dtype(np.float32), np.empty(out_shape, np.float32))
        labels = np.empty(out_shape[:3], dtype=np.uint8)
        numba_fused.argmax_two_axes(x, 1, 3, plans[1], plans[2], labels, h_first=h_first)
    plans, out_shape = resize_plans(x, (6, 8), mode="nearest")  # the bit-copying kernel (uint32)
    numba_fused.apply_two_axes(x, 1, plans[1], plans[2], True, np.dtype(np.float32), np.empty(out_shape, np.float32))


def _start() -> bool:
    """Start the background import once; whether the Numba kernels are ready now."""
    global _loader
    if _fused is not None:
        return True
    if _failed is not None:
        return False
    with _lock:
        if _loader is None:
            if not module_available("numba"):
                return False
            import logging  # noqa: F401 - before our fork hooks: see _register_fork_hooks

            _register_fork_hooks()
            _loader = threading.Thread(target=_load, name="upsampling-load-numba", daemon=True)
            _loader.start()
    return _fused is not None


def load_fast_kernels(wait: bool = True) -> bool:
    """Start loading the Numba kernels (if installed) and, with ``wait``, block until done.

    Waiting also waits for the specialised kernels that calls so far have asked for
    (:mod:`.numba_periodic` compiles them in the background).  Returns whether the kernels are
    ready.  Re-raises the import error of a broken Numba install when waiting.
    """
    _start()
    if wait and _loader is not None:
        _loader.join()
        if _failed is not None:
            raise _failed
        import sys

        periodic = sys.modules.get("upsampling.kernels.numba_periodic")
        if periodic is not None:
            periodic.wait_for_compiles()
    return _fused is not None


def resize_axis_kernel() -> Callable:
    """The per-axis resize kernel chosen by ``upsampling.options(kernel=...)``.

    Both kernels give the same bits; Numba is used when installed, loaded and not disabled.
    """
    if _options["kernel"] == "auto" and _start():
        assert _apply_axis is not None
        return _apply_axis
    from upsampling.kernels.numpy_resize import apply_axis

    return apply_axis


def _numba_compiler_lock():
    """Numba's global compiler lock if Numba is imported, else ``None``."""
    module = sys.modules.get("numba.core.compiler_lock")
    return None if module is None else getattr(module, "global_compiler_lock", None)


_held_for_fork: list = []
_in_fork = False


def _before_fork() -> None:
    """Let background work that holds locks finish before the process forks (see the module
    docstring): the loader's imports, then any Numba compilation (its compiler lock is held
    across the fork and released on both sides)."""
    global _in_fork
    if _in_fork:  # registered more than once (_register_fork_hooks): the first call does it
        return
    _in_fork = True
    loader = _loader
    if loader is not None and loader.is_alive() and loader is not threading.current_thread():
        loader.join()
    lock = _numba_compiler_lock()
    if lock is not None:
        lock.acquire()
        _held_for_fork.append(lock)


def _after_fork_in_parent() -> None:
    global _in_fork
    while _held_for_fork:
        _held_for_fork.pop().release()
    _in_fork = False


def _after_fork_in_child() -> None:  # pragma: no cover - runs in forked children
    global _lock, _loader
    _after_fork_in_parent()  # the forking thread is the child's only thread: it owns the lock
    _lock = threading.Lock()
    if _loader is not None and _fused is None and _failed is None:
        _loader = None  # it had not finished: the child starts its own when needed


def _register_fork_hooks() -> None:
    """Register :func:`_before_fork` and its partners (again).

    ``os.fork`` runs the *before* hooks in reverse order of registration, and other modules'
    hooks take locks our background threads need: ``logging``'s takes its module lock, which
    Numba's compiler logs through.  Ours must run first, so it is registered (again) each time
    background work starts, after ``logging`` and Numba are imported; a repeated hook returns
    at once (``_in_fork``).
    """
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
        )


def fused_resize_kernel() -> ModuleType | None:
    """The fused two-axis kernel module (:mod:`.numba_fused`), or ``None``.

    ``None`` when Numba is missing, still loading, or ``upsampling.options(kernel=...)`` is
    not ``"auto"``; the fused kernel gives the per-axis kernels' bits, so the choice never
    changes a result.
    """
    if _options["kernel"] != "auto" or not _start():
        return None
    return _fused
