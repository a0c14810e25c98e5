"""``upsampling resize-raster``: resize a Zarr or TIFF raster larger than memory, block by block on Dask.

``register(app)`` adds the command; the work is :func:`upsampling.dask.resize_raster`, whose
parameter names the command's parameters share (``input_path`` is ``IN``, ``chunks`` is
``--chunks``), so its errors come out with the flags.  Exit codes: 0 on success (the output path
on stdout), 2 with a one-line message on stderr for any error (bad arguments, unreadable input,
unreachable scheduler), 130 after Ctrl-C and 143 after SIGTERM: both remove the partial output
before exiting, within a second or so; blocks still running are abandoned.  Partial outputs of runs
that were killed (SIGKILL, power loss) are removed on the next run, and said so.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Annotated, Optional

import typer

from upsampling.coords import COORDINATE_TRANSFORMATION_MODES, NEAREST_MODES
from upsampling.errors import OptionError
from upsampling.resizing import LAYOUTS, MODES

__all__ = ["register"]

PROG = "upsampling resize-raster"
HELP = ("Resize a raster (Zarr array or TIFF) into a new Zarr array or TIFF, block by block on Dask. "
        "The result equals upsampling.resize of the whole raster, bit for bit.")


def register(app: typer.Typer) -> None:
    """Add ``resize-raster`` to ``app``."""
    app.command("resize-raster", help=HELP, short_help="Resize a Zarr or TIFF raster larger than memory on Dask, "
                "block by block.")(resize_raster_command)


def _pair(option: str, text: str, cast: type, expected: str) -> tuple:
    """``"A"`` (both axes), ``"A,B"`` or ``"AxB"`` -> ``(A, B)``, each a finite ``cast`` > 0."""
    try:
        values = tuple(cast(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise OptionError(option, expected, text) from None
    if len(values) not in (1, 2) or not all(math.isfinite(v) and v > 0 for v in values):
        raise OptionError(option, expected, text)
    return values if len(values) == 2 else values * 2


def _choice(option: str, value: Optional[str], allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise OptionError(option, "one of " + ", ".join(allowed), value)


def _one_of(choices: tuple[str, ...], default: str | None = None) -> str:
    return "{" + ",".join(choices) + "}" + (f" (default: {default})" if default else "")


# Typer declares each option in the signature: the declarations make this function long.
def resize_raster_command(
    ctx: typer.Context,
    input_path: Annotated[str, typer.Argument(metavar="IN", help="input: a Zarr array (directory) or a .tif/.tiff file")],
    output_path: Annotated[str, typer.Argument(metavar="OUT", help="output: *.zarr (Zarr) or *.tif/*.tiff (tiled TIFF)")],
    size: Annotated[Optional[str], typer.Option("--size", metavar="H,W", help="output height,width")] = None,
    scale: Annotated[Optional[str], typer.Option(
        "--scale", metavar="S[,SW]", help="scale factor (per axis, or one for both); instead of --size")] = None,
    mode: Annotated[str, typer.Option("--mode", help="interpolation: " + _one_of(MODES))] = "linear",
    coordinate_transformation_mode: Annotated[str, typer.Option(
        "--coordinate-transformation-mode",
        help="coordinate convention: " + _one_of(COORDINATE_TRANSFORMATION_MODES))] = "half_pixel",
    nearest_mode: Annotated[str, typer.Option("--nearest-mode", help=_one_of(NEAREST_MODES))] = "round_prefer_floor",
    cubic_coeff_a: Annotated[float, typer.Option("--cubic-coeff-a")] = -0.75,
    antialias: Annotated[bool, typer.Option("--antialias", help="antialias when downscaling (linear, cubic)")] = False,
    exclude_outside: Annotated[bool, typer.Option("--exclude-outside")] = False,
    layout: Annotated[Optional[str], typer.Option("--layout", help=(
        "input layout " + _one_of(tuple(LAYOUTS)) + " (default: stored with the raster, the TIFF's axes, or "
        "guessed)"))] = None,
    labels: Annotated[bool, typer.Option("--labels", help=(
        "input holds class scores (CHW or HWC): write the argmax labels of the resized scores"))] = False,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help=(
        "dask.distributed scheduler address (tcp://HOST:8786); default: local threads"))] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="seconds to wait for the scheduler")] = 10.0,
    chunks: Annotated[int, typer.Option("--chunks", help="block side in pixels")] = 4096,
    max_tasks: Annotated[Optional[int], typer.Option("--max-tasks", metavar="N", help=(
        "refuse chunkings that split the job into more tasks than N (default: 10000)"))] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace OUT if it exists")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help=(
        "no progress (default: a bar on a terminal, else a line every few seconds)"))] = False,
) -> None:
    """Resize a Zarr or TIFF raster larger than memory on Dask, block by block."""
    if (size is None) == (scale is None):
        raise OptionError("--size", "exactly one of --size H,W and --scale S[,SW]", size)
    _choice("--mode", mode, MODES)
    _choice("--coordinate-transformation-mode", coordinate_transformation_mode, COORDINATE_TRANSFORMATION_MODES)
    _choice("--nearest-mode", nearest_mode, NEAREST_MODES)
    _choice("--layout", layout, tuple(LAYOUTS))
    job = dict(
        size=None if size is None else _pair("--size", size, int, "H,W (two positive integers)"),
        scale=None if scale is None else _pair("--scale", scale, float, "S or SH,SW (finite positive numbers)"),
        mode=mode, coordinate_transformation_mode=coordinate_transformation_mode, nearest_mode=nearest_mode,
        cubic_coeff_a=cubic_coeff_a, antialias=antialias, exclude_outside=exclude_outside, layout=layout,
        labels=labels, scheduler=scheduler, timeout=timeout, chunks=chunks, overwrite=overwrite,
        progress=not no_progress,
    )
    from upsampling._files import sigterm_interrupts

    with sigterm_interrupts() as terminated:  # nested in the command line's: its flag, shared
        try:
            print(_run(input_path, output_path, max_tasks, job))
        except KeyboardInterrupt:
            code = 143 if terminated[0] else 130
            print(f"{PROG}: interrupted; no output written", file=sys.stderr, flush=True)
            if (ctx.obj or {}).get("hard_exit") and threading.current_thread() is threading.main_thread():
                # Blocks already running would keep the process alive until they finish (the
                # interpreter joins worker threads at exit); their writes are refused anyway.
                sys.stdout.flush()
                os._exit(code)
            raise typer.Exit(code) from None


def _run(input_path: str, output_path: str, max_tasks: Optional[int], job: dict) -> str:
    """The job; any failure that is not already one line of ours (Zarr, TIFF, network...) becomes one."""
    from upsampling._files import clean_stale_partials
    from upsampling.errors import UpsamplingError

    try:
        from upsampling.dask import MAX_RASTER_TASKS, resize_raster

        removed = clean_stale_partials(output_path)
        if removed:
            names = ", ".join(p.name for p in removed[:3]) + (" ..." if len(removed) > 3 else "")
            print(f"{PROG}: removed {len(removed)} partial output(s) of {output_path} left by interrupted runs whose "
                  f"process is gone ({names})", file=sys.stderr)
        return resize_raster(input_path, output_path, job.pop("size"),
                             max_tasks=MAX_RASTER_TASKS if max_tasks is None else max_tasks, **job)
    except (UpsamplingError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is one line and exit code 2
        raise UpsamplingError(message=f"{type(exc).__name__}: {exc}") from exc
