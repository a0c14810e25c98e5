"""Forked children never inherit a stuck background state (issue 19, item 4).

A ``fork`` copies the parent's memory but only the calling thread: a lock another thread
held stays held in the child, the compiled kernels' pool threads do not exist there.  Each
test runs a fresh interpreter that starts one kind of background work (a resize on the native
thread pool in another thread, a lock held, the output pool in use, the private BLAS), forks a
``multiprocessing`` "fork" pool while it runs, and has the workers resize on one and on two
threads.  Every wait has a timeout, so a regression fails instead of
hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="no fork on this platform"),
    pytest.mark.xdist_group("fork"),
]

_PRELUDE = textwrap.dedent(
    """
    import faulthandler, multiprocessing as mp, os, sys, threading, time
    import numpy as np
    import upsampling
    from upsampling.kernels import load_fast_kernels

    faulthandler.dump_traceback_later(100, exit=True)   # a last resort: the pool has its own timeout

    def child(spin):
        upsampling.set_options(threads=2 if spin else 1)
        assert load_fast_kernels(), "the fast kernels did not load in the child"
        x = np.ones((1, 400, 400, 3), np.float32)
        # worker threads and the output pool (sizes without a period: no compile in the child)
        y = upsampling.resize(x, (797, 801), mode="cubic")
        z = upsampling.resize(x, (797, 801))
        assert y.shape == z.shape == (1, 797, 801, 3) and np.allclose(y, 1) and np.allclose(z, 1)
        return os.getpid()

    def fork_pool():
        pool = mp.get_context("fork").Pool(2)
        try:
            pids = pool.map_async(child, [True, False]).get(timeout=40)
        except mp.TimeoutError:
            print("a forked worker hung", flush=True)
            os._exit(3)
        pool.close()
        pool.join()
        assert len(set(pids)) >= 1
        print("ok", flush=True)

    def hold(lock, seconds):
        '''Hold ``lock`` in another thread for ``seconds``; return once it is held.'''
        held = threading.Event()
        def run():
            with lock:
                held.set()
                time.sleep(seconds)
        threading.Thread(target=run, daemon=True).start()
        held.wait()
    """
)

_SCENARIOS = {
    # A resize runs on the native thread pool in another Python thread when the pool forks (the
    # child has none of the parent's pool threads and must start its own).
    "native pool running": """
        import upsampling.kernels as kernels
        assert kernels.native() is not None, kernels.info()
        big = np.random.rand(1, 600, 600, 3).astype(np.float32)
        stop = threading.Event()
        def busy():
            while not stop.is_set():
                upsampling.resize(big, (1199, 1201), mode="cubic")
        t = threading.Thread(target=busy, daemon=True)
        t.start()
        time.sleep(0.2)
        fork_pool()
        stop.set()
        t.join()
    """,
    # The output pool holds memory and another thread holds its lock.
    "output pool in use": """
        from upsampling import _memory
        y = upsampling.resize(np.random.rand(1, 400, 400, 3).astype(np.float32), (797, 801))
        del y
        assert _memory.pool_stats()["free_blocks"] == 1
        hold(_memory._lock, 3)
        fork_pool()
    """,
    # Every other module-level lock held by another thread: the extension loader's, the private
    # BLAS's, each byte-bounded cache's.
    "other locks held": """
        from upsampling import _cache
        from upsampling.kernels import _blas, loader
        upsampling.resize(np.random.rand(1, 40, 40, 3).astype(np.float32), (79, 81), mode="cubic")
        for lock in (loader._lock, _blas._lock, *(cache._lock for cache in _cache._CACHES)):
            hold(lock, 3)
        fork_pool()
    """,
    # A transposed convolution (the private BLAS and its threads) ran in the parent.
    "conv transpose before the fork": """
        x = np.random.rand(1, 16, 16, 32).astype(np.float32)
        w = np.random.rand(2, 2, 16, 32).astype(np.float32)
        y = upsampling.conv2d_transpose(x, w, (1, 32, 32, 16), 2)
        assert y.shape == (1, 32, 32, 16)
        fork_pool()
    """,
}


@pytest.mark.parametrize("scenario", list(_SCENARIOS))
def test_fork_pool_workers_run_after_background_work(scenario):
    code = _PRELUDE + textwrap.dedent(_SCENARIOS[scenario])
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=150, env=env
        )
    except subprocess.TimeoutExpired as exc:  # pragma: no cover - the regression this guards
        pytest.fail(f"{scenario}: the process hung\n{exc.stdout}\n{exc.stderr}")
    assert result.returncode == 0 and "ok" in result.stdout, (
        f"{scenario}: exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr[-4000:]}"
    )
