"""The measurements behind docs/performance.md's explanations (the harness gives the table).

    .venv/bin/python benchmarks/order_and_pool.py

* B (1x1024x1024x3 -> 2048x2048, NHWC) and A in NCHW (1x21x64x64 -> 512x512) into a
  preallocated output, resized H first and W first (the same kernels, forced order);
* B and C (8x256x64x64 -> 128x128, NHWC) returning a fresh output with the pool on and off,
  and B's fresh output (pool off) at one and two threads against writing into ``out=``;
* B into a preallocated output, ours and OpenCV's, at one and two threads;
* A (1x64x64x21 -> 512x512, NHWC) into ``out=`` against a two-thread fill of the same output;
* the per-call cost of a tiny resize (1x8x8x21 -> 64x64).

Medians of at least 21 calls after a warm-up.  Prints a small markdown table.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from harness import timeit  # benchmarks/ is on sys.path when this file is run

import upsampling
from upsampling.kernels import _threads, load_fast_kernels
from upsampling.resizing import apply_plans, resize_plans


@numba.njit(nogil=True)
def _fill(out, r0, r1):  # pragma: no cover - compiled
    for r in range(r0, r1):
        row = out[r]
        for e in range(row.shape[0]):
            row[e] = 1.0


def _median_ms(fn) -> float:
    return timeit(fn, repeats=21, budget_s=10.0) * 1e3


def main() -> None:
    load_fast_kernels()
    rng = np.random.default_rng(0)
    rows = ["| measurement | ms |", "|---|---:|"]
    for name, shape, size, layout, axes in (
        ("B, RGB x2 (NHWC)", (1, 1024, 1024, 3), (2048, 2048), "NHWC", (1, 2)),
        ("A, logits x8 (NCHW)", (1, 21, 64, 64), (512, 512), "NCHW", (2, 3)),
    ):
        x = rng.standard_normal(shape, dtype=np.float32)
        plans, out_shape = resize_plans(x, size, layout=layout)
        out = np.empty(out_shape, np.float32)
        for label, order in (("H first", list(axes)), ("W first", list(axes[::-1]))):
            ms = _median_ms(lambda: apply_plans(x, plans, order=order, out=out))
            rows.append(f"| {name}, into out=, {label} | {ms:.2f} |")
    for name, shape, size in (
        ("B, RGB x2, fresh output", (1, 1024, 1024, 3), (2048, 2048)),
        ("C, decoder x2, fresh output", (8, 64, 64, 256), (128, 128)),
    ):
        x = rng.standard_normal(shape, dtype=np.float32)
        for label, pool in (("pool on", 256 * 2**20), ("pool off", 0)):
            with upsampling.options(output_pool_bytes=pool):
                ms = _median_ms(lambda: upsampling.resize(x, size))
            rows.append(f"| {name}, {label} | {ms:.2f} |")
    b = rng.standard_normal((1, 1024, 1024, 3), dtype=np.float32)
    out_b = np.empty((1, 2048, 2048, 3), np.float32)
    real_count = _threads.thread_count
    try:
        import cv2
    except ImportError:  # pragma: no cover - the test extra installs it
        cv2 = None
    for threads in (1, 2):
        _threads.thread_count = lambda threads=threads: threads
        with upsampling.options(output_pool_bytes=0):
            fresh = _median_ms(lambda: upsampling.resize(b, (2048, 2048)))
        into = _median_ms(lambda: upsampling.resize(b, (2048, 2048), out=out_b))
        rows.append(f"| B, {threads} thread(s), fresh output without the pool | {fresh:.2f} |")
        rows.append(f"| B, {threads} thread(s), into out= | {into:.2f} |")
        if cv2 is not None:
            cv2.setNumThreads(threads)
            cv_ms = _median_ms(lambda: cv2.resize(b[0], (2048, 2048), dst=out_b[0]))
            rows.append(f"| B, {threads} thread(s), OpenCV into dst | {cv_ms:.2f} |")
    _threads.thread_count = real_count
    a = rng.standard_normal((1, 64, 64, 21), dtype=np.float32)
    out_a = np.empty((1, 512, 512, 21), np.float32)
    rows.append(f"| A, into out= | {_median_ms(lambda: upsampling.resize(a, (512, 512), out=out_a)):.2f} |")
    flat = out_a.reshape(512, -1)
    with ThreadPoolExecutor(1) as pool:

        def fill_two() -> None:
            half = pool.submit(_fill, flat, 256, 512)
            _fill(flat, 0, 256)
            half.result()

        rows.append(f"| A's output, a plain two-thread fill | {_median_ms(fill_two):.2f} |")
    tiny = rng.standard_normal((1, 8, 8, 21), dtype=np.float32)
    out_t = np.empty((1, 64, 64, 21), np.float32)
    us = _median_ms(lambda: upsampling.resize(tiny, (64, 64), out=out_t)) * 1e3
    rows.append(f"| per-call cost: 1x8x8x21 -> 64x64 into out= (µs) | {us:.0f} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
