"""Issue 19's library regressions: hostile arguments get an ``upsampling.errors`` refusal, never a
wrong answer, a bare Python error, gigabytes or a flipped sign.

Each test names the item of the issue it pins.  The live-framework halves (what torch, TF and
ONNX Runtime themselves accept) are in the parity tests; the fuzzing of every public entry point
is ``tests/test_fuzz_public_api.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import upsampling
from upsampling import errors
from upsampling.frameworks import onnx, pytorch, tensorflow
from upsampling.argmax import upsample_argmax

NOT_BOOLS = ["False", "no", "", 1, 0, 1.0, None, [True], np.array(True), np.int64(1)]


# --- item 9: booleans must be bools -------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_BOOLS)
@pytest.mark.parametrize("name", ["exclude_outside", "antialias"])
def test_engine_booleans_refuse_strings_and_numbers(name, value):
    x = np.random.default_rng(0).random((1, 6, 6, 2)).astype(np.float32)
    with pytest.raises(errors.DTypeError) as info:  # a TypeError, as torch's and TF's
        upsampling.resize(x, (3, 3), mode="cubic", **{name: value})
    assert info.value.parameter == name and "True or False" in str(info.value)
    with pytest.raises(errors.DTypeError):
        upsampling.resizing.resize_plans(x, (3, 3), mode="cubic", **{name: value})


def test_engine_booleans_accept_numpy_bools_with_the_same_result():
    x = np.random.default_rng(1).random((1, 6, 6, 2)).astype(np.float32)
    for name in ("exclude_outside", "antialias"):
        for flag in (False, True):
            want = upsampling.resize(x, (3, 3), mode="cubic", **{name: flag})
            got = upsampling.resize(x, (3, 3), mode="cubic", **{name: np.bool_(flag)})
            assert np.array_equal(got, want), (name, flag)


def test_the_issues_strings_no_longer_act_as_true():
    x = np.random.default_rng(2).random((1, 6, 6, 2)).astype(np.float32)
    with pytest.raises(errors.DTypeError, match="exclude_outside"):
        upsampling.resize(x, (3, 3), mode="cubic", exclude_outside="False")
    with pytest.raises(errors.DTypeError, match="antialias"):
        upsampling.resize(x, (3, 3), antialias="no")


@pytest.mark.parametrize("value", ["yes", 1, 0, np.True_, np.int64(1), 1.0, [True]])
def test_pytorch_twin_align_corners_takes_python_bools_or_none_as_torch_does(value):
    """torch raises TypeError for every one of these (checked live in the parity tests)."""
    x = np.zeros((1, 1, 4, 4), np.float32)
    with pytest.raises(errors.DTypeError) as info:
        pytorch.interpolate(x, size=(3, 3), mode="bilinear", align_corners=value)
    assert info.value.parameter == "align_corners" and isinstance(info.value, TypeError)  # torch: TypeError
    for ok in (None, False, True):
        assert pytorch.interpolate(x, size=(3, 3), mode="bilinear", align_corners=ok).shape == (1, 1, 3, 3)


@pytest.mark.parametrize("name", ["antialias", "recompute_scale_factor"])
@pytest.mark.parametrize("value", ["no", "", 1, 2.0, [1]])
def test_pytorch_twin_refuses_truthy_non_bools_torch_would_misread(name, value):
    x = np.zeros((1, 1, 4, 4), np.float32)
    kw = {"scale_factor": 0.5} if name == "recompute_scale_factor" else {"size": (2, 2)}
    with pytest.raises(errors.DTypeError) as info:
        pytorch.interpolate(x, mode="bilinear", **kw, **{name: value})
    assert info.value.parameter == name


@pytest.mark.parametrize("value", ["yes", 1, 0, "", np.True_, 1.0])
def test_tensorflow_twin_bool_attributes(value):
    x = np.zeros((1, 4, 4, 1), np.float32)
    for call in (
        lambda: tensorflow.resize(x, (3, 3), antialias=value),
        lambda: tensorflow.resize_bilinear(x, (3, 3), align_corners=value),
        lambda: tensorflow.resize_nearest_neighbor(x, (3, 3), half_pixel_centers=value),
        lambda: tensorflow.resize_bicubic(x, (3, 3), align_corners=value),
        lambda: tensorflow.resize_area(x, (3, 3), align_corners=value),
    ):
        with pytest.raises(errors.DTypeError):  # TF: TypeError "Expected bool for argument ..."
            call()
    # None is TF's default for a bool attr
    assert tensorflow.resize_bilinear(x, (3, 3), align_corners=None, half_pixel_centers=None).shape == (1, 3, 3, 1)
    with pytest.raises(errors.DTypeError, match="preserve_aspect_ratio"):
        tensorflow.resize(x, (3, 3), preserve_aspect_ratio="no")


def test_onnx_flags_are_ints_or_bools():
    x = np.random.default_rng(3).random((1, 1, 6, 6)).astype(np.float32)
    base = onnx.resize(x, sizes=[1, 1, 3, 3], mode="cubic", exclude_outside=1)
    # ONNX Runtime and the onnx reference read any non-zero int as 1
    assert np.array_equal(onnx.resize(x, sizes=[1, 1, 3, 3], mode="cubic", exclude_outside=2), base)
    assert np.array_equal(onnx.resize(x, sizes=[1, 1, 3, 3], mode="cubic", exclude_outside=np.True_), base)
    for value in ("False", "0", 1.0, None, [1]):
        with pytest.raises(errors.InvalidArgumentError, match="exclude_outside"):
            onnx.resize(x, sizes=[1, 1, 3, 3], mode="cubic", exclude_outside=value)
        with pytest.raises(errors.InvalidArgumentError, match="antialias"):
            onnx.resize(x, sizes=[1, 1, 3, 3], mode="linear", antialias=value)


def test_set_options_spin_workers_takes_bools():
    before = upsampling.get_options()["spin_workers"]
    try:
        upsampling.set_options(spin_workers=np.False_)
        assert upsampling.get_options()["spin_workers"] is False
        for value in ("False", 0, None):
            with pytest.raises(errors.InvalidArgumentError, match="spin_workers"):
                upsampling.set_options(spin_workers=value)
    finally:
        upsampling.set_options(spin_workers=before)


def test_torch_layers_take_bools():
    torch = pytest.importorskip("torch")
    del torch
    from upsampling.torch import layers
    from upsampling.torch import resize as torch_resize

    with pytest.raises(errors.DTypeError, match="bias"):
        layers.ConvTranspose2dSame(2, 2, 3, 2, bias="no")
    with pytest.raises(errors.DTypeError, match="icnr"):
        layers.PixelShuffleUpsample(2, 2, icnr="no")
    with pytest.raises(errors.DTypeError, match="bilinear_init"):
        layers.TransposedUpsample(2, 2, bilinear_init=1)
    import torch as t

    with pytest.raises(errors.DTypeError, match="align_corners"):
        torch_resize(t.zeros(1, 1, 4, 4), (2, 2), align_corners="yes")


# --- item 11: bare Python errors become upsampling.errors ----------------------------------------


@pytest.mark.parametrize("value", ["abc", None, 1j, True, [0.0], b"0"])
def test_extrapolation_value_must_be_a_real_number(value):
    x = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(errors.InvalidArgumentError) as info:
        upsampling.resize(x, (3, 3), coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=value)
    assert info.value.parameter == "extrapolation_value"


def test_extrapolation_value_may_be_nan_or_infinite():
    x = np.ones((1, 4, 4, 1), np.float32)
    roi = (-0.5, -0.5, 1.5, 1.5)
    for fill in (np.nan, np.inf, -np.inf, np.float32(2.5), 3):
        y = upsampling.resize(x, (5, 5), coordinate_transformation_mode="tf_crop_and_resize", roi=roi, extrapolation_value=fill)
        assert np.array_equal(y[0, 0, 0, 0], np.float32(fill), equal_nan=True)


# --- item 8: integer outputs saturate, never wrap ---------------------------------------------------


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic", "area"])
def test_int64_and_uint64_limits_saturate(mode):
    """The issue's case: 2**63 - 1 came back as -2**63 and 2**64 - 1 as 0.  Values beyond 2**53
    are computed in float64, so a weighted sum near the top may land a few ulps (of 2**63:
    2048) below it (docs/resize.md); it never wraps."""
    slack = 2**13
    top = upsampling.resize(np.full((2, 2), 2**63 - 1, np.int64), (3, 3), layout="HW", mode=mode)
    assert top.dtype == np.int64 and (top >= 2**63 - slack).all() and top.max() == 2**63 - 1, top
    bottom = upsampling.resize(np.full((2, 2), -(2**63), np.int64), (3, 3), layout="HW", mode=mode)
    assert (bottom <= -(2**63) + slack).all() and bottom.min() == -(2**63), bottom
    utop = upsampling.resize(np.full((2, 2), 2**64 - 1, np.uint64), (3, 3), layout="HW", mode=mode)
    assert utop.dtype == np.uint64 and (utop >= 2**64 - 2 * slack).all() and utop.max() == 2**64 - 1, utop
    if mode in ("nearest", "area"):  # weights of exactly 1: exact
        assert (top == 2**63 - 1).all() and (utop == 2**64 - 1).all()


def test_cubic_overshoot_saturates_at_each_integer_types_limits():
    """Cubic overshoots past a step: the result is clipped at the type's limits, never wrapped."""
    for dtype in (np.uint8, np.int8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64):
        info = np.iinfo(dtype)
        x = np.array([[info.min] * 3 + [info.max] * 3] * 2, dtype=dtype)
        y = upsampling.resize(x, (2, 17), layout="HW", mode="cubic")
        assert y.min() == info.min and y.max() == info.max, dtype
        mid = y[0].astype(object)
        assert mid[0] == info.min and mid[-1] == info.max, (dtype, mid)


def test_nearest_copies_int64_beyond_2_53():
    x = (np.int64(2**62) + np.arange(6, dtype=np.int64)).reshape(2, 3)
    y = upsampling.resize(x, (4, 6), layout="HW", mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    assert np.array_equal(y, x.repeat(2, 0).repeat(2, 1))
    assert np.array_equal(onnx.resize(x, sizes=[4, 6], coordinate_transformation_mode="asymmetric", nearest_mode="floor"), y)


def test_onnx_twin_saturates_too():
    x = np.full((1, 1, 2, 2), 2**63 - 1, np.int64)
    for mode in ("nearest", "linear", "cubic"):
        y = onnx.resize(x, sizes=[1, 1, 3, 3], mode=mode)
        assert y.max() == 2**63 - 1 and (y >= 2**63 - 2**13).all(), mode
    u = onnx.resize(x.astype(np.uint64) * 2 + 1, scales=[1, 1, 1.5, 1.5], mode="linear")
    assert u.max() == 2**64 - 1 and (u >= 2**64 - 2**14).all()


def test_integer_extrapolation_value_is_cast_like_every_output():
    x = np.full((1, 4, 4, 1), 7, np.uint8)
    kw = dict(coordinate_transformation_mode="tf_crop_and_resize", roi=(-0.5, -0.5, 1.5, 1.5))
    for mode in ("nearest", "linear"):
        assert upsampling.resize(x, (5, 5), mode=mode, extrapolation_value=300.7, **kw)[0, 0, 0, 0] == 255
        assert upsampling.resize(x, (5, 5), mode=mode, extrapolation_value=-3, **kw)[0, 0, 0, 0] == 0
        assert upsampling.resize(x, (5, 5), mode=mode, extrapolation_value=2.5, **kw)[0, 0, 0, 0] == 2
        assert upsampling.resize(x, (5, 5), mode=mode, extrapolation_value=np.nan, **kw)[0, 0, 0, 0] == 0


# --- item 11 (continued): ragged lists, NaN in the ONNX roi ------------------------------------------


def test_ragged_lists_and_strings_are_refused_with_the_parameter_named():
    ragged = [[1.0, 2.0], [3.0]]
    calls = [
        ("x", lambda: upsampling.resize(ragged, (2, 2), layout="HW")),
        ("input", lambda: pytorch.interpolate(ragged, size=2)),
        ("images", lambda: tensorflow.resize(ragged, (2, 2))),
        ("X", lambda: onnx.resize(ragged, sizes=[2, 2])),
        ("x", lambda: upsampling.conv2d_transpose(ragged, np.ones((1, 1, 1, 1)), (1, 1, 1, 1), 1)),
        ("w", lambda: upsampling.tf_to_torch_weight(ragged)),
        ("image", lambda: upsampling.sample(ragged, 0.5, 0.5)),
        ("x", lambda: upsampling.lerp("abc", 0, 1, 0, 1)),
    ]
    for parameter, call in calls:
        with pytest.raises(errors.UpsamplingError) as info:
            call()
        assert info.value.parameter in (parameter, "input", "filters"), (parameter, info.value)


@pytest.mark.parametrize("roi", [[np.nan, 0.0, 1.0, 1.0], [0.0, 0.0, np.inf, 1.0], ["a", 0, 1, 1], [-1e308, 0, 1e308, 1]])
def test_onnx_roi_must_be_finite(roi):
    """A NaN in the roi used to become the index -2**63 (an IndexError)."""
    x = np.random.default_rng(4).random((1, 1, 5, 5)).astype(np.float32)
    for mode in ("nearest", "linear"):
        with pytest.raises(errors.InvalidArgumentError) as info:
            onnx.resize(x, roi, sizes=[4, 4], axes=[2, 3], mode=mode, coordinate_transformation_mode="tf_crop_and_resize")
        assert info.value.parameter == "roi"


def test_sample_refuses_nan_coordinates_and_keeps_infinite_ones_outside():
    img = np.arange(6.0).reshape(2, 3)
    with pytest.raises(errors.InvalidArgumentError, match="rows"):
        upsampling.sample(img, np.nan, 0.5)
    for method in ("bilinear", "nearest"):
        got = upsampling.sample(img, [np.inf, -np.inf, 1e300], [0, 1, 2], method=method, border="constant", fill_value=-7)
        assert (got == -7).all(), (method, got)


# --- item 5: no list of a user-sized length -----------------------------------------------------------


def test_huge_stride_refusal_is_immediate_and_names_the_range_ends():
    import time

    x = np.zeros((1, 4, 4, 3), np.float32)
    w = np.zeros((3, 3, 5, 3), np.float32)
    start = time.perf_counter()
    with pytest.raises(errors.ShapeError) as info:
        upsampling.conv2d_transpose(x, w, (1, 8, 8, 5), 10**20)
    assert time.perf_counter() - start < 1.0
    assert "300000000000000000001..400000000000000000000" in str(info.value)
    with pytest.raises(errors.ShapeError, match=r"400000000000000000001\.\.500000000000000000000"):
        upsampling.shapes.conv_transpose_crop(5, 7, 3, 10**20, "SAME", 1)
    assert upsampling.shapes.describe_sizes(range(55, 57)) == "55 or 56"
    assert upsampling.shapes.describe_sizes(range(3, 100)) == "3..99"
    assert upsampling.shapes.describe_sizes(range(5, 5)) == "no size"
    assert upsampling.shapes.describe_sizes(range(0, 10**30)) == f"0..{10**30 - 1}"


def test_nearest_loop_plan_is_vectorised_and_equal_to_the_loop():
    from upsampling import plan

    def loop(n_in, n_out, start=0.0, step=None):
        step = n_in / n_out if step is None else float(step)
        xx = start + step * 0.5 if start else 0.5 * step
        out = []
        for _ in range(n_out):
            out.append(min(int(xx), n_in - 1))
            xx += step
        return out

    rng = np.random.default_rng(5)
    for _ in range(300):
        n_in, n_out = int(rng.integers(1, 200)), int(rng.integers(1, 200))
        start = float(rng.choice([0.0, rng.random() * 5]))
        step = None if rng.random() < 0.5 else float(np.float32(rng.random() * 3 + 0.01))
        got = plan.nearest_loop_plan(n_in, n_out, start=start, step=step).index[:, 0].tolist()
        assert got == loop(n_in, n_out, start, step), (n_in, n_out, start, step)


# --- item 6: memory the byte limit did not see ------------------------------------------------------------


def test_plans_and_intermediates_count_against_max_work_bytes():
    """The issue's call returns 19 MB but needs 1.3 GB of plans: refused, before anything is
    built, when the work limit is below that; the message names the size argument."""
    import tracemalloc

    x = np.zeros((1, 1, 4, 1), np.uint8)
    tracemalloc.start()
    try:
        with upsampling.options(max_work_bytes=256 * 2**20):
            with pytest.raises(errors.OutputTooLargeError) as info:
                upsampling.resize(x, (1, 20_000_000), mode="cubic")
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.parameter == "size" and "max_work_bytes" in str(info.value)
    assert peak < 2**20, peak  # refused from the arguments alone
    with upsampling.options(max_work_bytes=256 * 2**20):
        for call, name in (
            (lambda: upsampling.resize(x, scale=(1, 5e6), mode="cubic"), "scale"),
            (lambda: onnx.resize(x, sizes=[1, 1, 20_000_000, 1], mode="cubic"), "sizes"),
            (lambda: pytorch.interpolate(np.zeros((1, 1, 1, 4), np.float32), size=(1, 20_000_000), mode="bicubic"), "size"),
            (lambda: pytorch.interpolate(np.zeros((1, 1, 1, 4), np.float32), scale_factor=(1, 5e6), mode="bicubic"), "scale_factor"),
            (lambda: tensorflow.resize(np.zeros((1, 1, 4, 1), np.float32), (1, 20_000_000), method="bicubic"), "size"),
            (lambda: upsampling.resizing.resize_plans(x, (1, 20_000_000), mode="cubic"), "size"),
            (lambda: upsample_argmax(np.zeros((2, 1, 4), np.float32), (1, 20_000_000), mode="cubic"), "size"),
        ):
            with pytest.raises(errors.OutputTooLargeError) as info:
                call()
            assert info.value.parameter == name, (name, str(info.value))


def test_work_limit_follows_the_output_limit_with_a_floor():
    before = upsampling.get_options()
    try:
        upsampling.set_options(max_output_bytes=1000)
        assert upsampling._checks.work_limit() == 64 * 2**20  # small plans stay allowed
        upsampling.set_options(max_output_bytes=2**33)
        assert upsampling._checks.work_limit() == 2**33
        upsampling.set_options(max_work_bytes=2**20)
        assert upsampling._checks.work_limit() == 2**20
        for bad in (0, -1, "1", 1.5, True):
            with pytest.raises(errors.InvalidArgumentError, match="max_work_bytes"):
                upsampling.set_options(max_work_bytes=bad)
    finally:
        upsampling.set_options(**before)


def test_peak_memory_of_a_long_thin_cubic_resize():
    """(The issue's call, at a tenth of its length.)  Before: the plan builders' (n_out, taps)
    temporaries took about ten times the plan (590 MB); now about the plan and the coordinates."""
    import tracemalloc

    from upsampling import _cache

    x = np.zeros((1, 1, 4, 1), np.uint8)
    n = 2_000_000
    with upsampling.options(kernel="numpy"):
        for cache in _cache._CACHES:  # resize's, the spec's and the builders' plans
            cache.clear()
        tracemalloc.start()
        try:
            y = upsampling.resize(x, (1, n), mode="cubic")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert y.shape == (1, 1, n, 1)
    plan_bytes = n * (4 * 16 + 8)
    assert peak < plan_bytes + 6 * 8 * n + 40 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_estimates_bound_what_resize_allocates():
    """The work estimate made before planning is never below what the call allocates."""
    import tracemalloc

    from upsampling import _cache, resizing

    rng = np.random.default_rng(6)
    cases = [
        ((1, 40, 50, 3), np.uint8, dict(size=(173, 61), mode="cubic")),
        ((1, 40, 50, 3), np.float32, dict(size=(9, 7), mode="linear", antialias=True)),
        ((2, 3, 33, 17), np.int16, dict(size=(5, 300), mode="area", layout="NCHW")),
        ((30, 20), np.float64, dict(scale=(3.5, 0.3), mode="nearest", layout="HW")),
        ((30, 20), np.uint8, dict(size=(45, 60), coordinate_transformation_mode="tf_crop_and_resize", roi=(-0.2, 0, 1.3, 1), layout="HW")),
    ]
    for kernel in ("numpy", "auto"):
        for shape, dtype, kw in cases:
            x = (rng.random(shape) * 100).astype(dtype)
            kw = dict(kw)
            with upsampling.options(kernel=kernel):
                for cache in _cache._CACHES:
                    cache.clear()
                spec = upsampling.ResizeSpec(kw.pop("size", None), **kw)
                estimate = resizing._work_bytes(spec, x, x.dtype)
                size = spec.size
                args = {k: v for k, v in kw.items() if k != "scale"}
                upsampling.resize(x, size, scale=None if size else kw["scale"], **args)  # compile, import
                for cache in _cache._CACHES:  # resize's, the spec's and the builders' plans
                    cache.clear()
                tracemalloc.start()
                try:
                    y = upsampling.resize(x, size, scale=None if size else kw["scale"], **args)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
            assert peak - y.nbytes <= estimate, (kernel, shape, dtype, kw, peak - y.nbytes, estimate)


def test_plan_caches_are_bounded_by_bytes():
    from upsampling import plan, resizing

    before = upsampling.get_options()
    try:
        upsampling.set_options(plan_cache_bytes=8 * 2**20)
        x = np.zeros((1, 4, 4, 1), np.float32)
        for k in range(6):  # each W plan: 300,000 + k outputs x 4 taps x 16 bytes ~ 19 MB > the bound
            upsampling.resize(x, (3, 300_000 + k), mode="cubic")
        for k in range(40):  # small plans: cached, least recent dropped first
            upsampling.resize(x, (3, 20_000 + k), mode="cubic")
        stats = plan.cache_stats()
        assert all(v <= 8 * 2**20 for v in stats.values()), stats
        assert stats["plan.interpolation_plan"] > 0 and stats["resizing._PLANS"] > 0 and stats["spec._plans"] > 0
        assert not any(p.n_out >= 300_000 for p in plan.interpolation_plan.cache.values())
        upsampling.set_options(plan_cache_bytes=0)  # releases what is held
        assert all(v == 0 for v in plan.cache_stats().values()), plan.cache_stats()
        assert len(resizing._PLANS) == 0
        y = upsampling.resize(x, (8, 8), mode="cubic")  # still works, uncached
        assert y.shape == (1, 8, 8, 1)
    finally:
        upsampling.set_options(**before)


def test_chunked_plans_are_bit_identical(monkeypatch):
    """Plans built a few rows at a time equal plans built at once, for every builder."""
    from upsampling import plan

    rng = np.random.default_rng(7)
    calls = []
    for _ in range(40):
        n_in, n_out = int(rng.integers(1, 60)), int(rng.integers(1, 90))
        calls += [
            (plan.interpolation_plan, (n_in, n_out, str(rng.choice(["nearest", "linear", "cubic", "lanczos4"])),
                                       str(rng.choice(["half_pixel", "align_corners", "tf_crop_and_resize"]))),
             dict(antialias=bool(rng.integers(2)), exclude_outside=bool(rng.integers(2)), roi=(-0.1, 1.2),
                  cubic_table_size=1024 if rng.integers(2) else None, precision=str(rng.choice(["float32", "float64"])))),
            (plan.window_plan, (n_in, n_out, str(rng.choice(["triangle", "lanczos3", "gaussian_tf", "box_pillow"]))),
             dict(span_rule=str(rng.choice(["pillow", "tf"])), precision=str(rng.choice(["float32", "float64"])))),
            (plan.area_plan, (n_in, n_out, str(rng.choice(["overlap", "adaptive", "opencv_overlap", "opencv_linear"]))), {}),
            (plan.area_plan, (n_in, -(-n_in // 3), "block"), dict(factor=3)),
        ]
    whole = []
    for fn, args, kw in calls:
        if args[2] == "nearest" or args[2] == "lanczos4":
            kw = {**kw, "antialias": False}
        whole.append(fn.__wrapped__(*args, **kw))
    monkeypatch.setattr(upsampling.axis_plan, "CHUNK_TAPS", 7)  # where the builders' row filling reads it
    for (fn, args, kw), ref in zip(calls, whole):
        if args[2] == "nearest" or args[2] == "lanczos4":
            kw = {**kw, "antialias": False}
        got = fn.__wrapped__(*args, **kw)
        assert got.index.tobytes() == ref.index.tobytes() and got.weight.tobytes() == ref.weight.tobytes(), (fn.__name__, args, kw)


def test_torch_backward_of_a_large_axis_uses_no_dense_matrix():
    import importlib

    torch = pytest.importorskip("torch")
    tr = importlib.import_module("upsampling.torch.resize")  # (upsampling.torch.resize is also a function)

    x = torch.randn(1, 2, 30, 40, dtype=torch.float64, requires_grad=True)
    y = tr.resize(x, (45, 61), mode="bicubic")
    g = torch.randn_like(y)
    (dense,) = torch.autograd.grad(y, x, g)
    old = tr.DENSE_MAX_BYTES
    tr.DENSE_MAX_BYTES = 0
    try:
        tr._MATRICES.clear()
        y = tr.resize(x, (45, 61), mode="bicubic")
        (scatter,) = torch.autograd.grad(y, x, g)
        assert len(tr._MATRICES) == 0
    finally:
        tr.DENSE_MAX_BYTES = old
    assert torch.allclose(dense, scatter, rtol=1e-12, atol=1e-12)


# --- item 10a: empty results where the frameworks return them ------------------------------------------


def test_the_issues_empty_torch_output():
    """torch.nn.functional.conv_transpose2d returns shape (2, 6, 16, 0) here; the twin raised."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 6, 8, 2)).astype(np.float32)
    w = rng.standard_normal((6, 3, 1, 1)).astype(np.float32)
    y = pytorch.conv_transpose2d(x, w, stride=(2, 1), padding=(0, 1), output_padding=(1, 0), groups=2, dilation=(2, 1))
    assert y.shape == (2, 6, 16, 0) and y.dtype == np.float32
    with pytest.raises(errors.ShapeError):  # float64 runs torch's slow kernel, which refuses it
        pytorch.conv_transpose2d(x.astype(np.float64), w.astype(np.float64), stride=(2, 1), padding=(0, 1),
                                 output_padding=(1, 0), groups=2, dilation=(2, 1))


def test_engine_returns_zeros_for_empty_operands():
    from upsampling import conv_transpose as engine

    x = np.ones((2, 3, 4, 4), np.float32)
    assert engine.conv_transpose(x[:0], np.ones((3, 2, 3, 3), np.float32), strides=2).shape == (0, 2, 9, 9)
    z = engine.conv_transpose(np.ones((1, 0, 4, 4)), np.ones((0, 2, 3, 3)), np.array([1.0, 2.0]))
    assert z.shape == (1, 2, 6, 6) and (z[0, 1] == 2).all()  # no input channels: the bias alone
    assert engine.conv_transpose(x, np.ones((3, 0, 3, 3), np.float32)).shape == (2, 0, 6, 6)
    assert engine.conv_transpose(x, np.ones((3, 2, 1, 1), np.float32), pads_begin=2, pads_end=2).shape == (2, 2, 0, 0)
    assert engine.conv(x[:0], np.ones((5, 3, 3, 3), np.float32)).shape == (0, 5, 2, 2)


@pytest.mark.parametrize("kernel", ["auto", "numpy"])
def test_empty_batches_and_channels_resize_to_empty_results(kernel):
    """A zero-length batch or channel axis gives the empty result NumPy's per-axis answer has, on
    every kernel (the compiled bindings take no empty arrays; the NumPy argmax divided by zero)."""
    with upsampling.options(kernel=kernel):
        for shape, layout in (((0, 5, 6, 3), "NHWC"), ((2, 5, 6, 0), "NHWC"), ((0, 3, 5, 6), "NCHW")):
            for mode in ("linear", "nearest", "cubic"):
                y = upsampling.resize(np.zeros(shape, np.float32), (3, 4), mode=mode, layout=layout)
                expected = shape[:1] + (3, 4) + shape[3:] if layout == "NHWC" else shape[:2] + (3, 4)
                assert y.shape == expected and y.dtype == np.float32
            out = np.empty((0, 3, 4, 3), np.uint8)
            assert upsampling.resize(np.zeros((0, 5, 6, 3), np.uint8), (3, 4), out=out) is out
        for shape, layout, labels in (((0, 3, 5, 6), "NCHW", (0, 3, 4)), ((0, 5, 6, 3), "NHWC", (0, 3, 4))):
            y = upsample_argmax(np.zeros(shape, np.float32), (3, 4), layout=layout)
            assert y.shape == labels and y.dtype == np.uint8


def test_convolution_work_memory_is_checked_and_huge_strides_stay_small():
    """Siblings of item 6 found by the fuzzing: the phase path laid the output out in stride-sized
    blocks (a stride of 10**6 on a 2x2 output asked for 32 TiB, NumPy's bare MemoryError) and a
    300x300 kernel's im2col needed 120 GiB; now the per-tap path takes huge strides (any size,
    10**40 included) and the im2cols are counted against max_work_bytes before allocating."""
    import time

    from upsampling import conv_transpose as engine

    x = np.ones((3, 3, 2, 2), np.float32)
    w = np.ones((3, 3, 2, 2), np.float32)
    for s in (10**6, 10**20, 10**40):
        start = time.perf_counter()
        y = engine.conv_transpose(x, w, strides=s, pads_begin=s)
        assert y.shape == (3, 3, 2, 2) and float(y.sum()) == 108.0 and time.perf_counter() - start < 1
    with pytest.raises(errors.OutputTooLargeError, match="im2col"):
        engine.conv_transpose(np.ones((1, 1, 300, 300), np.float32), np.ones((1, 1, 300, 300), np.float32))
    with upsampling.options(max_work_bytes=2**20):
        with pytest.raises(errors.OutputTooLargeError, match="im2col"):
            engine.conv(np.ones((1, 4, 64, 64), np.float32), np.ones((2, 4, 9, 9), np.float32), pads_begin=4, pads_end=4)
