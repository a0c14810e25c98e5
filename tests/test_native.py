"""The compiled kernels themselves: dispatch, instruction sets, the thread pool, errors, fallback.

* ``upsampling.kernels.info()`` says what runs, and which kernel each family ran last;
* every instruction set this CPU runs (baseline, AVX2, AVX-512) gives the NumPy path's bits;
* the native pool: every chunk once, work really shared, exceptions inside a kernel become
  Python errors (no crash) and the pool goes on, many Python threads at once, ``fork``;
* ``set_options(threads=...)``, bad arguments refused before any pointer is used;
* the NumPy fallback when the extension cannot be imported: one warning, same results.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import upsampling
from upsampling import options, set_options
from upsampling.errors import InvalidArgumentError
from upsampling.kernels import fused, info, native
from upsampling.argmax import upsample_argmax

SEED = 20261203
NATIVE = native()


def test_the_compiled_kernels_are_in_use():
    """The suite must test the compiled kernels: a build that failed to load fails here."""
    if os.environ.get("UPSAMPLING_NATIVE") == "0":
        pytest.skip("UPSAMPLING_NATIVE=0: the fallback is under test")
    got = info()
    assert got["native"] and got["fallback_reason"] is None, got
    assert got["isa"] in got["supported"] and "baseline" in got["built"]
    if os.environ.get("UPSAMPLING_EXPECT_SANITIZED") == "1":
        assert got.get("sanitized") is True, "make test-asan must run the sanitizer build"


def test_info_names_the_kernel_each_family_ran():
    x = np.random.default_rng(SEED).standard_normal((1, 8, 9, 3)).astype(np.float32)
    upsampling.resize(x, (16, 18))
    assert info()["last"]["resize"] == f"w_first_periodic/{info()['isa']}"  # x2: the phase-by-phase W pass
    upsampling.resize(x, (15, 17))
    assert info()["last"]["resize"] == f"w_first/{info()['isa']}"
    upsampling.resize(x, (3, 4))
    assert info()["last"]["resize"] == f"h_first/{info()['isa']}"
    upsampling.resize(x, (16, 18), mode="nearest")
    assert info()["last"]["nearest_copy"].startswith("copy_runs/")  # 3 channels: fixed runs
    upsample_argmax(x, (16, 18), layout="NHWC")
    assert info()["last"]["argmax"].startswith("argmax_w_first/")
    plans, _ = upsampling.resizing.resize_plans(x, (16, 18))
    upsampling.resizing.apply_plans(x.astype(np.float16), plans)  # float16: the per-axis kernel
    assert info()["last"]["resize_axis"].startswith("axis_")


def _battery(rng: np.random.Generator, trials: int) -> None:
    """Random resizes (every mode, layout, both orders, float/int), argmax and per-axis calls,
    each against the NumPy path, bit for bit."""
    layouts = {"HW": (2, 0, 1), "HWC": (3, 0, 1), "CHW": (3, 1, 2), "NHWC": (4, 1, 2), "NCHW": (4, 2, 3)}
    for trial in range(trials):
        layout = list(layouts)[trial % 5]
        c = int(rng.choice([1, 2, 3, 4, 5, 8, 21]))
        h, w = (int(v) for v in rng.choice([1, 2, 5, 16, 33, 70], size=2))
        shape = {"HW": (h, w), "HWC": (h, w, c), "CHW": (c, h, w), "NHWC": (2, h, w, c), "NCHW": (2, c, h, w)}[layout]
        size = tuple(int(v) for v in rng.choice([1, 3, 9, 17, 40, 130], size=2))
        mode = ["nearest", "linear", "cubic", "area"][trial % 4]
        kw = dict(mode=mode, antialias=mode in ("linear", "cubic") and trial % 3 == 0)
        dtype = (np.float32, np.float64, np.uint8, np.int16)[trial % 4]
        x = (rng.standard_normal(shape) * 50 + 100).astype(dtype)
        got = upsampling.resize(x, size, layout=layout, **kw)
        with options(kernel="numpy"):
            ref = upsampling.resize(x, size, layout=layout, **kw)
        assert got.dtype == ref.dtype and np.array_equal(got, ref), f"trial {trial}: {layout} {shape} -> {size} {kw}"
        if layout in ("CHW", "NHWC") and dtype in (np.float32, np.float64):
            labels = upsample_argmax(x, size, layout=layout, **kw)
            axis = 0 if layout == "CHW" else 3
            assert np.array_equal(labels, np.argmax(ref, axis=axis)), f"argmax trial {trial}"


@pytest.mark.parametrize("isa", ["baseline", "avx2", "avx512"])
def test_every_instruction_set_gives_the_numpy_bits(isa, monkeypatch):
    """Each instruction set the CPU runs, forced, on random configurations (many small chunks on
    3 threads); the ones it does not run are refused by name."""
    if NATIVE is None:
        pytest.skip("no compiled kernels")
    if isa not in NATIVE.info()["supported"]:
        with pytest.raises(ValueError, match=isa):
            NATIVE.set_isa(isa)
        pytest.skip(f"this CPU does not run {isa}")
    monkeypatch.setattr(fused, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(fused, "CHUNKS_PER_THREAD", 4)
    try:
        assert NATIVE.set_isa(isa) == isa
        with options(threads=3):
            _battery(np.random.default_rng(SEED + len(isa)), 80)
        assert info()["last"]["resize"].endswith("/" + isa)
    finally:
        NATIVE.set_isa("auto")
    assert info()["isa"] == NATIVE.info()["supported"][0]


needs_native = pytest.mark.skipif(NATIVE is None, reason="no compiled kernels")


@needs_native
@pytest.mark.parametrize("threads", [2, 3, 5])
def test_pool_runs_every_chunk_once_on_several_threads(threads):
    for chunks in (1, 2, 3, 7, 40, 333):
        where = np.zeros(chunks, dtype=np.int64) - 1
        NATIVE.pool_check(where, threads)
        assert (where >= 0).all(), (threads, chunks)  # -1: a chunk never ran
    where = np.zeros(16, dtype=np.int64) - 1
    NATIVE.pool_check(where, threads, sleep_us=2000)  # 2 ms chunks: the workers take some
    assert (where == 0).any() and (where > 0).any(), where


@needs_native
@pytest.mark.parametrize("kind", [0, 1, 2])
def test_an_exception_inside_a_kernel_is_a_python_error(kind):
    """A C++ exception thrown in any chunk, on the caller or a worker, reaches Python as an
    exception (std::runtime_error: RuntimeError; std::bad_alloc: MemoryError; anything else: a
    SystemError), never a crash, and the pool keeps working."""
    expected = (RuntimeError, MemoryError, SystemError)[kind]
    for fail_at in range(8):
        where = np.zeros(8, dtype=np.int64)
        with pytest.raises(expected):
            NATIVE.pool_check(where, 2, fail_at=fail_at, sleep_us=200, error_kind=kind)
    where = np.zeros(50, dtype=np.int64) - 1
    NATIVE.pool_check(where, 2)
    assert (where >= 0).all()


@needs_native
def test_bad_arguments_are_refused_before_any_pointer_is_used():
    x = np.zeros((1, 4, 6), np.float32)
    ih = np.array([[0, 1], [2, 3]], np.int64)
    wh = np.ones((2, 2), np.float32)
    iw = np.array([[0, 1]], np.int64)
    ww = np.ones((1, 2), np.float32)
    out = np.zeros((1, 2, 3), np.float32)
    NATIVE.resize_fused(x, ih, wh, iw, ww, 3, out, 0, False, 1, 1)
    bad = [
        (dict(ih=np.array([[0, 4], [2, 3]], np.int64)), "ih"),  # row 4 of 4
        (dict(iw=np.array([[0, 2]], np.int64)), "iw"),  # pixel 2 of 2 (q = 3)
        (dict(iw=np.array([[-1, 0]], np.int64)), "iw"),
        (dict(wh=np.ones((2, 2), np.float64)), "ww: not in the work dtype"),
        (dict(out=np.zeros((1, 2, 4), np.float32)), "out"),
        (dict(out=np.zeros((1, 3, 2), np.float32).transpose(0, 2, 1)), "out"),
        (dict(q=4), "q"),
        (dict(kind=7), "kind"),
        (dict(x=np.zeros((1, 4, 6), np.float16)), "x"),
    ]
    base = dict(x=x, ih=ih, wh=wh, iw=iw, ww=ww, q=3, out=out, kind=0, stream=False, threads=1, chunks=1)
    for change, name in bad:
        with pytest.raises(ValueError, match=name):
            NATIVE.resize_fused(**{**base, **change})
    with pytest.raises(ValueError, match="cols"):
        NATIVE.copy_rows(x.view(np.uint32), out.view(np.uint32), np.array([0, 1]), np.array([0, 1, 6]), 1, False, 1, 1)


def test_threads_option():
    x = np.random.default_rng(SEED).standard_normal((1, 300, 300, 3)).astype(np.float32)
    ref = upsampling.resize(x, (700, 600))
    for threads in (1, 2, 3, 7):
        with options(threads=threads):
            assert np.array_equal(upsampling.resize(x, (700, 600)), ref), threads
            assert info()["threads"] == threads
    if NATIVE is not None:
        before = NATIVE.info()["pool_jobs_shared"]
        with options(threads=1):
            upsampling.resize(x, (700, 600))
        assert NATIVE.info()["pool_jobs_shared"] == before  # one thread: the pool is not used
    for bad in (0, -1, True, 2.0, "2", 10**6):
        with pytest.raises(InvalidArgumentError, match="threads"):
            set_options(threads=bad)
    with options(threads=None):
        assert info()["threads"] == (os.cpu_count() or 1)


@needs_native
def test_spin_workers_option_reaches_the_pool():
    x = np.ones((1, 200, 200, 3), np.float32)
    with options(spin_workers=False):
        upsampling.resize(x, (400, 400))
        assert NATIVE.info()["spin_us"] == 0
    upsampling.resize(x, (400, 400))
    assert NATIVE.info()["spin_us"] > 0
    with pytest.raises(InvalidArgumentError, match="spin_workers"):
        set_options(spin_workers="yes")


def test_many_python_threads_at_once():
    """Concurrent callers: one gets the workers, the others run alone; each its own result."""
    rng = np.random.default_rng(SEED + 1)
    xs = [rng.standard_normal((1, 64 + 8 * i, 80, 3)).astype(np.float32) for i in range(6)]
    expected = [upsampling.resize(x, (200, 170)) for x in xs]
    labels_expected = [upsample_argmax(x, (90, 100), layout="NHWC") for x in xs]
    failures = []

    def call(i: int) -> None:
        for _ in range(15):
            if not np.array_equal(upsampling.resize(xs[i], (200, 170)), expected[i]):
                failures.append(("resize", i))
            if not np.array_equal(upsample_argmax(xs[i], (90, 100), layout="NHWC"), labels_expected[i]):
                failures.append(("argmax", i))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a caller hung"
    assert failures == []


def _resize_in_child(seed: int) -> bool:
    x = np.random.default_rng(seed).standard_normal((1, 120, 130, 3)).astype(np.float32)
    with options(threads=2):
        got = upsampling.resize(x, (300, 260))
    with options(kernel="numpy"):
        ref = upsampling.resize(x, (300, 260))
    return bool(np.array_equal(got, ref))


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_safe_after_fork():
    """A forked child (its parent's pool workers do not exist there) starts its own pool; forked
    while the parent's workers spin and while another parent thread is inside a kernel."""
    x = np.ones((1, 200, 200, 3), np.float32)
    upsampling.resize(x, (500, 500))  # the parent's workers exist and spin
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            upsampling.resize(x, (500, 500))

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(2) as pool:
            result = pool.map_async(_resize_in_child, range(6))
            assert result.get(timeout=120) == [True] * 6
    finally:
        stop.set()
        worker.join()


_FALLBACK = """
import sys, warnings, numpy as np
warnings.simplefilter("always")
{prelude}
import upsampling
from upsampling import kernels
from upsampling.argmax import upsample_argmax
x = np.random.default_rng(3).standard_normal((1, 9, 11, 3)).astype(np.float32)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    a = upsampling.resize(x, (20, 7), mode="cubic")
    b = upsampling.resize(x, (20, 7), mode="cubic")
    labels = upsample_argmax(x, (20, 7), layout="NHWC", mode="cubic")
with upsampling.options(kernel="numpy"):
    ref = upsampling.resize(x, (20, 7), mode="cubic")
assert np.array_equal(a, ref) and np.array_equal(b, ref)
assert np.array_equal(labels, np.argmax(ref, axis=3))
messages = [str(w.message) for w in caught]
assert len(messages) == 1, messages
print(messages[0])
print(kernels.info()["native"], kernels.info()["fallback_reason"])
"""


@pytest.mark.parametrize("how", ["environment", "import-fails"])
def test_numpy_fallback_warns_once_and_gives_the_same_results(how):
    env = {k: v for k, v in os.environ.items() if k != "UPSAMPLING_NATIVE"}
    prelude = ""
    if how == "environment":
        env["UPSAMPLING_NATIVE"] = "0"
    else:  # the extension cannot be imported
        prelude = "sys.modules['upsampling.kernels._native'] = None"
    out = subprocess.run(
        [sys.executable, "-c", _FALLBACK.format(prelude=prelude)], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    message, status = out.stdout.strip().splitlines()
    assert message.startswith("upsampling: compiled kernels unavailable (") and "NumPy kernels" in message
    assert ("UPSAMPLING_NATIVE=0" if how == "environment" else "upsampling.kernels._native") in message
    assert status.startswith("False ")


def test_import_is_light_and_the_first_call_runs_compiled():
    """``import upsampling`` loads no Numba (gone) and no compiled kernels; the first resize runs
    the compiled kernel at once (no background loading thread, no warm-up)."""
    code = """
import sys, threading, numpy as np, upsampling
assert 'numba' not in sys.modules and 'llvmlite' not in sys.modules
assert 'upsampling.kernels._native' not in sys.modules
x = np.ones((1, 16, 16, 3), np.float32)
upsampling.resize(x, (32, 32))
from upsampling import kernels
from upsampling.argmax import upsample_argmax
print(kernels.info()["last"]["resize"], kernels.load_fast_kernels(), sorted(t.name for t in threading.enumerate()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    last, loaded, threads = out.stdout.split(maxsplit=2)
    if NATIVE is not None:
        assert last.startswith("w_first") and loaded == "True"
    assert threads.strip() == "['MainThread']"


def test_opencv_uint8_bilinear_fixed_point_kernel_matches_the_numpy_pipeline(rng):
    """The OpenCV twin's 8-bit INTER_LINEAR (its fixed point) through the compiled kernel gives
    the twin's NumPy pipeline's bits: up and down, 1-5 channels, 2-D images, views."""
    from upsampling.frameworks import opencv

    for trial in range(60):
        h, w = (int(v) for v in rng.integers(1, 40, size=2))
        c = int(rng.choice([0, 1, 3, 4, 5]))
        shape = (h, w) if c == 0 else (h, w, c)
        x = rng.integers(0, 256, size=shape, dtype=np.uint8)
        if trial % 3 == 1:
            x = x[::-1]
        dsize = tuple(int(v) for v in rng.integers(1, 90, size=2))
        got = opencv.resize(x, dsize, interpolation=opencv.INTER_LINEAR)
        with options(kernel="numpy"):
            ref = opencv.resize(x, dsize, interpolation=opencv.INTER_LINEAR)
        assert got.dtype == ref.dtype == np.uint8 and np.array_equal(got, ref), (trial, shape, dsize)
    if NATIVE is not None:
        assert info()["last"]["fixed_linear_u8"] is not None


def _fixed_reference(x2, q, ix, ax, iy, by):
    """csrc/fixed_point.hpp's formula in int64 NumPy: rows S >> 4, then Σ (S·β) >> 16, (v + 2) >> 2."""
    cols = (ix[:, :, None] * q + np.arange(q)).reshape(ix.shape[0], ix.shape[1], q)  # (w_out, tw, q)
    h = (x2.astype(np.int64)[:, cols] * ax[None, :, :, None]).sum(axis=2) >> 4  # (h_in, w_out, q)
    h = h.reshape(x2.shape[0], -1)
    acc = sum((h[iy[:, t]] * by[:, t, None]) >> 16 for t in range(iy.shape[1]))
    return np.clip((acc + 2) >> 2, 0, 255).astype(np.uint8)


@pytest.mark.skipif(NATIVE is None, reason="compiled kernels unavailable")
@pytest.mark.parametrize("weights", ["opencv", "signed", "wide"])
def test_fixed_point_kernel_sums_in_int32_only_when_nothing_can_overflow(rng, weights):
    """The fixed-point kernel sums in int32 when its weights bound every sum below 2**30 (OpenCV's
    11-bit bilinear weights), else in int64 (weights up to 2**20, many taps): both give the int64
    formula's bits, negative weights and taps included."""
    for trial in range(20):
        q = int(rng.choice([1, 2, 3, 4, 5]))
        h_in, w_in = (int(v) for v in rng.integers(1, 30, size=2))
        h_out, w_out = (int(v) for v in rng.integers(1, 40, size=2))
        tw, th = (int(v) for v in rng.integers(1, 5, size=2)) if trial % 2 else (2, 2)
        top = 2**20 if weights == "wide" else 1024
        ax = rng.integers(-top, top + 1, size=(w_out, tw), dtype=np.int64)
        by = rng.integers(-top, top + 1, size=(h_out, th), dtype=np.int64)
        if weights == "opencv":  # OpenCV's bilinear: 0..2048, each row's pair summing to 2048
            ax, by = np.abs(ax), np.abs(by)
        if weights == "wide":  # at least one weight that needs int64 sums
            ax[0, 0] = by[0, 0] = 2**20
        ix = rng.integers(0, w_in, size=(w_out, tw), dtype=np.int64)
        iy = rng.integers(0, h_in, size=(h_out, th), dtype=np.int64)
        x2 = rng.integers(0, 256, size=(h_in, w_in * q), dtype=np.uint8)
        out = np.empty((h_out, w_out * q), np.uint8)
        NATIVE.fixed_linear_u8(x2, q, ix, ax, iy, by, out, 2, 3)
        np.testing.assert_array_equal(out, _fixed_reference(x2, q, ix, ax, iy, by), err_msg=f"trial {trial}")
        narrow = info()["last"]["fixed_linear_u8"].startswith("fixed_linear_u8_i32/")
        assert narrow == (weights != "wide"), info()["last"]
