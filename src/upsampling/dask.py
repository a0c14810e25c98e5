"""Resize rasters larger than memory on Dask, bit for bit equal to the in-memory engine.

Install with ``pip install 'upsampling[dask]'``.  ``import upsampling`` never imports Dask;
this module does.

* :func:`resize` -- a lazy ``dask.array.Array`` equal to :func:`upsampling.resize` of the
  whole array (same bits in every mode, convention and dtype), whatever the chunking.
* :func:`upsample_argmax` -- a lazy label raster equal to
  :func:`upsampling.kernels.argmax.upsample_argmax` (``argmax(resize(logits), axis=class)``).
* :func:`read_raster` / :func:`write_raster` (Zarr, plain TIFF) and :func:`resize_raster`,
  the file-to-file command behind ``upsampling resize-raster``, on the local scheduler or
  a ``dask.distributed`` cluster.

How a block is computed
-----------------------
The in-memory engine builds one :class:`~upsampling.plan.AxisPlan` per spatial axis --
for each output sample, the input indices it reads and their weights -- and applies the
axes one at a time.  Output rows ``o0:o1`` of an axis read only the input rows
``plan.source_window(o0, o1) = [min index, max index + 1)`` of those rows: the halo comes
from the plan itself (the coordinate mapping and the kernel support of the chosen mode,
weight-0 taps included), never from a fixed guess.  Each output block becomes one task
that reads the input chunks overlapping its window on each spatial axis, applies the
plans' rows ``o0:o1`` (indices shifted to the window; weights, taps and their order
unchanged) in the axis order of the *whole-array* plans, and so produces exactly the
bits the in-memory path produces for that block.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import math
import os
import re
import shutil
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling._optional import module_available, require
from upsampling._options import _options
from upsampling._files import atomic_output, check_output
from upsampling.errors import (
    DTypeError,
    InvalidArgumentError,
    OutputTooLargeError,
    SchedulerUnreachableError,
    ShapeError,
    UpsamplingError,
)
from upsampling.kernels.argmax import class_axis, label_dtype, plan_rows
from upsampling.plan import AxisPlan
from upsampling.resizing import LAYOUTS, _resize_setup, _ResizeSetup, _setup_plans, apply_plans, axis_order

da = require("dask.array", extra="dask")
dask = require("dask", extra="dask")

from dask.base import tokenize  # noqa: E402
from dask.highlevelgraph import HighLevelGraph  # noqa: E402

__all__ = [
    "SchedulerUnreachableError",
    "read_raster",
    "read_tiff",
    "read_zarr",
    "resize",
    "resize_raster",
    "scheduler_context",
    "upsample_argmax",
    "write_raster",
    "write_tiff",
    "write_zarr",
]

#: Refuse graphs with more output blocks than this (pick larger ``chunks``).
MAX_BLOCKS = 2**24

#: :func:`resize_raster` refuses a chunking that splits the job into more tasks than this (reads,
#: output blocks and their writes): each task costs milliseconds of scheduling whatever its size,
#: so a 512x640 raster cut into 1-pixel blocks would spend minutes and gigabytes on its graph.
MAX_RASTER_TASKS = 10_000

#: Seconds between progress lines when stderr is not a terminal (a log file, CI).
PROGRESS_EVERY = 5.0


# ---------------------------------------------------------------------------------------
# validation


def _as_dask(parameter: str, array: Any):
    """``array`` as a Dask array (NumPy input is wrapped with automatic chunks)."""
    if not isinstance(array, da.Array):
        array = da.asarray(_checks.numeric_array(parameter, array))
    if any(math.isnan(n) for n in array.shape):
        raise ShapeError(
            parameter,
            f"dask array of shape {array.shape}",
            "known chunk sizes",
            "Call array.compute_chunk_sizes() first.",
        )
    # Same dtype rule and message as the in-memory engine.
    _checks.numeric_array(parameter, np.empty(0, dtype=array.dtype))
    return array


def _default_layout(parameter: str, array: Any, layout: str | None) -> str:
    if layout is not None:
        return layout
    by_rank = {2: "HW", 4: "NHWC"}
    if array.ndim in by_rank:
        return by_rank[array.ndim]
    raise ShapeError(
        parameter,
        f"array of shape {array.shape}",
        "an explicit layout for a 3-D array",
        "Pass layout='HWC' (channels last) or layout='CHW' (channels first).",
    )


def _estimated_taps(st: _ResizeSetup, k: int) -> int:
    """An upper bound on a plan's taps per output, from the mode and scale (before building it)."""
    n_in, n_out = st.n_in[k], st.n_out[k]
    ratio = n_in / n_out if st.scales[k] is None else 1.0 / st.scales[k]
    if st.mode == "nearest":
        return 1
    if st.mode == "area":
        return math.ceil(ratio) + 2
    radius = 1.0 if st.mode == "linear" else 2.0
    if st.antialias and ratio > 1:
        return 2 * math.ceil(radius * ratio) + 1
    return 2 * math.ceil(radius)


def _check_sizes(st: _ResizeSetup, out_shape: Sequence[int], dtype: np.dtype) -> None:
    """Refuse outputs whose byte count overflows, or whose plans would not fit in memory."""
    nbytes = math.prod(int(n) for n in out_shape) * np.dtype(dtype).itemsize
    if nbytes >= 2**63:
        raise OutputTooLargeError(
            "size",
            tuple(out_shape),
            "an output of fewer than 2**63 bytes",
            message=(
                f"size gives an output of shape {tuple(int(n) for n in out_shape)}, which needs "
                f"{nbytes:,} bytes: that overflows a 64-bit byte count. Pass a smaller size or scale."
            ),
        )
    limit = _options["max_output_bytes"]
    for k in range(2):
        plan_bytes = st.n_out[k] * _estimated_taps(st, k) * 16
        if plan_bytes > limit:
            raise OutputTooLargeError(
                "size",
                st.n_out,
                "output lengths whose resize plans fit in memory",
                message=(
                    f"size gives an output length of {st.n_out[k]:,} on a spatial axis; its resize plan "
                    f"(indices and weights per output sample) would need about {plan_bytes:,} bytes, "
                    f"more than the limit of {limit:,} bytes. Pass a smaller size or scale, or raise "
                    "upsampling.set_options(max_output_bytes=...)."
                ),
            )


def _output_chunks(
    x, plans: Mapping[int, AxisPlan], chunks: Any, parameter: str = "chunks"
) -> dict[int, tuple[int, ...]]:
    """Output chunks of each spatial axis.

    Default: each input chunk length scaled by ``min(1, n_out/n_in)`` -- upscaled blocks keep
    the input's chunk length (a task reads a smaller window), downscaled blocks shrink with
    the scale (a task reads about one input chunk).
    """
    axes = sorted(plans)
    if chunks is None:
        out = {}
        for a in axes:
            p = plans[a]
            c_in = max(x.chunks[a])
            n = max(1, min(c_in, round(c_in * p.n_out / p.n_in)))
            out[a] = da.core.normalize_chunks((n,), (p.n_out,))[0]
        return out
    spec = chunks
    if _checks.is_integer(spec):
        spec = (spec, spec)
    elif isinstance(spec, Mapping) and set(spec) == set(axes):
        spec = tuple(spec[a] for a in axes)
    if not isinstance(spec, (tuple, list)) or len(spec) != 2:
        raise InvalidArgumentError(
            parameter,
            chunks,
            f"an int, a pair (rows, columns) of ints or of tuples of chunk lengths, or a dict {{{axes[0]}: .., {axes[1]}: ..}}",
        )
    out = {}
    for a, c in zip(axes, spec, strict=True):
        n_out = plans[a].n_out
        if _checks.is_integer(c):
            c = _checks.positive_int(parameter, c)
            out[a] = da.core.normalize_chunks((min(c, n_out),), (n_out,))[0]
        else:
            try:
                lengths = tuple(_checks.positive_int(parameter, v) for v in c)
            except TypeError:
                raise InvalidArgumentError(parameter, chunks, "ints or tuples of positive ints") from None
            if sum(lengths) != n_out:
                raise InvalidArgumentError(
                    parameter, chunks, f"chunk lengths that sum to the output length {n_out} on axis {a}"
                )
            out[a] = lengths
    return out


# ---------------------------------------------------------------------------------------
# the tiler


@functools.cache
def _kernel_lock() -> Any:
    """A lock around the kernels when Numba has only its ``workqueue`` threading layer.

    That layer aborts the process when two threads enter a parallel kernel at once, which
    Dask's threaded scheduler would do; TBB and OpenMP are thread-safe.
    """
    if _options["kernel"] != "auto" or not module_available("numba"):
        return contextlib.nullcontext()
    import numba

    layer = str(numba.config.THREADING_LAYER)
    safe = {"tbb": "tbbpool", "omp": "omppool"}
    candidates = [safe[layer]] if layer in safe else ([] if layer == "workqueue" else list(safe.values()))
    for module in candidates:
        try:
            __import__(f"numba.np.ufunc.{module}")
            return contextlib.nullcontext()
        except Exception:  # noqa: BLE001 - any failure means the layer is unusable
            continue
    return threading.Lock()


if hasattr(os, "register_at_fork"):  # a forked child must not inherit the lock held by another thread
    os.register_at_fork(after_in_child=_kernel_lock.cache_clear)


class _Static:
    """What every block of one tiled operation shares (kept out of Dask's task parsing).

    The plans are not stored: each worker rebuilds them from the validated arguments
    (``setup``; the builders are deterministic and cached per process), so the graph holds
    a few integers per block however long the axes are.
    """

    __slots__ = ("setup", "finish", "order")

    def __init__(self, setup: _ResizeSetup, finish: Callable | None, order: Sequence[int]) -> None:
        self.setup = setup
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
    window = _assemble(pieces, block.slices)
    st = block.static
    plans = _setup_plans(st.setup)
    sub = {a: plan_rows(plans[a], o0, o1)[0] for a, (o0, o1) in block.rows.items()}
    shape = [sub[a].n_out if a in sub else n for a, n in enumerate(window.shape)]
    # A plain allocation, not the output pool (upsampling._memory): a worker's freed
    # blocks must go back to the system, or the pool would count against its memory limit.
    target = np.empty(shape, dtype=window.dtype)
    with _kernel_lock():
        y = apply_plans(window, sub, order=st.order, extrapolation_value=st.setup.extrapolation_value, out=target)
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
    setup: _ResizeSetup,
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
    static = _Static(setup, finish, order)
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

    name = f"{prefix}-{tokenize(x.name, setup, token, {a: out_chunks[a] for a in out_chunks}, str(dtype), drop_axis)}"
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


def _setup(
    parameter: str,
    x,
    size: Any,
    scale: Any,
    layout: str,
    options: Mapping[str, Any],
) -> tuple[_ResizeSetup, dict[int, AxisPlan], tuple[int, ...]]:
    st = _resize_setup(x, size, scale=scale, layout=layout, **options)
    out_shape = list(x.shape)
    for k, a in enumerate(st.axes):
        out_shape[a] = st.n_out[k]
    _check_sizes(st, out_shape, x.dtype)
    return st, _setup_plans(st), tuple(out_shape)


_RESIZE_DEFAULTS: dict[str, Any] = {
    "mode": "linear",
    "coordinate_transformation_mode": "half_pixel",
    "nearest_mode": "round_prefer_floor",
    "cubic_coeff_a": -0.75,
    "exclude_outside": False,
    "antialias": False,
    "roi": None,
    "extrapolation_value": 0.0,
}


def _check_option_names(options: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - set(_RESIZE_DEFAULTS))
    if unknown:
        raise InvalidArgumentError(
            unknown[0], options[unknown[0]], "a keyword of upsampling.resize: " + ", ".join(sorted(_RESIZE_DEFAULTS))
        )


# ---------------------------------------------------------------------------------------
# public: lazy operations


def resize(
    array: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    mode: str = "linear",
    coordinate_transformation_mode: str = "half_pixel",
    nearest_mode: str = "round_prefer_floor",
    cubic_coeff_a: float = -0.75,
    exclude_outside: bool = False,
    antialias: bool = False,
    layout: str | None = None,
    roi: Sequence[float] | None = None,
    extrapolation_value: float = 0.0,
    chunks: Any = None,
):
    """Resize a Dask array lazily; the result equals :func:`upsampling.resize` of the whole array.

    Parameters
    ----------
    array : ``dask.array.Array`` (a NumPy array is wrapped) of any chunking, in ``layout``.
    size, scale, mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a,
    exclude_outside, antialias, roi, extrapolation_value : as :func:`upsampling.resize`.
    layout : ``"HW"``, ``"HWC"``, ``"CHW"``, ``"NHWC"`` or ``"NCHW"``.  Default: ``HW`` for a
        2-D array, ``NHWC`` (``upsampling.resize``'s default) for 4-D; 3-D arrays must say.
    chunks : output chunks of the (H, W) axes: an int, a pair of ints, or a pair of tuples of
        chunk lengths.  Default: each input chunk length times ``min(1, n_out/n_in)``.  Other
        axes keep the input's chunks (channels may be chunked: they are independent).

    Returns
    -------
    A lazy ``dask.array.Array`` with the dtype of ``array``.  Each block is one task that
    reads only the input rows and columns its output rows and columns need (see the module
    docstring); ``result.compute()`` equals ``upsampling.resize(array.compute(), ...)`` bit
    for bit in every mode, convention and dtype.  (``upsampling.options(kernel="reference")``
    does not apply: blocks always use the plan engine, which the default path uses.)

    Raises
    ------
    InvalidArgumentError, ShapeError, DTypeError, OutputTooLargeError
        As :func:`upsampling.resize` (before any computing), plus: unknown chunk sizes,
        outputs whose byte count overflows or whose plans would not fit in memory, and
        ``chunks`` giving more than :data:`MAX_BLOCKS` blocks.

    Examples
    --------
    >>> import numpy as np, dask.array as da, upsampling, upsampling.dask as ud
    >>> x = np.arange(30.0).reshape(5, 6)
    >>> y = ud.resize(da.from_array(x, chunks=2), scale=2.5, mode="cubic", chunks=4)
    >>> y.shape, y.chunks[0]
    ((12, 15), (4, 4, 4))
    >>> bool((y.compute() == upsampling.resize(x, scale=2.5, mode="cubic", layout="HW")).all())
    True
    """
    x = _as_dask("array", array)
    layout = _default_layout("array", x, layout)
    options = dict(
        mode=mode,
        coordinate_transformation_mode=coordinate_transformation_mode,
        nearest_mode=nearest_mode,
        cubic_coeff_a=cubic_coeff_a,
        exclude_outside=exclude_outside,
        antialias=antialias,
        roi=roi,
        extrapolation_value=extrapolation_value,
    )
    st, plans, _ = _setup("array", x, size, scale, layout, options)
    out_chunks = _output_chunks(x, plans, chunks)
    return _tile(
        x,
        st,
        plans,
        out_chunks,
        dtype=x.dtype,
        token=layout,
        prefix="upsampling-resize",
    )


def upsample_argmax(
    logits: Any,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    layout: str = "CHW",
    dtype: Any = None,
    chunks: Any = None,
    **options: Any,
):
    """Lazy labels ``argmax(resize(logits), axis=class)`` of Dask class scores.

    Parameters
    ----------
    logits : ``dask.array.Array`` of class scores in ``layout`` (``CHW`` default, ``HWC``,
        ``NCHW``, ``NHWC``).  The class axis must be one chunk (``logits.rechunk({0: -1})``).
    size, scale, options : as :func:`upsampling.resize` (``mode``, ``antialias``, ...).
    dtype : label dtype; default the smallest unsigned integer type holding ``C - 1``.
    chunks : output chunks of (H, W), as in :func:`resize`.

    Returns
    -------
    A lazy label raster (the input shape without the class axis, resized), equal to
    :func:`upsampling.kernels.argmax.upsample_argmax` on the whole array.  Each task holds
    the scores of one output block for all classes.

    Examples
    --------
    >>> import numpy as np, dask.array as da, upsampling.dask as ud
    >>> logits = da.from_array(np.array([[[0.0, 1.0]], [[1.0, 0.0]]]), chunks=(2, 1, 1))  # C=2, 1 x 2
    >>> ud.upsample_argmax(logits, (1, 4)).compute()
    array([[1, 1, 0, 0]], dtype=uint8)
    """
    _check_option_names(options)
    x = _as_dask("logits", logits)
    c_axis = class_axis(layout)
    opts = {**_RESIZE_DEFAULTS, **options}
    st, plans, _ = _setup("logits", x, size, scale, layout, opts)
    if len(x.chunks[c_axis]) != 1:
        raise ShapeError(
            "logits",
            f"dask array with chunks {x.chunks[c_axis]} along the class axis {c_axis}",
            f"the class axis in one chunk (layout {layout!r} takes the argmax over it)",
            f"Rechunk first: logits.rechunk({{{c_axis}: -1}}).",
        )
    out_dtype = label_dtype(x.shape[c_axis], dtype)
    out_chunks = _output_chunks(x, plans, chunks)
    return _tile(
        x,
        st,
        plans,
        out_chunks,
        dtype=out_dtype,
        drop_axis=c_axis,
        finish=_argmax_finish(c_axis, out_dtype),
        token=(layout, "argmax"),
        prefix="upsampling-argmax",
    )


# ---------------------------------------------------------------------------------------
# storage


def _is_zarr_path(path: str | os.PathLike) -> bool:
    p = Path(path)
    if p.suffix.lower() in (".tif", ".tiff"):
        return False
    if p.suffix.lower() == ".zarr":
        return True
    return p.is_dir()


def read_zarr(path: str | os.PathLike, component: str | None = None, *, chunks: Any = None):
    """A Zarr array as a Dask array (``chunks``: default the stored chunks)."""
    zarr = require("zarr", extra="dask")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InvalidArgumentError("input_path", path, "an existing Zarr array", "No such file or directory.")
    try:
        z = zarr.open_array(path, mode="r", path=component) if component else zarr.open_array(path, mode="r")
    except Exception as exc:  # noqa: BLE001 - zarr raises many kinds
        raise InvalidArgumentError(
            "input_path", path, "a Zarr array (or pass component= for an array inside a group)", str(exc)
        ) from None
    if np.dtype(z.dtype).kind not in "biuf":  # object arrays decode chunks with codecs such as pickle
        raise DTypeError("input_path", path, "a Zarr array of numbers (bool, integers or floats)",
                         f"Its dtype is {z.dtype}; no chunk was read.")
    return da.from_zarr(z, chunks=chunks if chunks is not None else z.chunks)


def _zarr_attrs(path: str | os.PathLike, component: str | None = None) -> dict[str, Any]:
    zarr = require("zarr", extra="dask")
    z = zarr.open_array(os.fspath(path), mode="r", path=component) if component else zarr.open_array(
        os.fspath(path), mode="r"
    )
    return dict(z.attrs)


class _TiffWindows:
    """A TIFF image as an indexable array that opens the file per read (picklable, thread-safe)."""

    def __init__(self, path: str, series: int = 0, level: int = 0) -> None:
        tifffile = require("tifffile", extra="dask")
        self.path, self.series, self.level = path, series, level
        with tifffile.TiffFile(path) as tif:
            s = tif.series[series].levels[level]
            self.shape, self.dtype, self.axes = tuple(s.shape), np.dtype(s.dtype), s.axes
        self.ndim = len(self.shape)

    def __getitem__(self, key: Any) -> np.ndarray:
        tifffile = require("tifffile", extra="dask")
        with tifffile.TiffFile(self.path) as tif:
            store = tif.series[self.series].aszarr(level=self.level)
            try:
                zarr = require("zarr", extra="dask")
                return np.asarray(zarr.open_array(store, mode="r")[key])
            finally:
                store.close()


_TIFF_LAYOUTS = {"YX": "HW", "YXS": "HWC", "SYX": "CHW", "CYX": "CHW", "YXC": "HWC"}


def read_tiff(path: str | os.PathLike, *, chunks: Any = 4096, series: int = 0, level: int = 0):
    """A TIFF (or GeoTIFF) image as a Dask array, read window by window; returns ``(array, layout)``.

    ``layout`` is ``"HW"``, ``"HWC"`` or ``"CHW"`` from the TIFF's axes, or None when they are
    something else.  Georeferencing tags are not interpreted.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InvalidArgumentError("input_path", path, "an existing TIFF file", "No such file.")
    try:
        src = _TiffWindows(path, series, level)
    except Exception as exc:  # noqa: BLE001
        raise InvalidArgumentError("input_path", path, "a readable TIFF file", str(exc)) from None
    layout = _TIFF_LAYOUTS.get(src.axes)
    if _checks.is_integer(chunks):
        c = int(chunks)
        chunks = tuple(-1 if (layout == "HWC" and a == 2) or (layout == "CHW" and a == 0) else c for a in range(src.ndim))
    return da.from_array(src, chunks=chunks, asarray=False, fancy=False, lock=False), layout


def read_raster(path: str | os.PathLike, *, chunks: Any = None, component: str | None = None):
    """Open a Zarr array or a TIFF file lazily; returns ``(array, layout or None)``.

    The layout comes from the ``layout`` attribute :func:`write_zarr` stores, or the TIFF's axes.
    """
    if _is_zarr_path(path):
        arr = read_zarr(path, component, chunks=chunks)
        layout = _zarr_attrs(path, component).get("layout")
        return arr, layout if layout in LAYOUTS else None
    return read_tiff(path, chunks=4096 if chunks is None else chunks)


#: Present in a Zarr output while it is being written (removed before the move into place).
_WRITING = ".upsampling-writing"


@contextlib.contextmanager
def _atomic_output(path: str | os.PathLike, overwrite: bool) -> Iterator[str]:
    """Yield a temporary sibling path; move it to ``path`` only when the body succeeds
    (:func:`upsampling._files.atomic_output`: ``.NAME.partial-HOST-PID-RANDOM``, stale ones of
    killed runs removed first).

    A failed or interrupted write removes the temporary; a Zarr's blocks still being written
    when it fails find their marker gone and write nothing more (:class:`_GuardedStore`).
    """
    final = Path(os.fspath(path)).absolute()
    check_output(final, option="output_path", overwrite=overwrite, folder=True, flag="overwrite=True (--overwrite)")
    with atomic_output(final, overwrite=overwrite, option="output_path", flag="overwrite=True (--overwrite)") as tmp:
        try:
            yield str(tmp)
        except BaseException:
            _remove(tmp / _WRITING)  # first: every later block write is refused (_GuardedStore)
            _remove(tmp)
            # A writer that passed its _GuardedStore check just before the failure may still be
            # finishing one block (on a distributed worker, say): remove what it recreates.
            time.sleep(0.2)
            _remove(tmp)
            raise


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


_LOCAL_SCHEDULERS = ("threads", "threading", "processes", "multiprocessing", "synchronous", "sync", "single-threaded")


def _client() -> Any:
    """The active ``dask.distributed`` client, if any (without importing distributed).

    None when a local scheduler is asked for (``dask.config.set(scheduler="threads")``, as
    :func:`scheduler_context` does), even if a client exists.
    """
    if "distributed" not in sys.modules or dask.config.get("scheduler", None) in _LOCAL_SCHEDULERS:
        return None
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


class _Lines:
    """Progress for a log file or CI (stderr not a terminal): a line when the work starts, one every
    :data:`PROGRESS_EVERY` seconds, and one at the end -- never a redrawn bar."""

    def __init__(self, label: str) -> None:
        self.label, self.start, self.last = label, time.monotonic(), time.monotonic()

    def line(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= PROGRESS_EVERY:
            self.last = now
            print(f"{self.label}: {text} ({now - self.start:.1f} s)", file=sys.stderr, flush=True)


def _line_progress():
    """A dask callback printing :class:`_Lines` (built lazily: dask.callbacks is imported here)."""
    from dask.callbacks import Callback

    class LineProgress(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.lines = _Lines("resize-raster")
            self.state: Any = None
            self.stop = threading.Event()

        def _start_state(self, dsk: Any, state: Any) -> None:
            self.state = state
            self.lines.line(f"started, {self._total():,} tasks", force=True)
            threading.Thread(target=self._tick, daemon=True).start()

        def _total(self) -> int:
            s = self.state
            return sum(len(s[k]) for k in ("ready", "waiting", "running", "finished")) if s else 0

        def _tick(self) -> None:
            while not self.stop.wait(min(1.0, PROGRESS_EVERY)):
                s = self.state
                if s is not None:
                    total = self._total()
                    done = len(s["finished"])
                    self.lines.line(f"{100 * done // max(total, 1)}% ({done:,} of {total:,} tasks)")

        def _finish(self, dsk: Any, state: Any, errored: bool) -> None:
            self.stop.set()
            total = self._total()
            done = len(state["finished"]) if state else 0
            word = "stopped" if errored else "done"
            self.lines.line(f"{word}, {100 * done // max(total, 1)}% ({done:,} of {total:,} tasks)", force=True)

    return LineProgress()


def _on_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _compute(target: Any, progress: bool) -> Any:
    """Compute on the active distributed client or the local scheduler, with progress on stderr
    (a bar on a terminal; otherwise a line every :data:`PROGRESS_EVERY` seconds).

    When a task fails, the tasks already running are waited for (threads) or cancelled
    (distributed) before the error propagates, so no block is written after the caller has
    cleaned up.  Ctrl-C does not wait for them: the caller's cleanup removes the marker a
    block checks before writing (:class:`_GuardedStore`).
    """
    client = _client()
    if client is not None:
        future = client.compute(target)
        try:
            if progress and _on_terminal():
                from distributed import progress as show_progress

                # distributed's text bar writes to stdout; keep stdout for the result.
                with contextlib.redirect_stdout(sys.stderr):
                    show_progress(future)
                    print()
            elif progress:
                lines = _Lines("resize-raster")
                lines.line("started on the cluster", force=True)
                result = future.result()
                lines.line("done", force=True)
                return result
            return future.result()
        except BaseException:
            with contextlib.suppress(Exception):
                client.cancel(future, force=True)
            raise
    bar: Any = contextlib.nullcontext()
    if progress:
        from dask.diagnostics import ProgressBar

        bar = ProgressBar(out=sys.stderr) if _on_terminal() else _line_progress()
    kwargs: dict[str, Any] = {}
    pool = None
    if dask.config.get("scheduler", None) in (None, "threads", "threading") and dask.config.get("pool", None) is None:
        # Our own pool, so that a failure waits for the blocks still being written.
        workers = dask.config.get("num_workers", None) or os.cpu_count() or 1
        pool = concurrent.futures.ThreadPoolExecutor(workers)
        kwargs = {"scheduler": "threads", "pool": pool}
    interrupted = False
    try:
        with bar:
            result = dask.compute(target, **kwargs)[0]
        if progress and _on_terminal():
            print(file=sys.stderr)  # dask's bar leaves the cursor at the end of its line
        return result
    except (KeyboardInterrupt, SystemExit):
        interrupted = True
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=not interrupted, cancel_futures=True)


class _GuardedStore:
    """A Zarr array that refuses writes once its ``marker`` file is gone (a failed write's cleanup)."""

    def __init__(self, array: Any, marker: str) -> None:
        self.array, self.marker = array, marker

    def __setitem__(self, key: Any, value: Any) -> None:
        if not os.path.exists(self.marker):
            raise RuntimeError(f"write to {os.path.dirname(self.marker)} abandoned (another block failed)")
        self.array[key] = value


def _regular(array):
    """Rechunk to regular chunks (all equal but the last) as Zarr needs, if they are not."""
    if all(len(set(c[:-1])) <= 1 and (len(c) == 1 or c[-1] <= c[0]) for c in array.chunks):
        return array
    return array.rechunk(tuple(max(c) for c in array.chunks))


def write_zarr(
    array: Any,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    attrs: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> str:
    """Compute ``array`` into a new Zarr array at ``path`` (chunks = the array's chunks).

    Written under a temporary sibling name and moved into place when complete: a failed
    write leaves nothing at ``path``.  Runs on the active ``dask.distributed`` client if there
    is one (the path must then be on storage the workers share), else on the local scheduler.
    Returns the absolute path.
    """
    zarr = require("zarr", extra="dask")
    arr = _regular(_as_dask("array", array))
    with _atomic_output(path, overwrite) as tmp:
        z = zarr.open_array(
            tmp, mode="w-", shape=arr.shape, chunks=tuple(c[0] for c in arr.chunks), dtype=arr.dtype
        )
        if attrs:
            z.attrs.update(dict(attrs))
        marker = os.path.join(tmp, _WRITING)
        Path(marker).touch()
        _compute(da.store(arr, _GuardedStore(z, marker), lock=False, compute=False), progress)
        os.remove(marker)
    return str(Path(os.fspath(path)).absolute())


def write_tiff(
    array: Any,
    path: str | os.PathLike,
    *,
    layout: str | None = None,
    tile: int = 256,
    overwrite: bool = False,
    progress: bool = False,
    compression: str | None = None,
) -> str:
    """Compute ``array`` into a tiled (Big)TIFF, one band of tile rows at a time.

    ``HW`` and ``HWC`` are written as they are; ``CHW`` is stored channels-last (``HWC``).
    The client process holds one band (``tile`` rows, or the array's row chunk if larger,
    times the full width) at a time.  Written under a temporary name, then moved.
    """
    tifffile = require("tifffile", extra="dask")
    arr = _as_dask("array", array)
    layout = _default_layout("array", arr, layout)
    if layout not in ("HW", "HWC", "CHW"):
        raise InvalidArgumentError("layout", layout, "'HW', 'HWC' or 'CHW' for a TIFF file")
    if arr.ndim != LAYOUTS[layout][0]:
        raise ShapeError("array", f"array of shape {arr.shape}", f"a {LAYOUTS[layout][0]}-D array for layout {layout!r}")
    if layout == "CHW":
        arr = arr.transpose(1, 2, 0)
    tile = _checks.positive_int("tile", tile)
    if tile % 16:
        raise InvalidArgumentError("tile", tile, "a multiple of 16 (TIFF tiles)")
    h, w = arr.shape[:2]
    # Bands of whole tile rows: the row chunks rounded up to a multiple of the tile height.
    band = max(tile, -(-max(arr.chunks[0]) // tile) * tile)
    arr = arr.rechunk({0: band, 1: -1} if arr.ndim == 2 else {0: band, 1: -1, 2: -1})
    extra = arr.shape[2:]
    terminal = _on_terminal()
    lines = _Lines("resize-raster")

    def tiles() -> Iterator[np.ndarray]:
        for i in range(len(arr.chunks[0])):
            block = np.asarray(_compute(arr.blocks[i], progress=False))
            for r in range(0, block.shape[0], tile):
                rows = block[r : r + tile]
                for c in range(0, w, tile):
                    t = np.zeros((tile, tile, *extra), dtype=arr.dtype)
                    piece = rows[:, c : c + tile]
                    t[: piece.shape[0], : piece.shape[1]] = piece
                    yield t
            if progress and terminal:
                print(f"\rwrote rows {min((i + 1) * band, h)}/{h}", end="", file=sys.stderr, flush=True)
            elif progress:
                lines.line(f"wrote rows {min((i + 1) * band, h):,} of {h:,}", force=i + 1 == len(arr.chunks[0]))
        if progress and terminal:
            print(file=sys.stderr)

    nbytes = arr.size * arr.dtype.itemsize
    with _atomic_output(path, overwrite) as tmp:
        tifffile.imwrite(
            tmp,
            tiles(),
            shape=arr.shape,
            dtype=arr.dtype,
            tile=(tile, tile),
            photometric="minisblack",
            planarconfig="contig" if arr.ndim == 3 else None,
            bigtiff=nbytes > 2**32 - 2**25,
            compression=compression,
            metadata=None,
        )
    return str(Path(os.fspath(path)).absolute())


def write_raster(array: Any, path: str | os.PathLike, *, layout: str | None = None, **kwargs: Any) -> str:
    """:func:`write_tiff` for ``.tif``/``.tiff`` paths, else :func:`write_zarr` (storing ``layout``)."""
    if not _is_zarr_path(path) and Path(path).suffix.lower() in (".tif", ".tiff"):
        return write_tiff(array, path, layout=layout, **kwargs)
    attrs = dict(kwargs.pop("attrs", None) or {})
    if layout is not None:
        attrs.setdefault("layout", layout)
    return write_zarr(array, path, attrs=attrs, **kwargs)


# ---------------------------------------------------------------------------------------
# file to file


@contextlib.contextmanager
def scheduler_context(scheduler: Any = None, timeout: float = 10.0) -> Iterator[Any]:
    """Run the body on ``scheduler``; yields the ``distributed.Client`` or None.

    ``scheduler``: None (Dask's default: an active client, else local threads), a local
    scheduler name (``"threads"``, ``"processes"``, ``"synchronous"``), a
    ``distributed.Client``, or a scheduler address (``"tcp://host:8786"``).  An address that
    does not answer within ``timeout`` seconds raises :class:`SchedulerUnreachableError`.
    """
    if scheduler is None:
        yield _client()
        return
    if isinstance(scheduler, str) and scheduler in _LOCAL_SCHEDULERS:
        with dask.config.set(scheduler=scheduler):
            yield None
        return
    distributed = require("distributed", extra="dask")
    if isinstance(scheduler, distributed.Client):
        with scheduler.as_current():
            yield scheduler
        return
    if not isinstance(scheduler, str):
        raise InvalidArgumentError(
            "scheduler", scheduler, "None, 'threads', 'processes', 'synchronous', a distributed.Client or an address"
        )
    timeout = _checks.positive_finite("timeout", timeout)
    _probe_scheduler(scheduler, timeout)
    try:
        client = distributed.Client(scheduler, timeout=timeout, set_as_default=True)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachableError(
            "scheduler",
            scheduler,
            "the address of a running dask.distributed scheduler",
            message=(
                f"scheduler={scheduler!r}: no dask.distributed scheduler answered within {timeout:g} s "
                f"({type(exc).__name__}: {exc}). Check the address (e.g. tcp://HOST:8786) and that the "
                "scheduler is running, or omit it to use the local scheduler."
            ),
        ) from None
    except ValueError as exc:
        raise InvalidArgumentError(
            "scheduler", scheduler, "a scheduler address such as 'tcp://HOST:8786'", str(exc)
        ) from None
    except MemoryError as exc:  # a reply read as a frame length of exabytes: not dask's protocol
        raise _not_a_scheduler(scheduler, f"its reply could not be read as dask.distributed's protocol ({exc})") from None
    try:
        with client.as_current():
            yield client
    finally:
        client.close()


_TCP_ADDRESS = re.compile(r"(?:tcp://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")


def _not_a_scheduler(scheduler: str, what: str) -> SchedulerUnreachableError:
    return SchedulerUnreachableError(
        "scheduler",
        scheduler,
        "the address of a running dask.distributed scheduler",
        message=(
            f"scheduler={scheduler!r:.120}: something answered there, but it is not a dask.distributed scheduler: "
            f"{what}. Check the address and port (a scheduler listens on 8786 by default), or omit --scheduler "
            "to use the local scheduler."
        ),
    )


def _probe_scheduler(scheduler: str, timeout: float) -> None:
    """Check that a ``tcp://HOST:PORT`` address speaks dask.distributed's protocol before handing it
    to ``distributed.Client``, which can wait forever on a service that never replies (an HTTP
    server) or read garbage as a frame length of exabytes.

    A scheduler greets first: right after accepting a connection it sends its handshake, framed as
    two little-endian uint64 (the frames' total length, then their count) and the frames.  We read
    those 16 bytes within ``timeout`` and check they are plausible; other protocols (``tls://``,
    ``ucx://``...) are left to distributed.
    """
    m = _TCP_ADDRESS.fullmatch(scheduler.strip())
    if m is None:
        return
    host, port = m.group(1).strip("[]"), int(m.group(2))
    try:
        conn = socket.create_connection((host, port), timeout=timeout)
    except (OSError, ValueError) as exc:
        raise SchedulerUnreachableError(
            "scheduler",
            scheduler,
            "the address of a running dask.distributed scheduler",
            message=(
                f"scheduler={scheduler!r:.120}: no dask.distributed scheduler answered within {timeout:g} s "
                f"({type(exc).__name__}: {exc}). Check the address (e.g. tcp://HOST:8786) and that the "
                "scheduler is running, or omit it to use the local scheduler."
            ),
        ) from None
    with conn:
        conn.settimeout(timeout)
        data = b""
        try:
            while len(data) < 16:
                chunk = conn.recv(16 - len(data))
                if not chunk:
                    break
                data += chunk
        except OSError:  # socket.timeout included
            pass
    if len(data) < 16:
        raise _not_a_scheduler(
            scheduler,
            f"it accepted the connection but sent no dask handshake within {timeout:g} s"
            + (f" (only {data[:16]!r})" if data else " (an HTTP or other server waiting for a request?)"),
        )
    total, frames = struct.unpack("<QQ", data)
    if not (16 <= total <= 2**24 and 1 <= frames <= 64):
        raise _not_a_scheduler(scheduler, f"its first bytes {data[:16]!r} are not a dask message header")


def _guess_layout(array) -> str:
    if array.ndim == 2:
        return "HW"
    if array.ndim == 3:
        first, last = array.shape[0], array.shape[-1]
        if last <= 4 < first:
            return "HWC"
        if first <= 4 < last:
            return "CHW"
    if array.ndim == 4:
        return "NHWC"
    raise ShapeError(
        "input",
        f"array of shape {array.shape}",
        "a layout stored with the raster or given with layout= (--layout)",
        "Pass layout='HWC' or 'CHW'.",
    )


def _read_length(stored: int, want: int) -> int:
    """An input chunk length near ``want``: a multiple of the stored chunk, or an even split of it."""
    if stored <= want:
        return (want // stored) * stored
    return -(-stored // -(-stored // want))


def _raster_blocks(x, st: _ResizeSetup, chunks: int, layout: str, *, tiff: bool):
    """Read chunks and output chunks for :func:`resize_raster`, from the block side ``chunks``.

    Per spatial axis, the longer of a task's input window and its output block is about
    ``chunks``: upscaling by ``s`` reads input chunks of about ``chunks / s`` and writes blocks
    of ``chunks``; downscaling reads about ``chunks`` and writes ``chunks * s``.  So a task
    holds about two ``chunks x chunks`` planes per channel, whatever the scale.
    """
    read, out = [], []
    for k, a in enumerate(st.axes):
        ratio = st.n_out[k] / st.n_in[k]
        read.append(_read_length(x.chunks[a][0], max(1, round(chunks / max(ratio, 1.0)))))
        out.append(max(1, min(chunks, round(chunks * ratio))))
    if tiff:  # the client assembles bands of whole rows: keep them short
        out[0] = min(out[0], 1024)
    read_chunks = []
    for a in range(x.ndim):
        if a in st.axes:
            read_chunks.append(read[st.axes.index(a)])
        elif layout in ("NHWC", "NCHW") and a == 0:
            read_chunks.append(1)
        else:  # channels: whole (the argmax needs them together; reads stay one per chunk)
            read_chunks.append(x.shape[a])
    return tuple(read_chunks), tuple(out)


def _raster_tasks(x, st: _ResizeSetup, read_chunks: Sequence[int], out_chunks: Sequence[int]) -> int:
    """Tasks of a :func:`resize_raster` graph: input reads, plus each output block and its write."""
    reads = math.prod(-(-int(n) // max(1, int(c))) for n, c in zip(x.shape, read_chunks))
    blocks = math.prod(-(-int(n) // max(1, int(c))) for n, c in zip(st.n_out, out_chunks))
    others = math.prod(-(-int(n) // max(1, int(c))) for a, (n, c) in enumerate(zip(x.shape, read_chunks))
                       if a not in st.axes)
    return reads + 2 * blocks * max(1, others)


def resize_raster(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    size: int | Sequence[int] | None = None,
    *,
    scale: float | Sequence[float] | None = None,
    mode: str = "linear",
    layout: str | None = None,
    labels: bool = False,
    scheduler: Any = None,
    chunks: int = 4096,
    progress: bool = True,
    overwrite: bool = False,
    timeout: float = 10.0,
    component: str | None = None,
    max_tasks: int = MAX_RASTER_TASKS,
    **options: Any,
) -> str:
    """Resize a raster file into a new one, block by block: Zarr or TIFF in, Zarr or TIFF out.

    Parameters
    ----------
    input_path : a Zarr array (directory) or a ``.tif``/``.tiff`` file.
    output_path : ``*.zarr`` (or any non-TIFF path) for Zarr, ``.tif``/``.tiff`` for TIFF.  Must not
        exist unless ``overwrite``; written under a temporary name and moved into place when done.
    size, scale, mode, options : as :func:`upsampling.resize` (``coordinate_transformation_mode``,
        ``antialias``, ...).
    layout : of the input; default the ``layout`` attribute stored by this function, the TIFF's
        axes, or a guess (2-D: HW; 3-D with a first/last axis of at most 4: CHW/HWC).
    labels : write ``argmax`` labels of class scores (:func:`upsample_argmax`) instead.
    scheduler : None (local threads, or the active client), ``"processes"``/``"synchronous"``,
        a ``distributed.Client``, or a scheduler address; see :func:`scheduler_context`.
    chunks : block side ``N``: per axis, the longer of a task's input window and output block is
        about ``N`` (upscaling by ``s`` reads chunks of ~``N/s`` and writes ``N``-pixel Zarr chunks;
        downscaling reads ~``N`` and writes ``N*s``), so a task holds ~2 ``N x N`` planes per channel.
    progress : show progress on stderr: a bar on a terminal, otherwise a line every
        :data:`PROGRESS_EVERY` seconds (and at the start and the end).
    timeout : seconds to wait for a scheduler address to answer.
    max_tasks : refuse a chunking that splits the job into more tasks than this
        (:data:`MAX_RASTER_TASKS`); the message names the smallest ``chunks`` that fits.

    Output safety: ``output_path`` may not be the input (symlinks and other spellings resolved);
    it is written under ``.NAME.partial-HOST-PID-RANDOM`` beside it and renamed when complete, and
    temporaries of earlier runs that were killed (same host, process gone) are removed first.

    Returns the absolute output path.
    """
    chunks = _checks.positive_int("chunks", chunks)
    max_tasks = _checks.positive_int("max_tasks", max_tasks)
    _check_option_names(options)
    out_path = check_output(output_path, option="output_path", overwrite=overwrite, inputs=[input_path],
                            folder=True, flag="overwrite=True (--overwrite)")
    in_path = str(Path(os.fspath(input_path)).absolute())
    with scheduler_context(scheduler, timeout):
        x, stored_layout = read_raster(in_path, component=component)
        layout = layout or stored_layout or _guess_layout(x)
        _checks.choice("layout", layout, tuple(LAYOUTS))
        if x.ndim != LAYOUTS[layout][0]:
            raise ShapeError("layout", layout, f"a layout of rank {x.ndim} for the input of shape {x.shape}")
        options = {"mode": mode, **options}
        st = _resize_setup(x, size, scale=scale, layout=layout, **{**_RESIZE_DEFAULTS, **options})
        is_tiff = out_path.suffix.lower() in (".tif", ".tiff")
        read_chunks, out_chunks = _raster_blocks(x, st, chunks, layout, tiff=is_tiff)
        tasks = _raster_tasks(x, st, read_chunks, out_chunks)
        if tasks > max_tasks:
            smallest = next((c for c in (2**k for k in range(31)) if c > chunks and _raster_tasks(
                x, st, *_raster_blocks(x, st, c, layout, tiff=is_tiff)) <= max_tasks), None)
            advice = f"pass chunks={smallest} (--chunks {smallest}) or more" if smallest else "pass larger chunks"
            raise InvalidArgumentError("chunks", chunks, message=(
                f"chunks={chunks} splits this job into {tasks:,} tasks (reads, output blocks and their writes), more "
                f"than the {max_tasks:,} resize_raster schedules (each costs milliseconds whatever its size); "
                f"{advice}, or raise max_tasks (--max-tasks)"))
        x, _ = read_raster(in_path, component=component, chunks=read_chunks)
        if labels:
            y = upsample_argmax(x, size, scale=scale, layout=layout, chunks=out_chunks, **options)
            out_layout = {"CHW": "HW", "HWC": "HW", "NCHW": "NHW", "NHWC": "NHW"}[layout]
        else:
            y = resize(x, size, scale=scale, layout=layout, chunks=out_chunks, **options)
            out_layout = layout
        if is_tiff:
            return write_tiff(y, out_path, layout=out_layout if out_layout in ("HW", "HWC", "CHW") else None,
                              overwrite=overwrite, progress=progress)
        attrs = {
            "layout": out_layout,
            "upsampling": {
                "source": in_path,
                "operation": "upsample_argmax" if labels else "resize",
                "input_shape": [int(n) for n in x.shape],
                "mode": mode,
                **{k: v for k, v in options.items() if isinstance(v, (bool, int, float, str))},
            },
        }
        return write_zarr(y, out_path, overwrite=overwrite, attrs=attrs, progress=progress)
