"""``upsampling resize-raster``: arguments, progress bar, one-line errors, the real entry point.

The distributed path (``--scheduler ADDRESS`` on a LocalCluster) is in
tests/test_dask.py::test_local_cluster_output_larger_than_worker_memory.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("dask.array")
pytest.importorskip("zarr")

import dask.array as da  # noqa: E402

import upsampling  # noqa: E402
import upsampling.dask as ud  # noqa: E402


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_cli(tmp_path, rng, capsys):
    from upsampling.raster_cli import main

    x = rng.normal(size=(40, 30)).astype(np.float64)
    ud.write_zarr(da.from_array(x, chunks=16), tmp_path / "in.zarr")
    rc = main([str(tmp_path / "in.zarr"), str(tmp_path / "out.zarr"), "--size", "90,61", "--mode", "cubic", "--chunks", "32"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    # stderr is not a terminal here: progress lines (start and end), never a redrawn bar
    assert "resize-raster: done, 100%" in captured.err and "\r" not in captured.err, captured.err
    assert bits_equal(ud.read_zarr(tmp_path / "out.zarr").compute(), upsampling.resize(x, (90, 61), layout="HW", mode="cubic"))
    for argv, needle in [
        ([str(tmp_path / "in.zarr"), str(tmp_path / "out.zarr"), "--size", "9,9"], "overwrite"),
        ([str(tmp_path / "nope.zarr"), str(tmp_path / "o2.zarr"), "--size", "9,9"], "input_path"),
        ([str(tmp_path / "in.zarr"), str(tmp_path / "o2.zarr"), "--size", "9,x"], "--size"),
        ([str(tmp_path / "in.zarr"), str(tmp_path / "o2.zarr")], "--size"),
        ([str(tmp_path / "in.zarr"), str(tmp_path / "o2.zarr"), "--size", "9", "--mode", "bicubic"], "--mode"),
        ([str(tmp_path / "in.zarr"), str(tmp_path / "o2.zarr"), "--size", "9", "--chunks", "0"], "chunks"),
        ([str(tmp_path / "in.zarr"), str(tmp_path / "o2.zarr"), "--size", "9", "--layout", "CHW"], "layout"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("upsampling resize-raster: error:") and needle in err, err
        assert len(err.splitlines()) == 1
    assert not (tmp_path / "o2.zarr").exists()
    assert main(["--help"]) == 0


def test_entry_point_resize_raster(tmp_path, rng):
    """``upsampling resize-raster`` (the installed command's app) runs the same code: labels, scale, TIFF out."""
    pytest.importorskip("typer")
    logits = rng.normal(size=(4, 33, 21)).astype(np.float32)
    ud.write_raster(da.from_array(logits, chunks=(4, 8, 8)), tmp_path / "scores.zarr", layout="CHW")
    cmd = [sys.executable, "-m", "upsampling.cli", "resize-raster", str(tmp_path / "scores.zarr"),
           str(tmp_path / "labels.tif"), "--scale", "2.5,3", "--labels", "--chunks", "16"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "labels.tif")
    labels, layout = ud.read_raster(tmp_path / "labels.tif")
    from upsampling.kernels.argmax import upsample_argmax

    assert layout == "HW" and bits_equal(labels.compute(), upsample_argmax(logits, scale=(2.5, 3)))
    bad = subprocess.run(cmd[:-4] + ["--size", "0,3"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("upsampling resize-raster: error:"), bad.stderr


def test_unreachable_scheduler_is_one_line_after_the_timeout(tmp_path):
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ud.write_zarr(da.zeros((8, 8), chunks=4), tmp_path / "in.zarr")
    argv = [str(tmp_path / "in.zarr"), str(tmp_path / "out.zarr"), "--size", "16,16",
            "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout", "1"]
    err = subprocess.run([sys.executable, "-m", "upsampling.raster_cli", *argv], capture_output=True, text=True, timeout=120)
    assert err.returncode == 2
    assert "no dask.distributed scheduler answered within 1 s" in err.stderr and "scheduler=" in err.stderr, err.stderr
    assert len(err.stderr.strip().splitlines()) == 1, err.stderr
    assert not (tmp_path / "out.zarr").exists()
