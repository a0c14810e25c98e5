"""Process-wide options: the output byte limit, the kernel choice, the output pool, the
kernels' thread count and their worker threads' spinning."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from upsampling.errors import InvalidArgumentError

_DEFAULTS: dict[str, Any] = {
    # Largest output (in bytes) any function allocates without being asked to.
    "max_output_bytes": 16 * 2**30,
    # Largest memory a call may take besides its output (plans, work copies, intermediates);
    # None: max_output_bytes, but at least 64 MiB.
    "max_work_bytes": None,
    # Bytes each cache of plans (and of things made from plans) may hold; 0: no caching.
    "plan_cache_bytes": 64 * 2**20,
    # "auto": the fastest available kernel (the compiled one when it loads, else NumPy);
    # "numpy": the vectorised NumPy kernel; "reference": the readable per-pixel path.
    "kernel": "auto",
    # Free memory of dead large outputs kept for the next ones (upsampling._memory); 0: off.
    "output_pool_bytes": 256 * 2**20,
    # Whether the fast kernels' worker threads spin ~0.2 ms after a call before sleeping.
    "spin_workers": True,
    # Threads a compiled kernel call runs on (the caller included); None: one per CPU.
    "threads": None,
}
_options: dict[str, Any] = dict(_DEFAULTS)
# option name -> what to run after set_options changes it.  The modules that hold what an option
# bounds register themselves (upsampling._memory trims its pool, upsampling.plan its caches), so
# this module, at the bottom of the layers, imports none of them.
_LISTENERS: dict[str, list[Callable[[], None]]] = {}


def on_change(name: str, callback: Callable[[], None]) -> None:
    """Run ``callback()`` each time :func:`set_options` changes option ``name``."""
    _LISTENERS.setdefault(name, []).append(callback)


def get_options() -> dict[str, Any]:
    """Return a copy of the current options."""
    return dict(_options)


def set_options(**changes: Any) -> dict[str, Any]:
    """Change options for the whole process; returns the previous values.

    ``max_output_bytes`` (int > 0, default 16 GiB): refuse any output larger than this many
    bytes, checked before allocating.  ``max_work_bytes`` (int > 0, or ``None``, the default:
    ``max_output_bytes``, but at least 64 MiB): refuse a call whose memory *besides* its output -- the
    per-axis plans (indices and weights of every output sample), the float work copy of an
    integer input, the intermediates of the one-axis-at-a-time path -- would exceed this many
    bytes; estimated from the arguments before anything is built (docs/resize.md, "Memory").
    ``plan_cache_bytes`` (int >= 0, default 64 MiB): how many bytes each cache of plans may
    keep (the plan builders', the specs' and ``resize``'s plans, the fast kernels' prepared taps, the torch
    layer's tensors); a plan larger than that is never cached; 0 turns caching off, and
    lowering it releases what is held at once.  ``kernel`` ("auto", "numpy" or "reference"): which path runs.
    ``output_pool_bytes`` (int >= 0): how much memory of dead outputs of 4 MiB or more is
    kept to back the next outputs without page faults (:mod:`upsampling._memory`); 0 turns
    pooling off and releases what is held.  ``spin_workers`` (bool): the fast kernels'
    worker threads watch for the next call for about 0.2 ms after each call (a core stays
    busy) instead of sleeping at once; ``False`` for machines shared with other work, at the
    cost of a thread wake-up per call (:mod:`upsampling.kernels`).  ``threads`` (int >= 1, or
    ``None`` for one per CPU): how many threads a compiled kernel call runs on, the calling
    thread included; the split never changes a result.
    """
    previous = {}
    changes = dict(changes)
    for name, value in changes.items():
        if name not in _DEFAULTS:
            raise InvalidArgumentError(name, value, f"one of {sorted(_DEFAULTS)}")
        if name in ("max_output_bytes", "max_work_bytes") and not (name == "max_work_bytes" and value is None):
            what = "a positive integer number of bytes" + (", or None (max_output_bytes)" if name == "max_work_bytes" else "")
            value = _whole(name, value, 1, None, what)
        elif name in ("output_pool_bytes", "plan_cache_bytes"):
            value = _whole(name, value, 0, None, "a non-negative integer number of bytes (0: off)")
        elif name == "kernel":
            if not (isinstance(value, str) and value in ("auto", "numpy", "reference")):
                raise InvalidArgumentError(name, value, "one of 'auto', 'numpy', 'reference'")
        elif name == "spin_workers":
            import numpy as np

            if not (value is True or value is False or isinstance(value, np.bool_)):  # (NumPy bools too)
                raise InvalidArgumentError(name, value, "True or False")
            value = bool(value)
        elif name == "threads" and value is not None:
            value = _whole(name, value, 1, 1024, "a whole number of threads from 1 to 1024, or None (one per CPU)")
        changes[name] = value
        previous[name] = _options[name]
    _options.update(changes)
    for name in changes:
        for callback in _LISTENERS.get(name, ()):
            callback()
    return previous


def _whole(name: str, value: Any, low: int, high: int | None, what: str) -> int:
    """An int (NumPy ints too; bools refused) from ``low`` to ``high`` (``None``: no bound).  (The validators of
    :mod:`upsampling._checks` read these options: this module, below them, checks its own.)"""
    import numbers

    import numpy as np

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise InvalidArgumentError(name, value, what)
    if int(value) < low or (high is not None and int(value) > high):
        raise InvalidArgumentError(name, int(value), what)
    return int(value)


@contextlib.contextmanager
def options(**changes: Any) -> Iterator[None]:
    """Context manager form of :func:`set_options`."""
    previous = set_options(**changes)
    try:
        yield
    finally:
        set_options(**previous)
