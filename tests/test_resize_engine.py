"""The resize engine: vectorised plans vs the pointwise reference, properties, and bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import upsampling
from upsampling import options
from upsampling.coords import COORDINATE_TRANSFORMATION_MODES, NEAREST_MODES
from upsampling.interpolate import sample

CTMS = list(COORDINATE_TRANSFORMATION_MODES)


def _random_kwargs(rng):
    mode = str(rng.choice(["nearest", "linear", "cubic", "area"]))
    kw = dict(
        mode=mode,
        coordinate_transformation_mode=str(rng.choice(CTMS)),
        nearest_mode=str(rng.choice(list(NEAREST_MODES))),
        cubic_coeff_a=float(rng.choice([-0.75, -0.5])),
        exclude_outside=bool(rng.integers(2)),
        antialias=bool(rng.integers(2)) and mode in ("linear", "cubic"),
        extrapolation_value=float(rng.normal()),
    )
    if kw["coordinate_transformation_mode"] == "tf_crop_and_resize":
        kw["roi"] = (*rng.uniform(-0.2, 0.4, 2), *rng.uniform(0.6, 1.2, 2))
    return kw


def test_engine_equals_pointwise_reference_on_random_grid(rng):
    """The vectorised per-axis plans equal the per-pixel reading of the spec."""
    for trial in range(250):
        h, w = (int(v) for v in rng.integers(1, 9, 2))
        layout = str(rng.choice(["HW", "HWC", "CHW", "NHWC", "NCHW"]))
        shape = {"HW": (h, w), "HWC": (h, w, 2), "CHW": (2, h, w), "NHWC": (2, h, w, 3), "NCHW": (1, 2, h, w)}[layout]
        x = rng.normal(size=shape)
        kw = _random_kwargs(rng)
        if rng.integers(2):
            arg = dict(scale=(float(rng.uniform(0.3, 3)), float(rng.uniform(0.3, 3))))
            if int(h * arg["scale"][0]) < 1 or int(w * arg["scale"][1]) < 1:
                continue
        else:
            arg = dict(size=(int(rng.integers(1, 12)), int(rng.integers(1, 12))))
        fast = upsampling.resize(x, layout=layout, **arg, **kw)
        with options(kernel="reference"):
            ref = upsampling.resize(x, layout=layout, **arg, **kw)
        assert fast.shape == ref.shape, (trial, layout, arg, kw)
        np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12, err_msg=f"{trial} {layout} {arg} {kw}")


def test_linear_engine_equals_textbook_bilinear_sampling(rng):
    """Linear resize is the seed's unit-square bilinear formula at the convention's coordinates."""
    from upsampling.coords import source_coordinates

    for ctm in ["half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"]:
        x = rng.normal(size=(5, 7, 2))
        out = upsampling.resize(x, (9, 4), layout="HWC", coordinate_transformation_mode=ctm)
        r = source_coordinates(5, 9, ctm)
        c = source_coordinates(7, 4, ctm)
        np.testing.assert_allclose(out, sample(x, r[:, None], c[None, :]), atol=1e-12, err_msg=ctm)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_preserved_and_close_to_float64(dtype, rng):
    x = rng.normal(size=(1, 6, 5, 3))
    for mode in ["nearest", "linear", "cubic", "area"]:
        got = upsampling.resize(x.astype(dtype), (11, 4), mode=mode)
        assert got.dtype == dtype
        ref = upsampling.resize(x.astype(dtype).astype(np.float64), (11, 4), mode=mode)
        tol = {np.float16: 2e-2, np.float32: 1e-5, np.float64: 1e-12}[dtype]
        np.testing.assert_allclose(got.astype(np.float64), ref, atol=tol * 4, err_msg=mode)


def test_integer_input_rounds_half_to_even_and_saturates():
    x = np.array([[0, 255], [255, 0]], dtype=np.uint8)
    out = upsampling.resize(x, (2, 3), layout="HW", coordinate_transformation_mode="align_corners")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [[0, 128, 255], [255, 128, 0]])  # 127.5 -> 128 (even)
    y = upsampling.resize(np.array([[0, 255]], dtype=np.uint8), (1, 4), mode="cubic", layout="HW")
    assert y.max() == 255 and y.min() == 0  # cubic overshoot saturates


def test_nan_and_inf_propagate_locally():
    x = np.arange(16, dtype=np.float64).reshape(4, 4)
    x[1, 1] = np.nan
    y = upsampling.resize(x, (8, 8), layout="HW")
    assert np.isnan(y).any() and not np.isnan(y[-2:, -2:]).any()
    x[1, 1] = np.inf
    assert np.isinf(upsampling.resize(x, (8, 8), layout="HW", mode="nearest")).sum() == 4


def test_seed_bilinear_example_shapes():
    x = np.arange(28 * 28 * 3, dtype=np.float32).reshape(1, 28, 28, 3)
    assert upsampling.resize(x, (56, 56)).shape == (1, 56, 56, 3)
    assert upsampling.resize(x, scale=2).shape == (1, 56, 56, 3)
    assert upsampling.resize(x.transpose(0, 3, 1, 2), scale=0.5, layout="NCHW").shape == (1, 3, 14, 14)


# --- properties ---------------------------------------------------------------------------

shapes = st.tuples(st.integers(1, 9), st.integers(1, 9))
ctm_st = st.sampled_from([m for m in CTMS if m != "tf_crop_and_resize"])
mode_st = st.sampled_from(["nearest", "linear", "cubic", "area"])


@settings(max_examples=60, deadline=None)
@given(shapes, ctm_st, mode_st, st.integers(0, 2**31 - 1))
def test_identity_size_returns_input(hw, ctm, mode, seed):
    x = np.random.default_rng(seed).normal(size=(*hw, 2))
    y = upsampling.resize(x, hw, layout="HWC", mode=mode, coordinate_transformation_mode=ctm)
    np.testing.assert_allclose(y, x, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(shapes, shapes, ctm_st, mode_st, st.booleans(), st.floats(-100, 100))
def test_constant_image_stays_constant(hw, out, ctm, mode, aa, value):
    x = np.full((*hw, 1), value)
    aa = aa and mode in ("linear", "cubic")
    y = upsampling.resize(x, out, layout="HWC", mode=mode, coordinate_transformation_mode=ctm, antialias=aa,
                          exclude_outside=aa)
    np.testing.assert_allclose(y, value, atol=1e-9 * max(1, abs(value)))


@settings(max_examples=60, deadline=None)
@given(shapes, shapes, st.sampled_from(["nearest", "linear", "cubic"]), st.integers(0, 2**31 - 1))
def test_align_corners_keeps_the_four_corners(hw, out, mode, seed):
    x = np.random.default_rng(seed).normal(size=hw)
    y = upsampling.resize(x, out, layout="HW", mode=mode, coordinate_transformation_mode="align_corners")
    rows = [0] if out[0] == 1 else [0, -1]
    cols = [0] if out[1] == 1 else [0, -1]
    src_r = [0] if out[0] == 1 else [0, -1]
    src_c = [0] if out[1] == 1 else [0, -1]
    for r, sr in zip(rows, src_r):
        for c, sc in zip(cols, src_c):
            np.testing.assert_allclose(y[r, c], x[sr, sc], atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(shapes, shapes, st.sampled_from(["half_pixel", "align_corners", "asymmetric"]), st.floats(-3, 3), st.floats(-3, 3))
def test_linear_mode_reproduces_a_linear_ramp(hw, out, ctm, a, b):
    """Inside the image, linear interpolation of a*row + b*col is exact."""
    from upsampling.coords import source_coordinates

    r = np.arange(hw[0])[:, None]
    c = np.arange(hw[1])[None, :]
    y = upsampling.resize(a * r + b * c, out, layout="HW", coordinate_transformation_mode=ctm)
    sr = np.clip(source_coordinates(hw[0], out[0], ctm), 0, hw[0] - 1)[:, None]
    sc = np.clip(source_coordinates(hw[1], out[1], ctm), 0, hw[1] - 1)[None, :]
    np.testing.assert_allclose(y, a * sr + b * sc, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(shapes, st.sampled_from([2, 3, 4]), mode_st)
def test_downscale_then_upscale_round_trips_the_shape(hw, f, mode):
    x = np.ones((hw[0] * f, hw[1] * f, 2))
    small = upsampling.resize(x, scale=1 / f, layout="HWC", mode=mode)
    assert small.shape == (*hw, 2)
    assert upsampling.resize(small, scale=f, layout="HWC", mode=mode).shape == x.shape


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, parameter, fragment",
    [
        (dict(size=(4, 4), mode="bilinear"), "mode", "'nearest', 'linear', 'cubic', 'area'"),
        (dict(size=(4, 4), coordinate_transformation_mode="center"), "coordinate_transformation_mode", "half_pixel"),
        (dict(size=(4, 4), nearest_mode="round"), "nearest_mode", "round_prefer_floor"),
        (dict(size=(4, 4), layout="NHCW"), "layout", "'NCHW'"),
        (dict(size=(0, 4)), "size", "positive integer"),
        (dict(size=(-2, 4)), "size", "positive integer"),
        (dict(size=(4.5, 4)), "size", "positive integer"),
        (dict(scale=0), "scale", "> 0"),
        (dict(scale=float("nan")), "scale", "> 0"),
        (dict(scale=float("inf")), "scale", "> 0"),
        (dict(scale=0.01), "scale", "scale >="),
        (dict(size=(4, 4), scale=2), "size", "exactly one of size and scale"),
        (dict(), "size", "exactly one of size and scale"),
        (dict(size=(4, 4), mode="nearest", antialias=True), "antialias", "False for mode"),
        (dict(size=(4, 4, 4)), "size", "length 2"),
    ],
)
def test_bad_arguments_name_parameter_value_and_allowed(kwargs, parameter, fragment):
    x = np.zeros((1, 5, 5, 3), dtype=np.float32)
    with pytest.raises(upsampling.UpsamplingError) as info:
        upsampling.resize(x, **kwargs)
    assert isinstance(info.value, (ValueError, TypeError))
    assert info.value.parameter == parameter
    assert parameter in str(info.value) and fragment in str(info.value), str(info.value)


def test_cached_setups_never_skip_a_refusal(rng):
    """resize() reuses the validated spec of an earlier call with the same typed arguments and
    its plans for the same shape; a value equal to a validated one but of another type (True for 1, 4.0 for 4)
    is still refused, and each cached call gives the uncached result."""
    from upsampling import resizing

    x = rng.standard_normal((1, 5, 5, 3)).astype(np.float32)
    good = upsampling.resize(x, (1, 4), mode="nearest")
    assert upsampling.resize(x, (1, 4), mode="nearest").tobytes() == good.tobytes()  # from the cache
    assert any(k[1] == x.shape for k in resizing._PLANS)
    for size, fragment in (((True, 4), "positive integer"), ((1.0, 4), "positive integer"), (np.True_, "positive integer")):
        with pytest.raises(upsampling.InvalidArgumentError, match=fragment):
            upsampling.resize(x, size, mode="nearest")
    upsampling.resize(x, scale=2.0)
    with pytest.raises(upsampling.InvalidArgumentError, match="> 0"):
        upsampling.resize(x, scale=True)
    with pytest.raises(upsampling.ShapeError):  # another shape: validated again
        upsampling.resize(x[0], (1, 4), mode="nearest")
    # Unhashable arguments (a list, an array) are validated each time and give the same result.
    assert np.array_equal(upsampling.resize(x, [1, 4], mode="nearest"), good)
    assert np.array_equal(upsampling.resize(x, np.array([1, 4]), mode="nearest"), good)
    resizing._PLANS.clear()
    assert np.array_equal(upsampling.resize(x, (1, 4), mode="nearest"), good)


def test_wrong_rank_and_dtype():
    with pytest.raises(upsampling.ShapeError, match="4-D array for layout 'NHWC'"):
        upsampling.resize(np.zeros((5, 5)), (2, 2))
    with pytest.raises(upsampling.DTypeError, match="complex128"):
        upsampling.resize(np.zeros((5, 5), complex), (2, 2), layout="HW")
    with pytest.raises(upsampling.DTypeError, match="bool"):
        upsampling.resize(np.zeros((5, 5), bool), (2, 2), layout="HW")
    with pytest.raises(TypeError):
        upsampling.resize("not an image", (2, 2), layout="HW")


def test_output_byte_limit_is_checked_before_allocating():
    x = np.zeros((1, 4, 4, 3), np.float32)
    with pytest.raises(upsampling.OutputTooLargeError, match="1,200,000,000,000 bytes"):
        upsampling.resize(x, (100_000, 1_000_000))
    # Refused before the axis plans are built (a plan of 10**31 outputs cannot be allocated).
    for kw in (dict(size=(10**31, 10**31)), dict(size=(4, 10**31)), dict(scale=1e30)):
        with pytest.raises(upsampling.OutputTooLargeError, match="bytes"):
            upsampling.resize(x, **kw)
    with upsampling.options(max_output_bytes=1000):
        with pytest.raises(upsampling.OutputTooLargeError, match="limit of 1,000 bytes"):
            upsampling.resize(x, (20, 20))
        assert upsampling.resize(x, (8, 8)).shape == (1, 8, 8, 3)  # 768 bytes
    with pytest.raises(upsampling.InvalidArgumentError):
        upsampling.set_options(max_output_bytes=-1)


def test_import_is_light():
    code = (
        "import sys, time; t = time.perf_counter(); import upsampling, upsampling.frameworks.onnx; "
        "heavy = [m for m in ('torch', 'tensorflow', 'cv2', 'PIL', 'onnx', 'onnxruntime', 'scipy', 'numba', 'matplotlib') if m in sys.modules]; "
        "print(heavy, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ")
    assert out[0] == "[]", out


def test_public_api_is_explicit():
    expected = {
        "resize", "sample", "lerp", "bilinear", "bilinear_steps", "bilinear_unit_square", "bilinear_matrix",
        "set_options", "get_options", "options", "UpsamplingError", "InvalidArgumentError", "ShapeError",
        "OutputTooLargeError", "UnsupportedError", "DTypeError", "MissingExtraError",
    }
    assert expected <= set(upsampling.__all__)
    for name in upsampling.__all__:
        assert hasattr(upsampling, name), name


def test_twins_refuse_huge_outputs_before_planning():
    """Each resize twin estimates its output's bytes before it builds the axis plans: an
    absurd size is an OutputTooLargeError naming the twin's own parameter, not NumPy's
    'Maximum allowed size exceeded' from allocating a plan."""
    from upsampling.frameworks import onnx, pytorch, tensorflow

    nchw = np.random.default_rng(3).standard_normal((1, 3, 8, 8)).astype(np.float32)
    nhwc = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))
    huge = 10**31
    calls = [
        ("sizes", lambda: onnx.resize(nchw, sizes=(1, 3, huge, huge))),
        ("scales", lambda: onnx.resize(nchw, scales=(1, 1, 1e30, 1e30))),
        ("scales", lambda: onnx.upsample(nchw, scales=(1, 1, 1e30, 1e30))),
        ("size", lambda: pytorch.interpolate(nchw, size=(huge, 4), mode="bilinear")),
        ("scale_factor", lambda: pytorch.interpolate(nchw, scale_factor=1e30, mode="nearest")),
        ("size", lambda: tensorflow.resize(nhwc, (huge, 4))),
        ("size", lambda: tensorflow.resize_bilinear(nhwc, (huge, 4))),
    ]
    for parameter, call in calls:
        with pytest.raises(upsampling.OutputTooLargeError) as info:
            call()
        assert info.value.parameter == parameter and "bytes" in str(info.value)
