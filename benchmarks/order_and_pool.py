"""Two measurements behind docs/performance.md: the axis order of the fused kernel, and the output pool.

    .venv/bin/python benchmarks/order_and_pool.py

* B (1x1024x1024x3 -> 2048x2048, NHWC) and A in NCHW (1x21x64x64 -> 512x512) into a
  preallocated output, resized H first and W first (the same kernels, forced order);
* B and C (8x256x64x64 -> 128x128, NHWC) returning a fresh output with the pool on and off.

Medians of 21 calls after a warm-up, both cores.  Prints a small markdown table.
"""

from __future__ import annotations

import numpy as np
from harness import timeit  # benchmarks/ is on sys.path when this file is run

import upsampling
from upsampling.kernels import load_fast_kernels
from upsampling.resizing import apply_plans, resize_plans


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
    print("\n".join(rows))


if __name__ == "__main__":
    main()
