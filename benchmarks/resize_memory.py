"""Peak and retained memory of resize calls, each case in a fresh process (issue 19, item 6).

    .venv/bin/python benchmarks/resize_memory.py            # every case
    .venv/bin/python benchmarks/resize_memory.py --case long-cubic --kernel auto

For each case a child process imports upsampling (``--kernel numpy``, the default: NumPy kernels
only; ``auto``: the compiled kernels, loaded
and warmed first), records its peak RSS, runs the call, and prints the call's
peak (``ru_maxrss`` after minus before, MiB), Python's own allocation peak (``tracemalloc``,
MiB) and, for the "retained" cases, the memory still held after the calls and a
``gc.collect()`` (RSS now minus RSS before, MiB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CASES = {
    # The example: a 19 MB result.
    "long-cubic": "upsampling.resize(np.zeros((1, 1, 4, 1), np.uint8), (1, 20_000_000), mode='cubic')",
    "long-linear-float32": "upsampling.resize(np.zeros((1, 1, 4, 1), np.float32), (1, 20_000_000))",
    "4k-cubic-uint8": "upsampling.resize(np.zeros((1, 1080, 1920, 3), np.uint8), (2160, 3840), mode='cubic')",
    # Ten cubic calls of new sizes: what the plan caches keep afterwards.
    "retained-10-cubic": (
        "[upsampling.resize(np.zeros((1, 4, 4, 1), np.float32), (3, 2_000_000 + k), mode='cubic') "
        "for k in range(10)]"
    ),
}

_CHILD = r"""
import gc, json, resource, sys, tracemalloc
import numpy as np
import upsampling
upsampling.set_options(kernel="KERNEL")
if "KERNEL" == "auto":
    from upsampling.kernels import load_fast_kernels
    load_fast_kernels()
    for dt in (np.uint8, np.float32):   # compile/load the signatures outside the measurement
        upsampling.resize(np.zeros((1, 6, 5, 3), dt), (9, 13), mode="cubic")
        upsampling.resize(np.zeros((1, 1, 4, 1), dt), (1, 9), mode="cubic")
        upsampling.resize(np.zeros((1, 1, 4, 1), dt), (1, 9))
upsampling.resize(np.zeros((1, 4, 4, 1), np.float32), (5, 5))   # warm imports
gc.collect()
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
before_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = rss()
tracemalloc.start()
result = None
try:
    result = CALL
    error = None
except Exception as exc:
    error = f"{type(exc).__name__}: {exc}"
_, traced = tracemalloc.get_traced_memory()
tracemalloc.stop()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_peak
del result
gc.collect()
print(json.dumps({"peak_rss_mib": round(peak, 1), "traced_peak_mib": round(traced / 2**20, 1),
                  "retained_mib": round(rss() - before, 1), "error": error}))
"""


def run(name: str, kernel: str = "numpy") -> dict:
    code = _CHILD.replace("CALL", CASES[name]).replace("KERNEL", kernel)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src") + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--kernel", choices=["numpy", "auto"], default="numpy")
    args = parser.parse_args()
    for name in args.case or list(CASES):
        print(f"{name:22s} {args.kernel:6s} {json.dumps(run(name, args.kernel))}", flush=True)


if __name__ == "__main__":
    main()
