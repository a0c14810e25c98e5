"""The fast paths against the reference paths, on random inputs over the parameter grid.

* fused two-axis resize (:mod:`upsampling.kernels.fused`, compiled): the same bits as the per-axis
  NumPy kernel (``options(kernel="numpy")``) and float-rounding close to the pointwise reference;
* fused ``upsample_argmax``: the same labels as ``np.argmax(resize(...))`` (ties, NaN);
* phase-decomposed 2-D transposed convolution (``conv_transpose2d_blocks``): float-rounding close
  to the GEMM + col2im engine and to the scatter reference.

Odd sizes, 1-pixel inputs, non-contiguous and negative-stride views, every layout, float32,
float64 and integer images.  No timings here (see benchmarks/harness.py).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import upsampling
from upsampling import options
from upsampling.kernels import fused
from upsampling.argmax import CLASS_AXIS, upsample_argmax
from upsampling.kernels.numpy_conv import conv_transpose2d_blocks, conv_transpose_numpy
from upsampling._cache import ByteLRU
from upsampling.reference.conv_transpose_scatter import conv_transpose_scatter
from upsampling.resizing import apply_plans, resize_plans


SEED = 20261201
CONVENTIONS = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric"]
NEAREST = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
SHAPES = {"HW": (2, 0, 1), "HWC": (3, 0, 1), "CHW": (3, 1, 2), "NHWC": (4, 1, 2), "NCHW": (4, 2, 3)}


def _shape(rng, layout: str, h: int, w: int) -> tuple[int, ...]:
    c = int(rng.choice([1, 2, 3, 4, 5, 8, 21]))
    return {"HW": (h, w), "HWC": (h, w, c), "CHW": (c, h, w), "NHWC": (2, h, w, c), "NCHW": (2, c, h, w)}[layout]


def _view(rng, x: np.ndarray, kind: str) -> np.ndarray:
    """The same values as ``x`` in a contiguous, strided or negative-stride view."""
    if kind == "contiguous":
        return x
    if kind == "negative":
        return np.ascontiguousarray(np.flip(x))[tuple(slice(None, None, -1) for _ in x.shape)]
    big = np.zeros(tuple(2 * n for n in x.shape), dtype=x.dtype)
    view = big[tuple(slice(None, None, 2) for _ in x.shape)]
    view[...] = x
    return view


def _random_config(rng, trial: int) -> tuple[dict, str, tuple[int, ...], tuple[int, int]]:
    layout = list(SHAPES)[trial % len(SHAPES)]
    h, w = (int(v) for v in rng.choice([1, 2, 3, 5, 7, 16, 33], size=2))
    out = tuple(int(v) for v in rng.choice([1, 2, 3, 4, 6, 9, 17, 40, 64], size=2))
    mode = ["nearest", "linear", "cubic", "area"][trial % 4]
    kw: dict = dict(mode=mode)
    if mode != "area":
        kw["coordinate_transformation_mode"] = CONVENTIONS[int(rng.integers(len(CONVENTIONS)))]
    if mode == "nearest":
        kw["nearest_mode"] = NEAREST[int(rng.integers(len(NEAREST)))]
    if mode == "cubic":
        kw["cubic_coeff_a"] = float(rng.choice([-0.5, -0.75]))
        kw["exclude_outside"] = bool(rng.integers(2))
    if mode in ("linear", "cubic") and trial % 3 == 0:
        kw["antialias"] = True
    return kw, layout, _shape(rng, layout, h, w), out


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.int16])
def test_fused_resize_bit_identical_to_per_axis(dtype):
    rng = np.random.default_rng(SEED + np.dtype(dtype).num)
    for trial in range(160):
        kw, layout, shape, size = _random_config(rng, trial)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            x = rng.integers(max(info.min, -1000), min(info.max, 1000), size=shape, endpoint=True).astype(dtype)
        else:
            x = (rng.standard_normal(shape) * 3).astype(dtype)
        view = _view(rng, x, ["contiguous", "strided", "negative"][trial % 3])
        assert np.array_equal(view, x)
        got = upsampling.resize(view, size, layout=layout, **kw)
        with options(kernel="numpy"):
            ref = upsampling.resize(x, size, layout=layout, **kw)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        assert np.array_equal(got, ref, equal_nan=True), f"seed {SEED} trial {trial}: {layout} {shape} -> {size} {kw}"


def test_fused_resize_close_to_pointwise_reference():
    rng = np.random.default_rng(SEED + 1)
    for trial in range(60):
        kw, layout, shape, size = _random_config(rng, trial)
        x = rng.standard_normal(shape).astype(np.float32)
        got = upsampling.resize(x, size, layout=layout, **kw)
        with options(kernel="reference"):
            ref = upsampling.resize(x.astype(np.float64), size, layout=layout, **kw)
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5, err_msg=f"trial {trial}: {layout} {shape} {size} {kw}")


@pytest.fixture
def many_chunks(monkeypatch):
    """Every compiled call split into 5 chunks per thread on 3 threads, however small."""
    monkeypatch.setattr(fused, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(fused, "CHUNKS_PER_THREAD", 5)
    with options(threads=3):
        yield


def test_fused_resize_threaded_chunks_bit_identical(many_chunks):
    """Every call split into many small row chunks on 3 threads (each chunk starts with an
    empty W-first row cache): still the per-axis bits, for float and integer outputs."""
    rng = np.random.default_rng(SEED + 9)
    for trial in range(80):
        kw, layout, shape, size = _random_config(rng, trial)
        dtype = (np.float32, np.uint8, np.float64)[trial % 3]
        x = (rng.standard_normal(shape) * 60 + 100).astype(dtype)
        got = upsampling.resize(x, size, layout=layout, **kw)
        with options(kernel="numpy"):
            ref = upsampling.resize(x, size, layout=layout, **kw)
        assert np.array_equal(got, ref, equal_nan=True), f"trial {trial}: {layout} {shape} -> {size} {kw}"
        if layout in CLASS_AXIS and not np.issubdtype(dtype, np.integer):
            labels = upsample_argmax(x, size, layout=layout, **kw)
            assert np.array_equal(labels, np.argmax(ref, axis=CLASS_AXIS[layout])), f"argmax trial {trial}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32])
def test_nearest_copies_bits_with_the_per_axis_result(dtype, monkeypatch, native_calls, many_chunks):
    """Nearest neighbour takes the bit-copying kernel (``copy_rows``) whenever the output
    dtype is the input's, and gives the per-axis path's values: full-range integers,
    NaN/±inf/-0 floats, every layout and convention, views, upscales and downscales, many
    small chunks on 3 threads, with and without streaming stores, periodic W plans of 1-4
    channels included.  With another output dtype, or ``NEAREST_COPY`` off, it blends."""
    monkeypatch.setattr(fused, "_PREPARED", ByteLRU("fused kernel taps (test)", max_entries=64))
    calls = native_calls.calls
    runs = set()  # copy_rows' run: 1 (element gather) and 8, 21 (channel runs) must all occur
    rng = np.random.default_rng(SEED + 13 + np.dtype(dtype).num)
    for trial in range(60):
        layout = list(SHAPES)[trial % len(SHAPES)]
        h, w = (int(v) for v in rng.choice([1, 2, 3, 5, 7, 16, 33], size=2))
        size = tuple(int(v) for v in rng.choice([1, 2, 3, 4, 6, 9, 17, 40, 64], size=2))
        shape = _shape(rng, layout, h, w)
        if trial in (1, 3):  # HWC and NHWC with channel runs of each kind
            shape = shape[:-1] + ((8, 21)[trial // 2],)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            x = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
        else:
            x = (rng.standard_normal(shape) * 1e3).astype(dtype)
            x.flat[rng.integers(x.size, size=3)] = (np.nan, np.inf, -0.0)
        kw = dict(
            mode="nearest",
            coordinate_transformation_mode=CONVENTIONS[trial % len(CONVENTIONS)],
            nearest_mode=NEAREST[trial % len(NEAREST)],
        )
        view = _view(rng, x, ["contiguous", "strided", "negative"][trial % 3])
        # Every other trial writes with streaming stores (outputs of any size).
        monkeypatch.setattr(fused, "STREAM_MIN_BYTES", 0 if trial % 2 else 2**62)
        calls.clear()
        got = upsampling.resize(view, size, layout=layout, **kw)
        copies = native_calls.named("copy_rows")
        assert copies, f"trial {trial}: the copy kernel was not used"
        runs.update(args[4] for args in copies)
        with options(kernel="numpy"):
            ref = upsampling.resize(x, size, layout=layout, **kw)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        assert np.array_equal(got, ref, equal_nan=True), f"trial {trial}: {layout} {shape} -> {size} {kw}"
        assert np.array_equal(np.signbit(got), np.signbit(ref)), f"trial {trial}: sign of zeros"
    assert {1, 8, 21} <= runs and runs & {2, 3, 4}, runs  # element gather, channel runs, fixed 2-4 runs
    img = rng.integers(0, 100, size=(1, 4, 4, 3)).astype(dtype)
    calls.clear()
    copied = upsampling.resize(img, (16, 16), mode="nearest", coordinate_transformation_mode="asymmetric", layout="NHWC")
    assert native_calls.named("copy_rows"), "a periodic W plan of 1-4 channels copies too"
    calls.clear()
    monkeypatch.setattr(fused, "NEAREST_COPY", False)
    blended = upsampling.resize(img, (16, 16), mode="nearest", coordinate_transformation_mode="asymmetric", layout="NHWC")
    assert not native_calls.named("copy_rows") and native_calls.named("resize_fused")
    assert np.array_equal(copied, blended)
    monkeypatch.setattr(fused, "NEAREST_COPY", True)
    other = np.float64 if dtype == np.float32 else np.float32
    plans, _ = resize_plans(img, (5, 6), mode="nearest")
    calls.clear()
    got = apply_plans(img, plans, out_dtype=other)
    assert not native_calls.named("copy_rows") and got.dtype == other


def _kinds(native_calls) -> list[int]:
    """The kernel kind of each fused resize call (0 W first, 1 H first, 2 H first sparse)."""
    return [args[7] for args in native_calls.named("resize_fused")]


def test_sparse_h_first_kernel_for_shrinking_width(native_calls):
    """Downscales whose W taps read fewer columns than a row has, with 8 or more channels per
    pixel, take the kernel that blends only those columns (with fewer channels the whole-row
    blend is faster and is taken); same bits as the per-axis path (float and integer, 1-21
    channels)."""
    calls = native_calls.calls
    rng = np.random.default_rng(SEED + 11)
    for c in (1, 2, 3, 8, 21):
        for dtype in (np.float32, np.float64, np.uint8):
            x = (rng.standard_normal((2, 37, 64, c)) * 50 + 100).astype(dtype)
            for size, mode in (((9, 16), "linear"), ((6, 12), "cubic"), ((5, 20), "linear"), ((4, 30), "linear")):
                calls.clear()
                got = upsampling.resize(x, size, mode=mode)
                with options(kernel="numpy"):
                    ref = upsampling.resize(x, size, mode=mode)
                assert (2 in _kinds(native_calls)) == (c >= 8), (c, dtype, size, mode)
                assert np.array_equal(got, ref), (c, dtype, size, mode)


def test_h_first_blend_with_prefetch_keeps_the_bits(native_calls):
    """The whole-row H-first kernel blends two-tap rows in 256-element blocks, prefetching the
    next output row's input rows: same bits as the per-axis path for rows of 0-3 whole blocks
    plus every kind of tail, the last output row of an image, float and integer dtypes, and
    taps other than two (which take the plain blend)."""
    calls = native_calls.calls
    rng = np.random.default_rng(SEED + 12)
    for w_in, c in ((64, 1), (128, 2), (86, 3), (256, 1), (300, 3), (773, 1), (260, 4)):
        for dtype in (np.float32, np.float64, np.uint8):
            x = (rng.standard_normal((2, 41, w_in, c)) * 50 + 100).astype(dtype)
            for (mode, aa), w_out in zip((("linear", False), ("cubic", False), ("linear", True)), (w_in - 1, w_in // 3, w_in * 2 // 3)):
                size = (10, w_out)  # H shrinks more than W: the H-first kernel
                calls.clear()
                got = upsampling.resize(x, size, mode=mode, antialias=aa)
                with options(kernel="numpy"):
                    ref = upsampling.resize(x, size, mode=mode, antialias=aa)
                assert 1 in _kinds(native_calls), (w_in, c, dtype, mode, aa, w_out)
                assert np.array_equal(got, ref), (w_in, c, dtype, mode, aa, w_out)


@pytest.mark.parametrize("h_first", [True, False])
def test_fused_float_output_narrower_than_work_dtype(h_first):
    """uint8 in, float32 out (TF's rule): the work dtype is float64 and every tap's sum must
    be kept in float64 until the one cast, as the per-axis path does (4-tap cubic, 8-tap aa)."""
    rng = np.random.default_rng(SEED + 10)
    for c in (1, 3, 4, 8):
        x = rng.integers(0, 256, size=(1, 13, 17, c), dtype=np.uint8)
        for size, mode, aa in (((40, 50), "cubic", False), ((5, 6), "linear", True), ((29, 7), "cubic", True)):
            plans, _ = resize_plans(x, size, mode=mode, antialias=aa)
            order = [1, 2] if h_first else [2, 1]
            got = apply_plans(x, plans, out_dtype=np.float32, order=order)
            with options(kernel="numpy"):
                ref = apply_plans(x, plans, out_dtype=np.float32, order=order)
            assert got.dtype == np.float32 and np.array_equal(got, ref), (c, size, mode, aa)


def test_axis_order_shrinking_first_then_last_axis_first():
    from upsampling.resizing import axis_order

    x = np.zeros((8, 8, 3))
    for size, order in (((16, 16), [1, 0]), ((16, 40), [1, 0]), ((40, 16), [1, 0]), ((4, 16), [0, 1]),
                        ((6, 2), [1, 0]), ((2, 6), [0, 1]), ((2, 2), [0, 1]), ((8, 16), [1, 0])):
        plans, _ = resize_plans(x, size, layout="HWC")
        # shrinking axes first (the most shrinking first), then the others from the last
        assert axis_order(plans) == order, size


def test_w_first_order_and_nan_propagation():
    """A W axis shrinking more than H is resized first; NaN/Inf propagate as in the per-axis path."""
    rng = np.random.default_rng(SEED + 2)
    x = rng.standard_normal((3, 9, 40, 5)).astype(np.float32)
    x[0, 2, 3, 1] = np.nan
    x[1, 4, 7, 0] = np.inf
    for mode in ("linear", "cubic", "nearest", "area"):
        got = upsampling.resize(x, (20, 7), mode=mode)
        with options(kernel="numpy"):
            ref = upsampling.resize(x, (20, 7), mode=mode)
        assert np.array_equal(got, ref, equal_nan=True), mode


def test_uint8_nearest_and_bilinear_round_and_saturate():
    rng = np.random.default_rng(SEED + 3)
    img = rng.integers(0, 256, size=(1, 31, 17, 3), dtype=np.uint8)
    img[0, :3] = 255
    for mode in ("nearest", "linear", "cubic"):
        got = upsampling.resize(img, (45, 70), mode=mode)
        with options(kernel="numpy"):
            ref = upsampling.resize(img, (45, 70), mode=mode)
        assert got.dtype == np.uint8 and np.array_equal(got, ref), mode


def test_framework_twin_plans_take_the_fused_path_unchanged():
    """The twins call apply_plans: their numbers do not depend on the kernel."""
    from upsampling.frameworks import pytorch, tensorflow

    rng = np.random.default_rng(SEED + 4)
    x = rng.standard_normal((2, 3, 13, 11)).astype(np.float32)
    u = rng.integers(0, 256, size=(1, 3, 13, 11), dtype=np.uint8)
    calls = [
        lambda: pytorch.interpolate(x, size=(29, 5), mode="bilinear", align_corners=False),
        lambda: pytorch.interpolate(x, scale_factor=2.5, mode="bicubic", align_corners=True),
        lambda: pytorch.interpolate(x, size=(7, 30), mode="bilinear", antialias=True),
        lambda: pytorch.interpolate(u, size=(26, 22), mode="bilinear"),
        lambda: pytorch.interpolate(u, size=(26, 40), mode="nearest"),
        lambda: tensorflow.resize(x.transpose(0, 2, 3, 1), (20, 31), method="bicubic"),
        lambda: tensorflow.resize(x.transpose(0, 2, 3, 1), (5, 4), method="area"),
        lambda: tensorflow.resize_bilinear(x.transpose(0, 2, 3, 1), (26, 22)),
    ]
    for k, call in enumerate(calls):
        got = call()
        with options(kernel="numpy"):
            ref = call()
        assert got.dtype == ref.dtype and np.array_equal(got, ref), k


def test_out_parameter():
    rng = np.random.default_rng(SEED + 5)
    x = rng.standard_normal((1, 10, 12, 4)).astype(np.float32)
    out = np.empty((1, 30, 25, 4), np.float32)
    y = upsampling.resize(x, (30, 25), out=out)
    assert y is out and np.array_equal(out, upsampling.resize(x, (30, 25)))
    # a non-contiguous out and the reference path write into it too
    big = np.empty((1, 30, 25, 8), np.float32)
    strided = big[..., ::2]
    assert upsampling.resize(x, (30, 25), out=strided) is strided
    assert np.array_equal(strided, out)
    with options(kernel="reference"):
        assert upsampling.resize(x, (30, 25), out=strided) is strided
    with pytest.raises(upsampling.errors.ShapeError, match="out"):
        upsampling.resize(x, (30, 26), out=out)
    with pytest.raises(upsampling.errors.DTypeError, match="out"):
        upsampling.resize(x, (30, 25), out=out.astype(np.float64))
    plans, shape = resize_plans(x, (30, 25))
    dst = np.empty(shape, np.float32)
    assert apply_plans(x, plans, out=dst) is dst and np.array_equal(dst, out)


@pytest.mark.parametrize("layout", list(CLASS_AXIS))
def test_fused_argmax_equals_argmax_of_resize(layout):
    rng = np.random.default_rng(SEED + 6 + len(layout))
    for trial in range(40):
        c = int(rng.choice([1, 2, 5, 21]))
        h, w = (int(v) for v in rng.integers(1, 18, size=2))
        shape = {"CHW": (c, h, w), "HWC": (h, w, c), "NCHW": (2, c, h, w), "NHWC": (2, h, w, c)}[layout]
        dtype = (np.float32, np.float64)[trial % 2]
        x = rng.standard_normal(shape).astype(dtype)
        if trial % 4 == 0:
            x = np.round(x)  # ties: the lowest class wins
        if trial % 5 == 0:
            x.flat[rng.integers(0, x.size, 2)] = np.nan  # the first NaN wins
        size = tuple(int(v) for v in rng.integers(1, 50, size=2))
        mode = ("linear", "nearest", "cubic")[trial % 3]
        view = _view(rng, x, ("contiguous", "negative")[trial % 2])
        ref = np.argmax(upsampling.resize(x, size, layout=layout, mode=mode), axis=CLASS_AXIS[layout])
        got = upsample_argmax(view, size, layout=layout, mode=mode)
        assert np.array_equal(got, ref), f"trial {trial}: {layout} {shape} -> {size} {mode}"


def _conv_configs(rng, count: int):
    for _ in range(count):
        g = int(rng.choice([1, 1, 2, 3]))
        yield dict(
            n=int(rng.integers(1, 3)),
            g=g,
            cg=int(rng.integers(1, 4)),
            mg=int(rng.integers(1, 4)),
            k=tuple(int(v) for v in rng.integers(1, 8, size=2)),
            s=tuple(int(v) for v in rng.integers(1, 5, size=2)),
            hw=tuple(int(v) for v in rng.integers(1, 7, size=2)),
            pb=tuple(int(v) for v in rng.integers(-3, 6, size=2)),
            out=tuple(int(v) for v in rng.integers(1, 25, size=2)),
        )


def test_conv_transpose_blocks_match_engine_and_scatter():
    rng = np.random.default_rng(SEED + 7)
    for cfg in _conv_configs(rng, 300):
        x = rng.standard_normal((cfg["n"], cfg["g"] * cfg["cg"], *cfg["hw"]))
        w = rng.standard_normal((cfg["g"] * cfg["cg"], cfg["mg"], *cfg["k"]))
        args = (cfg["s"], cfg["pb"], cfg["out"], cfg["g"])
        got = conv_transpose2d_blocks(x, w, *args, np.dtype(np.float64))
        ref = conv_transpose_numpy(x, w, cfg["s"], (1, 1), cfg["pb"], cfg["out"], cfg["g"], np.dtype(np.float64))
        scatter = conv_transpose_scatter(x, w, cfg["s"], (1, 1), cfg["pb"], cfg["out"], cfg["g"])
        assert got.shape == ref.shape, cfg
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12, err_msg=str(cfg))
        np.testing.assert_allclose(got, scatter, rtol=1e-12, atol=1e-12, err_msg=str(cfg))
        got32 = conv_transpose2d_blocks(x.astype(np.float32), w.astype(np.float32), *args, np.dtype(np.float32))
        np.testing.assert_allclose(got32, ref, rtol=1e-4, atol=1e-4, err_msg=str(cfg))


def test_conv2d_transpose_face_uses_blocks_and_stays_contiguous():
    """The TF face (NHWC) returns C-ordered NHWC, equal to the reference engine."""
    rng = np.random.default_rng(SEED + 8)
    for (shape, cout, k, s, out) in [((1, 28, 28, 3), 5, 4, 2, (56, 56)), ((2, 5, 7, 4), 6, 3, 2, (10, 13))]:
        x = rng.standard_normal(shape).astype(np.float32)
        w = rng.standard_normal((k, k, cout, shape[3])).astype(np.float32)
        got = upsampling.conv2d_transpose(x, w, (shape[0], *out, cout), s, "SAME")
        with options(kernel="reference"):
            ref = upsampling.conv2d_transpose(x, w, (shape[0], *out, cout), s, "SAME")
        assert got.flags.c_contiguous
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
