"""Run a GIL-free kernel over row ranges on several threads, with dynamic chunks.

Why not ``numba.prange``: its thread pools split the rows statically and wait at a barrier
(OpenMP's also spin), so on a busy machine (other processes on the cores) a call waits
for whichever worker the scheduler has parked -- 5-10x slower than one thread in our
measurements on a shared 2-core machine.  Here the caller and ``threads - 1`` pool
workers pull small chunks from a shared counter: if a worker is not scheduled the caller
does its chunks, so a call is never much slower than one thread.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# Below this many multiply-adds a call runs on the calling thread alone.
_PARALLEL_MIN_WORK = 200_000
_CHUNKS_PER_THREAD = 3
_CPU_COUNT = os.cpu_count() or 1
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def thread_count() -> int:
    """Threads used by the fast kernels: ``NUMBA_NUM_THREADS`` if set, else the CPU count."""
    env = os.environ.get("NUMBA_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return _CPU_COUNT


def _get_pool(workers: int) -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers != workers:
            _pool = ThreadPoolExecutor(workers, thread_name_prefix="upsampling")
        return _pool


def run_rows(
    kernel: Callable[[int, int], None], rows: int, row_cost: float, threads: int | None = None, chunks: int | None = None
) -> None:
    """Call ``kernel(r0, r1)`` on chunks covering ``range(rows)`` exactly once each.

    ``row_cost`` (work per row) decides whether threads are worth waking.  ``kernel`` must
    release the GIL (``numba.njit(nogil=True)``, or BLAS through ctypes) and write disjoint
    rows.  ``chunks``: how many pieces (default 3 per thread; a few equal tiles want one chunk
    each, or one thread may get twice the others' share).
    """
    threads = thread_count() if threads is None else threads
    if rows <= 1 or threads <= 1 or rows * row_cost < _PARALLEL_MIN_WORK:
        kernel(0, rows)
        return
    chunks = min(rows, _CHUNKS_PER_THREAD * threads if chunks is None else max(1, chunks))
    counter = itertools.count()  # next() is atomic under the GIL

    def work() -> None:
        while True:
            i = next(counter)
            if i >= chunks:
                return
            kernel(i * rows // chunks, (i + 1) * rows // chunks)

    pool = _get_pool(threads - 1)
    futures = [pool.submit(work) for _ in range(threads - 1)]
    work()
    for f in futures:
        f.result()
