"""Forked children never inherit a stuck background state (issue 19, item 4).

A ``fork`` copies the parent's memory but only the calling thread: a lock another thread
held stays held in the child, a compile the parent queued never finishes there.  Each test
runs a fresh interpreter (the loader must not have run yet) that starts one kind of
background work, forks a ``multiprocessing`` "fork" pool while it runs, and has the workers
load the fast kernels and resize.  Every wait has a timeout, so a regression fails instead of
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
        upsampling.set_options(spin_workers=spin)
        # the kernels load (a child of a fork during the loader's imports used to keep the NumPy
        # kernel for good, with Numba half imported)
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
    # The loader thread is importing Numba when the pool forks.
    "loader running": """
        upsampling.resize(np.zeros((1, 8, 8, 3), np.float32), (16, 16))   # starts the loader
        from upsampling import kernels
        assert kernels._loader is not None
        fork_pool()
    """,
    # A periodic kernel is still "compiling" (the case is a cubic 600x600 resize; a real
    # compile holds Numba's compiler lock, which fork waits for: "other locks held").
    "periodic compile pending": """
        load_fast_kernels()
        from upsampling.kernels import numba_periodic as periodic
        with periodic._lock:
            if periodic._compiler is None:
                periodic._compiler = threading.Thread(target=periodic._compile_loop, daemon=True)
                periodic._compiler.start()
            periodic._pending.add("slow")
        periodic._queue.put(("slow", lambda *args: time.sleep(4), ()))
        assert periodic._pending
        fork_pool()
        load_fast_kernels()   # the parent's own wait still ends
        assert not periodic._pending
    """,
    # The worker threads are spinning after a call, and another thread holds their locks.
    "worker threads spinning": """
        load_fast_kernels()
        from upsampling.kernels import _threads
        upsampling.resize(np.random.rand(1, 400, 400, 3).astype(np.float32), (797, 801))
        assert _threads._spinners
        hold(_threads._spin_lock, 3)
        hold(_threads._pool_lock, 3)
        fork_pool()
    """,
    # The output pool holds memory and another thread holds its lock.
    "output pool in use": """
        load_fast_kernels()
        from upsampling import _memory
        y = upsampling.resize(np.random.rand(1, 400, 400, 3).astype(np.float32), (797, 801))
        del y
        assert _memory.pool_stats()["free_blocks"] == 1
        hold(_memory._lock, 3)
        fork_pool()
    """,
    # Every other module-level lock held by another thread; Numba's compiler lock for a moment
    # (fork waits for it rather than copying it held).
    "other locks held": """
        load_fast_kernels()
        import numba
        from upsampling import kernels
        from upsampling.kernels import _blas, numba_periodic
        for lock in (kernels._lock, numba_periodic._lock, _blas._lock):
            hold(lock, 3)
        from numba.core.compiler_lock import global_compiler_lock
        hold(global_compiler_lock._lock, 1)
        fork_pool()
        # a child compiling a new Numba function after the fork
        pid = os.fork()
        if pid == 0:
            os._exit(0 if numba.njit(lambda v: v + 1)(1) == 2 else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    """,
}


@pytest.mark.parametrize("scenario", list(_SCENARIOS))
def test_fork_pool_workers_run_after_background_work(scenario):
    pytest.importorskip("numba")
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
