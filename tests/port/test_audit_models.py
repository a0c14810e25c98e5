"""``upsampling audit`` on models exported by torch.onnx.export from our own upsampling.models:
U-Net and FCN-8s with each upsampler are listed, run in every installed runtime and fixed with
a proof (issue 18, section 3)."""

from __future__ import annotations

import io
import logging
import warnings

import numpy as np
import pytest

from conftest import framework

torch = framework("torch")
onnx = framework("onnx")
framework("onnxruntime")

from upsampling.port.audit import audit  # noqa: E402

pytestmark = pytest.mark.parity

UPSAMPLERS = ("bilinear", "transposed", "transposed_bilinear_init", "resize_conv", "pixel_shuffle")
# what each upsampler exports to (pixel_shuffle has no upsampling node: DepthToSpace)
EXPECTED = {"bilinear": "Resize", "resize_conv": "Resize", "transposed": "ConvTranspose",
            "transposed_bilinear_init": "ConvTranspose", "pixel_shuffle": None}


def exported(arch: str, upsample: str):
    from upsampling.models import create_model

    torch.manual_seed(0)
    options = {"base": 8} if arch == "unet" else {"widths": (8, 8, 16, 16, 16)}
    net = create_model(arch, upsample=upsample, num_classes=4, in_channels=3, **options).eval()
    side = 32 if arch == "unet" else 64
    f = io.BytesIO()
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (torch.rand(1, 3, side, side),), f, dynamo=False, input_names=["image"],
                              dynamic_axes={"image": {0: "batch"}})
    finally:
        logging.disable(logging.NOTSET)
    return onnx.load_from_string(f.getvalue()), side


@pytest.mark.parametrize("arch", ["unet", "fcn8s"])
@pytest.mark.parametrize("upsample", UPSAMPLERS)
def test_exported_models_audit_run_fix(arch, upsample, tmp_path):
    model, side = exported(arch, upsample)
    report = audit(model, input_shape=f"1x3x{side}x{side}", run=True, fix=tmp_path / "fixed.onnx",
                   equivalents=False, trials=1)
    kinds = {n.facts.op_type for n in report.nodes}
    want = EXPECTED[upsample]
    if want is None:
        assert report.nodes == [] and "nothing to audit" in report.text()
    else:
        assert kinds == {want}, kinds
        assert len(report.nodes) == (3 if arch == "fcn8s" else 3)
    for n in report.nodes:
        assert n.facts.static, n.description
        ort_result = n.run["ONNX Runtime"]
        assert ort_result.get("error", 1) <= ort_result.get("tolerance", 0), (n.description, ort_result)
        if n.facts.op_type == "Resize":
            assert n.description.startswith(("bilinear, half-pixel, ×2", "nearest, half-pixel, round half down, ×2",
                                              "bilinear, half-pixel, ×8", "nearest, half-pixel, round half down, ×8"))
        else:
            assert "transposed conv" in n.description and "pads" in n.description
    # our exports are per spec in every runtime already: --fix changes nothing and proves it
    assert report.fix.changed == [] and report.fix.proof["proven"], report.text()
    assert report.fix.written


def test_exported_model_for_an_asymmetric_only_runtime(tmp_path, rng):
    """U-Net with bilinear upsamplers, rewritten for TensorRT 7's asymmetric-only Resize, proven."""
    model, side = exported("unet", "bilinear")
    out = tmp_path / "trt.onnx"
    report = audit(model, input_shape=f"1x3x{side}x{side}", fix=out, target_modes="tensorrt7", equivalents=False,
                   trials=1)
    assert report.fix.proof["proven"] and len(report.fix.changed) == 3, report.text()
    assert {c["kind"] for c in report.fix.changed} == {"composition"}
    fixed = onnx.load(str(out))
    assert {helper_ctm(n) for n in fixed.graph.node if n.op_type == "Resize"} == {"asymmetric"}
    # the rewritten model keeps the exported dynamic batch axis and runs with another batch size
    import onnxruntime as ort

    sess = ort.InferenceSession(fixed.SerializeToString(), providers=["CPUExecutionProvider"])
    x = rng.random((2, 3, side, side)).astype(np.float32)
    y = sess.run(None, {"image": x})[0]
    orig = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]
    np.testing.assert_allclose(y, orig, rtol=0, atol=1e-5)


def helper_ctm(node) -> str:
    for a in node.attribute:
        if a.name == "coordinate_transformation_mode":
            return a.s.decode()
    return "half_pixel"
