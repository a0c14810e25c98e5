"""One axis's resize plan, as frozen data, and what every plan builder shares.

An :class:`AxisPlan` says which input samples feed each output sample along one axis, with
what weight.  The builders in :mod:`upsampling.plan` make them; this module holds the plan
itself, what a plan costs in memory (checked before it is built), the row-chunked filling
that keeps a builder's temporaries bounded, and :func:`cached_plan`, the builders' byte-bounded
cache.  :mod:`upsampling.plan` re-exports every name here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling._cache import ByteLRU, _nbytes

__all__ = ["AxisPlan", "building_bytes", "cached_plan", "plan_bytes"]


@dataclass(frozen=True, eq=False)
class AxisPlan:
    """How one axis is resized.

    Attributes
    ----------
    n_in, n_out : input and output lengths.
    index : ``(n_out, taps)`` intp array of input indices, each in ``[0, n_in)``.
    weight : ``(n_out, taps)`` float64 array; output ``o`` is ``sum_t weight[o, t] * x[index[o, t]]``.
    outside : ``(n_out,)`` bool array or None: outputs replaced by the extrapolation value.
    coordinate : ``(n_out,)`` source coordinate of each output (for explaining), or None.
    """

    n_in: int
    n_out: int
    index: np.ndarray
    weight: np.ndarray
    outside: np.ndarray | None = None
    coordinate: np.ndarray | None = None

    @property
    def taps(self) -> int:
        return self.index.shape[1]

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays the plan holds (what a cache counts)."""
        return sum(a.nbytes for a in (self.index, self.weight, self.outside, self.coordinate) if a is not None)

    def matrix(self) -> np.ndarray:
        """The dense ``(n_out, n_in)`` interpolation matrix (rows of outside samples are 0)."""
        m = np.zeros((self.n_out, self.n_in))
        rows = np.repeat(np.arange(self.n_out), self.taps)
        np.add.at(m, (rows, self.index.ravel()), self.weight.ravel())
        if self.outside is not None:
            m[self.outside] = 0
        return m

    def source_window(self, start: int, stop: int) -> tuple[int, int]:
        """Input range ``[lo, hi)`` that outputs ``start:stop`` read (weights of 0 included)."""
        idx = self.index[start:stop]
        return int(idx.min()), int(idx.max()) + 1


# ---------------------------------------------------------------------------------------------
# memory: what a plan costs (the caches bounded by bytes are upsampling._cache's)

#: Rows of a plan built at once hold at most this many taps: the builders' temporaries
#: (coordinates, distances, kernel values, masks; about ten arrays of that size) stay near
#: 20 MiB however long the axis, instead of ten times the plan (issue 19: a cubic plan of
#: 20,000,000 outputs peaked near 6 GB).
CHUNK_TAPS = 1 << 18
#: Bytes of those temporaries, as :func:`building_bytes` counts them.
CHUNK_BYTES = 12 * 8 * CHUNK_TAPS


def plan_bytes(n_out: int, taps: int, outside: bool = False) -> int:
    """Bytes of an :class:`AxisPlan`: intp indices and float64 weights per tap, a float64
    coordinate per output (and a bool mask with ``outside``)."""
    return int(n_out) * (16 * int(taps) + 8 + (1 if outside else 0))


def building_bytes(n_out: int, taps: int) -> int:
    """Peak bytes while a builder makes a plan of ``n_out`` outputs and ``taps`` taps: the plan,
    the source coordinates in two precisions and a mask, and one chunk of temporaries."""
    return plan_bytes(n_out, taps, True) + 17 * int(n_out) + min(CHUNK_BYTES, 12 * 8 * int(n_out) * int(taps))


def _check_building(n_out: int, taps: int) -> None:
    _checks.work_bytes(None, building_bytes(n_out, taps), "the resize plan (per-axis indices and weights)")


def cached_plan(builder: Callable) -> Callable:
    """``functools.lru_cache`` for the plan builders, bounded by bytes (:class:`ByteLRU`).

    Keys are the arguments as ``lru_cache`` makes them (plans passed as arguments are keyed by
    identity); a plan larger than the budget is built every time.
    """
    cache = ByteLRU(f"plan.{builder.__name__}")

    @functools.wraps(builder)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        hit = cache.lookup(key)
        if hit is not None:
            return hit
        value = builder(*args, **kwargs)
        held = [a for a in args if isinstance(a, AxisPlan)]  # keys keep these alive too
        cache.put(key, value, _nbytes(value) + sum(_nbytes(a) for a in held))
        return value

    wrapper.cache = cache  # type: ignore[attr-defined]
    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper


def _fill_rows(n_out: int, width: int, rows: Callable[[int, int], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """``(index, weight)`` of ``n_out`` rows of ``width`` taps, built :data:`CHUNK_TAPS` taps at
    a time by ``rows(lo, hi)`` (its rows' indices and weights): the same numbers as one call
    for all rows (each row's arithmetic is its own), with bounded temporaries."""
    step = max(1, CHUNK_TAPS // max(1, width))
    if n_out <= step:
        index, weight = rows(0, n_out)
        return np.ascontiguousarray(index, dtype=np.intp), np.ascontiguousarray(weight, dtype=np.float64)
    index = np.empty((n_out, width), dtype=np.intp)
    weight = np.empty((n_out, width), dtype=np.float64)
    for lo in range(0, n_out, step):
        hi = min(n_out, lo + step)
        index[lo:hi], weight[lo:hi] = rows(lo, hi)
    return index, weight


def _freeze(*arrays: np.ndarray | None) -> None:
    for a in arrays:
        if a is not None:
            a.setflags(write=False)


def _make(n_in: int, n_out: int, index, weight, outside=None, coordinate=None) -> AxisPlan:
    index = np.ascontiguousarray(index, dtype=np.intp)
    weight = np.ascontiguousarray(weight, dtype=np.float64)
    if outside is not None:
        outside = np.asarray(outside, dtype=bool)
        if not outside.any():
            outside = None
    _freeze(index, weight, outside, coordinate)
    return AxisPlan(n_in, n_out, index, weight, outside, coordinate)
