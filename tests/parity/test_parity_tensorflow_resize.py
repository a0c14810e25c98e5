"""TensorFlow twin vs live TensorFlow: tf.image.resize (every method x antialias x
preserve_aspect_ratio) and the TF1 resize ops (every align_corners x half_pixel_centers), on
random normal inputs; nearest index maps swept over every (n_in, n_out) in 1..49."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import framework
from upsampling.errors import DTypeError, UpsamplingError
from upsampling.frameworks import tensorflow as twin

pytestmark = pytest.mark.parity

METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]
# (n_in, n_out) per axis: up, down, non-integer, 1-pixel inputs and outputs, same size.
PAIRS = [
    (5, 8), (7, 3), (13, 10), (6, 13), (1, 4), (4, 1), (1, 1),
    (3, 6), (5, 5), (8, 2), (2, 9), (9, 4), (16, 5),
]
TF1_FUNCTIONS = ["resize_bilinear", "resize_nearest_neighbor", "resize_bicubic", "resize_area"]
TF1_FLAGS = [(False, False), (True, False), (False, True)]


@pytest.fixture(scope="module")
def tf():
    return framework("tensorflow")


def _check_close(y, ref, x, tol, what):
    assert y.shape == ref.shape, f"{what}: shape {y.shape} != TF {ref.shape}"
    assert y.dtype == ref.dtype, f"{what}: dtype {y.dtype} != TF {ref.dtype}"
    scale = float(np.max(np.abs(x.astype(np.float64)), initial=0.0)) or 1.0
    err = float(np.max(np.abs(y.astype(np.float64) - ref.astype(np.float64)), initial=0.0))
    assert err <= tol * scale, f"{what}: max|diff| {err:.3g} > {tol:g} * max|x| ({scale:.3g})"


def test_resize_grid(tf, rng):
    """Every method x antialias x preserve_aspect_ratio x layout, on several size pairs."""
    runs = 0
    for method, antialias, preserve, batched in itertools.product(METHODS, [False, True], [False, True],
                                                                  [True, False]):
        for trial in range(7):
            (h, oh), (w, ow) = (PAIRS[i] for i in rng.choice(len(PAIRS), size=2))
            shape = (int(rng.integers(1, 3)), h, w, int(rng.integers(1, 4)))
            x = rng.normal(size=shape if batched else shape[1:]).astype(np.float32)
            kw = dict(method=method, antialias=antialias, preserve_aspect_ratio=preserve)
            what = f"shape={x.shape} size={(oh, ow)} {kw}"
            try:
                ref = tf.image.resize(x, (oh, ow), **kw).numpy()
            except tf.errors.InvalidArgumentError as exc:  # preserve_aspect_ratio can round a side to 0
                with pytest.raises(UpsamplingError, match="output dimensions must be positive"):
                    twin.resize(x, (oh, ow), **kw)
                assert "must be positive" in str(exc), what
                continue
            _check_close(twin.resize(x, (oh, ow), **kw), ref, x, 1e-5, what)
            runs += 1
    assert runs > 400


def test_long_axes(tf, rng):
    """Lengths up to 400, where float32 box ends and coordinates carry ~1e-5 of rounding (TF's
    area weights a box inside one pixel by its width, not by its rounded ends)."""
    methods = METHODS + ["resize_bilinear", "resize_bicubic", "resize_area"]
    for trial in range(44):
        method = methods[trial % len(methods)]
        h, w, oh, ow = (int(v) for v in rng.integers(1, 400, size=4))
        x = rng.normal(size=(1, h, w, 1)).astype(np.float32)
        if method.startswith("resize_"):
            kw = dict(align_corners=bool(trial % 2))
            ref = getattr(tf.compat.v1.image, method)(x, (oh, ow), **kw).numpy()
            y = getattr(twin, method)(x, (oh, ow), **kw)
        else:
            kw = dict(method=method, antialias=bool(trial % 2))
            ref = tf.image.resize(x, (oh, ow), **kw).numpy()
            y = twin.resize(x, (oh, ow), **kw)
        _check_close(y, ref, x, 1e-5, f"{method} {(h, w)} -> {(oh, ow)} {kw}")


@pytest.mark.parametrize("function", TF1_FUNCTIONS)
def test_tf1_grid(tf, rng, function):
    """Each TF1 op x (align_corners, half_pixel_centers), over size pairs and random shapes."""
    flags = [(False, False), (True, False)] if function == "resize_area" else TF1_FLAGS
    for (align_corners, half_pixel), trial in itertools.product(flags, range(40)):
        (h, oh), (w, ow) = (PAIRS[i] for i in rng.choice(len(PAIRS), size=2))
        if trial >= 30:  # random sizes too
            h, w, oh, ow = (int(v) for v in rng.integers(1, 24, size=4))
        x = rng.normal(size=(int(rng.integers(1, 3)), h, w, int(rng.integers(1, 4)))).astype(np.float32)
        kw = dict(align_corners=align_corners)
        if function != "resize_area":
            kw["half_pixel_centers"] = half_pixel
        ref = getattr(tf.compat.v1.image, function)(x, (oh, ow), **kw).numpy()
        y = getattr(twin, function)(x, (oh, ow), **kw)
        _check_close(y, ref, x, 1e-5, f"{function} shape={x.shape} size={(oh, ow)} {kw}")


@pytest.mark.parametrize("flags", TF1_FLAGS, ids=["legacy", "align_corners", "half_pixel_centers"])
def test_nearest_index_sweep(tf, flags):
    """Every (n_in, n_out) in 1..49: the twin picks exactly TF's source index (float32 arithmetic)."""
    align_corners, half_pixel = flags
    bad = []
    for n_in in range(1, 50):
        ramp = np.arange(n_in, dtype=np.float32).reshape(1, 1, n_in, 1)
        for n_out in range(1, 50):
            kw = dict(align_corners=align_corners, half_pixel_centers=half_pixel)
            ref = tf.compat.v1.image.resize_nearest_neighbor(ramp, (1, n_out), **kw).numpy().ravel()
            got = twin.resize_nearest_neighbor(ramp, (1, n_out), **kw).ravel()
            if not np.array_equal(got, ref):
                bad.append((n_in, n_out, np.flatnonzero(got != ref)[:3].tolist()))
    assert not bad, f"{len(bad)} size pairs differ, e.g. {bad[:5]}"


def test_tf2_nearest_index_sweep(tf):
    """tf.image.resize(method='nearest') over every (n_in, n_out) in 1..49, on the H axis."""
    bad = []
    for n_in in range(1, 50):
        ramp = np.arange(n_in, dtype=np.float32).reshape(n_in, 1, 1)
        for n_out in range(1, 50):
            ref = tf.image.resize(ramp, (n_out, 1), method="nearest").numpy().ravel()
            if not np.array_equal(twin.resize(ramp, (n_out, 1), method="nearest").ravel(), ref):
                bad.append((n_in, n_out))
    assert not bad, f"{len(bad)} size pairs differ, e.g. {bad[:5]}"


TF_DTYPES = ["uint8", "int8", "int16", "uint16", "int32", "int64", "float16", "float64"]


@pytest.mark.parametrize("dtype", TF_DTYPES)
@pytest.mark.parametrize("method", METHODS)
def test_dtype_rule(tf, rng, dtype, method):
    """Output float32 for every method except nearest, which keeps the input dtype."""
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        low, high = max(info.min, -1000), min(info.max, 1000)
        x = rng.integers(low, high, size=(1, 5, 7, 2), endpoint=True).astype(dtype)
    else:
        x = rng.normal(size=(1, 5, 7, 2)).astype(dtype)
    for size, antialias in [((8, 3), False), ((3, 11), True)]:
        ref = tf.image.resize(x, size, method=method, antialias=antialias).numpy()
        y = twin.resize(x, size, method=method, antialias=antialias)
        assert y.dtype == ref.dtype == (x.dtype if method == "nearest" else np.float32)
        # TF computes in float32 from the input values; float16/float64 inputs differ only by rounding.
        _check_close(y, ref, x, 0 if method == "nearest" else 1e-5, f"{dtype} {method} {size} aa={antialias}")


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float64"])
@pytest.mark.parametrize("function", TF1_FUNCTIONS)
def test_tf1_dtype_rule(tf, rng, dtype, function):
    x = (rng.normal(size=(1, 6, 5, 1)) * 50 + 100).astype(dtype)
    ref = getattr(tf.compat.v1.image, function)(x, (4, 9)).numpy()
    y = getattr(twin, function)(x, (4, 9))
    assert y.dtype == ref.dtype == (x.dtype if function == "resize_nearest_neighbor" else np.float32)
    _check_close(y, ref, x, 1e-6, f"{function} {dtype}")


@pytest.mark.parametrize(
    "shape,size,expected",
    [((5, 7), (10, 20), (10, 14)), ((5, 10), (100, 5), (2, 5)), ((7, 10), (100, 5), (4, 5)),
     ((5, 10), (1, 50), (1, 2)), ((3, 3), (7, 9), (7, 7)), ((6, 4), (9, 9), (9, 6))],
)
def test_preserve_aspect_ratio_rounds_half_to_even(tf, rng, shape, size, expected):
    """min(new/old) in float32, then tf.round (half to even): 2.5 -> 2 and 3.5 -> 4."""
    x = rng.normal(size=(*shape, 1)).astype(np.float32)
    ref = tf.image.resize(x, size, preserve_aspect_ratio=True).numpy()
    y = twin.resize(x, size, preserve_aspect_ratio=True)
    assert y.shape[:2] == ref.shape[:2] == expected
    _check_close(y, ref, x, 1e-5, f"{shape} -> {size}")


def test_scale_and_translate_gaussian_float32_trap(tf, rng):
    """The Gaussian is discontinuous at radius 1.5: only float32 positions pick TF's taps."""
    for n_in, n_out in [(13, 10), (6, 13), (10, 13), (7, 3), (29, 17)]:
        x = rng.normal(size=(1, n_in, n_in, 1)).astype(np.float32)
        for antialias in (False, True):
            ref = tf.image.resize(x, (n_out, n_out), method="gaussian", antialias=antialias).numpy()
            y = twin.resize(x, (n_out, n_out), method="gaussian", antialias=antialias)
            _check_close(y, ref, x, 1e-5, f"gaussian {n_in}->{n_out} aa={antialias}")


def test_bicubic_table_quantisation_matters(tf, rng):
    """TF2 bicubic reads a 1,024-entry table: the exact kernel (antialias=True path) differs by ~1e-3
    even when upsampling, and the twin follows each path."""
    x = rng.normal(size=(1, 7, 7, 1)).astype(np.float32)
    table = tf.image.resize(x, (23, 23), method="bicubic").numpy()
    exact = tf.image.resize(x, (23, 23), method="bicubic", antialias=True).numpy()
    assert np.abs(table - exact).max() > 1e-4
    _check_close(twin.resize(x, (23, 23), method="bicubic"), table, x, 1e-5, "table")
    _check_close(twin.resize(x, (23, 23), method="bicubic", antialias=True), exact, x, 1e-5, "exact")


# TF refuses each of these; the twin must refuse with TF's message.
SIZE_LENGTH = "'size' must be a 1-D Tensor of 2 elements: new_height, new_width"
TF2_REFUSALS = [
    (np.zeros((1, 5, 7, 2)), (0, 4), {}, "output dimensions must be positive"),
    (np.zeros((1, 5, 7, 2)), (-1, 4), {}, "output dimensions must be positive"),
    (np.zeros((1, 5, 7, 2)), (3,), {}, SIZE_LENGTH),
    (np.zeros((1, 5, 7, 2)), (3, 4, 5), {}, SIZE_LENGTH),
    (np.zeros((1, 5, 7, 2)), (3.5, 4), {}, "'size' must be a 1-D int32 Tensor"),
    (np.zeros((1, 5, 7, 2)), (3, 4), {"method": "foo"}, "Resize method is not implemented: foo"),
    (np.zeros((5, 7)), (3, 4), {}, "'images' must have either 3 or 4 dimensions."),
    (np.zeros((1, 1, 5, 7, 2)), (3, 4), {}, "'images' must have either 3 or 4 dimensions."),
    (np.zeros((1, 5, 0, 2)), (3, 4), {}, "input image must be of non-zero size"),
    (np.zeros((1, 5, 10, 1)), (0, 5), {"preserve_aspect_ratio": True}, "output dimensions must be positive"),
]


@pytest.mark.parametrize("k", range(len(TF2_REFUSALS)))
def test_resize_refusals_match_tensorflow(tf, k):
    x, size, kw, message = TF2_REFUSALS[k]
    x = x.astype(np.float32)
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)) as tf_exc:
        tf.image.resize(x, size, **kw)
    assert message in str(tf_exc.value)
    with pytest.raises(UpsamplingError) as twin_exc:
        twin.resize(x, size, **kw)
    assert str(twin_exc.value) == message


@pytest.mark.parametrize("function", ["resize_bilinear", "resize_nearest_neighbor", "resize_bicubic"])
@pytest.mark.parametrize(
    "shape,size,kw,message",
    [
        ((1, 5, 7, 2), (3, 4), dict(align_corners=True, half_pixel_centers=True),
         "If half_pixel_centers is True, align_corners must be False."),
        ((5, 7, 2), (3, 4), {}, "input must be 4-dimensional[5,7,2]"),
        ((1, 5, 7, 2), (0, 4), {}, "output dimensions must be positive"),
        ((1, 5, 7, 2), (3,), {}, "shape_t must have two elements[1]"),
    ],
)
def test_tf1_refusals_match_tensorflow(tf, function, shape, size, kw, message):
    x = np.zeros(shape, np.float32)
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)) as tf_exc:
        getattr(tf.compat.v1.image, function)(x, size, **kw)
    assert message in str(tf_exc.value)
    with pytest.raises(UpsamplingError) as twin_exc:
        getattr(twin, function)(x, size, **kw)
    assert str(twin_exc.value) == message


@pytest.mark.parametrize("dtype", ["uint32", "uint64"])
def test_unregistered_dtypes_refused_like_tensorflow(tf, dtype):
    x = np.ones((1, 4, 4, 1), dtype)
    with pytest.raises(tf.errors.InvalidArgumentError) as tf_exc:
        tf.image.resize(x, (3, 3))
    with pytest.raises(DTypeError) as twin_exc:
        twin.resize(x, (3, 3))
    assert str(twin_exc.value).split(": int8")[0] in str(tf_exc.value)


# --- issue 19: bool attrs, integer limits ------------------------------------------------------

BOOL_PROBES = ["yes", "", 1, 0, 2, 1.0, np.True_, np.int64(1), [1], None, True, False]


@pytest.mark.parametrize("value", BOOL_PROBES, ids=repr)
def test_bool_attributes_refused_where_tensorflow_refuses(tf, value):
    """TF's bool attrs take Python bools (None: the default); where TF raises, the twin raises.
    Where TF takes a falsy non-bool ('' or 0 for antialias) the twin still refuses: a string or a
    number is not a bool (issue 19)."""
    x = np.random.default_rng(0).random((1, 5, 5, 1)).astype(np.float32)
    calls = [
        ("antialias", lambda m, v: m.resize(x, (3, 3), antialias=v), tf.image.resize),
        ("align_corners", lambda m, v: m.resize_bilinear(x, (3, 3), align_corners=v), tf.compat.v1.image),
        ("half_pixel_centers", lambda m, v: m.resize_nearest_neighbor(x, (3, 3), half_pixel_centers=v), tf.compat.v1.image),
        ("align_corners", lambda m, v: m.resize_area(x, (3, 3), align_corners=v), tf.compat.v1.image),
    ]
    for name, call, _ in calls:
        module = tf.image if name == "antialias" else tf.compat.v1.image
        try:
            ref = np.asarray(call(module, value))
            refused = False
        except TypeError:
            refused = True
        if refused or not (value is None or isinstance(value, bool)):
            with pytest.raises(UpsamplingError) as info:
                call(twin, value)
            assert info.value.parameter == name
        else:
            got = call(twin, value)
            np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6, err_msg=f"{name}={value!r}")


def test_nearest_copies_int64_beyond_2_53_exactly(tf):
    """TF's nearest kernels copy int64 samples; the twin must not round them through float64."""
    x = (np.int64(2**62) + np.arange(12, dtype=np.int64)).reshape(1, 3, 4, 1)
    for fn, kw in (("resize_nearest_neighbor", {}), ("resize_nearest_neighbor", {"half_pixel_centers": True})):
        ref = getattr(tf.compat.v1.image, fn)(x, (5, 7), **kw).numpy()
        got = getattr(twin, fn)(x, (5, 7), **kw)
        assert got.dtype == np.int64 and np.array_equal(got, ref), fn
    assert np.array_equal(twin.resize(x, (5, 7), method="nearest"), tf.image.resize(x, (5, 7), method="nearest").numpy())
