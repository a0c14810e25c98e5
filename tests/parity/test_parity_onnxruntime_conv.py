"""ONNX twin vs live ONNX Runtime ConvTranspose (opset 22, CPU, float32) over the attribute grid.

ORT's CPU kernel has no float64 ConvTranspose, so ORT runs float32 and the twin runs float64 on the
same data.  Where ORT refuses an attribute combination, the twin must refuse it too.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import framework
from upsampling.errors import UpsamplingError
from upsampling.frameworks import onnx as twin

pytestmark = pytest.mark.parity

OPSET = 22


def _run_ort(x, w, b, attrs):
    """A one-node model run by ONNX Runtime; any ORT failure (creation or run) propagates."""
    from onnx import TensorProto, helper

    ort = framework("onnxruntime")
    inputs = ["X", "W"] + (["B"] if b is not None else [])
    node = helper.make_node("ConvTranspose", inputs, ["Y"], **attrs)
    infos = [
        helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x.shape)),
        helper.make_tensor_value_info("W", TensorProto.FLOAT, list(w.shape)),
    ]
    if b is not None:
        infos.append(helper.make_tensor_value_info("B", TensorProto.FLOAT, list(b.shape)))
    graph = helper.make_graph([node], "g", infos, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 10
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {"X": x, "W": w} if b is None else {"X": x, "W": w, "B": b}
    return session.run(None, feeds)[0]


def _random_attributes(rng, size, kernel):
    nd = len(size)
    attrs = {}
    s = [int(v) for v in rng.integers(1, 5, nd)]
    d = [int(rng.choice([1, 1, 2, 3])) for _ in range(nd)]
    if rng.random() < 0.8:
        attrs["strides"] = s
    else:
        s = [1] * nd
    if rng.random() < 0.5:
        attrs["dilations"] = d
    else:
        d = [1] * nd
    k_eff = [(k - 1) * di + 1 for k, di in zip(kernel, d)]
    auto_pad = str(rng.choice(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
    if auto_pad != "NOTSET" or rng.random() < 0.3:
        attrs["auto_pad"] = auto_pad
    if auto_pad == "NOTSET" and rng.random() < 0.7:
        attrs["pads"] = [int(v) for v in rng.integers(0, 4, 2 * nd)]
    if rng.random() < 0.5:
        # mostly valid (< stride), sometimes < dilation only, sometimes too large
        attrs["output_padding"] = [int(rng.integers(0, max(si, di) + (rng.random() < 0.15))) for si, di in zip(s, d)]
    if rng.random() < 0.35:
        # output_shape from 1 to past the full output (ORT's accepted range ends at full + s - 1)
        attrs["output_shape"] = [
            int(rng.integers(1, (n - 1) * si + ke + si + 1)) for n, si, ke in zip(size, s, k_eff)
        ]
    if rng.random() < 0.2:
        attrs["kernel_shape"] = list(kernel)
    return attrs


def test_conv_transpose_matches_onnxruntime_on_random_grid(rng):
    compared = refused = 0
    for trial in range(250):
        nd = int(rng.choice([1, 2, 2, 3]))
        g = int(rng.choice([1, 1, 2, 3]))
        c_in, m_g = g * int(rng.integers(1, 3)), int(rng.integers(1, 3))
        size = [int(rng.choice([1, 1, 2, 3, 5, 7])) for _ in range(nd)]
        k = [int(rng.integers(1, 8 if nd < 3 else 4)) for _ in range(nd)]
        x = rng.normal(size=(2, c_in, *size)).astype(np.float32)
        w = rng.normal(size=(c_in, m_g, *k)).astype(np.float32)
        b = rng.normal(size=(g * m_g,)).astype(np.float32) if rng.random() < 0.5 else None
        attrs = _random_attributes(rng, size, k)
        if g > 1:
            attrs["group"] = g
        config = dict(trial=trial, x=x.shape, w=w.shape, bias=b is not None, **attrs)
        try:
            expected = _run_ort(x, w, b, attrs)
        except Exception as exc:  # ORT refuses: so must the twin
            with pytest.raises(UpsamplingError) as info:
                twin.conv_transpose(x.astype(np.float64), w.astype(np.float64),
                                    None if b is None else b.astype(np.float64), **attrs)
            assert isinstance(info.value, (ValueError, TypeError)), config
            refused += 1
            continue
        y = twin.conv_transpose(x.astype(np.float64), w.astype(np.float64),
                                None if b is None else b.astype(np.float64), **attrs)
        y32 = twin.conv_transpose(x, w, b, **attrs)
        assert y.shape == expected.shape and y32.dtype == np.float32, (config, y.shape, expected.shape)
        scale = max(1.0, float(np.abs(y).max(initial=0)))
        np.testing.assert_allclose(expected, y, rtol=1e-5, atol=1e-5 * scale, err_msg=str(config))
        np.testing.assert_allclose(y32, y, rtol=1e-5, atol=1e-5 * scale, err_msg=str(config))
        compared += 1
    assert compared > 150 and refused > 10, (compared, refused)


def test_output_shape_acceptance_matches_onnxruntime(rng):
    """ORT accepts output_shape 1 .. s·(in-1) + k_eff + s - 1 (when output_padding < stride): the forward
    convolution must map it back to the input, with the padding clamped at 0."""
    checked = 0
    for trial in range(12):
        n, k, s, d = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
        op = int(rng.integers(0, max(s, d)))
        auto_pad = str(rng.choice(["NOTSET", "SAME_UPPER", "SAME_LOWER"]))
        x = rng.normal(size=(1, 1, n)).astype(np.float32)
        w = rng.normal(size=(1, 1, k)).astype(np.float32)
        for out in range(1, (n - 1) * s + (k - 1) * d + 1 + s + 2):
            attrs = dict(strides=[s], dilations=[d], output_padding=[op], output_shape=[out], auto_pad=auto_pad)
            try:
                expected = _run_ort(x, w, None, attrs)
            except Exception:
                with pytest.raises(UpsamplingError):
                    twin.conv_transpose(x, w, **attrs)
            else:
                np.testing.assert_allclose(twin.conv_transpose(x, w, **attrs), expected, rtol=1e-5, atol=1e-5,
                                           err_msg=str((n, k, attrs)))
            checked += 1
    assert checked > 100


def test_same_upper_is_tensorflow_same_and_same_lower_is_the_mirror(rng):
    """SAME_UPPER crops the odd element at the end (TF's SAME); SAME_LOWER at the start.  Without
    output_shape the size is in·s, except that ORT clamps the padding at 0: a kernel smaller than
    the stride gives the full output (in-1)·s + k, shorter than the spec's in·s."""
    short = 0
    for trial in range(30):
        n, k, s = int(rng.integers(2, 7)), int(rng.integers(1, 6)), int(rng.integers(1, 4))
        x = rng.normal(size=(1, 1, n)).astype(np.float32)
        w = rng.normal(size=(1, 1, k)).astype(np.float32)
        zero_inserted = np.zeros((n - 1) * s + 1)
        zero_inserted[::s] = x[0, 0]
        full = np.convolve(zero_inserted, w[0, 0])
        total = max(0, full.size - n * s)
        out = full.size - total
        short += out < n * s
        upper = _run_ort(x, w, None, dict(strides=[s], auto_pad="SAME_UPPER"))[0, 0]
        lower = _run_ort(x, w, None, dict(strides=[s], auto_pad="SAME_LOWER"))[0, 0]
        np.testing.assert_allclose(upper, full[total // 2 : total // 2 + out], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(lower, full[total - total // 2 : total - total // 2 + out], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(twin.conv_transpose(x, w, strides=[s], auto_pad="SAME_UPPER")[0, 0], upper,
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(twin.conv_transpose(x, w, strides=[s], auto_pad="SAME_LOWER")[0, 0], lower,
                                   rtol=1e-5, atol=1e-5)
    assert short > 0


def test_empty_arrays_as_onnxruntime_does():
    """Issue 19 (item 10a): zero batch, channels or spatial sizes.  ORT returns zeros for an empty
    input channel axis or a 1-D/2-D empty spatial axis, an empty array for zero batch or output
    channels, refuses output lengths <= 0 and fails on a 3-D empty spatial axis; its output size
    check divides as C++ does (towards zero), which matters for an empty input axis."""
    from conv_empty_grid import compare, configurations, outcome

    problems = []
    for c in configurations(1920, 150, dtypes=(np.float32,)):
        nd, rng = c["nd"], c["rng"]
        pads = [int(rng.integers(0, 3)) for _ in range(2 * nd)]
        op = [min(o, max(a, b) - 1) for o, a, b in zip(c["op"], c["s"], c["d"])] if rng.random() < 0.7 else c["op"]
        attrs = dict(strides=c["s"], dilations=c["d"], group=c["g"], pads=pads, output_padding=op)
        if rng.random() < 0.2:
            attrs.pop("pads")
            attrs["auto_pad"] = str(rng.choice(["SAME_UPPER", "SAME_LOWER", "VALID"]))
        ref = outcome(lambda: _run_ort(c["x"], c["w"], None, attrs))
        got = outcome(lambda: twin.conv_transpose(c["x"], c["w"], **attrs))
        problem = compare(f"X {c['x'].shape} W {c['w'].shape} {attrs}", ref, got)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems[:10])
