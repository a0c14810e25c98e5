"""File to file: :func:`resize_raster`, the job behind ``upsampling resize-raster``.

It opens the input lazily, picks read and output chunks from one block side, refuses a job
split into too many tasks, and writes the lazy result through :mod:`upsampling.dask.storage`
on the scheduler :func:`~upsampling.dask.scheduler.scheduler_context` connects to.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Unpack

from upsampling import _checks
from upsampling._files import check_output
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.spec import LAYOUTS, ResizeOptions, ResizeSpec, takes_resize_options

from upsampling.dask.lazy import resize, upsample_argmax
from upsampling.dask.scheduler import scheduler_context
from upsampling.dask.storage import read_raster, write_tiff, write_zarr

#: :func:`resize_raster` refuses a chunking that splits the job into more tasks than this (reads,
#: output blocks and their writes): each task costs milliseconds of scheduling whatever its size,
#: so a 512x640 raster cut into 1-pixel blocks would spend minutes and gigabytes on its graph.
MAX_RASTER_TASKS = 10_000


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


def _raster_blocks(x, spec: ResizeSpec, chunks: int, *, tiff: bool):
    """Read chunks and output chunks for :func:`resize_raster`, from the block side ``chunks``.

    Per spatial axis, the longer of a task's input window and its output block is about
    ``chunks``: upscaling by ``s`` reads input chunks of about ``chunks / s`` and writes blocks
    of ``chunks``; downscaling reads about ``chunks`` and writes ``chunks * s``.  So a task
    holds about two ``chunks x chunks`` planes per channel, whatever the scale.
    """
    axes = spec.axes(x.shape)
    n_out = spec.output_lengths(x.shape)
    read, out = [], []
    for k, a in enumerate(axes):
        ratio = n_out[k] / x.shape[a]
        read.append(_read_length(x.chunks[a][0], max(1, round(chunks / max(ratio, 1.0)))))
        out.append(max(1, min(chunks, round(chunks * ratio))))
    if tiff:  # the client assembles bands of whole rows: keep them short
        out[0] = min(out[0], 1024)
    read_chunks = []
    for a in range(x.ndim):
        if a in axes:
            read_chunks.append(read[axes.index(a)])
        elif spec.layout in ("NHWC", "NCHW") and a == 0:
            read_chunks.append(1)
        else:  # channels: whole (the argmax needs them together; reads stay one per chunk)
            read_chunks.append(x.shape[a])
    return tuple(read_chunks), tuple(out)


def _raster_tasks(x, spec: ResizeSpec, read_chunks: Sequence[int], out_chunks: Sequence[int]) -> int:
    """Tasks of a :func:`resize_raster` graph: input reads, plus each output block and its write."""
    axes = spec.axes(x.shape)
    reads = math.prod(-(-int(n) // max(1, int(c))) for n, c in zip(x.shape, read_chunks))
    blocks = math.prod(-(-int(n) // max(1, int(c))) for n, c in zip(spec.output_lengths(x.shape), out_chunks))
    others = math.prod(-(-int(n) // max(1, int(c))) for a, (n, c) in enumerate(zip(x.shape, read_chunks))
                       if a not in axes)
    return reads + 2 * blocks * max(1, others)


@takes_resize_options(layout=None)
def resize_raster(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    size: int | Sequence[int] | None = None,
    *,
    labels: bool = False,
    scheduler: Any = None,
    chunks: int = 4096,
    progress: bool = True,
    overwrite: bool = False,
    timeout: float = 10.0,
    component: str | None = None,
    max_tasks: int = MAX_RASTER_TASKS,
    **options: Unpack[ResizeOptions],
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
        a ``distributed.Client``, or a scheduler address; see :func:`~upsampling.dask.scheduler.scheduler_context`.
    chunks : block side ``N``: per axis, the longer of a task's input window and output block is
        about ``N`` (upscaling by ``s`` reads chunks of ~``N/s`` and writes ``N``-pixel Zarr chunks;
        downscaling reads ~``N`` and writes ``N*s``), so a task holds ~2 ``N x N`` planes per channel.
    progress : show progress on stderr: a bar on a terminal, otherwise a line every
        :data:`~upsampling.dask.scheduler.PROGRESS_EVERY` seconds (and at the start and the end).
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
    layout = options.pop("layout", None)
    spec = ResizeSpec.from_call(size, options)  # refused before any file is touched (the layout: once read)
    out_path = check_output(output_path, option="output_path", overwrite=overwrite, inputs=[input_path],
                            folder=True, flag="overwrite=True (--overwrite)")
    in_path = str(Path(os.fspath(input_path)).absolute())
    with scheduler_context(scheduler, timeout):
        x, stored_layout = read_raster(in_path, component=component)
        layout = layout or stored_layout or _guess_layout(x)
        _checks.choice("layout", layout, tuple(LAYOUTS))
        if x.ndim != LAYOUTS[layout][0]:
            raise ShapeError("layout", layout, f"a layout of rank {x.ndim} for the input of shape {x.shape}")
        spec = spec.replace(layout=layout)
        spec.output_shape(x.shape, "input_path")
        is_tiff = out_path.suffix.lower() in (".tif", ".tiff")
        read_chunks, out_chunks = _raster_blocks(x, spec, chunks, tiff=is_tiff)
        tasks = _raster_tasks(x, spec, read_chunks, out_chunks)
        if tasks > max_tasks:
            smallest = next((c for c in (2**k for k in range(31)) if c > chunks and _raster_tasks(
                x, spec, *_raster_blocks(x, spec, c, tiff=is_tiff)) <= max_tasks), None)
            advice = f"pass chunks={smallest} (--chunks {smallest}) or more" if smallest else "pass larger chunks"
            raise InvalidArgumentError("chunks", chunks, message=(
                f"chunks={chunks} splits this job into {tasks:,} tasks (reads, output blocks and their writes), more "
                f"than the {max_tasks:,} resize_raster schedules (each costs milliseconds whatever its size); "
                f"{advice}, or raise max_tasks (--max-tasks)"))
        x, _ = read_raster(in_path, component=component, chunks=read_chunks)
        if labels:
            y = upsample_argmax(x, size, layout=layout, chunks=out_chunks, **options)
            out_layout = {"CHW": "HW", "HWC": "HW", "NCHW": "NHW", "NHWC": "NHW"}[layout]
        else:
            y = resize(x, size, layout=layout, chunks=out_chunks, **options)
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
                "mode": spec.mode,
                **{k: v for k, v in options.items() if k != "scale" and isinstance(v, (bool, int, float, str))},
            },
        }
        return write_zarr(y, out_path, overwrite=overwrite, attrs=attrs, progress=progress)
