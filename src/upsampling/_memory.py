"""Output arrays that reuse the memory of dead results: no page faults on repeated calls.

A fresh array of more than a few MiB costs page faults the first time it is written: the
kernel maps and zeroes every page.  On this project's 2-core machine that is about 0.1 ms per
MiB (a 48 MiB image: 4-8 ms against 4-5 ms to compute it on two threads;
``benchmarks/order_and_pool.py``, in the git history).  glibc reuses freed memory only for allocations below its mmap threshold
(at most 32 MiB), so a loop that resizes frame after frame pays for every large output again.

:func:`empty` returns an ordinary C-ordered ndarray whose memory comes from a small pool.
The array's ``base`` is a :class:`_Block`; when the array and every view of it are gone, the
block gives its memory back to the pool, and the next output of a similar size reuses it
(already mapped: no faults).  It is the scheme of TensorFlow's BFC allocator and of PyTorch's
caching allocator, for our outputs only: nothing else in the process is affected.

The pool keeps at most ``options(output_pool_bytes=...)`` bytes of *free* memory (default
256 MiB; 0 turns pooling off) and only serves outputs of at least :data:`MIN_POOLED_BYTES`.
A request takes the smallest free block that fits and is at most twice as large.

Fresh memory for those outputs (the first call of a process, a new size) comes from
:func:`use_page_allocator`'s allocator once the compiled kernels have loaded: a mapping of its
own on a 2 MiB boundary with transparent huge pages advised, so the first write faults 2 MiB
pages only (NumPy's allocation starts mid-page: its first and last 1-2 MiB are 4 KiB pages,
and faulting those took about as long as the rest).  Without the kernels, NumPy allocates.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from upsampling._options import _options, on_change

__all__ = ["empty", "pool_stats", "clear_pool", "trim", "use_page_allocator"]

# Smaller outputs come from NumPy directly (glibc's heap already reuses them).
MIN_POOLED_BYTES = 4 * 2**20

# Re-entrant: a block's __del__ can run from the garbage collector while this thread holds it.
_lock = threading.RLock()
_free: list[np.ndarray] = []  # uint8 buffers, each the memory of a dead block
_stats = {"hits": 0, "misses": 0}
# nbytes -> a fresh uint8 array of that size (64-byte aligned at least), or None: NumPy allocates.
_page_allocator: Callable[[int], np.ndarray] | None = None


def use_page_allocator(allocate: Callable[[int], np.ndarray] | None) -> None:
    """Take fresh large outputs from ``allocate(nbytes)`` (the compiled kernels register
    ``_native.empty_pages``: 2 MiB-aligned, huge pages advised); ``None``: from NumPy."""
    global _page_allocator
    _page_allocator = allocate


def _fresh(nbytes: int) -> np.ndarray:
    """New memory for ``nbytes``: a C-contiguous uint8 array starting on a 64-byte boundary."""
    if _page_allocator is not None:
        return _page_allocator(nbytes)
    # 64-byte aligned start (a cache line), whatever NumPy's allocator gives.
    raw = np.empty(nbytes + 64, dtype=np.uint8)
    offset = (-raw.ctypes.data) % 64
    return raw[offset : offset + nbytes]


def _new_lock_in_child() -> None:  # pragma: no cover - runs in forked children
    """Another thread may have held the lock when the process forked: the child's copy would
    stay locked forever (upsampling.kernels' docstring, "Fork safety")."""
    global _lock
    _lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_in_child)


class _Block:
    """Owner of one pooled buffer; exports it with ``__array_interface__``.

    Arrays made from it keep it alive (``base``); when the last one dies, ``__del__``
    returns the buffer to the pool.
    """

    __slots__ = ("_mem", "__array_interface__")

    def __init__(self, mem: np.ndarray, nbytes: int) -> None:
        self._mem = mem
        iface = dict(mem.__array_interface__)
        iface["shape"] = (nbytes,)
        self.__array_interface__ = iface

    def __del__(self) -> None:
        try:
            _give_back(self._mem)
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def _give_back(mem: np.ndarray) -> None:
    limit = _options.get("output_pool_bytes", 0)
    with _lock:
        held = sum(b.nbytes for b in _free)
        if held + mem.nbytes <= limit:
            _free.append(mem)


def _take(nbytes: int) -> np.ndarray | None:
    with _lock:
        best = None
        for i, mem in enumerate(_free):
            if nbytes <= mem.nbytes <= 2 * nbytes and (best is None or mem.nbytes < _free[best].nbytes):
                best = i
        if best is None:
            _stats["misses"] += 1
            return None
        _stats["hits"] += 1
        return _free.pop(best)


def empty(shape: Sequence[int], dtype: Any) -> np.ndarray:
    """``np.empty(shape, dtype)`` (C order), with pooled memory for large outputs.

    The caller must have checked the size (:func:`upsampling._checks.output_bytes`).
    """
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < MIN_POOLED_BYTES:
        return np.empty(shape, dtype=dtype)
    if _options.get("output_pool_bytes", 0) <= 0:
        return _fresh(nbytes).view(dtype).reshape(shape)
    mem = _take(nbytes)
    if mem is None:
        mem = _fresh(nbytes)
    flat = np.asarray(_Block(mem, nbytes))
    return flat.view(dtype).reshape(shape)


def pool_stats() -> dict[str, int]:
    """Hits, misses, and the free bytes the pool holds now."""
    with _lock:
        return {**_stats, "free_bytes": sum(b.nbytes for b in _free), "free_blocks": len(_free)}


def clear_pool() -> None:
    """Release every free block to the system (arrays in use are not affected)."""
    with _lock:
        _free.clear()


def trim() -> None:
    """Release free blocks, largest first, until the pool holds at most its limit."""
    limit = _options.get("output_pool_bytes", 0)
    with _lock:
        _free.sort(key=lambda b: b.nbytes)
        while _free and sum(b.nbytes for b in _free) > limit:
            _free.pop()


on_change("output_pool_bytes", trim)  # set_options(output_pool_bytes=...) releases the excess at once
