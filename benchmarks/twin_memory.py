"""Working memory of each framework twin, for the CLI's estimates (``upsampling.cli.budget.TWIN_BYTES``).

For every ``--like`` and dtype, every mode family ``upsampling resize`` offers is run in a fresh
process on an RGB image, upscaled (600x800 -> 1800x2400) and downscaled (1800x2400 -> 600x800);
the peak RSS above the process's RSS just before the call is solved for ``(bytes per output
element, bytes per input element)`` from the two, per mode.  ``--kernel numpy`` measures the
NumPy fallback (``UPSAMPLING_NATIVE=0``), for which the table keeps the largest of the modes.

    .venv/bin/python benchmarks/twin_memory.py [--kernel native|numpy]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, resource, sys
import numpy as np
from upsampling.explain.calls import make_call
like, mode, dtype, h, w, oh, ow = sys.argv[1:8]
h, w, oh, ow = int(h), int(w), int(oh), int(ow)
x = (np.random.default_rng(0).random((h, w, 3)) * 255).astype(np.uint8)
if dtype == "float32":
    x = x.astype(np.float32)
call = make_call(like, mode)
call.run(x[:8, :8], (4, 4))  # imports, plans of another size: not counted
def rss():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024
with open("/proc/self/status") as fh:
    base = next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmRSS"))
open("/proc/self/clear_refs", "w").write("5")  # reset the high-water mark to the current RSS
y = call.run(x, (oh, ow))
print(json.dumps({"peak": rss() - base, "out": y.size, "in": x.size}))
"""

SIZES = {"up": (600, 800, 1800, 2400), "down": (1800, 2400, 600, 800)}


def measure(like: str, mode: str, dtype: str, env: dict) -> dict[str, dict]:
    out = {}
    for name, (h, w, oh, ow) in SIZES.items():
        p = subprocess.run(
            [sys.executable, "-c", CHILD, like, mode, dtype, str(h), str(w), str(oh), str(ow)],
            capture_output=True, text=True, env=env,
        )
        if p.returncode:
            return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else str(p.returncode)}
        out[name] = json.loads(p.stdout)
    return out


def solve(m: dict) -> tuple[float, float]:
    """``(per_out, per_in)`` with ``per_out * out + per_in * in >= peak`` for both sizes (a 2x2 solve,
    each coefficient floored at 0)."""
    up, down = m["up"], m["down"]
    a, b, c, d = up["out"], up["in"], down["out"], down["in"]
    det = a * d - b * c
    per_out = (up["peak"] * d - b * down["peak"]) / det
    per_in = (a * down["peak"] - c * up["peak"]) / det
    per_out, per_in = max(per_out, 0.0), max(per_in, 0.0)
    # with a coefficient floored, scale the pair up until both sizes are covered
    need = max(up["peak"] / (per_out * a + per_in * b or 1), down["peak"] / (per_out * c + per_in * d or 1), 1.0)
    return per_out * need, per_in * need


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", choices=("native", "numpy"), default="native")
    args = ap.parse_args()
    from upsampling.explain.calls import _MODES, LIKES

    env = dict(os.environ)
    if args.kernel == "numpy":
        env["UPSAMPLING_NATIVE"] = "0"
    table: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for like in LIKES:
        for dtype in ("uint8", "float32"):
            modes = table.setdefault((like, dtype), {})
            for mode in _MODES[like]:
                m = measure(like, mode, dtype, env)
                if "error" in m:
                    print(f"{like:7} {dtype:8} {mode:14} refused: {m['error'][:80]}", flush=True)
                    continue
                po, pi = solve(m)
                print(f"{like:7} {dtype:8} {mode:14} per out {po:6.1f}  per in {pi:6.1f}", flush=True)
                modes[mode] = (round(po + 0.25, 1), round(pi + 0.25, 1))
    name = "TWIN_BYTES" if args.kernel == "native" else "TWIN_BYTES_NUMPY"
    print(f"{name} = {{")
    for key, modes in table.items():
        if args.kernel == "native":
            print(f"    {key!r}: {{" + ", ".join(f"{m!r}: {v!r}" for m, v in modes.items()) + "},")
        else:  # the fallback keeps the largest of the modes
            print(f"    {key!r}: {(max(v[0] for v in modes.values()), max(v[1] for v in modes.values()))!r},")
    print("}")


if __name__ == "__main__":
    main()
