"""Caches bounded by bytes, least recently used first out.

The plan builders (:func:`upsampling.plan.cached_plan`), ``resize``'s set-ups, the fast kernels'
prepared taps and the torch layer's tensors each keep one :class:`ByteLRU`.  Each holds at most
``options(plan_cache_bytes=...)`` bytes; lowering that option trims them all at once
(:func:`trim_caches`, run by :func:`upsampling.set_options`).  Moved here from
:mod:`upsampling.plan`, which re-exports these names.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from upsampling._options import _options, on_change

__all__ = ["ByteLRU", "cache_stats", "trim_caches"]


def _nbytes(value: Any) -> int:
    """Bytes of the arrays a cached value holds (plans, tuples of plans or arrays, tensors):
    an ndarray's, the sum over a tuple, list or dict, else the value's own ``nbytes``
    (:class:`upsampling.plan.AxisPlan`, a torch tensor), else 0."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    nbytes = getattr(value, "nbytes", None)  # a plan, a torch tensor
    if isinstance(nbytes, int):
        return nbytes
    return 0


class ByteLRU(OrderedDict):
    """A least-recently-used cache holding at most ``options(plan_cache_bytes=...)`` bytes (and
    ``max_entries`` entries).

    ``put(key, value)`` counts the arrays ``value`` holds (:func:`_nbytes`); a value larger
    than the whole budget is not cached at all.  Every instance is registered, so that
    :func:`trim_caches` (run by ``set_options(plan_cache_bytes=...)``) can shrink them all.
    """

    def __init__(self, name: str, max_entries: int = 1024) -> None:
        super().__init__()
        self.name = name
        self.max_entries = max_entries  # the keys and small objects are not counted in bytes
        self.nbytes = 0
        self._sizes: dict[Any, int] = {}
        self._lock = threading.RLock()
        _CACHES.append(self)

    def lookup(self, key: Any) -> Any:
        """The cached value (now the most recent) or ``None``; raises TypeError for unhashable keys."""
        with self._lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value

    def put(self, key: Any, value: Any, nbytes: int | None = None) -> None:
        nbytes = _nbytes(value) if nbytes is None else nbytes
        limit = _options.get("plan_cache_bytes", 0)
        with self._lock:
            if key in self:
                self.nbytes -= self._sizes.pop(key)
                del self[key]
            if nbytes > limit:
                return
            self[key] = value
            self._sizes[key] = nbytes
            self.nbytes += nbytes
            self._trim(limit)

    def _trim(self, limit: int) -> None:
        while self and (self.nbytes > limit or len(self) > self.max_entries):
            key, _ = self.popitem(last=False)
            self.nbytes -= self._sizes.pop(key)

    def trim(self) -> None:
        with self._lock:
            self._trim(_options.get("plan_cache_bytes", 0))

    def clear(self) -> None:
        with self._lock:
            super().clear()
            self._sizes.clear()
            self.nbytes = 0

    def _new_lock(self) -> None:  # pragma: no cover - forked children
        self._lock = threading.RLock()


_CACHES: list[ByteLRU] = []


def trim_caches() -> None:
    """Shrink every plan cache to ``options(plan_cache_bytes=...)``, least recent first."""
    for cache in _CACHES:
        cache.trim()


def cache_stats() -> dict[str, int]:
    """Bytes each plan cache holds now."""
    return {cache.name: cache.nbytes for cache in _CACHES}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: [cache._new_lock() for cache in _CACHES])

on_change("plan_cache_bytes", trim_caches)
