"""Process-wide options: the output byte limit, the kernel choice, the output pool, the
kernels' thread count and their worker threads' spinning."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

_DEFAULTS: dict[str, Any] = {
    # Largest output (in bytes) any function allocates without being asked to.
    "max_output_bytes": 16 * 2**30,
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


def get_options() -> dict[str, Any]:
    """Return a copy of the current options."""
    return dict(_options)


def set_options(**changes: Any) -> dict[str, Any]:
    """Change options for the whole process; returns the previous values.

    ``max_output_bytes`` (int > 0): refuse any output larger than this many bytes,
    checked before allocating.  ``kernel`` ("auto", "numpy" or "reference"): which path runs.
    ``output_pool_bytes`` (int >= 0): how much memory of dead outputs of 4 MiB or more is
    kept to back the next outputs without page faults (:mod:`upsampling._memory`); 0 turns
    pooling off and releases what is held.  ``spin_workers`` (bool): the fast kernels'
    worker threads watch for the next call for about 0.2 ms after each call (a core stays
    busy) instead of sleeping at once; ``False`` for machines shared with other work, at the
    cost of a thread wake-up per call (:mod:`upsampling.kernels`).  ``threads`` (int >= 1, or
    ``None`` for one per CPU): how many threads a compiled kernel call runs on, the calling
    thread included; the split never changes a result.
    """
    from upsampling.errors import InvalidArgumentError

    previous = {}
    for name, value in changes.items():
        if name not in _DEFAULTS:
            raise InvalidArgumentError(name, value, f"one of {sorted(_DEFAULTS)}")
        if name == "max_output_bytes" and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0
        ):
            raise InvalidArgumentError(name, value, "a positive integer number of bytes")
        if name == "kernel" and value not in ("auto", "numpy", "reference"):
            raise InvalidArgumentError(name, value, "'auto', 'numpy' or 'reference'")
        if name == "output_pool_bytes" and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise InvalidArgumentError(name, value, "a non-negative integer number of bytes (0: no pool)")
        if name == "spin_workers" and not isinstance(value, bool):
            raise InvalidArgumentError(name, value, "True or False")
        if name == "threads" and value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1024
        ):
            raise InvalidArgumentError(name, value, "a whole number of threads from 1 to 1024, or None (one per CPU)")
        previous[name] = _options[name]
    _options.update(changes)
    if "output_pool_bytes" in changes:
        from upsampling import _memory

        _memory.trim()
    return previous


@contextlib.contextmanager
def options(**changes: Any) -> Iterator[None]:
    """Context manager form of :func:`set_options`."""
    previous = set_options(**changes)
    try:
        yield
    finally:
        _options.update(previous)
