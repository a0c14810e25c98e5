"""Benchmark harness: our functions vs the installed peers, side by side in one process.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/harness.py [--quick] [--only A,B]``).

* Same random float32 inputs (never zeros) for every library; warm-up, then the median of
  repeats taken in ``--rounds`` (3) alternating blocks per library, each after a 0.3 s pause
  (``--interleave``: one call of every library per round instead); every library limited to
  the same thread count (both cores by default).
* Floors measured here, on this machine: memory bandwidth from a large array copy
  (bytes read + written) for resize cases, the float32 matmul rate (the fastest 2048² GEMM of
  NumPy's BLAS, PyTorch and our private OpenBLAS) for transposed convolution (FLOPs = 2·N·H·W·Cin·Cout·kh·kw); a
  case's floor is the larger of bytes/bandwidth and FLOPs/rate.
* Prints a markdown table; writes JSON (per case: each library's median, our time / each
  peer's, our time / floor; the CPU model and cache sizes) to benchmarks/results/latest.json
  for a full run, results/partial.json for a run of some cases, peers or an A/B switch (so
  that it never replaces the checked-in full results).  "ours into out=" writes into a
  preallocated output (compare it with "opencv into dst").
* argmax cases: fused ``upsample_argmax`` vs each peer's resize-then-argmax, time and peak extra
  resident memory of one call, each measured in a fresh process (``--probe-memory``).
* Startup: ``import upsampling`` and the first calls in a fresh process, the median of three
  fresh processes.
* ``--processes [RUNS]``: whole processes instead -- the CLI resizing a 1024² PNG to 2048²
  against a cv2 script (imread, resize, imwrite), and scripts doing 1 and 100 resizes of logits
  against cv2 scripts, on the same input files, each pair run in turn RUNS times (wall time
  and the OS's peak resident memory); then the first call's time against the tenth's in fresh
  processes (3 x RUNS each, wall and CPU), ours and cv2.resize's on the same logits.  Writes
  results/processes.json.
* ``--ab SWITCH=VALUE``: our NHWC call is timed twice in every round, as "ours" and as
  "ours [SWITCH=VALUE]" with one of our switches flipped only around that library's blocks (an
  option of ``upsampling.set_options``, e.g. ``spin_workers=False``, or a module attribute, e.g.
  ``upsampling.kernels.fused.STREAM_MIN_BYTES=2**25``).  It prints, per case, the flipped
  time over the plain one in each round: on this VM only such side-by-side ratios over many
  rounds (``--rounds 12``) settle differences of 5-15 %.  ``--peers opencv,torch`` keeps only
  the peers whose names contain one of those words.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, str(THREADS))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import upsampling  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
# --interleave: time every library in the same rounds.  Off by default: a library's thread pool
# that spins after its call (OpenBLAS, OpenMP) then slows whichever library runs next, which
# distorted the transposed-convolution ratios by 2-3x in our runs.
INTERLEAVE = False


def timeit(
    fn: Callable[[], object], *, repeats: int, warmup: int = 2, budget_s: float = 3.0, warm_s: float = 0.1, min_s: float = 0.2
) -> float:
    """Median wall time of ``fn()`` in seconds (see :func:`time_samples`)."""
    return statistics.median(time_samples(fn, repeats=repeats, warmup=warmup, budget_s=budget_s, warm_s=warm_s, min_s=min_s))


def time_samples(
    fn: Callable[[], object], *, repeats: int, warmup: int = 2, budget_s: float = 3.0, warm_s: float = 0.1, min_s: float = 0.2
) -> list[float]:
    """Wall times of ``repeats`` calls of ``fn()`` in seconds.

    Warm-up: at least ``warmup`` calls and ``warm_s`` seconds of calls (this 2-core VM runs a
    millisecond call 2x slower right after its cores idled or another library's threads ran).
    Then ``repeats`` timed calls, more for fast calls until ``min_s`` seconds are covered.
    """
    start = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - start < warm_s:
        fn()
        done += 1
    times = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_s:
        gc.disable()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        gc.enable()
        if time.perf_counter() - start > budget_s and len(times) >= 3:
            break
    return times


def interleaved(
    fns: dict[str, Callable[[], object]], *, repeats: int, warmup: int = 2, budget_s: float = 20.0, label: str = ""
) -> dict[str, float]:
    """Median wall time of each function, timed in rounds (one call of each per round).

    On a shared machine the load changes from second to second; timing every library in the
    same rounds keeps their ratios meaningful.  A function that raises is reported as NaN.
    """
    live: dict[str, Callable[[], object]] = {}
    for name, fn in fns.items():
        try:
            for _ in range(warmup):
                fn()
            live[name] = fn
        except Exception as exc:  # a peer that refuses the case is reported, not fatal
            print(f"  {label}: {name} failed: {exc}", file=sys.stderr)
    samples: dict[str, list[float]] = {name: [] for name in live}
    start = time.perf_counter()
    for _ in range(repeats):
        for name, fn in live.items():
            gc.disable()
            t = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t)
            gc.enable()
        if time.perf_counter() - start > budget_s and len(samples[next(iter(live))]) >= 3:
            break
    return {name: statistics.median(samples[name]) if name in samples else float("nan") for name in fns}


def measure_bandwidth() -> float:
    """Bytes per second of a 256 MiB float32 copy (read + write)."""
    src = np.random.default_rng(0).random(64 * 2**20, dtype=np.float32)
    dst = np.empty_like(src)
    t = timeit(lambda: np.copyto(dst, src), repeats=7)
    return 2 * src.nbytes / t


def measure_matmul_rate(mods: dict[str, object] | None = None) -> tuple[float, str]:
    """float32 FLOP/s of a 2048² GEMM: the fastest of NumPy's BLAS, PyTorch's and our private
    OpenBLAS (when installed), and which one that was.

    The floor is the machine's rate, not one library's: NumPy's OpenBLAS may be pinned to
    older kernels (this machine's environment sets ``OPENBLAS_CORETYPE=Haswell``, AVX2 on an
    AVX-512 CPU), which would make every ratio to the floor look better than it is.
    """
    rng = np.random.default_rng(0)
    a = rng.random((2048, 2048), dtype=np.float32)
    b = rng.random((2048, 2048), dtype=np.float32)
    rates = {"numpy": 2 * 2048**3 / timeit(lambda: a @ b, repeats=7)}
    torch = (mods or {}).get("torch")
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        time.sleep(SETTLE_S)
        rates["torch"] = 2 * 2048**3 / timeit(lambda: torch.mm(ta, tb), repeats=7)
    try:
        from upsampling.kernels import _blas

        blas = _blas.load()
    except Exception:  # pragma: no cover - a broken install: the other rates stand
        blas = None
    if blas is not None:
        # The private single-threaded OpenBLAS (which detects the CPU's kernels), one half of
        # the rows per thread, as the tiled transposed convolution runs it.
        from concurrent.futures import ThreadPoolExecutor

        c = np.empty((2048, 2048), np.float32)
        halves = [slice(i * 2048 // THREADS, (i + 1) * 2048 // THREADS) for i in range(THREADS)]
        with ThreadPoolExecutor(THREADS) as pool:

            def split() -> None:
                list(pool.map(lambda h: blas.gemm(a[h], b, c[h]), halves))

            time.sleep(SETTLE_S)
            rates["private OpenBLAS " + blas.corename] = 2 * 2048**3 / timeit(split, repeats=7)
    best = max(rates, key=rates.get)
    return rates[best], best


@dataclass
class Case:
    name: str
    kind: str  # "resize" | "conv_transpose" | "argmax"
    description: str
    ours: Callable[[], object]
    peers: dict[str, Callable[[], object]] = field(default_factory=dict)
    bytes_moved: float = 0.0
    flops: float = 0.0
    probe: tuple | None = None  # (input shape, output size) for the memory probe of argmax cases


def _peers_available() -> dict[str, object]:
    mods: dict[str, object] = {}
    try:
        import torch

        torch.set_num_threads(THREADS)
        mods["torch"] = torch
    except ImportError:
        pass
    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        mods["tf"] = tf
    except ImportError:
        pass
    try:
        import cv2

        cv2.setNumThreads(THREADS)
        mods["cv2"] = cv2
    except ImportError:
        pass
    for name in ("onnxruntime", "scipy.ndimage", "PIL.Image"):
        try:
            mods[name] = __import__(name, fromlist=["_"])
        except ImportError:
            pass
    return mods


def _ort_resize_session(ort, shape, out_hw, mode, extra=None):
    from onnx import TensorProto, helper

    attrs = {"mode": mode, "coordinate_transformation_mode": "half_pixel", **(extra or {})}
    node = helper.make_node("Resize", ["X", "", "", "sizes"], ["Y"], **attrs)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        [helper.make_tensor("sizes", TensorProto.INT64, [4], [shape[0], shape[1], *out_hw])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = THREADS
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess


def resize_cases(mods: dict[str, object], only: set[str] | None) -> list[Case]:
    rng = np.random.default_rng(0)
    specs = [
        ("A", "logits x8 1x21x64x64 -> 512x512", (1, 21, 64, 64), (512, 512), "linear", False),
        ("B", "image x2 1x3x1024x1024 -> 2048x2048", (1, 3, 1024, 1024), (2048, 2048), "linear", False),
        ("C", "decoder x2 8x256x64x64 -> 128x128", (8, 256, 64, 64), (128, 128), "linear", False),
        ("D", "downscale 1x3x2048x2048 -> 512x512", (1, 3, 2048, 2048), (512, 512), "linear", False),
        ("A-nearest", "A, nearest", (1, 21, 64, 64), (512, 512), "nearest", False),
        ("B-nearest", "B, nearest", (1, 3, 1024, 1024), (2048, 2048), "nearest", False),
        ("A-cubic", "A, bicubic", (1, 21, 64, 64), (512, 512), "cubic", False),
        ("B-cubic", "B, bicubic", (1, 3, 1024, 1024), (2048, 2048), "cubic", False),
        ("D-aa", "D, antialiased bilinear", (1, 3, 2048, 2048), (512, 512), "linear", True),
    ]
    return [_resize_case(mods, rng, *spec) for spec in specs if not only or spec[0] in only]


def _resize_case(mods, rng, name, desc, shape, out_hw, mode, aa) -> Case:
    """One resize case; a function scope per case so every lambda binds its own values."""
    n, c, h, w = shape
    nchw = rng.standard_normal(shape, dtype=np.float32)
    nhwc = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))
    out_bytes = n * c * out_hw[0] * out_hw[1] * 4
    kw = dict(mode=mode, antialias=aa, exclude_outside=aa)
    if mode == "cubic":
        kw["cubic_coeff_a"] = -0.75
    if mode == "nearest":
        kw = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    case = Case(
        name,
        "resize",
        desc,
        lambda x=nhwc, kw=kw: upsampling.resize(x, out_hw, layout="NHWC", **kw),
        bytes_moved=nchw.nbytes + out_bytes,
    )
    case.peers["ours NCHW"] = lambda x=nchw, kw=kw: upsampling.resize(x, out_hw, layout="NCHW", **kw)
    dst_nhwc = np.empty((n, out_hw[0], out_hw[1], c), np.float32)
    case.peers["ours into out="] = lambda x=nhwc, kw=kw, d=dst_nhwc: upsampling.resize(x, out_hw, layout="NHWC", out=d, **kw)
    torch = mods.get("torch")
    if torch is not None:
        tmode = {"linear": "bilinear", "cubic": "bicubic", "nearest": "nearest"}[mode]
        tx = torch.from_numpy(nchw)
        tcl = tx.contiguous(memory_format=torch.channels_last)
        ac = None if mode == "nearest" else False
        case.peers["torch NCHW"] = lambda tx=tx: torch.nn.functional.interpolate(
            tx, size=out_hw, mode=tmode, align_corners=ac, antialias=aa
        )
        case.peers["torch channels-last"] = lambda tx=tcl: torch.nn.functional.interpolate(
            tx, size=out_hw, mode=tmode, align_corners=ac, antialias=aa
        )
    tf = mods.get("tf")
    if tf is not None:
        tfx = tf.constant(nhwc)
        method = {"linear": "bilinear", "cubic": "bicubic", "nearest": "nearest"}[mode]
        case.peers["tf"] = lambda tfx=tfx, method=method: tf.image.resize(tfx, out_hw, method=method, antialias=aa).numpy()
    cv2 = mods.get("cv2")
    if cv2 is not None and c <= 512 and not aa:
        interp = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "nearest": cv2.INTER_NEAREST}[mode]
        imgs = [np.ascontiguousarray(nhwc[i]) for i in range(n)]
        case.peers["opencv"] = lambda imgs=imgs, interp=interp: [
            cv2.resize(im, (out_hw[1], out_hw[0]), interpolation=interp) for im in imgs
        ]
        dsts = [np.empty((out_hw[0], out_hw[1], c), np.float32) for _ in range(n)]
        case.peers["opencv into dst"] = lambda imgs=imgs, interp=interp, dsts=dsts: [
            cv2.resize(im, (out_hw[1], out_hw[0]), dst=d, interpolation=interp) for im, d in zip(imgs, dsts)
        ]
    if cv2 is not None and aa:
        imgs = [np.ascontiguousarray(nhwc[i]) for i in range(n)]
        case.peers["opencv INTER_AREA"] = lambda imgs=imgs: [
            cv2.resize(im, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_AREA) for im in imgs
        ]
    ort = mods.get("onnxruntime")
    if ort is not None:
        extra = {"antialias": 1} if aa else {}
        if mode == "nearest":
            extra.update(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        if mode == "cubic":
            extra.update(cubic_coeff_a=-0.75)
        sess = _ort_resize_session(ort, shape, out_hw, mode, extra)
        case.peers["onnxruntime"] = lambda sess=sess, x=nchw: sess.run(None, {"X": x})
    nd = mods.get("scipy.ndimage")
    if nd is not None and name in ("A", "D") and not aa:
        order = {"linear": 1, "cubic": 3, "nearest": 0}[mode]
        zoom = (1, 1, out_hw[0] / h, out_hw[1] / w)
        case.peers["scipy zoom"] = lambda x=nchw, order=order, zoom=zoom: nd.zoom(x, zoom, order=order, grid_mode=True, mode="nearest")
    return case




def conv_cases(mods: dict[str, object], only: set[str] | None) -> list[Case]:
    if not hasattr(upsampling, "conv2d_transpose"):
        return []
    rng = np.random.default_rng(1)
    specs = [
        ("E", "TF example 1x28x28x3 -> 56x56x5, k4 s2 SAME", (1, 28, 28, 3), 5, 4, 2, (56, 56)),
        ("F", "FCN-32s head 1x16x16x21 -> 512x512x21, k64 s32", (1, 16, 16, 21), 21, 64, 32, (512, 512)),
        ("G", "U-Net 1x64x64x256 -> 128x128x128, k2 s2", (1, 64, 64, 256), 128, 2, 2, (128, 128)),
        ("H", "decoder 8x32x32x128 -> 64x64x64, k4 s2", (8, 32, 32, 128), 64, 4, 2, (64, 64)),
    ]
    return [_conv_case(mods, rng, *spec) for spec in specs if not only or spec[0] in only]


def _conv_case(mods, rng, name, desc, shape, cout, k, s, out_hw) -> Case:
    """One transposed-convolution case, in its own scope (see _resize_case)."""
    n, h, w, cin = shape
    x = rng.standard_normal(shape, dtype=np.float32)
    wt = rng.standard_normal((k, k, cout, cin), dtype=np.float32)
    oshape = (n, *out_hw, cout)
    case = Case(
        name,
        "conv_transpose",
        desc,
        lambda x=x, wt=wt, oshape=oshape, s=s: upsampling.conv2d_transpose(x, wt, oshape, s, "SAME"),
        bytes_moved=x.nbytes + wt.nbytes + np.prod(oshape) * 4,
        flops=2.0 * n * h * w * cin * cout * k * k,
    )
    torch = mods.get("torch")
    if torch is not None:
        tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        tw = torch.from_numpy(np.ascontiguousarray(wt.transpose(3, 2, 0, 1)))
        total = (h - 1) * s + k - out_hw[0]
        pb = total // 2

        def run(tx=tx, tw=tw, pb=pb, s=s, oh=out_hw):
            y = torch.nn.functional.conv_transpose2d(tx, tw, stride=s)
            return y[:, :, pb : pb + oh[0], pb : pb + oh[1]]

        case.peers["torch NCHW"] = run
        tcl = tx.contiguous(memory_format=torch.channels_last)
        case.peers["torch channels-last"] = lambda tcl=tcl, run=run: run(tx=tcl)
    tf = mods.get("tf")
    if tf is not None:
        tfx, tfw = tf.constant(x), tf.constant(wt)
        case.peers["tf"] = lambda tfx=tfx, tfw=tfw, oshape=oshape, s=s: tf.nn.conv2d_transpose(
            tfx, tfw, oshape, s, "SAME"
        ).numpy()
    ort = mods.get("onnxruntime")
    if ort is not None:
        from onnx import TensorProto, helper, numpy_helper

        node = helper.make_node("ConvTranspose", ["X", "W"], ["Y"], strides=[s, s], auto_pad="SAME_UPPER",
                                output_shape=list(out_hw))
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [n, cin, h, w])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
            [numpy_helper.from_array(np.ascontiguousarray(wt.transpose(3, 2, 0, 1)), "W")],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
        model.ir_version = 10
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = THREADS
        try:
            sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
            xn = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
            case.peers["onnxruntime"] = lambda sess=sess, xn=xn: sess.run(None, {"X": xn})
        except Exception:  # pragma: no cover - an ORT that refuses opset 22
            pass
    return case


def argmax_cases(mods: dict[str, object], only: set[str] | None) -> list[Case]:
    """Fused ``upsample_argmax`` vs each peer's resize-then-argmax (bilinear, half-pixel)."""
    rng = np.random.default_rng(2)
    specs = [
        ("A-argmax", "labels of A: 1x21x64x64 -> 512x512", (1, 21, 64, 64), (512, 512)),
        ("L-argmax", "labels 1x21x128x128 -> 1024x1024", (1, 21, 128, 128), (1024, 1024)),
    ]
    return [_argmax_case(mods, rng, *spec) for spec in specs if not only or spec[0] in only]


def argmax_fns(mods: dict[str, object], nchw: np.ndarray, out_hw: tuple[int, int]) -> dict[str, Callable[[], object]]:
    """name -> callable computing the label map (ours first); shared by timing and the memory probe."""
    from upsampling.argmax import upsample_argmax

    nhwc = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))
    fns: dict[str, Callable[[], object]] = {
        "ours": lambda: upsample_argmax(nchw, out_hw, layout="NCHW"),
        "ours NHWC": lambda: upsample_argmax(nhwc, out_hw, layout="NHWC"),
    }
    torch = mods.get("torch")
    if torch is not None:
        tx = torch.from_numpy(nchw)
        tcl = tx.contiguous(memory_format=torch.channels_last)
        fns["torch NCHW"] = lambda: torch.nn.functional.interpolate(tx, size=out_hw, mode="bilinear").argmax(1)
        fns["torch channels-last"] = lambda: torch.nn.functional.interpolate(tcl, size=out_hw, mode="bilinear").argmax(1)
    tf = mods.get("tf")
    if tf is not None:
        tfx = tf.constant(nhwc)
        fns["tf"] = lambda: tf.argmax(tf.image.resize(tfx, out_hw), axis=-1).numpy()
    cv2 = mods.get("cv2")
    if cv2 is not None:
        img = nhwc[0]
        fns["opencv"] = lambda: cv2.resize(img, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_LINEAR).argmax(-1)
    return fns


def _argmax_case(mods, rng, name, desc, shape, out_hw) -> Case:
    nchw = rng.standard_normal(shape, dtype=np.float32)
    fns = argmax_fns(mods, nchw, out_hw)
    case = Case(name, "argmax", desc, fns.pop("ours"), bytes_moved=nchw.nbytes + out_hw[0] * out_hw[1])
    case.peers.update(fns)
    case.probe = (shape, out_hw)
    return case


def _vm_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def memory_probe(shape: tuple[int, ...], out_hw: tuple[int, int], name: str) -> float:
    """Peak extra resident memory (bytes) of one call of ``name`` (run in a fresh process).

    A small warm-up call loads any compiled code first; then the peak-RSS counter is reset
    (``/proc/self/clear_refs``) and the peak minus the resident size before is reported:
    it counts every allocator (NumPy, PyTorch, TensorFlow, OpenCV), unlike tracemalloc.
    """
    mods = _peers_available()
    from upsampling.kernels import load_fast_kernels

    load_fast_kernels()  # a no-op with the compiled kernels (kept for older installs)
    small = np.random.default_rng(3).standard_normal((shape[0], shape[1], 8, 8), dtype=np.float32)
    argmax_fns(mods, small, (16, 16))[name]()
    nchw = np.random.default_rng(2).standard_normal(shape, dtype=np.float32)
    fn = argmax_fns(mods, nchw, out_hw)[name]
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    before = _vm_kib("VmRSS")
    fn()
    return (_vm_kib("VmHWM") - before) * 1024.0


def _subprocess_json(args: list[str]) -> object:
    import subprocess

    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def startup_costs() -> dict[str, float]:
    """``import upsampling`` and the first resize/argmax calls of a fresh process."""
    import subprocess

    _subprocess_json(["--probe-startup"])  # fills the disk cache if this is the first run
    runs = [_subprocess_json(["--probe-startup"]) for _ in range(3)]
    res = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    code = (
        "import sys, time; t = time.perf_counter(); import upsampling; d = time.perf_counter() - t; "
        "print(d, int('numba' in sys.modules), int('torch' in sys.modules))"
    )
    imports = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        imports.append(float(out[0]))
        res["import_loads_numba"] = float(out[1])
    res["import_upsampling_s"] = statistics.median(imports)
    return res


def _probe_startup() -> dict[str, float]:
    t = time.perf_counter()
    import upsampling as up

    res = {"import_upsampling_s": time.perf_counter() - t}
    res["import_loads_numba"] = float("numba" in sys.modules)
    x = np.random.default_rng(0).standard_normal((1, 64, 64, 21), dtype=np.float32)
    t0 = time.perf_counter()
    for label, fn in (
        ("resize", lambda: up.resize(x, (512, 512))),
        ("upsample_argmax", lambda: __import__("upsampling.kernels.argmax", fromlist=["_"]).upsample_argmax(x, (512, 512), layout="NHWC")),
    ):
        t = time.perf_counter()
        fn()
        first = time.perf_counter() - t
        t = time.perf_counter()
        fn()
        res[f"first_{label}_s"] = first
        res[f"second_{label}_s"] = time.perf_counter() - t
    # (load_fast_kernels is a no-op since the kernels are compiled; kept for the field below.)
    from upsampling.kernels import load_fast_kernels

    load_fast_kernels()
    res["fast_kernels_ready_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    up.resize(x, (512, 512))
    res["first_fast_resize_s"] = time.perf_counter() - t
    t = time.perf_counter()
    up.resize(x, (512, 512))
    res["second_fast_resize_s"] = time.perf_counter() - t
    return res


# ---------------------------------------------------------------------------------------------
# Whole processes (--processes): start-up, imports, first calls, IO and peak memory included.

_PROCESS_SCRIPTS = {
    # name -> (description, ours, peer name, peer); {dir} is the folder of the shared inputs.
    "cli-png": (
        "CLI: 1024² RGB PNG -> 2048² PNG, bilinear as OpenCV (read, resize, write)",
        ["{upsampling}", "resize", "{dir}/in.png", "{dir}/ours.png", "--size", "2048x2048", "--like", "opencv", "--overwrite"],
        "opencv script (imread, resize, imwrite)",
        ["{python}", "-c", "import cv2; img = cv2.imread('{dir}/in.png'); "
         "cv2.imwrite('{dir}/peer.png', cv2.resize(img, (2048, 2048), interpolation=cv2.INTER_LINEAR))"],
    ),
    "script-100": (
        "script: import, then 100 x resize of 1x64x64x21 float32 logits to 512² (bilinear)",
        ["{python}", "-c", "import numpy as np, upsampling; x = np.load('{dir}/logits.npy'); "
         "\nfor _ in range(100): upsampling.resize(x, (512, 512), layout='NHWC')"],
        "opencv script",
        ["{python}", "-c", "import numpy as np, cv2; x = np.load('{dir}/logits.npy')[0]; "
         "\nfor _ in range(100): cv2.resize(x, (512, 512), interpolation=cv2.INTER_LINEAR)"],
    ),
    "script-1": (
        "script: import, then 1 such resize",
        ["{python}", "-c", "import numpy as np, upsampling; x = np.load('{dir}/logits.npy'); "
         "upsampling.resize(x, (512, 512), layout='NHWC')"],
        "opencv script",
        ["{python}", "-c", "import numpy as np, cv2; x = np.load('{dir}/logits.npy')[0]; "
         "cv2.resize(x, (512, 512), interpolation=cv2.INTER_LINEAR)"],
    ),
}
# Printed by a fresh process: the first call's time and the tenth's (the first-call target), wall
# and CPU (all threads: time.process_time), ours and cv2's on the same logits (its HWC image).
_FIRST_CALLS = (
    "import json, time, numpy as np, upsampling; x = np.load('{dir}/logits.npy'); t = []; c = []\n"
    "for _ in range(10):\n s = time.perf_counter(); p = time.process_time(); "
    "upsampling.resize(x, (512, 512), layout='NHWC'); c.append(time.process_time() - p); "
    "t.append(time.perf_counter() - s)\n"
    "print(json.dumps([t[0], t[9], c[0], c[9]]))"
)
_FIRST_CALLS_PEER = (
    "import json, time, numpy as np, cv2; x = np.load('{dir}/logits.npy')[0]; t = []; c = []\n"
    "for _ in range(10):\n s = time.perf_counter(); p = time.process_time(); "
    "cv2.resize(x, (512, 512), interpolation=cv2.INTER_LINEAR); c.append(time.process_time() - p); "
    "t.append(time.perf_counter() - s)\n"
    "print(json.dumps([t[0], t[9], c[0], c[9]]))"
)
# Fresh processes per side for the first-call probe, per pair of --processes RUNS: a single first
# call moves by 2-5x on a busy machine, so the probe takes more samples than the whole processes.
FIRST_CALL_SAMPLES_PER_RUN = 3


def _first_call_stats(samples: list[list[float]]) -> dict:
    """Medians of ``[first, tenth, first_cpu, tenth_cpu]`` samples; ratios sample by sample."""
    ratios = [s[0] / s[1] for s in samples]
    cpu = [s[2] / s[3] for s in samples if s[3] > 0]
    return {
        "first_s_median": statistics.median(s[0] for s in samples),
        "tenth_s_median": statistics.median(s[1] for s in samples),
        "first_over_tenth_median": statistics.median(ratios),
        "first_over_tenth_range": [min(ratios), max(ratios)],
        "first_cpu_s_median": statistics.median(s[2] for s in samples),
        "tenth_cpu_s_median": statistics.median(s[3] for s in samples),
        "first_over_tenth_cpu_median": statistics.median(cpu) if cpu else None,
        "samples": len(samples),
    }


def _process_inputs(folder: Path) -> None:
    """The inputs every library reads: a 1024² RGB PNG (smooth content plus noise, as a photo)
    and 1x64x64x21 float32 logits (.npy)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:1024, 0:1024] / 1024
    img = np.stack([128 + 60 * np.sin(6 * xx + 3 * yy * c) + 40 * np.cos(9 * yy * xx + c) for c in (1, 2, 3)], -1)
    img = np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)
    Image.fromarray(img).save(folder / "in.png")
    np.save(folder / "logits.npy", rng.standard_normal((1, 64, 64, 21)).astype(np.float32))


# A small launcher process (python -S -I: a few MiB) forks and execs the command and reports its
# wall time and peak resident memory.  Linux keeps a process's peak across exec, so a command
# forked straight from this harness (100+ MiB) would report the harness's size as its peak.
_LAUNCHER = (
    "import json, os, sys, time\n"
    "t = time.perf_counter(); pid = os.fork()\n"
    "if pid == 0:\n"
    "    fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)\n"
    "    os.execv(sys.argv[1], sys.argv[1:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(json.dumps([time.perf_counter() - t, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)]))\n"
)


def _run_process(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (bytes, the OS's own accounting) of one process.

    ``PYTHONDONTWRITEBYTECODE`` is dropped: an installed package has its bytecode cached (pip
    compiles it), and an editable one caches it on the warm-up run; without it every run
    recompiles the package's sources (about 0.1 s here)."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run([sys.executable, "-S", "-I", "-c", _LAUNCHER, *argv], capture_output=True, text=True, env=env)
    wall, peak, code = json.loads(out.stdout.strip().splitlines()[-1])
    if code:
        raise RuntimeError(f"{argv[:3]}... exited {code}: {out.stderr[-500:]}")
    return wall, float(peak)


def run_processes(runs: int) -> dict:
    """Each whole-process case, ours and the peer in turn (A B A B ...), ``runs`` pairs after one
    warm-up pair; medians and ranges of wall time and peak memory, and the ratio pair by pair.
    Then the first call's time against the tenth's in fresh processes."""
    import subprocess
    import tempfile

    results: dict = {"cases": {}}
    with tempfile.TemporaryDirectory(prefix="upsampling-bench-") as tmp:
        folder = Path(tmp)
        _process_inputs(folder)
        exe = Path(sys.executable).parent / "upsampling"
        fill = {"dir": tmp, "python": sys.executable, "upsampling": str(exe)}
        for name, (desc, ours, peer_name, peer) in _PROCESS_SCRIPTS.items():
            a = [part.format(**fill) for part in ours]
            b = [part.format(**fill) for part in peer]
            _run_process(a), _run_process(b)  # warm the file cache
            samples = {"ours": [], "peer": []}
            for _ in range(runs):
                samples["ours"].append(_run_process(a))
                samples["peer"].append(_run_process(b))
            ratios = [o[0] / p[0] for o, p in zip(samples["ours"], samples["peer"])]
            row = {"description": desc, "peer_name": peer_name, "wall_ratio_median": statistics.median(ratios),
                   "wall_ratio_range": [min(ratios), max(ratios)]}
            for who, ss in samples.items():
                walls, peaks = [w for w, _ in ss], [m for _, m in ss]
                row[who] = {"wall_s_median": statistics.median(walls), "wall_s_range": [min(walls), max(walls)],
                            "peak_bytes_median": statistics.median(peaks)}
            row["peak_ratio"] = row["ours"]["peak_bytes_median"] / row["peer"]["peak_bytes_median"]
            results["cases"][name] = row
            print(f"  {name}: ours / peer wall {row['wall_ratio_median']:.2f}", file=sys.stderr)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        firsts: dict[str, list] = {"ours": [], "peer": []}
        for _ in range(FIRST_CALL_SAMPLES_PER_RUN * runs):  # in turn, as the whole processes
            for who, script in (("ours", _FIRST_CALLS), ("peer", _FIRST_CALLS_PEER)):
                out = subprocess.run([sys.executable, "-c", script.format(**fill)], capture_output=True, text=True,
                                     check=True, env=env)
                firsts[who].append(json.loads(out.stdout.strip().splitlines()[-1]))
        results["first_call"] = _first_call_stats(firsts["ours"])
        results["first_call_peer"] = {"name": "cv2.resize", **_first_call_stats(firsts["peer"])}
    return results


def processes_markdown(res: dict) -> str:
    lines = [
        "Whole processes (ours and the peer in turn; medians, ranges in brackets):",
        "",
        "| case | ours (s) | peer | peer (s) | ours ÷ peer, wall | ours / peer peak MiB | peak ratio |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, r in res["cases"].items():
        o, p = r["ours"], r["peer"]
        lines.append(
            f"| {name}: {r['description']} | {o['wall_s_median']:.3f} [{o['wall_s_range'][0]:.3f}–{o['wall_s_range'][1]:.3f}] "
            f"| {r['peer_name']} | {p['wall_s_median']:.3f} [{p['wall_s_range'][0]:.3f}–{p['wall_s_range'][1]:.3f}] "
            f"| {r['wall_ratio_median']:.2f} [{r['wall_ratio_range'][0]:.2f}–{r['wall_ratio_range'][1]:.2f}] "
            f"| {o['peak_bytes_median'] / 2**20:.0f} / {p['peak_bytes_median'] / 2**20:.0f} | {r['peak_ratio']:.2f} |"
        )
    f = res["first_call"]
    lines += ["", f"First call in a fresh process: {f['first_s_median'] * 1e3:.2f} ms, tenth {f['tenth_s_median'] * 1e3:.2f} ms: "
              f"first ÷ tenth {f['first_over_tenth_median']:.2f} [{f['first_over_tenth_range'][0]:.2f}–{f['first_over_tenth_range'][1]:.2f}]."]
    for label, g in (("ours", f), ("cv2.resize", res.get("first_call_peer"))):
        if g and g.get("first_over_tenth_cpu_median") is not None:
            lines.append(f"- {label}, {g['samples']} fresh processes: wall {g['first_s_median'] * 1e3:.2f} / "
                         f"{g['tenth_s_median'] * 1e3:.2f} ms = {g['first_over_tenth_median']:.2f} "
                         f"[{g['first_over_tenth_range'][0]:.2f}–{g['first_over_tenth_range'][1]:.2f}]; CPU (all threads) "
                         f"{g['first_cpu_s_median'] * 1e3:.2f} / {g['tenth_cpu_s_median'] * 1e3:.2f} ms = "
                         f"{g['first_over_tenth_cpu_median']:.2f}")
    return "\n".join(lines)


# Pause before each library's timing; see run().
SETTLE_S = 0.3
# Rounds over all libraries per case (--rounds); see run().
ROUNDS = 3


AB_LABEL = "ours [{}]"


def ab_switch(spec: str) -> tuple[str, Callable[[], contextlib.AbstractContextManager]]:
    """``(label, flipped)`` for ``--ab``: ``flipped()`` is a context in which the switch holds
    ``VALUE`` (a Python literal or expression of literals such as ``2**25``), restored after.

    ``NAME=VALUE`` names an option of :func:`upsampling.set_options` or, with dots, a module
    attribute (``upsampling.kernels.fused.STREAM_MIN_BYTES=0``).
    """
    target, sep, text = spec.partition("=")
    if not sep:
        raise SystemExit(f"--ab: expected SWITCH=VALUE, got {spec!r}")
    value = eval(compile(text, "<--ab>", "eval"), {"__builtins__": {}})
    if "." not in target:
        if target not in upsampling.get_options():
            raise SystemExit(f"--ab: {target!r} is not an option (options: {', '.join(upsampling.get_options())})")
        return AB_LABEL.format(spec), lambda: upsampling.options(**{target: value})
    module_name, _, attr = target.rpartition(".")
    module = importlib.import_module(module_name)
    if not hasattr(module, attr):
        raise SystemExit(f"--ab: module {module_name} has no attribute {attr!r}")

    @contextlib.contextmanager
    def flipped():
        old = getattr(module, attr)
        setattr(module, attr, value)
        try:
            yield
        finally:
            setattr(module, attr, old)

    return AB_LABEL.format(spec), flipped


AB: tuple[str, Callable[[], contextlib.AbstractContextManager]] | None = None
PEER_FILTER: list[str] | None = None


def run(cases: list[Case], floors: dict[str, float], repeats: int) -> list[dict]:
    from upsampling.kernels import load_fast_kernels

    rows = []
    for case in cases:
        floor = max(case.bytes_moved / floors["bandwidth"], case.flops / floors["matmul"])
        peers = case.peers
        if PEER_FILTER is not None:
            peers = {k: v for k, v in peers.items() if any(word in k for word in PEER_FILTER)}
        if INTERLEAVE:
            times = interleaved({"ours": case.ours, **peers}, repeats=repeats, label=case.name)
        else:
            libs = {"ours": case.ours, **({AB[0]: case.ours} if AB else {}), **peers}
            for lib, fn in libs.items():
                if lib.startswith("ours"):
                    # Warm-up calls, with the --ab switch flipped too (the Numba kernels compiled
                    # a specialisation on first use; the compiled ones need no warm-up, but the
                    # caches of plans and prepared taps still fill on the first call).
                    try:
                        with AB[1]() if AB and lib == AB[0] else contextlib.nullcontext():
                            fn()
                    except Exception:
                        pass
            load_fast_kernels()
            samples: dict[str, list[float]] = {lib: [] for lib in libs}
            round_medians: dict[str, list[float]] = {lib: [] for lib in libs}
            failed: set[str] = set()
            # Every library in each of ROUNDS rounds, one block of calls per round: this VM's
            # speed drifts by up to 2x over seconds, and spreading each library's calls over
            # the whole measurement keeps that drift out of the ratios.
            for _ in range(ROUNDS):
                for lib, fn in libs.items():
                    if lib in failed:
                        continue
                    # Let the previous library's thread pools stop spinning (OpenMP, ONNX Runtime
                    # and OpenBLAS workers spin for up to ~200 ms after a call) before the next.
                    time.sleep(SETTLE_S)
                    try:
                        with AB[1]() if AB and lib == AB[0] else contextlib.nullcontext():
                            block = time_samples(fn, repeats=max(3, repeats // ROUNDS))
                        samples[lib] += block
                        round_medians[lib].append(statistics.median(block))
                    except Exception as exc:  # a peer that refuses the case is reported, not fatal
                        failed.add(lib)
                        print(f"  {case.name}: {lib} failed: {exc}", file=sys.stderr)
            times = {lib: statistics.median(v) if v and lib not in failed else float("nan") for lib, v in samples.items()}
            if AB and AB[0] not in failed:
                per_round = [b / a for a, b in zip(round_medians["ours"], round_medians[AB[0]])]
                print(
                    f"  {case.name}: {AB[0]} / ours per round: median {statistics.median(per_round):.3f}, "
                    f"range {min(per_round):.3f}-{max(per_round):.3f} over {len(per_round)} rounds",
                    file=sys.stderr,
                )
        peer_times = {k: v for k, v in times.items() if not k.startswith("ours") and v == v}
        fastest = min(peer_times, key=peer_times.get) if peer_times else None
        ours_variants = {k: v for k, v in times.items() if k.startswith("ours")}
        memory = None
        if case.probe is not None and sys.platform.startswith("linux"):
            memory = {}
            for lib in ["ours", *peers]:
                try:
                    memory[lib] = _subprocess_json(["--probe-memory", case.name, lib])
                except Exception as exc:  # pragma: no cover - a peer that fails in the probe
                    print(f"  {case.name}: memory probe of {lib} failed: {exc}", file=sys.stderr)
        rows.append(
            {
                "ours_variants_over_fastest_peer": {
                    k: v / peer_times[fastest] for k, v in ours_variants.items()
                } if fastest else {},
                "peak_extra_bytes": memory,
                "case": case.name,
                "kind": case.kind,
                "description": case.description,
                "median_s": times,
                "floor_s": floor,
                "ours_over_floor": times["ours"] / floor,
                "ours_over_peer": {k: times["ours"] / v for k, v in peer_times.items()},
                "fastest_peer": fastest,
                "ours_over_fastest_peer": times["ours"] / peer_times[fastest] if fastest else None,
            }
        )
        print(f"  {case.name}: ours {times['ours'] * 1e3:.2f} ms, floor {floor * 1e3:.2f} ms", file=sys.stderr)
    return rows


def markdown(rows: list[dict], floors: dict[str, float]) -> str:
    lines = [
        f"Floors on this machine: copy bandwidth {floors['bandwidth'] / 1e9:.1f} GB/s, "
        f"float32 matmul {floors['matmul'] / 1e9:.0f} GFLOP/s ({floors.get('matmul_source', 'numpy')}'s, the fastest); "
        f"{THREADS} threads for every library.",
        "",
        "| case | ours (ms) | fastest peer | its time (ms) | ours ÷ fastest peer | ours ÷ floor | all peers (ms) |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        t = r["median_s"]
        fp = r["fastest_peer"]
        peers = ", ".join(f"{k} {v * 1e3:.2f}" for k, v in t.items() if k != "ours")
        variants = "; ".join(
            f"{k} {v:.2f}" for k, v in r["ours_variants_over_fastest_peer"].items() if k != "ours"
        )
        lines.append(
            f"| {r['case']}: {r['description']} | {t['ours'] * 1e3:.2f} | {fp or '–'} | "
            f"{(t[fp] * 1e3) if fp else float('nan'):.2f} | {r['ours_over_fastest_peer'] or float('nan'):.2f}"
            f"{' (' + variants + ')' if variants else ''} | "
            f"{r['ours_over_floor']:.2f} | {peers} |"
        )
    mem_rows = [r for r in rows if r.get("peak_extra_bytes")]
    if mem_rows:
        lines += ["", "Peak extra resident memory of one call (fresh process, MiB):", "",
                  "| case | ours | fastest-memory peer | ours ÷ that peer | all |", "|---|---:|---|---:|---|"]
        for r in mem_rows:
            m = r["peak_extra_bytes"]
            others = {k: v for k, v in m.items() if not k.startswith("ours")}
            best = min(others, key=others.get) if others else None
            ratio = m["ours"] / others[best] if best and others[best] > 0 else float("nan")
            allm = ", ".join(f"{k} {v / 2**20:.1f}" for k, v in m.items())
            lines.append(f"| {r['case']} | {m['ours'] / 2**20:.1f} | {best} | {ratio:.3f} | {allm} |")
    return "\n".join(lines)


def default_out(args: argparse.Namespace) -> Path:
    """Where the JSON goes without ``--out``: ``latest.json`` (the checked-in results the README
    quotes) only for a full run; a run of some cases, some peers, an A/B switch or a smoke run
    writes ``partial.json`` (not checked in), so it never replaces the full results."""
    partial = args.only or args.peers or args.ab or args.quick
    return RESULTS / ("partial.json" if partial else "latest.json")


def cpu_model() -> dict[str, str]:
    """The CPU's model name and cache sizes as Linux lists them (the host of a VM can change
    between runs, and with it every ratio); empty where the system does not say."""
    info: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    for entry in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level = (entry / "level").read_text().strip()
            kind = (entry / "type").read_text().strip()
            size = (entry / "size").read_text().strip()
        except OSError:
            continue
        info[f"L{level} {kind.lower()}"] = size
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated case names (e.g. A,B,E)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 repeats (a smoke run)")
    parser.add_argument(
        "--out", help="JSON path (default: results/latest.json for a full run, results/partial.json otherwise)"
    )
    parser.add_argument("--no-startup", action="store_true", help="skip the fresh-process startup probes")
    parser.add_argument("--probe-memory", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--probe-startup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--interleave", action="store_true", help="time all libraries call by call in the same rounds")
    parser.add_argument("--rounds", type=int, default=3, help="blocks of calls per library, alternating (default 3)")
    parser.add_argument("--ab", metavar="SWITCH=VALUE", help="also time ours with one switch flipped (see above)")
    parser.add_argument("--peers", help="comma-separated words: only the peers whose names contain one")
    parser.add_argument(
        "--processes", nargs="?", const=5, type=int, metavar="RUNS",
        help="only the whole-process cases (CLI and scripts vs OpenCV's), RUNS pairs each (default 5)",
    )
    args = parser.parse_args(argv)
    global INTERLEAVE, ROUNDS, AB, PEER_FILTER
    INTERLEAVE = args.interleave
    ROUNDS = max(1, args.rounds)
    if args.ab and args.interleave:
        parser.error("--ab times blocks of calls; it does not combine with --interleave")
    AB = ab_switch(args.ab) if args.ab else None
    PEER_FILTER = args.peers.split(",") if args.peers else None
    if args.probe_startup:
        print(json.dumps(_probe_startup()))
        return 0
    if args.probe_memory:
        name, lib = args.probe_memory
        spec = {c[0]: c for c in [("A-argmax", (1, 21, 64, 64), (512, 512)), ("L-argmax", (1, 21, 128, 128), (1024, 1024))]}
        print(json.dumps(memory_probe(spec[name][1], spec[name][2], lib)))
        return 0
    if args.processes:
        res = run_processes(args.processes)
        table = processes_markdown(res)
        print(table)
        out = Path(args.out) if args.out else RESULTS / "processes.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"date": datetime.date.today().isoformat(), "machine": {"cpus": os.cpu_count(), **cpu_model()},
                                   **res, "table": table}, indent=1, default=float))
        return 0
    only = set(args.only.split(",")) if args.only else None
    repeats = 3 if args.quick else args.repeats
    mods = _peers_available()
    from upsampling.kernels import load_fast_kernels

    load_fast_kernels()  # a no-op with the compiled kernels (kept for older installs)
    print(f"peers: {', '.join(sorted(mods))}", file=sys.stderr)
    matmul, matmul_source = measure_matmul_rate(mods)
    floors = {"bandwidth": measure_bandwidth(), "matmul": matmul, "matmul_source": matmul_source}
    cases = resize_cases(mods, only) + conv_cases(mods, only) + argmax_cases(mods, only)
    rows = run(cases, floors, repeats)
    table = markdown(rows, floors)
    startup = None if args.no_startup else startup_costs()
    if startup:
        table += (
            f"\n\nFresh process: `import upsampling` {startup['import_upsampling_s'] * 1e3:.0f} ms "
            f"(loads Numba: {'yes' if startup['import_loads_numba'] else 'no'}); first `resize` (A) "
            f"{startup['first_resize_s'] * 1e3:.1f} ms, second {startup['second_resize_s'] * 1e3:.1f} ms; first "
            f"`upsample_argmax` (A) {startup['first_upsample_argmax_s'] * 1e3:.1f} ms, second "
            f"{startup['second_upsample_argmax_s'] * 1e3:.1f} ms (compiled kernels from the first call)."
        )
    print(table)
    out = Path(args.out) if args.out else default_out(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "date": datetime.date.today().isoformat(),
                "machine": {"cpus": os.cpu_count(), "threads": THREADS, "platform": platform.platform(), **cpu_model()},
                "versions": {k: getattr(v, "__version__", "?") for k, v in mods.items()},
                "floors": floors,
                "startup": startup,
                "cases": rows,
                "table": table,
            },
            indent=1,
            default=float,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
