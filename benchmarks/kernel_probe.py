"""What the periodic W pass, the streaming stores and the downscale kernel choice each buy.

    .venv/bin/python benchmarks/kernel_probe.py [--threads 1,2] [--downscale]

docs/performance.md quotes it.

For B (1x1024x1024x3 -> 2048x2048 NHWC, bilinear), B-nearest, B-cubic and A (1x64x64x21 ->
512x512 NHWC) into a preallocated output: the fused W-first kernel with the specialised
periodic W pass on and off (``numba_periodic.enabled``) and with streaming stores on and off
(``numba_fused.STREAM_MIN_BYTES``), beside OpenCV writing into a preallocated ``dst``, at each
thread count.  ``--downscale``: the two H-first kernels (blending whole input rows, or only
the columns the W taps read) called directly on one thread, for D (1x2048x2048x3 -> 512x512),
D in NCHW (3 planes), D by 3, and 21-channel logits 1x512x512x21 -> 128x128.  Every variant is
timed in the same process, in alternating blocks after a pause (this VM's speed drifts);
medians in ms (and the fastest call), and each variant over OpenCV.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from harness import time_samples  # benchmarks/ is on sys.path when this file is run

import upsampling
from upsampling.kernels import _threads, load_fast_kernels, numba_fused, numba_periodic


def _alternating(fns: dict, rounds: int = 4, per: int = 11, pause: float = 0.3) -> dict[str, float]:
    """Median ms of each function over ``rounds`` blocks of ``per`` calls, every function once
    per round after a pause (the harness's scheme, with its warm-up)."""
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            time.sleep(pause)
            samples[name] += time_samples(fn, repeats=per, warm_s=0.05, min_s=0.0)
    return {k: statistics.median(v) * 1e3 for k, v in samples.items()}


def downscale() -> None:
    """Dense (whole-row) vs sparse (only the columns read) H-first kernel, one thread."""
    from upsampling.resizing import resize_plans

    rng = np.random.default_rng(1)
    fns = {}
    for name, shape, size in [
        ("D, RGB", (1, 2048, 2048, 3), (512, 512)),
        ("D, NCHW planes", (3, 2048, 2048, 1), (512, 512)),
        ("D by 3, RGB", (1, 2048, 2048, 3), (683, 683)),
        ("logits /4, 21 channels", (1, 512, 512, 21), (128, 128)),
    ]:
        x = rng.standard_normal(shape, dtype=np.float32)
        plans, _ = resize_plans(x, size)
        ph, pw = plans[1], plans[2]
        q = shape[3]
        ih, wh, iw, ww, fi, fw, _, _ = numba_fused._prepared(ph, pw, np.dtype(np.float32), q)
        x3 = x.reshape(shape[0], shape[1], shape[2] * q)
        out = np.empty((shape[0], ph.n_out, pw.n_out * q), np.float32)
        rows = shape[0] * ph.n_out
        head = (x3, ih, wh, iw, ww, q, fi, fw, out, 0.0, 0.0, False, True, False)
        for label, kernel in (("whole rows", numba_fused.fused_h_first), ("columns read", numba_fused.fused_h_first_sparse)):
            fns[f"{name}: {label}"] = lambda kernel=kernel, head=head, rows=rows: kernel(*head, 0, rows)
    times = _alternating(fns, rounds=6)
    print("| case: H-first kernel (1 thread) | ms |\n|---|---:|")
    for name, ms in times.items():
        print(f"| {name} | {ms:.2f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--downscale", action="store_true", help="only the H-first kernel comparison")
    args = parser.parse_args(argv)
    import cv2

    load_fast_kernels()
    if args.downscale:
        downscale()
        return 0
    rng = np.random.default_rng(0)
    nearest = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    cv_modes = {"linear": cv2.INTER_LINEAR, "nearest": cv2.INTER_NEAREST, "cubic": cv2.INTER_CUBIC}
    cases = [
        ("B", (1, 1024, 1024, 3), (2048, 2048), dict(mode="linear")),
        ("B-nearest", (1, 1024, 1024, 3), (2048, 2048), nearest),
        ("B-cubic", (1, 1024, 1024, 3), (2048, 2048), dict(mode="cubic")),
        ("A", (1, 64, 64, 21), (512, 512), dict(mode="linear")),
    ]
    rows = []
    default_stream = numba_fused.STREAM_MIN_BYTES
    for threads in (int(t) for t in args.threads.split(",")):
        _threads.thread_count = lambda threads=threads: threads
        cv2.setNumThreads(threads)
        for name, shape, size, kw in cases:
            x = rng.standard_normal(shape, dtype=np.float32)
            out = np.empty((1, *size, shape[3]), np.float32)
            dst = np.empty((*size, shape[3]), np.float32)

            def ours(periodic: bool, stream: bool, x=x, out=out, size=size, kw=kw):
                def call():
                    numba_periodic.enabled = periodic
                    numba_fused.STREAM_MIN_BYTES = 0 if stream else 2**62
                    upsampling.resize(x, size, out=out, **kw)

                return call

            variants = {
                "generic, plain stores": ours(False, False),
                "generic, streaming": ours(False, True),
                "periodic, plain stores": ours(True, False),
                "periodic, streaming": ours(True, True),
            }
            for fn in variants.values():
                fn()
            load_fast_kernels()  # the specialised kernel compiles in the background
            mode = cv_modes[kw["mode"]]
            variants["OpenCV into dst"] = lambda x=x, dst=dst, size=size, mode=mode: cv2.resize(
                x[0], (size[1], size[0]), dst=dst, interpolation=mode
            )
            times = _alternating(variants)
            for variant, ms in times.items():
                rows.append((threads, name, variant, ms, ms / times["OpenCV into dst"]))
            print(f"  {threads} thread(s), {name}: done", file=sys.stderr)
    numba_periodic.enabled = True
    numba_fused.STREAM_MIN_BYTES = default_stream
    print("| threads | case | variant | ms | ÷ OpenCV |\n|---:|---|---|---:|---:|")
    for threads, name, variant, ms, ratio in rows:
        print(f"| {threads} | {name} | {variant} | {ms:.2f} | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    sys.exit(main())
