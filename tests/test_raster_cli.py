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
        ([str(tmp_path / "nope.zarr"), str(tmp_path / "o2.zarr"), "--size", "9,9"], "IN: expected an existing"),
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
    from upsampling.argmax import upsample_argmax

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


# ---------------------------------------------------------------------------------------------
# issue 19: task bound, OUT == IN, interrupted runs, progress off a terminal, non-Dask services


def _err_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_tiny_chunks_are_refused_at_once_naming_the_smallest_that_fits(tmp_path, capsys):
    import time

    from upsampling.raster_cli import main

    ud.write_zarr(da.zeros((512, 640), dtype="float32", chunks=256), tmp_path / "in.zarr")
    start = time.perf_counter()
    rc = main([str(tmp_path / "in.zarr"), str(tmp_path / "out.zarr"), "--size", "512,640", "--chunks", "1"])
    assert rc == 2 and time.perf_counter() - start < 10
    err = _err_line(capsys)
    assert "chunks=1 splits this job into" in err and "more than the 10,000" in err and "--chunks 16" in err, err
    assert not (tmp_path / "out.zarr").exists()
    assert main([str(tmp_path / "in.zarr"), str(tmp_path / "out.zarr"), "--size", "512,640", "--chunks", "16",
                 "--no-progress"]) == 0


def test_the_output_is_never_the_input(tmp_path, capsys):
    from upsampling.raster_cli import main

    ud.write_zarr(da.zeros((16, 16), chunks=8), tmp_path / "in.zarr")
    (tmp_path / "alias.zarr").symlink_to(tmp_path / "in.zarr")
    for out in ("in.zarr", "alias.zarr", "sub/../in.zarr"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        rc = main([str(tmp_path / "in.zarr"), str(tmp_path / out), "--size", "8,8", "--overwrite"])
        assert rc == 2 and "same file as the input" in _err_line(capsys)
    assert ud.read_zarr(tmp_path / "in.zarr").shape == (16, 16)


@pytest.fixture(scope="module")
def slow_input(tmp_path_factory):
    """An input whose 8x cubic resize takes several seconds (16384², about 4 s here): long enough to
    interrupt after a second; the tests stop it long before its 1 GiB output is written."""
    path = tmp_path_factory.mktemp("raster") / "in.zarr"
    ud.write_zarr(da.random.random((2048, 2048), chunks=512).astype("float32"), path)
    return path


def _start(slow_input, out):
    """The job in a real process; returns once it has started computing (its first progress line).

    The child starts with SIGINT's default action: a shell runs background jobs (``make test &``)
    with SIGINT ignored, which the child would inherit (Python then installs no KeyboardInterrupt
    handler, rightly: the user asked for Ctrl-C to be ignored)."""
    import signal

    proc = subprocess.Popen([sys.executable, "-m", "upsampling.raster_cli", str(slow_input), str(out),
                             "--size", "16384,16384", "--mode", "cubic", "--chunks", "1024"],
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    line = proc.stderr.readline()
    assert "started" in line, line
    return proc


def _partials(folder):
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


@pytest.mark.parametrize("signame,code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_interrupted_jobs_stop_within_two_seconds_and_leave_nothing(slow_input, tmp_path, signame, code):
    import signal
    import time

    out = tmp_path / "out.zarr"
    proc = _start(slow_input, out)
    time.sleep(1.0)
    assert proc.poll() is None, "the job ended before it could be interrupted: make it longer"
    sent = time.perf_counter()
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=60)
    took = time.perf_counter() - sent
    assert proc.returncode == code, err
    assert "interrupted; no output written" in err and "Traceback" not in err, err
    assert took < 2.0, f"{signame} took {took:.1f} s to stop the job"
    assert not out.exists() and _partials(tmp_path) == []


def test_a_killed_jobs_partial_is_removed_by_the_next_run_which_says_so(slow_input, tmp_path):
    import signal
    import time

    out = tmp_path / "out.zarr"
    proc = _start(slow_input, out)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    left = _partials(tmp_path)
    assert len(left) == 1 and left[0].startswith(".out.zarr.partial-"), left
    done = subprocess.run([sys.executable, "-m", "upsampling.raster_cli", str(slow_input), str(out), "--size",
                           "64,64", "--no-progress"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"removed 1 partial output(s) of {out}" in done.stderr and left[0] in done.stderr, done.stderr
    assert _partials(tmp_path) == [] and ud.read_zarr(out).shape == (64, 64)


def test_progress_off_a_terminal_is_a_few_lines_not_a_redrawn_bar(tmp_path, capsys, monkeypatch):
    from upsampling.raster_cli import main

    ud.write_zarr(da.random.random((256, 256), chunks=64), tmp_path / "in.zarr")
    assert main([str(tmp_path / "in.zarr"), str(tmp_path / "a.zarr"), "--size", "512,512", "--chunks", "64"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and "started" in lines[0] and "done, 100%" in lines[1], lines  # a short job: start, end
    # a line every PROGRESS_EVERY seconds in between, never one per redraw
    from upsampling.dask import scheduler, tiler

    monkeypatch.setattr(scheduler, "PROGRESS_EVERY", 0.05)  # where the progress lines read it
    real = tiler._run_block

    def slow_block(*args):
        import time

        time.sleep(0.02)
        return real(*args)

    monkeypatch.setattr(tiler, "_run_block", slow_block)  # where the tiler puts it into the graph
    assert main([str(tmp_path / "in.zarr"), str(tmp_path / "b.zarr"), "--size", "512,512", "--chunks", "64"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert 3 <= len(lines) < 60 and all(line.startswith("resize-raster: ") for line in lines), lines


def test_a_service_that_is_not_a_dask_scheduler_is_named_as_such(tmp_path):
    """An HTTP server (which waits for a request and never greets) and a socket that sends garbage:
    one line saying what answered, not 'Unable to allocate 3.07 EiB' nor a hang."""
    pytest.importorskip("distributed")
    import socket
    import threading
    import time

    ud.write_zarr(da.zeros((8, 8), chunks=4), tmp_path / "in.zarr")
    http = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    garbage = socket.socket()
    garbage.bind(("127.0.0.1", 0))
    garbage.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = garbage.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"\xff\xff\xff\xff\xff\xff\xff\x7f" * 8)
                time.sleep(0.5)

    threading.Thread(target=serve, daemon=True).start()
    try:
        line = http.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (http://...)"
        http_port = int(line.split(" port ")[1].split()[0])
        for port, words in ((http_port, "sent no dask handshake within 2 s"),
                            (garbage.getsockname()[1], "are not a dask message header")):
            start = time.perf_counter()
            err = subprocess.run([sys.executable, "-m", "upsampling.raster_cli", str(tmp_path / "in.zarr"),
                                  str(tmp_path / "out.zarr"), "--size", "16,16", "--scheduler",
                                  f"tcp://127.0.0.1:{port}", "--timeout", "2"],
                                 capture_output=True, text=True, timeout=120)
            assert err.returncode == 2, err.stderr
            assert "is not a dask.distributed scheduler" in err.stderr and words in err.stderr, err.stderr
            assert len(err.stderr.strip().splitlines()) == 1 and "EiB" not in err.stderr, err.stderr
            assert time.perf_counter() - start < 30
    finally:
        http.terminate()
        http.wait(timeout=30)
        garbage.close()
    assert not (tmp_path / "out.zarr").exists()


def test_a_zarr_of_pickled_objects_is_refused_before_any_chunk_is_read(tmp_path, capsys):
    """A hand-made Zarr (v2) whose chunks are pickles of an object calling os.system: never decoded."""
    import json
    import os
    import pickle

    from upsampling.raster_cli import main

    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    root = tmp_path / "evil.zarr"
    root.mkdir()
    (root / ".zarray").write_text(json.dumps({"zarr_format": 2, "shape": [4, 4], "chunks": [4, 4], "dtype": "|O",
                                              "compressor": None, "fill_value": None, "order": "C",
                                              "filters": [{"id": "pickle", "protocol": 5}]}))
    chunk = np.empty(16, dtype=object)
    chunk[:] = [Payload()] * 16
    (root / "0.0").write_bytes(pickle.dumps(chunk))
    assert main([str(root), str(tmp_path / "out.zarr"), "--size", "8,8", "--no-progress"]) == 2
    assert "IN: expected a Zarr array" in _err_line(capsys)
    assert not marker.exists() and not (tmp_path / "out.zarr").exists()
