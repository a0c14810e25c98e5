"""The tiler: one Dask task per output block, reading only the input window its rows need.

Output rows ``o0:o1`` of an axis read the input rows ``plan.source_window(o0, o1)``; a block's
task assembles that window from the input chunks it overlaps, cuts the whole-array plans to
its rows (:func:`~upsampling.kernels.argmax.plan_rows`) and applies them in the axis order of
the whole array, so it computes exactly the bits the in-memory engine computes there.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from upsampling._optional import require
from upsampling.errors import InvalidArgumentError
from upsampling.kernels.argmax import plan_rows
from upsampling.plan import AxisPlan
from upsampling.resizing import apply_plans, axis_order
from upsampling.spec import ResizeSpec

da = require("dask.array", extra="dask")

from dask.base import tokenize  # noqa: E402
from dask.highlevelgraph import HighLevelGraph  # noqa: E402

#: Refuse graphs with more output blocks than this (pick larger ``chunks``).
MAX_BLOCKS = 2**24


class _Static:
    """What every block of one tiled operation shares (kept out of Dask's task parsing).

    The plans are not stored: each worker rebuilds them from the spec and the input shape
    (:meth:`ResizeSpec.plans` is deterministic and cached per process), so the graph holds a
    few integers per block however long the axes are.
    """

    __slots__ = ("spec", "shape", "finish", "order")

    def __init__(
        self, spec: ResizeSpec, shape: Sequence[int], finish: Callable | None, order: Sequence[int]
    ) -> None:
        self.spec = spec
        self.shape = tuple(int(n) for n in shape)
        self.finish = finish
        self.order = tuple(order)


class _Block:
    """One output block: the slice of each input piece it reads, and its output rows per axis."""

    __slots__ = ("static", "slices", "rows")

    def __init__(self, static: _Static, slices: tuple, rows: dict[int, tuple[int, int]]) -> None:
        self.static = static
        self.slices = slices
        self.rows = rows


def _assemble(pieces: Any, slices: Sequence[Sequence[slice]]) -> np.ndarray:
    """The input window: the nested list of chunks, each cut to its slice, copied into one array.

    One preallocated copy (``np.block`` would concatenate level by level, holding the window
    twice); a window inside one chunk is a view of it.
    """
    ndim = len(slices)

    def piece(idx: tuple[int, ...]) -> np.ndarray:
        p = pieces
        for i in idx:
            p = p[i]
        return p[tuple(slices[k][i] for k, i in enumerate(idx))]

    counts = tuple(len(s) for s in slices)
    if all(n == 1 for n in counts):
        return piece((0,) * ndim)
    # Length of each piece along each axis, read off the pieces on that axis's own line.
    lengths = [
        [piece(tuple(i if k == axis else 0 for k in range(ndim))).shape[axis] for i in range(counts[axis])]
        for axis in range(ndim)
    ]
    starts = [np.concatenate(([0], np.cumsum(n))).astype(int) for n in lengths]
    first = piece((0,) * ndim)
    out = np.empty(tuple(int(s[-1]) for s in starts), dtype=first.dtype)
    for idx in np.ndindex(*counts):
        target = tuple(slice(starts[k][i], starts[k][i + 1]) for k, i in enumerate(idx))
        out[target] = piece(idx)
    return out


def _run_block(pieces: Any, block: _Block) -> np.ndarray:
    """The task of one output block: assemble its window, apply the plans' rows, finish."""
    window = _assemble(pieces, block.slices)
    st = block.static
    plans = st.spec.plans(st.shape)
    sub = {a: plan_rows(plans[a], o0, o1)[0] for a, (o0, o1) in block.rows.items()}
    shape = [sub[a].n_out if a in sub else n for a, n in enumerate(window.shape)]
    # A plain allocation, not the output pool (upsampling._memory): a worker's freed
    # blocks must go back to the system, or the pool would count against its memory limit.
    target = np.empty(shape, dtype=window.dtype)
    y = apply_plans(window, sub, order=st.order, extrapolation_value=st.spec.extrapolation_value, out=target)
    return y if st.finish is None else st.finish(y)


def _argmax_finish(c_axis: int, dtype: np.dtype) -> Callable[[np.ndarray], np.ndarray]:
    return functools.partial(_argmax_labels, c_axis=c_axis, dtype=dtype)


def _argmax_labels(scores: np.ndarray, *, c_axis: int, dtype: np.dtype) -> np.ndarray:
    return np.argmax(scores, axis=c_axis).astype(dtype, copy=False)


def _axis_pieces(bounds: np.ndarray, lo: int, hi: int) -> list[tuple[int, slice]]:
    """Input chunks (index, local slice) that cover ``[lo, hi)``; ``bounds`` = chunk edges."""
    first = int(np.searchsorted(bounds, lo, side="right")) - 1
    last = int(np.searchsorted(bounds, hi, side="left")) - 1
    return [
        (b, slice(max(lo, int(bounds[b])) - int(bounds[b]), min(hi, int(bounds[b + 1])) - int(bounds[b])))
        for b in range(first, last + 1)
    ]


def _tile(
    x,
    spec: ResizeSpec,
    plans: Mapping[int, AxisPlan],
    out_chunks: Mapping[int, tuple[int, ...]],
    *,
    dtype: np.dtype,
    drop_axis: int | None = None,
    finish: Callable | None = None,
    token: Any = None,
    prefix: str = "upsampling-resize",
):
    """The lazy result: one task per output block, reading only the input window it needs."""
    n_blocks = math.prod(
        len(out_chunks[a]) if a in plans else 1 if a == drop_axis else len(x.chunks[a]) for a in range(x.ndim)
    )
    if n_blocks > MAX_BLOCKS:
        raise InvalidArgumentError(
            "chunks",
            {a: out_chunks[a][0] for a in out_chunks},
            f"chunks giving at most {MAX_BLOCKS:,} output blocks (these give {n_blocks:,})",
            "Pass larger chunks.",
        )
    order = axis_order(plans)
    static = _Static(spec, x.shape, finish, order)
    # Per input axis: for each output block along it, (input pieces, its output rows or None).
    per_axis: list[list[tuple[list[tuple[int, slice]], tuple[int, int] | None]]] = []
    for a in range(x.ndim):
        if a in plans:
            entries = []
            start = 0
            bounds = np.cumsum((0, *x.chunks[a]))
            for n in out_chunks[a]:
                lo, hi = plans[a].source_window(start, start + n)
                entries.append((_axis_pieces(bounds, lo, hi), (start, start + n)))
                start += n
            per_axis.append(entries)
        elif a == drop_axis:
            per_axis.append([([(0, slice(None))], None)])
        else:
            per_axis.append([([(b, slice(None))], None) for b in range(len(x.chunks[a]))])

    token = tokenize(x.name, spec, token, {a: out_chunks[a] for a in out_chunks}, str(dtype), drop_axis)
    name = f"{prefix}-{token}"
    dsk: dict[Any, Any] = {}
    kept = [a for a in range(x.ndim) if a != drop_axis]
    for block_index in np.ndindex(*(len(e) for e in per_axis)):
        entries = [per_axis[a][i] for a, i in enumerate(block_index)]
        grid = [[p[0] for p in pieces] for pieces, _ in entries]
        slices = tuple(tuple(p[1] for p in pieces) for pieces, _ in entries)

        def nest(depth: int, idx: tuple[int, ...]) -> Any:
            if depth == x.ndim:
                return (x.name, *idx)
            return [nest(depth + 1, (*idx, b)) for b in grid[depth]]

        rows = {a: entries[a][1] for a in plans}
        key = (name, *(block_index[a] for a in kept))
        dsk[key] = (_run_block, nest(0, ()), _Block(static, slices, rows))

    chunks = []
    for a in kept:
        chunks.append(tuple(out_chunks[a]) if a in plans else x.chunks[a])
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=[x])
    meta = np.empty((0,) * len(kept), dtype=dtype)
    return da.Array(graph, name, chunks=tuple(chunks), dtype=dtype, meta=meta)
