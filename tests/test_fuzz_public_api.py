"""Fuzzing every public entry point with hostile arguments (issue 19, "Proof").

Each call gets a mix of plausible and hostile values -- strings, None, NaN, infinities, huge
ints, bools where numbers go and numbers where bools go, negative sizes, empty and ragged
lists, 0-d to 5-d arrays, object/complex/bool/str dtypes -- and must either return a result
of the right type and shape or raise an :mod:`upsampling.errors` type.  Any other exception,
or a call longer than :data:`TIMEOUT` seconds, fails the test with the arguments that caused
it.  Outputs are capped at :data:`LIMIT` bytes, so nothing allocates much.

The strategies live here and in nothing else; a failure prints the call to reproduce.
"""

from __future__ import annotations

import contextlib
import math
import signal
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import upsampling
from upsampling import errors, resizing, shapes
from upsampling import conv_transpose as engine
from upsampling.frameworks import onnx, opencv, pillow, pytorch, tensorflow
from upsampling.argmax import upsample_argmax

LIMIT = 1 << 21  # bytes an output may take during fuzzing
TIMEOUT = 60  # seconds per call (a hang fails the test instead of stalling the suite)
EXAMPLES = 200

pytestmark = pytest.mark.xdist_group("fuzz")


class _Hang(Exception):
    pass


@pytest.fixture(autouse=True)
def _small_limits():
    previous = upsampling.set_options(max_output_bytes=LIMIT)
    yield
    upsampling.set_options(**previous)


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise :class:`_Hang` in this (main) thread after ``seconds``."""

    def alarm(signum, frame):
        raise _Hang(f"call took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"np.ndarray(shape={value.shape}, dtype={value.dtype})"
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "..."


def _call(fn: Callable, args: tuple, kwargs: dict, check: Callable[[Any], None] | None = None) -> Any:
    """``fn(*args, **kwargs)``: its result (checked by ``check``) or ``None`` after an error
    from :mod:`upsampling.errors`; anything else fails with the call spelled out."""
    call = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', fn)}(" + ", ".join(
        [_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()]
    ) + ")"
    try:
        with _deadline(TIMEOUT), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(*args, **kwargs)
    except errors.UpsamplingError as exc:
        assert str(exc), call
        return None
    except _Hang as exc:
        pytest.fail(f"{call}: {exc}")
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{call} raised {type(exc).__name__}: {exc}")
    if check is not None:
        try:
            check(result)
        except AssertionError as exc:
            pytest.fail(f"{call} returned a wrong result: {exc}")
    return result


# --- values -----------------------------------------------------------------------------------

_RNG = np.random.default_rng(19)


def _arr(shape, dtype=np.float32):
    a = _RNG.standard_normal(shape) * 3
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        a = np.clip(a * 40, info.min, info.max)
    return a.astype(dtype)


HOSTILE = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.booleans(),
    st.integers(-3, 9),
    st.sampled_from([10**20, -(10**20), 2**63, 2**31, 2**64 + 1, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -1.5, 0.5, 2.5, 1e300, 1e-300, -0.0]),
    st.sampled_from([np.True_, np.False_, np.int64(3), np.float32(1.5), np.uint8(2), np.float64(np.nan)]),
    st.sampled_from([1j, b"x", [], (), [[1, 2], [3]], {"a": 1}, {1, 2}, object(), np.array([]), np.array("s")]),
)


def _maybe(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly valid values (so calls get deep), sometimes hostile ones."""
    return st.one_of(valid, valid, valid, HOSTILE)


def _seq(elements: st.SearchStrategy, lengths=(0, 5)) -> st.SearchStrategy:
    lists = st.lists(elements, min_size=lengths[0], max_size=lengths[1])
    return st.one_of(lists, lists.map(tuple), lists.map(lambda v: np.array(v, dtype=object)))


SMALL_INT = st.integers(-2, 12)
SIZES = _maybe(st.one_of(st.integers(0, 40), st.tuples(st.integers(0, 40), st.integers(0, 40)), _seq(_maybe(SMALL_INT))))
SCALES = _maybe(st.one_of(st.floats(0.05, 6), st.tuples(st.floats(0.05, 6), st.floats(0.05, 6)), _seq(HOSTILE)))
BOOLS = _maybe(st.booleans())
FLOATS = _maybe(st.floats(-2, 2))

ARRAYS = [
    _arr((1, 5, 6, 2)),
    _arr((2, 3, 4, 3), np.float64),
    _arr((5, 6, 3), np.uint8),
    _arr((5, 6)),
    _arr((4, 5), np.int64),
    _arr((1, 2, 3, 4, 2)),
    _arr((7,)),
    _arr(()),
    _arr((0, 5, 6, 2)),
    _arr((1, 0, 6, 2)),
    _arr((1, 5, 6, 0)),
    _arr((1, 5, 6, 2), np.float16),
    _arr((3, 4), np.uint64),
    np.zeros((3, 4), bool),
    np.zeros((3, 4), np.complex64),
    np.array([[1, "a"], [2, None]], dtype=object),
    np.array([["a", "b"]]),
    np.full((2, 2), 2**63 - 1, np.int64),
    np.array([[np.nan, np.inf], [-np.inf, 1.0]], np.float32),
    _arr((1, 6, 5, 2))[:, ::-1, ::2],  # a strided, negative-stride view
]
NOT_ARRAYS = [None, "abc", [[1.0, 2.0], [3.0]], [[[1.0, 2.0]], [[3.0, 4.0]]], 3.5, [], {"a": 1}, b"ab"]
ARRAY = st.one_of(st.sampled_from(ARRAYS), st.sampled_from(ARRAYS), st.sampled_from(NOT_ARRAYS))

MODES = ["nearest", "linear", "cubic", "area", "bilinear", "bicubic", "lanczos"]
CTMS = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"]
NEAREST_MODES = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
LAYOUTS = ["HW", "HWC", "CHW", "NHWC", "NCHW"]

ROI = _maybe(st.one_of(st.none(), _seq(st.floats(-1, 2), (4, 4)), _seq(HOSTILE, (0, 8))))


def _choice(values: list) -> st.SearchStrategy:
    return _maybe(st.sampled_from(values))


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _is_array(result: Any) -> None:
    assert isinstance(result, np.ndarray), f"not an ndarray: {type(result).__name__}"


# --- the engine -------------------------------------------------------------------------------

RESIZE_KW = st.fixed_dictionaries(
    {},
    optional={
        "scale": SCALES,
        "mode": _choice(MODES),
        "coordinate_transformation_mode": _choice(CTMS),
        "nearest_mode": _choice(NEAREST_MODES),
        "cubic_coeff_a": FLOATS,
        "exclude_outside": BOOLS,
        "antialias": BOOLS,
        "layout": _choice(LAYOUTS),
        "roi": ROI,
        "extrapolation_value": FLOATS,
    },
)


@FUZZ
@given(x=ARRAY, size=st.one_of(st.none(), SIZES), kw=RESIZE_KW)
def test_resize(x, size, kw):
    def check(y):
        _is_array(y)
        assert y.dtype == np.asarray(x).dtype and y.ndim == np.asarray(x).ndim
        layout = kw.get("layout", "NHWC")
        rank, h, w = resizing.LAYOUTS[layout]
        keep = [a for a in range(rank) if a not in (h, w)]
        assert [y.shape[a] for a in keep] == [np.asarray(x).shape[a] for a in keep]
        assert y.nbytes <= LIMIT

    _call(upsampling.resize, (x, size), kw, check)
    _call(resizing.resize_plans, (x, size), kw)


@FUZZ
@given(x=ARRAY, size=st.one_of(st.none(), SIZES), kw=RESIZE_KW, dtype=_maybe(st.sampled_from([None, np.uint8, "int32"])))
def test_upsample_argmax(x, size, kw, dtype):
    kw = dict(kw)
    if isinstance(kw.get("layout"), str) and kw["layout"] == "HW":
        kw["layout"] = "CHW"  # (HW has no class axis; hostile layouts stay)
    kw.setdefault("layout", "CHW")
    _call(upsample_argmax, (x, size), {**kw, "dtype": dtype}, lambda y: _is_array(y))


@FUZZ
@given(
    image=ARRAY,
    rows=_maybe(st.one_of(st.floats(-2, 8), _seq(st.floats(-2, 8), (0, 4)))),
    cols=_maybe(st.one_of(st.floats(-2, 8), _seq(st.floats(-2, 8), (0, 4)))),
    method=_choice(["bilinear", "nearest", "linear", "cubic"]),
    border=_choice(["clamp", "constant"]),
)
def test_sample(image, rows, cols, method, border):
    _call(upsampling.sample, (image, rows, cols), {"method": method, "border": border})


POINT = _maybe(st.one_of(st.floats(-2, 2), _seq(st.floats(-2, 2), (0, 3))))


@FUZZ
@given(args=st.lists(POINT, min_size=10, max_size=10))
def test_bilinear_forms(args):
    _call(upsampling.lerp, tuple(args[:5]), {})
    _call(upsampling.bilinear_steps, tuple(args[:10]), {})
    _call(upsampling.bilinear, tuple(args[:10]), {})
    _call(upsampling.bilinear_unit_square, tuple(args[:6]), {})
    _call(upsampling.bilinear_matrix, tuple(args[:6]), {})


# --- transposed convolution -------------------------------------------------------------------

CONV_ARRAYS = ARRAYS + [_arr((1, 4, 4, 2)), _arr((2, 3, 3, 2, 2)), _arr((1, 6, 2)), _arr((3, 3, 2, 2)), _arr((2, 2, 4, 2))]
CONV_ARRAY = st.one_of(st.sampled_from(CONV_ARRAYS), st.sampled_from(NOT_ARRAYS))
INTS = _maybe(st.one_of(st.integers(-1, 5), _seq(_maybe(st.integers(-1, 5)), (0, 5))))
PADDING = _maybe(
    st.one_of(
        st.sampled_from(["SAME", "VALID", "same", "FULL"]),
        st.integers(-1, 4),
        st.tuples(st.integers(-1, 3), st.integers(-1, 3)),
        _seq(_seq(st.integers(-1, 3), (0, 3)), (0, 5)),
    )
)


@FUZZ
@given(
    which=st.sampled_from(["conv1d_transpose", "conv2d_transpose", "conv3d_transpose"]),
    x=CONV_ARRAY,
    w=CONV_ARRAY,
    output_shape=_maybe(_seq(_maybe(st.integers(-1, 12)), (0, 6))),
    strides=INTS,
    padding=PADDING,
    data_format=_choice(["NHWC", "NCHW", "NWC", "NCW", "NDHWC", "NCDHW"]),
    dilations=st.one_of(st.none(), INTS),
)
def test_tf_conv_transpose(which, x, w, output_shape, strides, padding, data_format, dilations):
    _call(
        getattr(upsampling, which),
        (x, w, output_shape, strides),
        {"padding": padding, "data_format": data_format, "dilations": dilations},
        _is_array,
    )


@FUZZ
@given(
    which=st.sampled_from(["conv1d", "conv2d", "conv3d"]),
    x=CONV_ARRAY,
    w=CONV_ARRAY,
    strides=INTS,
    padding=PADDING,
    data_format=_choice(["NHWC", "NCHW", "NWC", "NCW", "NDHWC", "NCDHW"]),
    dilations=st.one_of(st.none(), INTS),
)
def test_tf_conv(which, x, w, strides, padding, data_format, dilations):
    _call(getattr(upsampling, which), (x, w, strides, padding), {"data_format": data_format, "dilations": dilations}, _is_array)


@FUZZ
@given(
    x=CONV_ARRAY,
    w=CONV_ARRAY,
    bias=st.one_of(st.none(), CONV_ARRAY, st.sampled_from([np.zeros(2), np.zeros(4, np.float32)])),
    kw=st.fixed_dictionaries(
        {},
        optional={
            "strides": INTS,
            "dilations": INTS,
            "pads_begin": INTS,
            "pads_end": INTS,
            "output_size": st.one_of(st.none(), INTS),
            "groups": INTS,
        },
    ),
)
def test_engine_conv_transpose_and_conv(x, w, bias, kw):
    _call(engine.conv_transpose, (x, w, bias), kw, _is_array)
    kw.pop("output_size", None)
    _call(engine.conv, (x, w, bias), kw, _is_array)


@FUZZ
@given(
    which=st.sampled_from(["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]),
    x=CONV_ARRAY,
    w=CONV_ARRAY,
    bias=st.one_of(st.none(), CONV_ARRAY),
    stride=INTS,
    padding=_maybe(st.one_of(INTS, st.just("same"))),
    output_padding=INTS,
    groups=INTS,
    dilation=INTS,
)
def test_pytorch_conv_transpose(which, x, w, bias, stride, padding, output_padding, groups, dilation):
    _call(getattr(pytorch, which), (x, w, bias, stride, padding, output_padding, groups, dilation), {}, _is_array)


@FUZZ
@given(
    x=CONV_ARRAY,
    w=CONV_ARRAY,
    kw=st.fixed_dictionaries(
        {},
        optional={
            "B": st.one_of(st.none(), CONV_ARRAY),
            "auto_pad": _choice(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]),
            "dilations": st.one_of(st.none(), INTS),
            "group": INTS,
            "kernel_shape": st.one_of(st.none(), INTS),
            "output_padding": st.one_of(st.none(), INTS),
            "output_shape": st.one_of(st.none(), INTS),
            "pads": st.one_of(st.none(), INTS),
            "strides": st.one_of(st.none(), INTS),
        },
    ),
)
def test_onnx_conv_transpose(x, w, kw):
    _call(onnx.conv_transpose, (x, w), kw, _is_array)


# --- shape helpers and weight converters ------------------------------------------------------

SHAPE_INT = _maybe(st.integers(-2, 40))


@FUZZ
@given(n=SHAPE_INT, k=SHAPE_INT, s=SHAPE_INT, d=SHAPE_INT, p=PADDING, op=SHAPE_INT, out=SHAPE_INT)
def test_shape_helpers(n, k, s, d, p, op, out):
    _call(upsampling.conv_output_size, (n, k, s, p, d), {})
    _call(upsampling.conv_transpose_output_size, (n, k, s, p, d, op), {})
    _call(upsampling.same_padding, (n, k, s, d), {})
    _call(upsampling.valid_conv_transpose_output_sizes, (n, k, s, p, d), {})
    _call(shapes.conv_transpose_crop, (n, out, k, s, p, d), {})
    _call(shapes.effective_kernel_size, (k, d), {})
    _call(shapes.full_conv_transpose_size, (n, k, s, d), {})
    _call(shapes.padding_pair, (p, n, k, s, d), {})


def test_shape_helpers_with_huge_numbers_stay_small():
    for args in ((10**20, 3, 2, "SAME", 1), (5, 10**20, 2, "VALID", 1), (5, 3, 10**20, "SAME", 1), (5, 3, 2, (0, 10**20), 1)):
        _call(upsampling.valid_conv_transpose_output_sizes, args, {})
        _call(shapes.conv_transpose_crop, (args[0], 7, *args[1:]), {})


@FUZZ
@given(w=CONV_ARRAY)
def test_weight_converters(w):
    for name in ("tf_to_torch_weight", "torch_to_tf_weight", "onnx_to_torch_weight", "torch_to_onnx_weight",
                 "tf_to_onnx_weight", "onnx_to_tf_weight"):
        _call(getattr(upsampling, name), (w,), {}, lambda y: (_is_array(y), None)[1] if y.size == np.asarray(w).size else None)


@FUZZ
@given(name=st.sampled_from(["max_output_bytes", "kernel", "output_pool_bytes", "spin_workers", "bogus"]), value=HOSTILE)
def test_set_options(name, value):
    before = upsampling.get_options()
    try:
        _call(upsampling.set_options, (), {name: value})
        with contextlib.suppress(errors.UpsamplingError):
            with upsampling.options(**{name: value}):
                pass
    finally:
        upsampling.set_options(**before)
    assert upsampling.get_options() == before


# --- framework twins --------------------------------------------------------------------------


@FUZZ
@given(
    x=ARRAY,
    size=st.one_of(st.none(), SIZES),
    scale_factor=st.one_of(st.none(), SCALES),
    mode=_choice(["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area", "lanczos"]),
    align_corners=st.one_of(st.none(), BOOLS),
    recompute=st.one_of(st.none(), BOOLS),
    antialias=BOOLS,
)
def test_pytorch_interpolate(x, size, scale_factor, mode, align_corners, recompute, antialias):
    _call(pytorch.interpolate, (x, size, scale_factor, mode, align_corners, recompute, antialias), {}, _is_array)


@FUZZ
@given(
    x=ARRAY,
    size=SIZES,
    method=_choice(["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]),
    preserve=BOOLS,
    antialias=st.one_of(st.none(), BOOLS),
    align_corners=st.one_of(st.none(), BOOLS),
    half_pixel_centers=st.one_of(st.none(), BOOLS),
)
def test_tensorflow_resize(x, size, method, preserve, antialias, align_corners, half_pixel_centers):
    _call(tensorflow.resize, (x, size, method, preserve, antialias), {}, _is_array)
    for fn in (tensorflow.resize_bilinear, tensorflow.resize_nearest_neighbor, tensorflow.resize_bicubic):
        _call(fn, (x, size), {"align_corners": align_corners, "half_pixel_centers": half_pixel_centers}, _is_array)
    _call(tensorflow.resize_area, (x, size), {"align_corners": align_corners}, _is_array)


@FUZZ
@given(
    x=ARRAY,
    roi=ROI,
    scales=st.one_of(st.none(), _maybe(_seq(_maybe(st.floats(0.1, 4)), (0, 5)))),
    sizes=st.one_of(st.none(), _maybe(_seq(_maybe(st.integers(0, 20)), (0, 5)))),
    kw=st.fixed_dictionaries(
        {},
        optional={
            "antialias": _maybe(st.integers(0, 1)),
            "axes": st.one_of(st.none(), INTS),
            "coordinate_transformation_mode": _choice(CTMS),
            "cubic_coeff_a": FLOATS,
            "exclude_outside": _maybe(st.integers(0, 1)),
            "extrapolation_value": FLOATS,
            "keep_aspect_ratio_policy": _choice(["stretch", "not_larger", "not_smaller"]),
            "mode": _choice(["nearest", "linear", "cubic"]),
            "nearest_mode": _choice(NEAREST_MODES),
            "behaviour": _choice(["spec", "onnxruntime"]),
        },
    ),
)
def test_onnx_resize(x, roi, scales, sizes, kw):
    _call(onnx.resize, (x, roi, scales, sizes), kw, _is_array)
    _call(onnx.upsample, (x, scales), {"mode": kw.get("mode", "nearest")}, _is_array)


@FUZZ
@given(
    x=ARRAY,
    dsize=_maybe(st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(0, 30)), _seq(_maybe(SMALL_INT), (0, 3)))),
    fx=_maybe(st.floats(0, 4)),
    fy=_maybe(st.floats(0, 4)),
    interpolation=_maybe(st.integers(-1, 8)),
)
def test_opencv_resize(x, dsize, fx, fy, interpolation):
    _call(opencv.resize, (x, dsize), {"fx": fx, "fy": fy, "interpolation": interpolation}, _is_array)


@FUZZ
@given(
    x=ARRAY,
    size=_maybe(st.one_of(st.tuples(st.integers(0, 30), st.integers(0, 30)), _seq(_maybe(SMALL_INT), (0, 3)))),
    resample=_maybe(st.integers(-1, 8)),
    box=st.one_of(st.none(), _maybe(_seq(_maybe(st.floats(-2, 8)), (0, 5)))),
    reducing_gap=st.one_of(st.none(), FLOATS, st.floats(0.5, 4)),
)
def test_pillow_resize(x, size, resample, box, reducing_gap):
    _call(pillow.resize, (x, size, resample, box, reducing_gap), {}, _is_array)


# --- optional faces ---------------------------------------------------------------------------


@FUZZ
@given(x=st.sampled_from([_arr((1, 2, 5, 6)), _arr((2, 5, 6), np.float64), _arr((5, 6)), _arr((7,))]),
       size=st.one_of(st.none(), SIZES), kw=RESIZE_KW, align_corners=st.one_of(st.none(), BOOLS))
def test_torch_resize(x, size, kw, align_corners):
    torch = pytest.importorskip("torch")
    from upsampling.torch import Resize
    from upsampling.torch import resize as torch_resize

    kw = {k: v for k, v in kw.items() if k != "layout"}
    if "coordinate_transformation_mode" not in kw:
        kw["align_corners"] = align_corners
    t = torch.from_numpy(x)
    _call(torch_resize, (t, size), kw, lambda y: None)
    scale = kw.pop("scale", None)
    layer = _call(Resize, (size,), {"scale": scale, **kw})
    if layer is not None:
        _call(layer, (t,), {})


@settings(FUZZ, max_examples=25)
@given(x=st.sampled_from([_arr((6, 7)), _arr((6, 7, 2), np.float64), _arr((2, 6, 7), np.uint8)]),
       size=st.one_of(st.none(), SIZES), kw=RESIZE_KW, chunks=_maybe(st.one_of(st.none(), st.integers(1, 8))))
def test_dask_resize(x, size, kw, chunks):
    da = pytest.importorskip("dask.array")
    from upsampling import dask as ud

    kw = {k: v for k, v in kw.items() if k != "layout"}
    layout = {2: "HW", 3: "HWC" if x.shape[-1] == 2 else "CHW"}[x.ndim]
    lazy = _call(ud.resize, (da.from_array(x, chunks=3), size), {**kw, "layout": layout, "chunks": chunks})
    if lazy is not None:
        _call(lambda: np.asarray(lazy.compute()), (), {}, _is_array)
