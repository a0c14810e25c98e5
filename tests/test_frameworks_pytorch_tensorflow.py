"""PyTorch and TensorFlow resize twins without the frameworks: imports, refusals, dtype rules,
the Settings they build through, and the engine knobs they rely on (float32 rounding details,
fixed-point weights, TF's area boxes).  Live parity is in tests/parity/."""

from __future__ import annotations

import doctest
import subprocess
import sys

import numpy as np
import pytest

from upsampling import coords, plan
from upsampling.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from upsampling.frameworks import pytorch, tensorflow
from upsampling.frameworks._mapping import all_settings


def test_twins_do_not_import_their_frameworks():
    code = (
        "import sys, numpy as np\n"
        "from upsampling.frameworks import pytorch, tensorflow\n"
        "pytorch.interpolate(np.ones((1, 1, 3, 3)), size=5, mode='bicubic')\n"
        "tensorflow.resize(np.ones((3, 3, 1)), (5, 5), method='lanczos3')\n"
        "bad = [m for m in ('torch', 'tensorflow') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_top_level_conv_faces_are_the_tensorflow_twin_loaded_on_first_use():
    """``upsampling.conv2d_transpose`` and its siblings live in frameworks/tensorflow/conv.py; the
    root package loads them when first asked, so ``import upsampling`` stays on the engine layers."""
    code = (
        "import sys, upsampling\n"
        "assert not [m for m in sys.modules if m.startswith('upsampling.frameworks')], 'twins loaded by import'\n"
        "from upsampling.frameworks.tensorflow import conv\n"
        "names = ('conv1d', 'conv1d_transpose', 'conv2d', 'conv2d_transpose', 'conv3d', 'conv3d_transpose')\n"
        "assert all(getattr(upsampling, n) is getattr(conv, n) for n in names)\n"
        "assert set(names) <= set(dir(upsampling)) and set(names) <= set(upsampling.__all__)\n"
        "space = {}\n"
        "exec('from upsampling import *', space)\n"
        "assert space['conv2d_transpose'] is conv.conv2d_transpose\n"
        "try:\n"
        "    upsampling.no_such_name\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("function", [pytorch.interpolate, tensorflow.resize, tensorflow.resize_bilinear])
def test_docstring_examples(function):
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder().find(function, function.__name__, globs={})
    assert tests and tests[0].examples or function is tensorflow.resize_bilinear
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


def test_settings_are_declared_and_build_plans():
    """Every PyTorch/TensorFlow Setting builds a plan for an up- and a downscale."""
    settings = [s for s in all_settings() if s.framework in ("PyTorch", "TensorFlow")]
    assert {s.framework for s in settings} == {"PyTorch", "TensorFlow"}
    assert len(settings) >= 25
    for s in settings:
        for n_in, n_out in ((5, 8), (9, 4)):
            p = s.plan(n_in, n_out)
            assert p.n_in == n_in and p.n_out == n_out
            np.testing.assert_allclose(p.weight.sum(axis=1), 1.0, atol=1e-6, err_msg=s.call)


# --- refusals (messages are PyTorch's / TensorFlow's own; the parity suite compares them live) ---

@pytest.mark.parametrize(
    "kw,error,message",
    [
        (dict(size=3, mode="cubic"), InvalidArgumentError, "mode='cubic' is not allowed"),
        (dict(size=3, align_corners=True), InvalidArgumentError, "align_corners option can only be set"),
        (dict(size=3, scale_factor=2.0), InvalidArgumentError, "only one of size or scale_factor"),
        (dict(), InvalidArgumentError, "either size or scale_factor should be defined"),
        (dict(scale_factor=float("inf")), InvalidArgumentError, "a finite number"),
        (dict(scale_factor=float("nan")), InvalidArgumentError, "a finite number"),
        (dict(size=(2.5, 3)), InvalidArgumentError, "expected size to be one of int"),
        (dict(size=(0, 3), mode="bilinear"), InvalidArgumentError, "output (H: 0, W: 3)"),
        (dict(size=3, mode="trilinear"), UnsupportedError, "Got 4D input, but trilinear mode needs 5D input"),
        (dict(size=3, mode="nearest", antialias=True), UnsupportedError, "Anti-alias option is restricted"),
        (dict(size=3, mode="lanczos"), UnsupportedError, "Lanczos mode requires antialias=True"),
    ],
)
def test_interpolate_refusals(kw, error, message):
    with pytest.raises(error) as exc:
        pytorch.interpolate(np.zeros((1, 2, 4, 5), np.float32), **kw)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    "dtype,mode,antialias",
    [("int32", "nearest", False), ("uint8", "area", False), ("float16", "bilinear", True),
     ("int8", "bicubic", False)],
)
def test_interpolate_dtype_refusals(dtype, mode, antialias):
    with pytest.raises(DTypeError, match="not implemented for"):
        pytorch.interpolate(np.zeros((1, 1, 4, 4), dtype), size=3, mode=mode, antialias=antialias)


def test_interpolate_area_allows_an_empty_output():
    y = pytorch.interpolate(np.ones((1, 2, 5, 7), np.float32), scale_factor=0.1, mode="area")
    assert y.shape == (1, 2, 0, 0) and y.dtype == np.float32


def test_interpolate_returns_a_new_array_when_nothing_changes():
    x = np.ones((1, 1, 3, 3), np.float32)
    y = pytorch.interpolate(x, size=3, mode="bilinear")
    assert y is not x and np.shares_memory(x, y) is False


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda x: tensorflow.resize(x, (3, 4), method="foo"), InvalidArgumentError,
         "Resize method is not implemented: foo"),
        (lambda x: tensorflow.resize(x[0, 0], (3, 4)), ShapeError,
         "'images' must have either 3 or 4 dimensions."),
        (lambda x: tensorflow.resize(x, (3,)), InvalidArgumentError,
         "'size' must be a 1-D Tensor of 2 elements: new_height, new_width"),
        (lambda x: tensorflow.resize(x, (0, 3)), InvalidArgumentError, "output dimensions must be positive"),
        (lambda x: tensorflow.resize_bicubic(x, (3, 4), align_corners=True, half_pixel_centers=True),
         UnsupportedError, "If half_pixel_centers is True, align_corners must be False."),
        (lambda x: tensorflow.resize_bilinear(x[0], (3, 4)), ShapeError,
         "input must be 4-dimensional[5,7,2]"),
        (lambda x: tensorflow.resize_area(x.astype(np.uint32), (3, 4)), DTypeError,
         "Value for attr 'T' of uint32 is not in the list of allowed values"),
    ],
)
def test_tensorflow_refusals(call, error, message):
    with pytest.raises(error) as exc:
        call(np.zeros((1, 5, 7, 2), np.float32))
    assert message in str(exc.value)


@pytest.mark.parametrize("method", tensorflow.RESIZE_METHODS)
@pytest.mark.parametrize("dtype", ["uint8", "int16", "float16", "float64"])
def test_tensorflow_dtype_rule(method, dtype):
    y = tensorflow.resize(np.ones((4, 5, 1), dtype), (3, 7), method=method)
    assert y.dtype == (np.dtype(dtype) if method == "nearest" else np.float32)


# --- engine knobs the twins rely on ---

def test_fused_multiply_add_rounds_once():
    """PyTorch's generic nearest-exact: 2 -> 41, output 20 sits on a tie that one rounding resolves."""
    s = float(np.float32(2) / np.float32(41))
    two = coords.source_coordinates(2, 41, "half_pixel", inv_scale=s, precision="float32")
    one = coords.source_coordinates(2, 41, "half_pixel", inv_scale=s, precision="float32", fused=True)
    assert one.dtype == np.float32
    assert two[20] == np.float32(0.49999994) and one[20] == np.float32(0.49999997)
    assert np.abs(one.astype(float) - two.astype(float)).max() <= 6e-8


def test_rounding_precision_float32_is_floorf_of_x_plus_half():
    x = np.array([0.49999997, 1.2, 2.5, -0.3], dtype=np.float32)
    exact = coords.nearest_index(x, "round_prefer_ceil", 10)
    floorf = coords.nearest_index(x, "round_prefer_ceil", 10, rounding_precision="float32")
    assert exact.tolist() == [0, 1, 3, 0] and floorf.tolist() == [1, 1, 3, 0]
    x64 = np.array([2.9999999999])  # floorf(double) rounds its argument to float32 first
    assert coords.nearest_index(x64, "floor", 10).tolist() == [2]
    assert coords.nearest_index(x64, "floor", 10, rounding_precision="float32").tolist() == [3]


def test_fixed_point_plan():
    base = plan.interpolation_plan(5, 12, "cubic", "half_pixel", cubic_coeff_a=-0.75)
    fixed = plan.fixed_point_plan(base)
    # taps that read the same (clamped) pixel are merged: at most one non-zero weight per pixel
    for row_index, row_weight in zip(fixed.index, fixed.weight):
        used = row_index[row_weight != 0]
        assert len(used) == len(set(used.tolist()))
    # weights are multiples of 2**-p, with the largest just inside a signed 16-bit word
    p = next(p for p in range(23) if np.all(np.mod(fixed.weight * 2.0**p, 1) == 0))
    assert np.abs(fixed.weight * 2.0**p).max() < 2**15 <= np.abs(fixed.weight * 2.0 ** (p + 1)).max() * 2
    np.testing.assert_allclose(fixed.matrix(), base.matrix(), atol=2.0**-p)


def test_area_plan_tf_boxes():
    # align_corners boxes of width (in-1)/(out-1) run past the end and read the last pixel
    inv = float(np.float32(5) / np.float32(3))
    replicate = plan.area_plan(6, 4, "overlap", precision="float32", inv_scale=inv, border="replicate")
    exclude = plan.area_plan(6, 4, "overlap", precision="float32", inv_scale=inv)
    x = np.arange(1.0, 7.0)
    np.testing.assert_allclose(replicate.matrix() @ x, [1.4, 3.0, 4.6, 6.0], rtol=1e-6)
    assert (exclude.matrix() @ x)[-1] < 4
    # a box inside one pixel weighs it by exactly 1 (TF), whatever the float32 rounding of its ends
    up = plan.area_plan(161, 363, "overlap", precision="float32", border="replicate")
    sc = np.float32(161) / np.float32(363)
    lo, hi = np.arange(363, dtype=np.float32) * sc, np.arange(1, 364, dtype=np.float32) * sc
    inside = (np.floor(lo) < lo) & (np.floor(lo) + 1 > hi)
    assert inside.sum() > 100 and np.all(up.weight[inside].max(axis=1) == 1.0)
