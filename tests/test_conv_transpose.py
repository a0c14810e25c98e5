"""The transposed-convolution engine: fast path vs the textbook and scatter references, the adjoint
identity, impulse responses, the seed example, dtypes, layouts and bad input (no framework needed)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import upsampling
from upsampling import options, shapes
from upsampling.conv_transpose import conv, conv_transpose
from upsampling.errors import (
    DTypeError,
    InvalidArgumentError,
    OutputTooLargeError,
    ShapeError,
    UnsupportedError,
    UpsamplingError,
)
from upsampling.frameworks import onnx as onnx_twin
from upsampling.frameworks import pytorch as torch_twin
from upsampling.layouts import (
    onnx_to_tf_weight,
    onnx_to_torch_weight,
    tf_to_onnx_weight,
    tf_to_torch_weight,
    to_channels_first,
    to_channels_last,
    torch_to_onnx_weight,
    torch_to_tf_weight,
)
from upsampling.reference.conv_transpose_scatter import conv_transpose_scatter
from upsampling.reference.conv_transpose_textbook import conv_transpose_textbook


def _random_case(rng, nd=None, max_size=5):
    """Random shapes for the canonical layout: x (N, C_in, *in), w (C_in, C_out/g, *k)."""
    nd = int(rng.integers(1, 4)) if nd is None else nd
    g = int(rng.choice([1, 1, 2, 3]))
    c_in, m_g = g * int(rng.integers(1, 3)), int(rng.integers(1, 3))
    size = [int(rng.integers(1, max_size + 1)) for _ in range(nd)]
    k = [int(rng.integers(1, 6)) for _ in range(nd)]
    s = [int(rng.integers(1, 5)) for _ in range(nd)]
    d = [int(rng.choice([1, 1, 2, 3])) for _ in range(nd)]
    x = rng.normal(size=(int(rng.integers(1, 3)), c_in, *size))
    w = rng.normal(size=(c_in, m_g, *k))
    return x, w, s, d, g


def _tf_padding(rng, nd):
    kind = str(rng.choice(["SAME", "VALID", "EXPLICIT"]))
    if kind == "EXPLICIT":
        return [(int(rng.integers(0, 4)), int(rng.integers(0, 4))) for _ in range(nd)]
    return kind


# --------------------------------------------------------------------------------------------
# the engine against its two readable references


def test_engine_equals_textbook_and_scatter_on_random_grid(rng):
    """Fast GEMM + col2im == zero-insert/pad/rotate (TF conventions) == scatter, 1-D to 3-D."""
    checked = 0
    for trial in range(200):
        x, w, s, d, g = _random_case(rng)
        nd = x.ndim - 2
        padding = _tf_padding(rng, nd)
        per_axis = padding if isinstance(padding, list) else [padding] * nd
        valid = [
            shapes.valid_conv_transpose_output_sizes(n, k, si, p, di)
            for n, k, si, di, p in zip(x.shape[2:], w.shape[2:], s, d, per_axis)
        ]
        if any(len(v) == 0 for v in valid):
            continue
        out = [int(rng.choice(list(v))) for v in valid]
        config = dict(trial=trial, x=x.shape, w=w.shape, s=s, d=d, g=g, padding=padding, out=out)
        steps = conv_transpose_textbook(x, w, s, padding, out, d, g)
        crops = [
            shapes.conv_transpose_crop(n, o, k, si, p, di)[0]
            for n, o, k, si, di, p in zip(x.shape[2:], out, w.shape[2:], s, d, per_axis)
        ]
        fast = conv_transpose(x, w, strides=s, dilations=d, pads_begin=crops, output_size=out, groups=g)
        scatter = conv_transpose_scatter(x, w, s, d, crops, out, g)
        assert fast.shape == (x.shape[0], w.shape[1] * g, *out), config
        np.testing.assert_allclose(fast, steps.output, rtol=1e-12, atol=1e-12, err_msg=str(config))
        np.testing.assert_allclose(fast, scatter, rtol=1e-12, atol=1e-12, err_msg=str(config))
        checked += 1
    assert checked > 150


def test_reference_option_switches_the_engine_to_the_scatter_path(rng):
    for _ in range(20):
        x, w, s, d, g = _random_case(rng)
        nd = x.ndim - 2
        pb = [int(v) for v in rng.integers(-2, 3, nd)]
        pe = [int(v) for v in rng.integers(-2, 3, nd)]
        full = [(n - 1) * si + (k - 1) * di + 1 for n, k, si, di in zip(x.shape[2:], w.shape[2:], s, d)]
        if any(f - a - b < 1 for f, a, b in zip(full, pb, pe)):
            continue
        fast = conv_transpose(x, w, strides=s, dilations=d, pads_begin=pb, pads_end=pe, groups=g)
        with options(kernel="reference"):
            slow = conv_transpose(x, w, strides=s, dilations=d, pads_begin=pb, pads_end=pe, groups=g)
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


def test_textbook_steps_are_the_seed_steps():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    k = np.arange(9.0).reshape(3, 3)
    steps = conv_transpose_textbook(x, k, strides=2, padding="VALID")
    # (1) stride-1 zeros between elements: n elements -> (n-1)*s + 1, not n*s
    np.testing.assert_array_equal(steps.zero_inserted, [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    # (2) VALID: kernel-1 zeros on every side
    assert steps.pads == ((2, 2), (2, 2))
    assert steps.padded.shape == (7, 7)
    np.testing.assert_array_equal(steps.padded[2:5, 2:5], steps.zero_inserted)
    assert steps.padded[:2].sum() == 0 and steps.padded[:, 5:].sum() == 0
    # (3) the kernel rotated by 180 degrees
    np.testing.assert_array_equal(steps.rotated_kernel, k[::-1, ::-1])
    assert steps.output.shape == (5, 5) == steps.output_size
    # The corner output only sees x[0,0] times the kernel's first tap; the centre sums four stamps.
    assert steps.output[0, 0] == 1 * k[0, 0]
    assert steps.output[2, 2] == 1 * k[2, 2] + 2 * k[2, 0] + 3 * k[0, 2] + 4 * k[0, 0]
    # SAME with an odd total: TF crops the extra pixel at the end, so the textbook pads less there.
    same = conv_transpose_textbook(np.arange(1.0, 5.0), np.array([1.0, 10.0, 100.0, 1000.0]), strides=2, padding="SAME")
    assert same.output_size == (8,)
    full = np.convolve(np.array([1.0, 0, 2, 0, 3, 0, 4]), [1.0, 10.0, 100.0, 1000.0])  # length 10
    np.testing.assert_array_equal(same.output, full[1:9])  # total 2: one off each end
    odd = conv_transpose_textbook(np.arange(1.0, 5.0), np.array([1.0, 10.0, 100.0]), strides=2, padding="SAME")
    full = np.convolve(np.array([1.0, 0, 2, 0, 3, 0, 4]), [1.0, 10.0, 100.0])  # length 9, out 8: total 1
    np.testing.assert_array_equal(odd.output, full[:8])  # the odd pixel is cropped at the end
    assert odd.pads == ((2, 1),) and "odd pixel after" in odd.pad_reasons[0]
    # Dilation is a sparse larger kernel.
    dil = conv_transpose_textbook(np.ones(2), np.array([1.0, 2.0]), strides=1, dilations=3)
    np.testing.assert_array_equal(dil.dilated_kernel, [1, 0, 0, 2])
    np.testing.assert_array_equal(dil.rotated_kernel, [2, 0, 0, 1])
    np.testing.assert_array_equal(dil.output, [1, 1, 0, 2, 2])


def test_impulse_response_is_the_kernel_at_the_stride_offset(rng):
    """One input element = 1 stamps the kernel at i*s (minus the crop): the scatter view."""
    w = rng.normal(size=(1, 1, 3, 4))
    x = np.zeros((1, 1, 4, 5))
    x[0, 0, 2, 3] = 1.0
    y = conv_transpose(x, w, strides=(2, 3))
    expect = np.zeros((1, 1, 3 * 2 + 3, 4 * 3 + 4))
    expect[0, 0, 4:7, 9:13] = w[0, 0]
    np.testing.assert_array_equal(y, expect)
    # the TensorFlow face crops the forward padding: SAME, k=3, s=2, out 8: total 1 -> crop 0 before
    y_tf = upsampling.conv2d_transpose(x.transpose(0, 2, 3, 1), w.transpose(2, 3, 1, 0), (1, 8, 15, 1), (2, 3))
    np.testing.assert_array_equal(y_tf[0, :, :, 0], expect[0, 0, :8, 0:15])
    # PyTorch: padding 1 crops one from both ends, output_padding 1 gives one back at the end
    y_pt = torch_twin.conv_transpose2d(x, w, stride=(2, 3), padding=1, output_padding=1)
    np.testing.assert_array_equal(y_pt[0, 0], expect[0, 0, 1:, 1:])
    # dilation spreads the taps
    y_d = conv_transpose(x, w, strides=(2, 3), dilations=(2, 1))
    assert y_d[0, 0, 4:9:2, 9:13].tolist() == w[0, 0].tolist() and y_d.sum() == pytest.approx(w.sum())


def test_seed_example_ones():
    """The seed's x = ones(1,28,28,3), w = ones(4,4,5,3), SAME, stride 2 -> (1,56,56,5), TF's numbers."""
    x = np.ones((1, 28, 28, 3))
    w = np.ones((4, 4, 5, 3))
    y = upsampling.conv2d_transpose(x, w, output_shape=(1, 56, 56, 5), strides=2, padding="SAME")
    assert y.shape == (1, 56, 56, 5) and y.dtype == np.float64
    # Each output pixel sums 3 channels times the taps that reach it: full index o+1 (crop 1),
    # reached by (i, j) with 2i + j = o + 1, 0 <= i < 28, 0 <= j < 4.
    count = np.array([sum(1 for j in range(4) if (o + 1 - j) % 2 == 0 and 0 <= (o + 1 - j) // 2 < 28) for o in range(56)])
    np.testing.assert_array_equal(y[0, :, :, 0], 3.0 * np.outer(count, count))
    assert count[0] == 1 and count[1] == 2 and count[55] == 1
    assert np.all(y == y[..., :1])  # every output channel sees the same ones


def test_seed_example_random(rng):
    x = rng.normal(size=(1, 28, 28, 3))
    w = rng.normal(size=(4, 4, 5, 3))
    y = upsampling.conv2d_transpose(x, w, output_shape=[1, 56, 56, 5], strides=2, padding="SAME")
    steps = conv_transpose_textbook(to_channels_first(x), tf_to_torch_weight(w), 2, "SAME", 56)
    np.testing.assert_allclose(to_channels_first(y), steps.output, rtol=1e-12, atol=1e-12)
    # 55 is the other size SAME accepts; it keeps the same start and drops the last row/column
    y55 = upsampling.conv2d_transpose(x, w, output_shape=np.array([1, 55, 55, 5]), strides=2, padding="SAME")
    # total = 58 - 55 = 3: crop 1 before, 2 after -- the same start as 56 (crop 1 before, 1 after)
    np.testing.assert_allclose(y55, y[:, :55, :55], rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# the adjoint pair


def test_adjoint_identity_of_the_engine(rng):
    """<conv(x), y> == <x, conv_transpose(y)> with the same weights, strides, dilations, pads, groups."""
    for trial in range(150):
        x, w, s, d, g = _random_case(rng, max_size=7)
        nd = x.ndim - 2
        # forward weight [C_out, C_in/g, *k] is the transposed weight of the adjoint: reuse w's layout
        wf = rng.normal(size=(w.shape[1] * g, x.shape[1] // g, *w.shape[2:]))
        pb = [int(v) for v in rng.integers(0, 3, nd)]
        pe = [int(v) for v in rng.integers(0, 3, nd)]
        spans = [n + a + b - (k - 1) * di - 1 for n, a, b, k, di in zip(x.shape[2:], pb, pe, w.shape[2:], d)]
        if min(spans) < 0:
            continue
        fx = conv(x, wf, strides=s, dilations=d, pads_begin=pb, pads_end=pe, groups=g)
        y = rng.normal(size=fx.shape)
        ty = conv_transpose(y, wf, strides=s, dilations=d, pads_begin=pb, output_size=x.shape[2:], groups=g)
        assert ty.shape == x.shape
        lhs, rhs = np.vdot(fx, y), np.vdot(x, ty)
        assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10), (trial, x.shape, wf.shape, s, d, pb, pe, g)


def test_adjoint_identity_of_the_tensorflow_faces(rng):
    """conv2d_transpose(y, f, x.shape) is the adjoint of conv2d(x, f) for TF's paddings and layouts."""
    faces = {
        1: (upsampling.conv1d, upsampling.conv1d_transpose, ("NWC", "NCW")),
        2: (upsampling.conv2d, upsampling.conv2d_transpose, ("NHWC", "NCHW")),
        3: (upsampling.conv3d, upsampling.conv3d_transpose, ("NDHWC", "NCDHW")),
    }
    for trial in range(120):
        nd = int(rng.choice([1, 2, 2, 3]))
        forward, transpose, formats = faces[nd]
        fmt = str(rng.choice(formats))
        g = 1 if nd == 3 else int(rng.choice([1, 2]))
        c_in, c_out = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        size = [int(rng.integers(1, 8)) for _ in range(nd)]
        k = [int(rng.integers(1, 5)) for _ in range(nd)]
        s = [int(rng.integers(1, 4)) for _ in range(nd)]
        d = [int(rng.choice([1, 2])) for _ in range(nd)]
        padding = _tf_padding(rng, nd) if nd == 2 else str(rng.choice(["SAME", "VALID"]))
        per_axis = padding if isinstance(padding, list) else [padding] * nd
        if any(shapes.forward_size(n, kk, si, p, di) < 1 for n, kk, si, p, di in zip(size, k, s, per_axis, d)):
            continue
        x = rng.normal(size=(2, *size, c_in))
        f = rng.normal(size=(*k, c_in // g, c_out))
        if fmt.startswith("NC"):
            x = to_channels_first(x)
        tf_pad = padding
        if isinstance(padding, list):
            pairs = [list(p) for p in padding]
            tf_pad = [[0, 0], *pairs, [0, 0]] if fmt == "NHWC" else [[0, 0], [0, 0], *pairs]
        dil = [1, *d, 1] if not fmt.startswith("NC") else [1, 1, *d]
        strides = s if nd != 3 else ([1, *s, 1] if not fmt.startswith("NC") else [1, 1, *s])
        fx = forward(x, f, strides, tf_pad, fmt, dil if nd == 3 else d)
        y = rng.normal(size=fx.shape)
        ty = transpose(y, f, x.shape, s, tf_pad, fmt, d)
        config = (trial, nd, fmt, x.shape, f.shape, s, d, padding)
        assert ty.shape == x.shape, config
        assert np.vdot(fx, y) == pytest.approx(np.vdot(x, ty), rel=1e-10, abs=1e-10), config


# --------------------------------------------------------------------------------------------
# dtypes and layouts


def test_dtypes():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(1, 5, 5, 2))
    w = rng.normal(size=(3, 3, 4, 2))
    ref = upsampling.conv2d_transpose(x, w, (1, 10, 10, 4), 2)
    for dt, tol in ((np.float32, 1e-5), (np.float16, 2e-2)):
        y = upsampling.conv2d_transpose(x.astype(dt), w.astype(dt), (1, 10, 10, 4), 2)
        assert y.dtype == dt
        np.testing.assert_allclose(y, ref, rtol=tol, atol=tol * np.abs(ref).max())
    # TF converts a NumPy input to the filters' dtype (conv2d_transpose) or the filters to the
    # input's (conv2d), as it does for NumPy arguments
    assert upsampling.conv2d_transpose(x, w.astype(np.float32), (1, 10, 10, 4), 2).dtype == np.float32
    assert upsampling.conv2d(x, w.transpose(0, 1, 3, 2).astype(np.float32), 1, "SAME").dtype == np.float64
    # int32 is one of TF's kernel types and wraps on overflow like TF's
    xi = np.full((1, 2, 2, 1), 100000, np.int32)
    yi = upsampling.conv2d_transpose(xi, np.full((1, 1, 1, 1), 100000, np.int32), (1, 2, 2, 1), 1)
    assert yi.dtype == np.int32 and yi[0, 0, 0, 0] == np.int32(np.int64(10**10).astype(np.int32))
    with pytest.raises(DTypeError, match="truncate"):
        upsampling.conv2d_transpose(x, w.astype(np.int32), (1, 10, 10, 4), 2)
    with pytest.raises(DTypeError, match="int64"):
        upsampling.conv2d_transpose(x.astype(np.int64), w.astype(np.int64), (1, 10, 10, 4), 2)
    with pytest.raises(DTypeError, match="mixed"):
        upsampling.conv1d_transpose(x[:, 0], w[0].astype(np.float32), (1, 10, 4), 2)
    with pytest.raises(DTypeError):
        upsampling.conv2d_transpose(x.astype(bool), w, (1, 10, 10, 4), 2)
    # the engine promotes like NumPy and accumulates integers in int64
    xe = rng.integers(-5, 5, size=(1, 2, 4))
    we = rng.integers(-5, 5, size=(2, 3, 3))
    ye = conv_transpose(xe, we, strides=2)
    assert ye.dtype == np.int64
    np.testing.assert_array_equal(ye, conv_transpose(xe.astype(float), we.astype(float), strides=2))
    assert conv_transpose(xe.astype(np.float32), we.astype(np.float64), strides=2).dtype == np.float64


def test_weight_layout_conversions_round_trip(rng):
    w_tf = rng.normal(size=(3, 4, 5, 6))  # [kh, kw, out/g, in]
    w_pt = tf_to_torch_weight(w_tf)
    assert w_pt.shape == (6, 5, 3, 4)
    np.testing.assert_array_equal(w_pt, w_tf.transpose(3, 2, 0, 1))
    np.testing.assert_array_equal(torch_to_tf_weight(w_pt), w_tf)
    np.testing.assert_array_equal(onnx_to_torch_weight(torch_to_onnx_weight(w_pt)), w_pt)
    np.testing.assert_array_equal(onnx_to_tf_weight(tf_to_onnx_weight(w_tf)), w_tf)
    for nd in (1, 3):
        w = rng.normal(size=(*range(2, 2 + nd), 5, 6))
        assert tf_to_torch_weight(w).shape == (6, 5, *range(2, 2 + nd))
        np.testing.assert_array_equal(torch_to_tf_weight(tf_to_torch_weight(w)), w)
    x = rng.normal(size=(2, 3, 4, 5))
    np.testing.assert_array_equal(to_channels_last(to_channels_first(x)), x)
    assert to_channels_first(x).shape == (2, 5, 3, 4)
    with pytest.raises(ShapeError):
        tf_to_torch_weight(np.ones((3, 3)))


def test_the_three_twins_agree_through_converted_weights(rng):
    """One weight, converted for each framework, gives the same output from each twin."""
    for trial in range(40):
        g = int(rng.choice([1, 2]))
        c_in, m = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        n_in = [int(v) for v in rng.integers(1, 7, 2)]
        k = [int(v) for v in rng.integers(1, 6, 2)]
        s = [int(v) for v in rng.integers(1, 4, 2)]
        w_pt = rng.normal(size=(c_in, m // g, *k))
        x = rng.normal(size=(2, c_in, *n_in))
        full = [(a - 1) * si + kk for a, si, kk in zip(n_in, s, k)]
        # ONNX Runtime's SAME_UPPER size: in·s, or the full output when the kernel is smaller than the
        # stride; both are sizes TF's SAME accepts
        out = [min(n * si, f) for n, si, f in zip(n_in, s, full)]
        y_tf = upsampling.conv2d_transpose(
            to_channels_last(x), torch_to_tf_weight(w_pt), (2, *out, m), s, "SAME"
        )
        y_onnx = onnx_twin.conv_transpose(x, torch_to_onnx_weight(w_pt), strides=s, group=g, auto_pad="SAME_UPPER")
        np.testing.assert_allclose(to_channels_first(y_tf), y_onnx, rtol=1e-12, atol=1e-12, err_msg=str(trial))
        y_full = torch_twin.conv_transpose2d(x, onnx_to_torch_weight(w_pt), stride=s, groups=g)
        crop = [(f - o) // 2 for f, o in zip(full, out)]
        expect = y_full[:, :, crop[0] : crop[0] + out[0], crop[1] : crop[1] + out[1]]
        np.testing.assert_allclose(y_onnx, expect, rtol=1e-12, atol=1e-12, err_msg=str(trial))


# --------------------------------------------------------------------------------------------
# bad input


def _tf_call(**changes):
    kw = dict(
        input=np.ones((1, 28, 28, 3)),
        filters=np.ones((4, 4, 5, 3)),
        output_shape=(1, 56, 56, 5),
        strides=2,
        padding="SAME",
        data_format="NHWC",
        dilations=None,
    )
    kw.update(changes)
    return upsampling.conv2d_transpose(**kw)


def test_output_shape_mismatch_message_names_dimension_mapping_and_valid_sizes():
    with pytest.raises(ShapeError) as info:
        _tf_call(output_shape=(1, 57, 56, 5))
    text = str(info.value)
    assert isinstance(info.value, ValueError) and info.value.parameter == "output_shape"
    assert "output_shape[1] = 57 (height)" in text
    assert "back to an input height of 29" in text and "input's height is 28" in text
    assert "55 or 56" in text
    assert "actual = 28, computed = 29 spatial_dim: 1 input: 57 filter: 4 output: 28 stride: 2" in text
    with pytest.raises(ShapeError, match=r"output_shape\[3\] = 53 \(width\).*Valid output widths for this input: 58 or 59"):
        _tf_call(output_shape=(1, 5, 58, 53), padding="VALID", data_format="NCHW", input=np.ones((1, 3, 28, 28)))
    with pytest.raises(ShapeError, match="no output for an output height of 2"):
        _tf_call(output_shape=(1, 2, 2, 5), padding="VALID", input=np.ones((1, 1, 1, 3)), filters=np.ones((4, 4, 5, 3)))


@pytest.mark.parametrize(
    "changes, error, fragment",
    [
        (dict(filters=np.ones((4, 4, 5, 2))), ShapeError, "input has 3 channels but filters.shape[3]"),
        (dict(output_shape=(1, 56, 56, 7)), ShapeError, "must be a positive multiple of filters.shape[2] = 5"),
        (dict(output_shape=(1, 56, 56, 10)), ShapeError, "groups=2, which does not divide the input's 3 channels"),
        (dict(output_shape=(2, 56, 56, 5)), ShapeError, "batch size 2 but input has 1"),
        (dict(output_shape=(1, 56, 5)), InvalidArgumentError, "length 4 or 2"),
        (dict(output_shape=(1, 56.0, 56, 5)), InvalidArgumentError, "output_shape"),
        (dict(input=np.ones((28, 28, 3))), ShapeError, "a 4-D array in NHWC layout"),
        (dict(filters=np.ones((4, 5, 3))), ShapeError, "a 4-D array"),
        (dict(strides=0), InvalidArgumentError, "Stride must be > 0"),
        (dict(strides=[1, 2, 3]), InvalidArgumentError, "length 1 or 2 or 4"),
        (dict(strides=[2, 2, 2, 2]), UnsupportedError, "batch and depth dimensions"),
        (dict(dilations=0), InvalidArgumentError, "Dilated rates should be larger than 0"),
        (dict(dilations=[1, 1, 1, 2]), UnsupportedError, "batch and channel entries must be 1"),
        (dict(padding="same"), InvalidArgumentError, "Upper case"),
        (dict(padding="FULL"), InvalidArgumentError, "'SAME', 'VALID' or an explicit list"),
        (dict(padding=[[0, 0], [1, 1], [1, 1]]), InvalidArgumentError, "a list of 4 (before, after) pairs"),
        (dict(padding=[[1, 0], [1, 1], [1, 1], [0, 0]]), UnsupportedError, "batch and channel pairs must be [0, 0]"),
        (dict(padding=[[0, 0], [-1, 1], [1, 1], [0, 0]]), InvalidArgumentError, "nonnegative"),
        (dict(data_format="NCWH"), InvalidArgumentError, "'NHWC', 'NCHW'"),
        (dict(input=np.ones((1, 28, 28, 3), dtype=complex)), DTypeError, "real numeric dtype"),
    ],
)
def test_tensorflow_face_refusals(changes, error, fragment):
    with pytest.raises(error) as info:
        _tf_call(**changes)
    assert fragment in str(info.value)
    assert isinstance(info.value, (ValueError, TypeError)) and isinstance(info.value, UpsamplingError)
    assert info.value.parameter


@pytest.mark.parametrize(
    "call, error, fragment",
    [
        (lambda x, w: conv_transpose(x, w[:2]), ShapeError, "w.shape[0] == C_in = 4"),
        (lambda x, w: conv_transpose(x[0], w), ShapeError, "a 3-D weight"),
        (lambda x, w: conv_transpose(x[0, 0], w[0, 0]), ShapeError, "at least one spatial axis"),
        (lambda x, w: conv_transpose(x, w, strides=0), InvalidArgumentError, "positive integer"),
        (lambda x, w: conv_transpose(x, w, strides=(1, 2, 3)), InvalidArgumentError, "length 1 or 2"),
        (lambda x, w: conv_transpose(x, w, dilations=-1), InvalidArgumentError, "positive integer"),
        (lambda x, w: conv_transpose(x, w, groups=3), InvalidArgumentError, "divisor of the input channels C_in=4"),
        (lambda x, w: conv_transpose(x, w, groups=0), InvalidArgumentError, "positive integer"),
        (lambda x, w: conv_transpose(x, w, pads_begin=5, pads_end=5), ShapeError, "an output size >= 0"),
        (lambda x, w: conv_transpose(x, w, np.ones(5)), ShapeError, "bias"),
        (lambda x, w: conv(x, w, groups=4), ShapeError, "w.shape[1] * groups == C_in"),
        (lambda x, w: conv(np.ones((1, 3, 1, 1)), w), ShapeError, "effective kernel"),
        (lambda x, w: torch_twin.conv_transpose2d(x, w, stride=2, output_padding=2), InvalidArgumentError,
         "output padding must be smaller than either stride or dilation"),
        (lambda x, w: torch_twin.conv_transpose2d(x, w, groups=3), InvalidArgumentError,
         "Given groups=3, expected weight to be divisible by 3 at dimension 0"),
        (lambda x, w: torch_twin.conv_transpose2d(x, w, padding="same"), UnsupportedError, "padding"),
        (lambda x, w: torch_twin.conv_transpose2d(x, w, padding=-1), InvalidArgumentError, "negative padding"),
        (lambda x, w: onnx_twin.conv_transpose(x, w, auto_pad="SAME"), InvalidArgumentError, "NOTSET"),
        (lambda x, w: onnx_twin.conv_transpose(x, w, group=3), InvalidArgumentError, "divisible by group"),
        (lambda x, w: shapes.conv_transpose_output_size(5, 3, stride=2, output_padding=2), InvalidArgumentError,
         "max(stride, dilation) = 2"),
    ],
)
def test_engine_and_twin_refusals(call, error, fragment):
    x = np.ones((1, 4, 5, 5))
    w = np.ones((4, 3, 3, 3))
    with pytest.raises(error) as info:
        call(x, w)
    assert fragment in str(info.value), str(info.value)
    assert isinstance(info.value, UpsamplingError) and isinstance(info.value, (ValueError, TypeError))


def test_output_byte_limit_is_checked_before_allocating():
    x = np.ones((1, 1, 4, 4), np.float32)
    w = np.ones((1, 1, 3, 3), np.float32)
    with options(max_output_bytes=100):
        with pytest.raises(OutputTooLargeError, match="more than the limit of 100 bytes"):
            conv_transpose(x, w, strides=2)  # 9*9*4 = 324 bytes
        with pytest.raises(OutputTooLargeError):
            upsampling.conv2d_transpose(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), (1, 8, 8, 1), 2)
        assert conv_transpose(x[..., :1, :1], w).shape == (1, 1, 3, 3)  # 36 bytes: fine


def test_shapes_refusals():
    with pytest.raises(InvalidArgumentError):
        shapes.conv_output_size(0, 3)
    with pytest.raises(InvalidArgumentError):
        shapes.same_padding(5, 3, stride=0)
    with pytest.raises(InvalidArgumentError):
        shapes.valid_conv_transpose_output_sizes(5, 3, padding="same")
    with pytest.raises(ShapeError, match="sizes the forward convolution maps back to 28"):
        shapes.conv_transpose_crop(28, 57, 4, 2, "SAME")
    with pytest.raises(ShapeError):
        shapes.conv_transpose_output_size(2, 1, stride=1, padding=1)


@pytest.mark.parametrize(
    "name",
    [
        "upsampling.conv_transpose",
        "upsampling.shapes",
        "upsampling.layouts",
        "upsampling.reference.conv_transpose_textbook",
    ],
)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_twin_doctests():
    """The transposed-convolution twins' examples (the whole twin modules are shared with resize)."""
    from upsampling.frameworks import onnx, pytorch

    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for fn in (onnx.conv_transpose, pytorch.conv_transpose2d):
        for test in finder.find(fn, globs={}):
            runner.run(test)
    assert runner.failures == 0 and runner.tries > 0
