"""Benchmark: resize a large raster with ``upsampling.dask`` against the in-memory engine.

Not a test: it prints measured figures (and writes them as JSON with ``--json``).

    .venv/bin/python benchmarks/raster_bench.py --side 20000 --scale 2 --workdir /tmp/raster-bench

Steps (each timed step runs in a fresh child process, so its peak resident memory -- the
``ru_maxrss`` of that process -- is its own):

1. ``make-input``: a ``side x side`` float32 raster (uniform noise, the worst case for the
   compressor) written to ``WORKDIR/in.zarr`` in 1024-pixel chunks.  Not timed.
2. ``dask-write``: ``upsampling.dask.resize_raster(in.zarr, out.zarr, scale=..)`` on the local
   threaded scheduler: read, resize, compress and write, file to file.
3. ``dask-compute``: the same graph stored into a target that discards each block: read
   and resize only (what the write costs is the difference).
4. ``in-memory``: ``upsampling.resize`` of the same raster held as one NumPy array (load
   not timed): the engine's speed on a same-sized array, and its memory (input, the
   intermediate after the first axis, and the output all at once).  ``--skip-in-memory``
   skips it when the machine cannot hold that.

Throughput is output bytes per second; the ratio is the in-memory time over the Dask time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def make_input(workdir: Path, side: int) -> None:
    import dask.array as da

    import upsampling.dask as ud

    x = da.random.default_rng(0).random((side, side), dtype="float32", chunks=1024)
    ud.write_zarr(x, workdir / "in.zarr", attrs={"layout": "HW"}, overwrite=True)


class _Discard:
    """A store target that drops every block (measures read + resize without the write)."""

    def __setitem__(self, key, value) -> None:
        pass


def run_phase(phase: str, workdir: Path, scale: float, mode: str, chunks: int) -> dict:
    import numpy as np

    import upsampling
    import upsampling.dask as ud

    result: dict = {"phase": phase}
    if phase == "dask-write":
        out = workdir / "out.zarr"
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        ud.resize_raster(workdir / "in.zarr", out, scale=scale, mode=mode, chunks=chunks, progress=False)
        result["seconds"] = time.perf_counter() - t
        y = ud.read_zarr(out)
        result["output_shape"] = list(y.shape)
        result["output_bytes"] = int(y.size * y.dtype.itemsize)
        result["stored_bytes"] = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        result["output_chunks"] = [int(c[0]) for c in y.chunks]
    elif phase == "dask-compute":
        import dask
        import dask.array as da

        from upsampling import ResizeSpec
        from upsampling.dask import _raster_blocks

        x = ud.read_zarr(workdir / "in.zarr")
        spec = ResizeSpec(scale=scale, mode=mode, layout="HW")
        read_chunks, out_chunks = _raster_blocks(x, spec, chunks, tiff=False)
        t = time.perf_counter()
        x = ud.read_zarr(workdir / "in.zarr", chunks=read_chunks)
        y = ud.resize(x, scale=scale, mode=mode, layout="HW", chunks=out_chunks)
        dask.compute(da.store(y, _Discard(), lock=False, compute=False))
        result["seconds"] = time.perf_counter() - t
        result["output_bytes"] = int(y.size * y.dtype.itemsize)
    elif phase == "in-memory":
        x = np.asarray(ud.read_zarr(workdir / "in.zarr").compute())
        t = time.perf_counter()
        y = upsampling.resize(x, scale=scale, mode=mode, layout="HW")
        result["seconds"] = time.perf_counter() - t
        result["output_bytes"] = int(y.nbytes)
        # the Dask output must be the same bits: compare a few windows with what dask-write stored
        out = workdir / "out.zarr"
        if out.exists():
            z = ud.read_zarr(out)
            rng = np.random.default_rng(1)
            for _ in range(4):
                r, c = (int(v) for v in rng.integers(0, y.shape[0] - 512, 2))
                assert np.array_equal(z[r : r + 512, c : c + 512].compute(), y[r : r + 512, c : c + 512])
            result["checked_against_dask_output"] = True
    else:
        raise SystemExit(f"unknown phase {phase!r}")
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def child(phase: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--workdir", str(args.workdir), "--scale", str(args.scale),
           "--mode", args.mode, "--chunks", str(args.chunks), "--side", str(args.side)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--side", type=int, default=20000, help="input height = width (default 20000)")
    p.add_argument("--scale", type=float, default=2.0)
    p.add_argument("--mode", default="linear")
    p.add_argument("--chunks", type=int, default=4096, help="resize_raster's block side (default 4096)")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/upsampling-raster-bench"))
    p.add_argument("--skip-in-memory", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep WORKDIR afterwards")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.phase is not None:
        print(json.dumps(run_phase(args.phase, args.workdir, args.scale, args.mode, args.chunks)))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    make_input(args.workdir, args.side)
    print(f"input: {args.side} x {args.side} float32 ({args.side**2 * 4 / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f} s")
    import dask

    import upsampling

    runs = {}
    for phase in ["dask-write", "dask-compute"] + ([] if args.skip_in_memory else ["in-memory"]):
        runs[phase] = r = child(phase, args)
        mbs = r["output_bytes"] / 1e6 / r["seconds"]
        print(f"{phase:13s} {r['seconds']:8.1f} s  {mbs:8.0f} MB/s of output  peak RSS {r['peak_rss_mib']:8.0f} MiB")
    w = runs["dask-write"]
    summary = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "input_shape": [args.side, args.side],
        "output_shape": w["output_shape"],
        "output_bytes": w["output_bytes"],
        "stored_bytes": w["stored_bytes"],
        "scale": args.scale,
        "mode": args.mode,
        "chunks": args.chunks,
        "output_chunks": w["output_chunks"],
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),  # the machine may be shared: read the figures with it
        "versions": {"upsampling": upsampling.__version__, "dask": dask.__version__},
        "kernels": upsampling.kernels.info().get("isa") or "numpy",
        "runs": runs,
    }
    if "in-memory" in runs:
        m = runs["in-memory"]
        summary["ratio_dask_write_to_in_memory_time"] = w["seconds"] / m["seconds"]
        summary["ratio_dask_compute_to_in_memory_time"] = runs["dask-compute"]["seconds"] / m["seconds"]
        summary["ratio_peak_rss_dask_write_to_in_memory"] = w["peak_rss_mib"] / m["peak_rss_mib"]
        print(
            f"dask file-to-file takes {summary['ratio_dask_write_to_in_memory_time']:.2f}x the in-memory time "
            f"(read+resize only: {summary['ratio_dask_compute_to_in_memory_time']:.2f}x) with "
            f"{summary['ratio_peak_rss_dask_write_to_in_memory']:.2f}x its peak memory"
        )
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    if not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
