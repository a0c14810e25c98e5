"""Resize rasters larger than memory on Dask, bit for bit equal to the in-memory engine.

Install with ``pip install 'upsampling[dask]'``.  ``import upsampling`` never imports Dask;
this package does.

* :func:`resize` -- a lazy ``dask.array.Array`` equal to :func:`upsampling.resize` of the
  whole array (same bits in every mode, convention and dtype), whatever the chunking.
* :func:`upsample_argmax` -- a lazy label raster equal to
  :func:`upsampling.argmax.upsample_argmax` (``argmax(resize(logits), axis=class)``).
* :func:`read_raster` / :func:`write_raster` (Zarr, plain TIFF) and :func:`resize_raster`,
  the file-to-file command behind ``upsampling resize-raster``, on the local scheduler or
  a ``dask.distributed`` cluster.

Where things live
-----------------
======================  ==================================================================
``validate.py``         the array, its layout, the resize (one ResizeSpec), sizes, chunks
``tiler.py``            block planning and the task that computes one output block
``lazy.py``             the lazy faces :func:`resize` and :func:`upsample_argmax`
``scheduler.py``        scheduler connection, progress, computing with clean failures
``storage.py``          Zarr and TIFF reading and writing, atomic outputs
``raster.py``           :func:`resize_raster`, file to file
======================  ==================================================================

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

from upsampling._optional import require

require("dask.array", extra="dask")  # one clear error naming the extra, before any submodule

from upsampling.errors import SchedulerUnreachableError  # noqa: E402
from upsampling.dask.lazy import resize, upsample_argmax  # noqa: E402
from upsampling.dask.raster import resize_raster  # noqa: E402
from upsampling.dask.scheduler import scheduler_context  # noqa: E402
from upsampling.dask.storage import (  # noqa: E402
    read_raster,
    read_tiff,
    read_zarr,
    write_raster,
    write_tiff,
    write_zarr,
)

# Constants and helpers that callers read as upsampling.dask.NAME (the CLI, tests, benchmarks).
# Read them here; to change one, set it in the module that owns it (upsampling.dask.scheduler).
from upsampling.dask.raster import MAX_RASTER_TASKS, _raster_blocks  # noqa: E402, F401
from upsampling.dask.scheduler import PROGRESS_EVERY, _client, _compute  # noqa: E402, F401
from upsampling.dask.tiler import MAX_BLOCKS  # noqa: E402, F401

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
