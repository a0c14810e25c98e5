"""Hostile input to translate, identify and audit: every refusal is an ``upsampling.errors`` type that
names the parameter, never a bare ValueError/IndexError/MemoryError, and nothing is ever evaluated or
allocated before the bytes are estimated.  No framework is imported (the audit cases need onnx)."""

from __future__ import annotations

import numpy as np
import pytest

from upsampling import port
from upsampling.errors import OutputTooLargeError, UpsamplingError

TRANSLATE = [
    dict(source="", to="pytorch"),
    dict(source=42, to="pytorch"),
    dict(source="F.interpolate(x, size=__import__('os').system('echo PWNED'))", to="pytorch"),
    dict(source="__import__('os').system('echo PWNED')", to="pytorch"),
    dict(source="F.interpolate(x, scale_factor=1e300)", to="pytorch"),
    dict(source="F.interpolate(x, scale_factor=1e999)", to="pytorch"),
    dict(source="F.interpolate(x, size=(10**20, 4))", to="pytorch"),
    dict(source="F.interpolate(x, size=(0, 4))", to="pytorch"),
    dict(source="F.interpolate(x, size=(4, 4))", to="pytorch", input_shape=(1, 3, 100000, 100000)),
    dict(source="F.interpolate(x, size=(4, 4))", to="pytorch", input_shape="1x3x4x4"),
    dict(source="F.interpolate(x, size=(4, 4))", to="caffe"),
    dict(source="F.interpolate(x, size=(4, 4))", to="pytorch", opset="x"),
    dict(source="tf.keras.layers.UpSampling2D(size=0)", to="pytorch"),
    dict(source="Resize(scales=[1, 1, 2, 2], mode='cubic', cubic_coeff_a='x')", to="pytorch"),
    dict(source="Resize(scales=[1, 1, 2, 2], opset='x')", to="pytorch"),
    dict(source="Resize(sizes=['a', 'b'])", to="pytorch"),
    dict(source="Resize(scales=[2, 2], axes=7)", to="pytorch"),
    dict(source="nn.Upsample(scale_factor=2)(x, 3)", to="pytorch"),
    dict(source="nn.ConvTranspose2d(3, 6, 0)", to="pytorch", input_shape=(1, 3, 5, 5)),
    dict(source="nn.ConvTranspose2d(3, 6, 4)", to="pytorch", input_shape=(1, 3, 100000, 100000)),
    dict(source="nn.ConvTranspose2d(3, 6, 3, stride=2, padding=1)(x, output_size=(12, 12))", to="pytorch",
         input_shape=(1, 3, 5, 5)),
    dict(source="ConvTranspose(strides=[2, 2, 2], kernel_shape=[3, 3, 3])", to="pytorch", input_shape=(1, 3, 5, 5)),
]


@pytest.mark.parametrize("kwargs", TRANSLATE, ids=lambda k: str(k["source"])[:60])
def test_translate_refuses_with_our_errors(kwargs):
    with pytest.raises(UpsamplingError) as info:
        port.translate(**kwargs)
    assert info.value.parameter, str(info.value)


def test_large_shapes_are_refused_before_allocating():
    with pytest.raises(OutputTooLargeError, match="MiB"):
        port.translate("nn.ConvTranspose2d(3, 6, 4)", to="pytorch", input_shape=(1, 3, 100000, 100000))
    with pytest.raises(OutputTooLargeError, match="MiB"):
        port.identify(lambda x: x, input_shape=(1, 1, 100000, 100000))
    with pytest.raises(OutputTooLargeError, match="crop the two images"):
        port.identify((np.zeros((2, 2, 1)), np.zeros((20000, 20000, 1), np.uint8)), layout="HWC")


def _boom(x):
    raise RuntimeError("boom")


IDENTIFY = [
    (lambda: port.identify(_boom, input_shape=(1, 1, 4, 4)), "raised RuntimeError"),
    (lambda: port.identify(lambda x: x[:, :, :0], input_shape=(1, 1, 4, 4)), "empty"),
    (lambda: port.identify(lambda x: None, input_shape=(1, 1, 4, 4)), "keeps the batch"),
    (lambda: port.identify((np.zeros((0, 4, 3)), np.zeros((8, 8, 3))), layout="HWC"), "non-empty"),
    (lambda: port.identify((np.full((4, 4, 3), np.nan), np.zeros((8, 8, 3))), layout="HWC"), "finite"),
    (lambda: port.identify((np.array([["a"]]), np.array([["b"]])), layout="HW"), "numeric"),
    (lambda: port.identify((np.zeros((4, 4, 1), bool), np.zeros((8, 8, 1), bool)), layout="HWC"), "numeric"),
    (lambda: port.identify((np.zeros((4, 4, 1), complex), np.zeros((8, 8, 1), complex)), layout="HWC"), "numeric"),
    (lambda: port.identify(lambda x: x, input_shape=(1, 1, 4, 4), dtype="int8"), "dtype"),
    (lambda: port.identify(lambda x: x, input_shape=(1, 1, 4, 4), opset="a"), "opset"),
]


@pytest.mark.parametrize("call,fragment", IDENTIFY)
def test_identify_refuses_with_our_errors(call, fragment):
    with pytest.raises(UpsamplingError) as info:
        call()
    assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("content", [b"", b"hello world\n", b"\x08\x07\x12\x05onnx", None])
def test_audit_refuses_what_is_not_a_model(tmp_path, content):
    pytest.importorskip("onnx")
    from upsampling.port.audit import audit

    path = tmp_path / "m.onnx"
    if content is None:  # a truncated model
        onnx = pytest.importorskip("onnx")
        from onnx import TensorProto, helper

        node = helper.make_node("Relu", ["X"], ["Y"])
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 2])],
                                  [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
        data = helper.make_model(graph).SerializeToString()
        content = data[: len(data) // 2]
        del onnx
    path.write_bytes(content)
    with pytest.raises(UpsamplingError, match="not a readable ONNX model"):
        audit(str(path))
    with pytest.raises(UpsamplingError, match="no such file"):
        audit(str(tmp_path / "missing.onnx"))
