"""``upsampling resize-raster``: resize a Zarr or TIFF raster larger than memory, block by block.

Usage::

    python -m upsampling.raster_cli IN.zarr OUT.zarr --size H,W [--mode linear]
        [--scheduler tcp://HOST:8786] [--chunks 4096] [--labels] [--overwrite]

:func:`main` takes ``argv`` and returns the exit code: 0 on success, 2 with a one-line
message on stderr for any error (bad arguments, unreadable input, unreachable scheduler),
130 after Ctrl-C and 143 after SIGTERM (both remove the partial output before exiting, within
a second or so; blocks still running are abandoned).  Partial outputs of runs that were killed
(SIGKILL, power loss) are removed on the next run, and said so.
The work is :func:`upsampling.dask.resize_raster`.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import threading
from collections.abc import Sequence

PROG = "upsampling resize-raster"


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise _Usage(message)


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected H,W (two positive integers), got {text!r:.60}") from None
    if len(values) not in (1, 2) or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected H,W (two positive integers), got {text!r:.60}")
    return values if len(values) == 2 else values * 2


def _floats(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected S or SH,SW (positive numbers), got {text!r:.60}") from None
    if len(values) not in (1, 2) or not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected S or SH,SW (finite positive numbers), got {text!r:.60}")
    return values if len(values) == 2 else values * 2


def build_parser() -> argparse.ArgumentParser:
    from upsampling.coords import COORDINATE_TRANSFORMATION_MODES, NEAREST_MODES
    from upsampling.resizing import LAYOUTS, MODES

    p = _Parser(
        prog=PROG,
        description=(
            "Resize a raster (Zarr array or TIFF) into a new Zarr array or TIFF, block by block on Dask. "
            "The result equals upsampling.resize of the whole raster, bit for bit."
        ),
    )
    p.add_argument("input", metavar="IN", help="input: a Zarr array (directory) or a .tif/.tiff file")
    p.add_argument("output", metavar="OUT", help="output: *.zarr (Zarr) or *.tif/*.tiff (tiled TIFF)")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--size", type=_ints, metavar="H,W", help="output height,width")
    size.add_argument("--scale", type=_floats, metavar="S[,SW]", help="scale factor (per axis, or one for both)")
    p.add_argument("--mode", default="linear", choices=MODES, help="interpolation (default: linear)")
    p.add_argument(
        "--coordinate-transformation-mode",
        default="half_pixel",
        choices=COORDINATE_TRANSFORMATION_MODES,
        help="coordinate convention (default: half_pixel)",
    )
    p.add_argument("--nearest-mode", default="round_prefer_floor", choices=NEAREST_MODES)
    p.add_argument("--cubic-coeff-a", type=float, default=-0.75)
    p.add_argument("--antialias", action="store_true", help="antialias when downscaling (linear, cubic)")
    p.add_argument("--exclude-outside", action="store_true")
    p.add_argument(
        "--layout",
        choices=tuple(LAYOUTS),
        default=None,
        help="input layout (default: stored with the raster, the TIFF's axes, or guessed)",
    )
    p.add_argument(
        "--labels", action="store_true", help="input holds class scores (CHW or HWC): write the argmax labels of the resized scores"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="dask.distributed scheduler address (tcp://HOST:8786); default: local threads",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the scheduler (default: 10)")
    p.add_argument("--chunks", type=int, default=4096, help="block side in pixels (default: 4096)")
    p.add_argument("--max-tasks", type=int, default=None, metavar="N",
                   help="refuse chunkings that split the job into more tasks than N (default: 10000)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress (default: a bar on a terminal, else a line every few seconds)")
    return p


def main(argv: Sequence[str] | None = None, *, hard_exit: bool = False) -> int:
    """Run the command; returns the exit code (0 ok, 2 error with a one-line message, 130/143 when
    interrupted).  ``hard_exit``: after Ctrl-C or SIGTERM and the cleanup, end the process at once
    rather than wait for blocks still running (what the ``upsampling`` command does)."""
    from upsampling.errors import _cap

    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _Usage as exc:
        print(f"{PROG}: error: {_cap(' '.join(str(exc).split()))} (see --help)", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)

    from upsampling._files import sigterm_interrupts

    with sigterm_interrupts() as terminated:
        try:
            return _run(args)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted; no output written", file=sys.stderr, flush=True)
            if hard_exit and threading.current_thread() is threading.main_thread():
                # Blocks already running would keep the process alive until they finish (the
                # interpreter joins worker threads at exit); their writes are refused anyway.
                sys.stdout.flush()
                os._exit(143 if terminated[0] else 130)
            return 143 if terminated[0] else 130
        except Exception as exc:  # noqa: BLE001 - every failure is one line and exit code 2
            from upsampling.errors import UpsamplingError

            text = str(exc) if isinstance(exc, UpsamplingError) else f"{type(exc).__name__}: {exc}"
            print(f"{PROG}: error: {_cap(' '.join(text.split()))}", file=sys.stderr)
            return 2


def _run(args: argparse.Namespace) -> int:
    from upsampling._files import clean_stale_partials
    from upsampling.dask import MAX_RASTER_TASKS, resize_raster

    removed = clean_stale_partials(args.output)
    if removed:
        names = ", ".join(p.name for p in removed[:3]) + (" ..." if len(removed) > 3 else "")
        print(f"{PROG}: removed {len(removed)} partial output(s) of {args.output} left by interrupted runs whose "
              f"process is gone ({names})", file=sys.stderr)
    out = resize_raster(
        args.input,
        args.output,
        args.size,
        scale=args.scale,
        mode=args.mode,
        coordinate_transformation_mode=args.coordinate_transformation_mode,
        nearest_mode=args.nearest_mode,
        cubic_coeff_a=args.cubic_coeff_a,
        antialias=args.antialias,
        exclude_outside=args.exclude_outside,
        layout=args.layout,
        labels=args.labels,
        scheduler=args.scheduler,
        timeout=args.timeout,
        chunks=args.chunks,
        max_tasks=MAX_RASTER_TASKS if args.max_tasks is None else args.max_tasks,
        overwrite=args.overwrite,
        progress=not args.no_progress,
    )
    print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(hard_exit=True))
