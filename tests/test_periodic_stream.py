"""Specialised periodic W-first kernels and streaming stores: the same bits as the generic path.

* :func:`upsampling.kernels.numba_periodic.find_period`: the run it reports rebuilds the plan's
  indices and weights exactly, on plans of every mode and convention;
* the specialised W-first kernels (compiled per ``(q, P, S, taps, rel)``) give the bits of the
  generic fused kernel and of the per-axis NumPy kernel, on a fixed set of specialisations (each
  costs seconds to compile) with random sizes, values, views, layouts and dtypes;
* :mod:`upsampling.kernels.numba_stream`: streamed rows equal ``_blend``'s bit for bit
  (misaligned rows, NaN/Inf, 1-4 taps, float32/float64), and whole resizes with and without
  streaming are identical.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import upsampling
from upsampling import options
from upsampling.kernels import load_fast_kernels, numba_fused, numba_periodic
from upsampling.kernels.numba_fused import _blend
from upsampling.kernels.numba_stream import blend_row_stream, copy_row_stream, store_fence
from upsampling.resizing import resize_plans

SEED = 20261202


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit, except that any NaN equals any NaN (LLVM may commute operands,
    which changes which NaN's payload and sign a sum of two NaNs carries)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind != "f":
        return a.tobytes() == b.tobytes()
    nan = np.isnan(a)
    return bool(np.array_equal(nan, np.isnan(b))) and a[~nan].tobytes() == b[~nan].tobytes()


def _plans(rng, trial: int):
    """W plans of every mode and convention, up- and downscales, integer and other factors."""
    n_in = int(rng.integers(1, 40))
    factor = [2, 3, 4, 8, 0.5, 0.25, 1.5, 2.5][trial % 8]
    n_out = max(1, int(round(n_in * factor)))
    mode = ["nearest", "linear", "cubic"][trial % 3]
    kw = dict(mode=mode, coordinate_transformation_mode=["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"][trial % 4])
    if trial % 5 == 0 and mode != "nearest":
        kw["antialias"] = True
    x = np.zeros((1, 2, n_in, 1), np.float32)
    plans, _ = resize_plans(x, (2, n_out), **kw)
    return plans[2], kw


def test_find_period_rebuilds_the_plan_exactly(rng):
    found = 0
    for trial in range(300):
        plan, kw = _plans(rng, trial)
        ww = plan.weight.astype(np.float32)
        period = numba_periodic.find_period(plan.index, ww)
        if period is None:
            continue
        found += 1
        p, taps = period.phases, plan.taps
        assert period.blocks >= 2 and 2 * p * period.blocks >= plan.n_out
        for m in range(period.blocks):
            for r in range(p):
                j = period.j_lo + p * m + r
                for t in range(taps):
                    assert plan.index[j, t] == period.base + period.stride * m + period.rel[r * taps + t], (trial, kw)
                    assert ww[j, t] == period.weights[r * taps + t], (trial, kw)
    assert found > 100  # most integer-factor plans repeat


@pytest.mark.parametrize(
    ("n_in", "n_out", "kw", "expected"),
    [
        (64, 128, dict(mode="linear"), (2, 1, 1, 63, 0, (0, 1, 0, 1))),  # x2 half-pixel: pixels 1..126
        (64, 512, dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"), (8, 1, 0, 64, 0, (0,) * 8)),
        (2048, 512, dict(mode="linear"), (1, 4, 0, 512, 1, (0, 1))),  # /4: pixels 4j+1, 4j+2
    ],
)
def test_find_period_known_plans(n_in, n_out, kw, expected):
    plans, _ = resize_plans(np.zeros((1, 2, n_in, 1), np.float32), (2, n_out), **kw)
    period = numba_periodic.find_period(plans[2].index, plans[2].weight)
    assert period is not None
    assert (period.phases, period.stride, period.j_lo, period.blocks, period.base, period.rel) == expected


def test_find_period_refuses_non_periodic_plans():
    # align_corners x2: the source step (n-1)/(2n-1) never repeats exactly over a short period
    plans, _ = resize_plans(np.zeros((1, 2, 97, 1), np.float32), (2, 194), mode="linear", coordinate_transformation_mode="align_corners")
    assert numba_periodic.find_period(plans[2].index, plans[2].weight) is None
    index = np.arange(40)[:, None]
    weight = np.linspace(0.1, 0.9, 40)[:, None]  # indices advance, weights never repeat
    assert numba_periodic.find_period(index, weight) is None


# A fixed set of specialisations (compiling one costs seconds): (layout, channels, factor, kw).
SPECIALISATIONS = [
    ("NHWC", 3, 2, dict(mode="linear")),
    ("NCHW", 5, 2, dict(mode="linear")),
    ("HWC", 4, 4, dict(mode="cubic", cubic_coeff_a=-0.75)),
    ("NHWC", 2, 8, dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")),
    ("HW", 1, 3, dict(mode="linear", coordinate_transformation_mode="asymmetric")),
]


def _image(rng, layout: str, c: int, h: int, w: int, dtype) -> np.ndarray:
    shape = {"HW": (h, w), "HWC": (h, w, c), "NHWC": (2, h, w, c), "NCHW": (2, c, h, w)}[layout]
    x = rng.standard_normal(shape) * 60 + 100
    x.flat[int(rng.integers(x.size))] = np.nan if np.dtype(dtype).kind == "f" else 0
    return x.astype(dtype)


def _generic_then_specialised(x, size, layout, kw, used: list) -> tuple[np.ndarray, np.ndarray]:
    """The resize with the specialised kernels off, then (after compiling what it asks for)
    on; ``used`` is cleared before the second call, so it holds what that call asked for."""
    numba_periodic.enabled = False
    generic = upsampling.resize(x, size, layout=layout, **kw)
    numba_periodic.enabled = True
    upsampling.resize(x, size, layout=layout, **kw)  # queues the compile
    numba_periodic.wait_for_compiles()
    used.clear()
    return generic, upsampling.resize(x, size, layout=layout, **kw)


def _assert_same_as_generic_and_numpy(x, size, layout, kw, got, generic, what: str) -> None:
    with options(kernel="numpy"):
        ref = upsampling.resize(x, size, layout=layout, **kw)
    msg = f"{what} {x.shape} -> {size} {kw}"
    assert _same_bits(got, generic), msg
    assert _same_bits(got, ref), msg


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_specialised_w_first_bit_identical(monkeypatch, rng, dtype):
    monkeypatch.setattr(numba_periodic, "MIN_WORK", 0)
    monkeypatch.setattr(numba_fused, "NEAREST_COPY", False)  # nearest's one-tap plan blends too
    used = []
    planar = set()
    original = numba_periodic.kernel

    def spy(*args, **kwargs):
        k = original(*args, **kwargs)
        used.append(k is not None)
        if k is not None:
            planar.add(kwargs.get("planar", False))
        return k

    monkeypatch.setattr(numba_periodic, "kernel", spy)
    specialised = 0
    for trial in range(60):
        layout, c, factor, kw = SPECIALISATIONS[trial % len(SPECIALISATIONS)]
        spec = trial % len(SPECIALISATIONS)
        if dtype != np.float32 and spec not in (0, 3) and not (dtype == np.float64 and spec == 2):
            continue  # other dtypes on fewer specialisations (each costs seconds to compile)
        h, w = (int(v) for v in rng.integers(4, 30, size=2))  # wide enough for two periods
        size = (h * factor, w * factor)
        x = _image(rng, layout, c, h, w, dtype)
        if trial % 3 == 1:
            x = x[(slice(None),) * (x.ndim - 1) + (slice(None, None, -1),)]  # negative-stride view
        generic, got = _generic_then_specialised(x, size, layout, kw, used)
        if used:  # a W plan too short for two periods beside its borders has no periodic run
            specialised += any(used)
            assert any(used), f"trial {trial}: the specialised kernel was not used ({layout} c={c} x{factor} {kw})"
        _assert_same_as_generic_and_numpy(x, size, layout, kw, got, generic, f"trial {trial}: {layout} c={c}")
    assert specialised >= 15
    # bicubic RGBA x4 runs the phase-by-phase W pass for float inputs; uint8 is not in the work dtype
    assert planar == ({False} if dtype == np.uint8 else {False, True}), planar


# Downscales taking the periodic H-first kernel: (layout, channels, factor, kw).
H_FIRST_SPECIALISATIONS = [
    ("NHWC", 3, 4, dict(mode="linear")),  # the harness's case D: 16 periods per group
    ("HWC", 4, 2, dict(mode="cubic", cubic_coeff_a=-0.5)),  # 4 taps: 8 periods per group
    ("HW", 1, 3, dict(mode="linear", antialias=True)),  # 6 taps, one channel: 16 periods per group
]


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_specialised_h_first_bit_identical(monkeypatch, rng, dtype):
    """Downscales (H first) whose W plan repeats take the periodic H-first kernel, whose W pass
    runs in groups of periods: the same bits as the generic kernel and the per-axis NumPy path,
    with borders, a last partial group, views, and rounding into uint8 (through a row buffer)."""
    monkeypatch.setattr(numba_periodic, "MIN_WORK", 0)
    used = []
    original = numba_periodic.kernel

    def spy(*args, **kwargs):
        k = original(*args, **kwargs)
        used.append((kwargs.get("wide", 0), k is not None))
        return k

    monkeypatch.setattr(numba_periodic, "kernel", spy)
    groups = set()
    for trial in range(18):
        layout, c, factor, kw = H_FIRST_SPECIALISATIONS[trial % len(H_FIRST_SPECIALISATIONS)]
        if dtype != np.float32 and trial % len(H_FIRST_SPECIALISATIONS):
            continue  # uint8 on case D's specialisation only (each costs seconds to compile)
        h, w = (int(v) * factor for v in rng.integers(6, 70, size=2))  # 1 to 4 groups and a rest
        size = (h // factor, w // factor)
        x = _image(rng, layout, c, h, w, dtype)
        if trial % 3 == 1:
            x = x[(slice(None),) * (x.ndim - 1) + (slice(None, None, -1),)]  # negative-stride view
        generic, got = _generic_then_specialised(x, size, layout, kw, used)
        assert used and all(wide > 0 and ready for wide, ready in used), f"trial {trial}: {used} ({layout} c={c} /{factor} {kw})"
        groups.add(used[0][0])
        _assert_same_as_generic_and_numpy(x, size, layout, kw, got, generic, f"trial {trial}: {layout} c={c}")
    assert 16 in groups and (dtype != np.float32 or 8 in groups), groups  # 16 periods per group, and 8 (cubic RGBA)


def test_specialisation_is_only_requested_for_large_enough_calls(monkeypatch):
    made = []
    monkeypatch.setattr(numba_periodic, "_make", lambda *key: made.append(key))
    monkeypatch.setattr(numba_fused, "NEAREST_COPY", False)  # else nearest never asks
    x = np.ones((1, 16, 16, 2), np.float32)
    kw = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    monkeypatch.setattr(numba_periodic, "MIN_WORK", 10**12)
    upsampling.resize(x, (16 * 7, 16 * 7), **kw)  # x7: a specialisation no other test asks for
    assert made == [] and not numba_periodic._pending
    monkeypatch.setattr(numba_periodic, "enabled", False)
    monkeypatch.setattr(numba_periodic, "MIN_WORK", 0)
    upsampling.resize(x, (16 * 7, 16 * 7), **kw)
    assert made == [] and not numba_periodic._pending


@numba.njit
def _rows_stream(src, rows, weights, out):  # pragma: no cover - compiled
    for o in range(out.shape[0]):
        blend_row_stream(src, rows[o], weights[o], out[o])
    store_fence()


@numba.njit
def _rows_plain(src, rows, weights, out):  # pragma: no cover - compiled
    for o in range(out.shape[0]):
        _blend(src, rows[o], weights[o], out[o])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_streamed_rows_bit_identical(rng, dtype):
    for taps in (1, 2, 3, 4):
        for width in (1, 7, 15, 16, 17, 100, 1031):
            src = rng.standard_normal((6, width)).astype(dtype)
            src[0, 0] = np.nan
            src[1, -1] = np.inf
            src[2, width // 2] = -0.0
            rows = rng.integers(0, 6, size=(9, taps))
            weights = rng.standard_normal((9, taps)).astype(dtype)
            for shift in (0, 1, 3):  # row starts on and off the 64-byte boundary
                buf = np.full((9, width + shift), 7, dtype)
                got = buf[:, shift:]
                _rows_stream(src, rows, weights, got)
                ref = np.empty((9, width), dtype)
                _rows_plain(src, rows, weights, ref)
                assert _same_bits(np.ascontiguousarray(got), ref), (taps, width, shift)
                assert np.all(buf[:, :shift] == 7)


@numba.njit
def _copy_rows_stream(src, out):  # pragma: no cover - compiled
    for o in range(out.shape[0]):
        copy_row_stream(src[o], out[o])
    store_fence()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_streamed_copies_bit_identical(rng, dtype):
    """Streamed raw-bit row copies of every width, rows on and off the 64-byte boundary,
    leave nothing outside the row written."""
    for width in (1, 7, 15, 16, 17, 63, 64, 65, 100, 1031):
        src = rng.integers(0, np.iinfo(dtype).max, size=(5, width), dtype=dtype, endpoint=True)
        for shift in (0, 1, 3):
            buf = np.full((5, width + shift + 2), 7, dtype)
            got = buf[:, shift : shift + width]
            _copy_rows_stream(src, got)
            assert np.array_equal(got, src), (width, shift)
            assert np.all(buf[:, :shift] == 7) and np.all(buf[:, shift + width :] == 7)


def test_streamed_resizes_bit_identical(monkeypatch, rng):
    """Whole W-first resizes with every output streamed vs none streamed, out= views included."""
    for trial in range(40):
        layout = ["NHWC", "NCHW", "HWC", "HW"][trial % 4]
        c = int(rng.choice([1, 3, 8, 21]))
        h, w = (int(v) for v in rng.integers(1, 20, size=2))
        size = tuple(int(v) for v in rng.integers(20, 70, size=2))
        kw = dict(mode=["linear", "cubic", "nearest"][trial % 3])
        x = _image(rng, layout, c, h, w, np.float32)
        monkeypatch.setattr(numba_fused, "STREAM_MIN_BYTES", 0)  # blends and nearest's copy_rows
        streamed = upsampling.resize(x, size, layout=layout, **kw)
        out = np.empty_like(streamed)
        upsampling.resize(x, size, layout=layout, out=out, **kw)
        monkeypatch.setattr(numba_fused, "STREAM_MIN_BYTES", 2**62)
        plain = upsampling.resize(x, size, layout=layout, **kw)
        assert _same_bits(streamed, plain) and _same_bits(out, plain), f"trial {trial}: {layout} {x.shape} -> {size} {kw}"


def test_load_fast_kernels_waits_for_specialisations(monkeypatch):
    monkeypatch.setattr(numba_periodic, "MIN_WORK", 0)
    x = np.ones((1, 9, 10, 3), np.float32)
    upsampling.resize(x, (18, 20))
    load_fast_kernels()
    assert not numba_periodic._pending


def test_a_queued_compile_holds_no_reference_to_the_callers_arrays(monkeypatch):
    """The compiler thread gets stand-ins: the output of the call that asked for a kernel goes
    back to the output pool when the caller drops it (it used to stay pinned there)."""
    import gc

    from upsampling import _memory

    monkeypatch.setattr(numba_periodic, "_ready", set())  # ask again, as a fresh process would
    monkeypatch.setattr(numba_periodic, "_pending", set())
    x = np.ones((1, 600, 700, 3), np.float32)
    _memory.clear_pool()
    y = upsampling.resize(x, (1200, 1400))  # 19 MiB, pooled; queues the x2 RGB kernel
    load_fast_kernels()
    del y
    gc.collect()
    try:
        assert _memory.pool_stats()["free_blocks"] == 1
    finally:
        _memory.clear_pool()


@pytest.mark.parametrize(
    ("listed", "expected"),
    [(480 * 2**20, 64 * 2**20), (32 * 2**20, 32 * 2**20), (2 * 2**20, 2 * 2**20), (0, 32 * 2**20)],
)
def test_stream_threshold_is_the_cache_capped(monkeypatch, listed, expected):
    """Outputs stream from the last-level cache's size on, at most 64 MiB (a guest sees only
    part of a large server L3: 480 MiB listed, 128 MiB copies 2x slower with ordinary stores),
    32 MiB when no cache is listed; a number in STREAM_MIN_BYTES overrides it."""
    monkeypatch.setattr(numba_fused, "_last_level_cache_bytes", lambda: listed)
    monkeypatch.setattr(numba_fused, "_stream_auto_bytes", None)
    monkeypatch.setattr(numba_fused, "STREAM_MIN_BYTES", None)
    assert numba_fused.stream_min_bytes() == expected
    monkeypatch.setattr(numba_fused, "STREAM_MIN_BYTES", 12345)
    assert numba_fused.stream_min_bytes() == 12345
