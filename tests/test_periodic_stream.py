"""Integer-factor resizes and streaming stores: the same bits as the per-axis NumPy path.

* Integer up- and downscale factors (the plans that repeat every few pixels, which the Numba
  kernels compiled specialised W passes for) on random sizes, values, views, layouts and dtypes,
  in both axis orders, against the per-axis NumPy kernel;
* streaming stores (``csrc/stream.hpp``): streamed copies of every width on and off the 64-byte
  grid equal the bytes, and whole resizes with every output streamed equal those with none;
* the streaming threshold: the last-level cache, capped.
"""

from __future__ import annotations

import numpy as np
import pytest

import upsampling
from upsampling import options
from upsampling.kernels import fused

SEED = 20261202


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit, except that any NaN equals any NaN (a sum of two NaNs may carry either
    NaN's payload and sign, which IEEE 754 leaves open)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind != "f":
        return a.tobytes() == b.tobytes()
    nan = np.isnan(a)
    return bool(np.array_equal(nan, np.isnan(b))) and a[~nan].tobytes() == b[~nan].tobytes()


# Integer-factor upscales: (layout, channels, factor, kw).
UPSCALES = [
    ("NHWC", 3, 2, dict(mode="linear")),
    ("NCHW", 5, 2, dict(mode="linear")),
    ("HWC", 4, 4, dict(mode="cubic", cubic_coeff_a=-0.75)),
    ("NHWC", 2, 8, dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")),
    ("HW", 1, 3, dict(mode="linear", coordinate_transformation_mode="asymmetric")),
    ("NHWC", 3, 2, dict(mode="cubic")),
]
# Integer-factor downscales (H first): (layout, channels, factor, kw).
DOWNSCALES = [
    ("NHWC", 3, 4, dict(mode="linear")),  # the harness's case D
    ("HWC", 4, 2, dict(mode="cubic", cubic_coeff_a=-0.5)),
    ("HW", 1, 3, dict(mode="linear", antialias=True)),
]


def _image(rng, layout: str, c: int, h: int, w: int, dtype) -> np.ndarray:
    shape = {"HW": (h, w), "HWC": (h, w, c), "NHWC": (2, h, w, c), "NCHW": (2, c, h, w)}[layout]
    x = rng.standard_normal(shape) * 60 + 100
    x.flat[int(rng.integers(x.size))] = np.nan if np.dtype(dtype).kind == "f" else 0
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("cases", ["up", "down"])
def test_integer_factors_bit_identical(monkeypatch, rng, dtype, cases):
    monkeypatch.setattr(fused, "NEAREST_COPY", False)  # nearest's one-tap plan blends too
    table = UPSCALES if cases == "up" else DOWNSCALES
    for trial in range(36):
        layout, c, factor, kw = table[trial % len(table)]
        if cases == "up":
            h, w = (int(v) for v in rng.integers(4, 30, size=2))
            size = (h * factor, w * factor)
        else:
            h, w = (int(v) * factor for v in rng.integers(6, 70, size=2))
            size = (h // factor, w // factor)
        x = _image(rng, layout, c, h, w, dtype)
        if trial % 3 == 1:
            x = x[(slice(None),) * (x.ndim - 1) + (slice(None, None, -1),)]  # negative-stride view
        got = upsampling.resize(x, size, layout=layout, **kw)
        with options(kernel="numpy"):
            ref = upsampling.resize(x, size, layout=layout, **kw)
        assert _same_bits(got, ref), f"trial {trial}: {layout} c={c} {x.shape} -> {size} {kw}"


def _w_plans(rng, trial: int):
    """W plans of every mode and convention, up- and downscales, integer and other factors."""
    from upsampling.resizing import resize_plans

    n_in = int(rng.integers(1, 40))
    factor = [2, 3, 4, 8, 0.5, 0.25, 1.5, 2.5][trial % 8]
    n_out = max(1, int(round(n_in * factor)))
    mode = ["nearest", "linear", "cubic"][trial % 3]
    kw = dict(mode=mode, coordinate_transformation_mode=["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"][trial % 4])
    if trial % 5 == 0 and mode != "nearest":
        kw["antialias"] = True
    plans, _ = resize_plans(np.zeros((1, 2, n_in, 1), np.float32), (2, n_out), **kw)
    return plans[2], kw


def test_find_period_rebuilds_the_plan_exactly(rng):
    found = 0
    for trial in range(300):
        plan, kw = _w_plans(rng, trial)
        ww = plan.weight.astype(np.float32)
        period = fused.find_period(plan.index, ww)
        if period is None:
            continue
        found += 1
        p, j_lo, blocks, base, rel = period
        assert blocks >= 2 and 2 * p * blocks >= plan.n_out and rel.shape == (p, plan.taps)
        for m in range(blocks):
            for r in range(p):
                j = j_lo + p * m + r
                assert np.array_equal(plan.index[j], base + m + rel[r]), (trial, kw)
                assert np.array_equal(ww[j], ww[j_lo + r]), (trial, kw)
    assert found > 60  # integer-factor upscales repeat


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_phase_by_phase_w_pass_equals_the_per_pixel_one(monkeypatch, rng, native_calls, dtype):
    """Integer upscales of 1-4 channels take the phase-by-phase W pass (a period is passed);
    the same bits as without it and as the NumPy path, with borders, views, every mode."""
    used = 0
    for trial in range(40):
        layout, c, factor, kw = UPSCALES[trial % len(UPSCALES)]
        h, w = (int(v) for v in rng.integers(3, 40, size=2))
        x = _image(rng, layout, c, h, w, dtype)
        if trial % 2:
            x = x[(slice(None),) * (x.ndim - 1) + (slice(None, None, -1),)]
        size = (h * factor, w * factor)
        native_calls.calls.clear()
        monkeypatch.setattr(fused, "NEAREST_COPY", False)
        got = upsampling.resize(x, size, layout=layout, **kw)
        used += any(args[11] is not None for args in native_calls.named("resize_fused"))
        monkeypatch.setattr(fused, "PERIODIC", False)
        plain = upsampling.resize(x, size, layout=layout, **kw)
        monkeypatch.setattr(fused, "PERIODIC", True)
        with options(kernel="numpy"):
            ref = upsampling.resize(x, size, layout=layout, **kw)
        assert _same_bits(got, plain) and _same_bits(got, ref), f"trial {trial}: {layout} c={c} {x.shape} -> {size} {kw}"
    assert used >= 20, used


@pytest.mark.parametrize("width", [1, 2, 4, 8])
def test_streamed_copies_bit_identical(rng, width):
    """Streamed raw-bit copies of every width, on and off the 64-byte grid, leave nothing
    outside the row written."""
    from upsampling.kernels import native

    dtype = np.dtype(f"u{width}")
    for n in (1, 7, 15, 16, 17, 63, 64, 65, 100, 1031):
        src = rng.integers(0, np.iinfo(dtype).max, size=n, dtype=dtype, endpoint=True)
        for shift in (0, 1, 3):
            buf = np.full(n + shift + 2, 7, dtype)
            got = buf[shift : shift + n]
            native().stream_copy(got, src)
            assert np.array_equal(got, src), (n, shift)
            assert np.all(buf[:shift] == 7) and np.all(buf[shift + n :] == 7)


def test_streamed_resizes_bit_identical(monkeypatch, rng):
    """Whole W-first resizes with every output streamed vs none streamed, out= views included,
    rows on and off the 64-byte grid."""
    monkeypatch.setattr(fused, "_streamable_rows", lambda out3: True)  # short rows stream too
    for trial in range(40):
        layout = ["NHWC", "NCHW", "HWC", "HW"][trial % 4]
        c = int(rng.choice([1, 3, 8, 21]))
        h, w = (int(v) for v in rng.integers(1, 20, size=2))
        size = tuple(int(v) for v in rng.integers(20, 70, size=2))
        kw = dict(mode=["linear", "cubic", "nearest"][trial % 3])
        x = _image(rng, layout, c, h, w, np.float32 if trial % 5 else np.float64)
        monkeypatch.setattr(fused, "STREAM_MIN_BYTES", 0)  # blends and nearest's copy_rows
        streamed = upsampling.resize(x, size, layout=layout, **kw)
        out = np.empty_like(streamed)
        upsampling.resize(x, size, layout=layout, out=out, **kw)
        monkeypatch.setattr(fused, "STREAM_MIN_BYTES", 2**62)
        plain = upsampling.resize(x, size, layout=layout, **kw)
        assert _same_bits(streamed, plain) and _same_bits(out, plain), f"trial {trial}: {layout} {x.shape} -> {size} {kw}"


@pytest.mark.parametrize(
    ("listed", "expected"),
    [(480 * 2**20, 64 * 2**20), (32 * 2**20, 32 * 2**20), (2 * 2**20, 2 * 2**20), (0, 32 * 2**20)],
)
def test_stream_threshold_is_the_cache_capped(monkeypatch, listed, expected):
    """Outputs stream from the last-level cache's size on, at most 64 MiB (a guest sees only
    part of a large server L3: 480 MiB listed, 128 MiB copies 2x slower with ordinary stores),
    32 MiB when no cache is listed; a number in STREAM_MIN_BYTES overrides it."""
    monkeypatch.setattr(fused, "_last_level_cache_bytes", lambda: listed)
    monkeypatch.setattr(fused, "_stream_auto_bytes", None)
    monkeypatch.setattr(fused, "STREAM_MIN_BYTES", None)
    assert fused.stream_min_bytes() == expected
    monkeypatch.setattr(fused, "STREAM_MIN_BYTES", 12345)
    assert fused.stream_min_bytes() == 12345
