"""Jobs past the machine's memory are refused before any work, with one line saying what is big;
the estimates (upsampling/cli/budget.py) are checked against a real process's peak memory."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("typer")

from cli_helpers import assert_one_line as _one_line  # noqa: E402
from cli_helpers import run_inprocess  # noqa: E402

ENV = "UPSAMPLING_MEMORY_AVAILABLE"


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.setenv("UPSAMPLING_PLAIN", "1")
    monkeypatch.chdir(tmp_path)
    rgb = (np.random.default_rng(1).random((24, 32, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "ok.png")
    return tmp_path


@pytest.mark.parametrize("args,what", [
    (["resize", "ok.png", "big.png", "--size", "25000x25000"], "resize to 25000x25000"),
    (["resize", "ok.png", "big.png", "--size", "25000x25000", "--like", "tf", "--dtype", "float32"], "the result 7.0 GiB"),
    (["compare", "ok.png", "--size", "9000x9000"], "14 results kept"),
    (["compare", "ok.png", "--size", "16000x16000", "--dtype", "uint8", "--mode", "nearest"], "results kept"),
])
def test_jobs_past_the_available_memory_are_refused_before_any_work(here, monkeypatch, args, what):
    monkeypatch.setenv(ENV, "8G")
    start = time.perf_counter()
    r = run_inprocess(*args)
    _one_line(r, "needs about", what, "more than the 8.0 GiB available", "nothing was written")
    assert time.perf_counter() - start < 10
    assert sorted(p.name for p in here.iterdir()) == ["ok.png"]


def test_the_real_machine_is_asked_when_nothing_overrides_it(here, monkeypatch):
    from upsampling.cli import budget

    monkeypatch.delenv(ENV, raising=False)
    available, source = budget.available_memory()
    assert available is None or available > 0
    r = run_inprocess("resize", "ok.png", "big.png", "--size", "2000000x2000000")  # 12 TB: no machine has it
    _one_line(r, "needs about", "available")
    monkeypatch.setattr(budget, "_meminfo_available", lambda: None)  # no /proc/meminfo: sysconf
    assert budget.available_memory()[1] in ("free physical memory (sysconf)", "the memory limit of this process's cgroup")
    monkeypatch.setenv(ENV, "512M")
    assert budget.available_memory() == (512 * 2**20, f"{ENV}=512M")


def test_scale_1e300_prints_a_short_line(here):
    r = run_inprocess("resize", "ok.png", "o.png", "--scale", "1e300")
    _one_line(r, "--scale")
    assert len(r.stderr) < 300


def test_compare_says_what_happened_when_every_call_is_refused(here, monkeypatch):
    from upsampling.errors import OutputTooLargeError
    from upsampling.explain import calls

    def refuse(*args, **kwargs):
        raise OutputTooLargeError("size", (9, 9), message="size gives an output of 42 bytes: more than the limit")

    monkeypatch.setattr(calls, "run_call", refuse)
    r = run_inprocess("compare", "ok.png", "--size", "9x9")
    _one_line(r, "every framework call was refused: size gives an output of 42 bytes")
    assert "--mode: expected" not in r.stderr


def _peak_mib(args: list[str], cwd) -> float:
    """Peak RSS of ``upsampling ARGS`` in a fresh process (measured by a fresh parent, so no earlier
    child of this test process can hide it)."""
    code = ("import resource, subprocess, sys; "
            "p = subprocess.run([sys.executable, '-m', 'upsampling.cli', *sys.argv[1:]], capture_output=True, text=True); "
            "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.stderr.replace(chr(10), ' '))")
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=True)
    rc, kib, err = out.stdout.split(" ", 2)
    assert rc == "0", err
    return int(kib) / 1024


def test_the_resize_estimate_covers_a_real_peak(tmp_path):
    """A 600x800 RGB PNG to 1800x2400 through the costliest twin (OpenCV's 8-bit path), the whole
    process's peak RSS against the estimate: covered, and within 3x (an estimate that refuses jobs
    that fit is no better than none)."""
    rgb = (np.random.default_rng(2).random((600, 800, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "in.png")
    from upsampling.cli import budget

    measured = _peak_mib(["resize", "in.png", "out.png", "--size", "2400x1800", "--like", "opencv"], tmp_path)
    estimate = budget.resize_job((800, 600), "RGB", 3, (2400, 1800), "opencv", "bilinear", "uint8").peak / 2**20
    print(f"resize 800x600 -> 2400x1800 --like opencv: peak RSS {measured:.0f} MiB, estimate {estimate:.0f} MiB")
    assert measured <= estimate <= 3 * measured
