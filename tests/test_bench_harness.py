"""The benchmark harness's ``--ab`` switch parsing (no timings: those belong to the harness)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(code: str) -> subprocess.CompletedProcess:
    # A subprocess: importing the harness sets thread-count environment variables.
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(BENCH)!r})\n" + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ab_switch_flips_an_option_or_a_module_attribute_and_restores_it():
    done = _run(
        """
        import harness, upsampling
        from upsampling.kernels import fused
        label, flipped = harness.ab_switch("spin_workers=False")
        assert label == "ours [spin_workers=False]"
        assert upsampling.get_options()["spin_workers"] is True
        with flipped():
            assert upsampling.get_options()["spin_workers"] is False
        assert upsampling.get_options()["spin_workers"] is True
        before = fused.STREAM_MIN_BYTES
        label, flipped = harness.ab_switch("upsampling.kernels.fused.STREAM_MIN_BYTES=2**25")
        with flipped():
            assert fused.STREAM_MIN_BYTES == 2**25 != before
        assert fused.STREAM_MIN_BYTES == before
        print("ok")
        """
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_ab_switch_refuses_what_it_cannot_flip():
    for spec, message in [
        ("spin_workers", "expected SWITCH=VALUE"),
        ("no_such_option=1", "is not an option"),
        ("upsampling.kernels.fused.NO_SUCH=1", "has no attribute 'NO_SUCH'"),
        ("spin_workers=__import__('os')", "__import__"),
    ]:
        done = _run(f"import harness; harness.ab_switch({spec!r})")
        assert done.returncode != 0 and message in done.stderr, (spec, done.stderr)


def test_only_a_full_run_replaces_the_checked_in_results():
    done = _run(
        """
        import argparse, harness
        def ns(**kw):
            base = dict(only=None, peers=None, ab=None, quick=False)
            return argparse.Namespace(**{**base, **kw})
        assert harness.default_out(ns()).name == "latest.json"
        for kw in (dict(only="A"), dict(peers="opencv"), dict(ab="spin_workers=False"), dict(quick=True)):
            assert harness.default_out(ns(**kw)).name == "partial.json", kw
        info = harness.cpu_model()
        assert all(isinstance(v, str) and v for v in info.values()), info
        """
    )
    assert done.returncode == 0, done.stderr


def test_ab_warm_up_runs_the_flipped_call_before_waiting_for_kernels():
    """The flipped call may need a kernel of its own (a periodic specialisation compiles in the
    background on first use): the warm-up must make it with the switch flipped, before
    ``load_fast_kernels`` waits, or the first rounds time the generic kernel."""
    done = _run(
        """
        import harness, upsampling.kernels
        from upsampling.kernels import fused
        seen, waited = [], []
        real_load = upsampling.kernels.load_fast_kernels
        upsampling.kernels.load_fast_kernels = lambda: waited.append(len(seen)) or real_load()
        case = harness.Case("T", "resize", "test", lambda: seen.append(fused.NEAREST_COPY), bytes_moved=1e6)
        harness.AB = harness.ab_switch("upsampling.kernels.fused.NEAREST_COPY=False")
        harness.ROUNDS, harness.SETTLE_S = 1, 0.0
        harness.run([case], {"bandwidth": 1e10, "matmul": 1e11}, repeats=3)
        assert waited and False in seen[: waited[0]], (waited, seen[:5])
        assert fused.NEAREST_COPY is True
        print("ok")
        """
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_whole_process_measurement_reports_the_childs_own_peak():
    """--processes: a command's peak memory is its own (not the harness's, which Linux would
    carry across a fork and exec), a failing command is an error, and the table renders."""
    done = _run(
        """
        import sys, numpy as np, harness
        ballast = np.ones(300 * 2**20 // 8)  # the harness process holds 300 MiB
        wall, peak = harness._run_process([sys.executable, "-S", "-c", "pass"])
        assert 0 < wall < 30 and 1 * 2**20 < peak < 60 * 2**20, (wall, peak)
        try:
            harness._run_process([sys.executable, "-S", "-c", "raise SystemExit(3)"])
        except RuntimeError as exc:
            assert "exited 3" in str(exc)
        else:
            raise AssertionError("a failing command passed")
        side = {"wall_s_median": 0.5, "wall_s_range": [0.4, 0.6], "peak_bytes_median": 2**26}
        res = {"cases": {"x": {"description": "d", "peer_name": "p", "wall_ratio_median": 1.0,
                               "wall_ratio_range": [0.9, 1.1], "ours": side, "peer": side, "peak_ratio": 1.0}},
               "first_call": {"first_s_median": 0.002, "tenth_s_median": 0.001,
                              "first_over_tenth_median": 2.0, "first_over_tenth_range": [1.5, 2.5]}}
        table = harness.processes_markdown(res)
        assert "| x: d | 0.500" in table and "first ÷ tenth 2.00" in table, table
        print("ok")
        """
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
