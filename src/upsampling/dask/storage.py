"""Rasters on disk: Zarr arrays and (Geo)TIFF files read lazily, window by window, and written
from Dask arrays under a temporary name that is moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from upsampling import _checks
from upsampling._files import atomic_output, check_output
from upsampling._optional import require
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError
from upsampling.spec import LAYOUTS

from upsampling.dask.scheduler import _compute, _Lines, _on_terminal
from upsampling.dask.validate import _as_dask, _default_layout

da = require("dask.array", extra="dask")


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
