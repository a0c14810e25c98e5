"""Our torch layers survive torch.onnx.export (issue 18, section 4).

Resize and ConvTranspose2dSame export as standard ONNX nodes (Resize with the convention's
attributes, or the plan as Gather/MatMul where Resize cannot say it or ONNX Runtime would
compute it differently; ConvTranspose with explicit pads), with both exporters of torch 2.13
(the default ``torch.export`` one and ``dynamo=False``), and ONNX Runtime's output of the
exported model equals the PyTorch forward within float32 rounding.  U-Net and FCN-8s are
exported with each upsampler.
"""

from __future__ import annotations

import io
import logging
import warnings

import numpy as np
import pytest

from conftest import framework

torch = framework("torch")
onnx = framework("onnx")
ort = framework("onnxruntime")
framework("onnxscript")  # the default (dynamo) exporter needs it

from upsampling.errors import UnsupportedError  # noqa: E402
from upsampling.torch import ConvTranspose2dSame, Resize  # noqa: E402

pytestmark = pytest.mark.parity


def export(module, x, dynamo: bool, **kwargs):
    """The exported ModelProto (quietly: the exporters print progress and warnings)."""
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if dynamo:
                return torch.onnx.export(module, (x,), dynamo=True, verbose=False, **kwargs).model_proto
            f = io.BytesIO()
            torch.onnx.export(module, (x,), f, dynamo=False, **kwargs)
            return onnx.load_from_string(f.getvalue())
    finally:
        logging.disable(logging.NOTSET)


def run_ort(model, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def ops(model) -> list[str]:
    return [n.op_type for n in model.graph.node if n.op_type not in ("Constant", "Identity")]


# (layer arguments, the node(s) we expect: "Resize" or the plan's "Gather"/"MatMul")
RESIZE_CASES = [
    (dict(scale=2), "Resize"),
    (dict(scale=2, align_corners=True), "Resize"),
    (dict(size=(13, 5)), "Resize"),
    (dict(size=(1, 9), coordinate_transformation_mode="pytorch_half_pixel"), "Resize"),
    (dict(scale=(0.5, 3.0), coordinate_transformation_mode="asymmetric"), "Resize"),
    (dict(scale=2, mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"), "Resize"),
    (dict(size=(14, 20), mode="nearest", coordinate_transformation_mode="align_corners",
          nearest_mode="round_prefer_ceil"), "Resize"),
    (dict(scale=2, mode="nearest", nearest_mode="round_prefer_ceil"), "Resize"),
    (dict(scale=3, mode="nearest"), "Resize"),
    (dict(scale=0.5, mode="nearest"), "Gather"),  # half-pixel /2 samples at exact .5 ties: ORT's float32 decides
    (dict(size=(11, 6), mode="bicubic"), "Resize"),
    (dict(scale=2, mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True), "Resize"),
    (dict(size=(5, 3), mode="bilinear", antialias=True), "Resize"),
    (dict(size=(4, 4), mode="bicubic", antialias=True, exclude_outside=True, cubic_coeff_a=-0.5), "Resize"),
    (dict(size=(9, 9), coordinate_transformation_mode="tf_crop_and_resize", roi=(0.1, -0.2, 0.8, 1.3),
          extrapolation_value=-7.0), "Resize"),
    (dict(scale=1.5, coordinate_transformation_mode="half_pixel_symmetric"), "Resize"),
    (dict(size=(5, 7), mode="area"), "MatMul"),  # ONNX has no area mode
    (dict(scale=1.7, align_corners=True), "MatMul"),  # 8 x 1.7 = 13.6: ORT uses 13 (onnx/onnx#2462)
    (dict(scale=1.1), "MatMul"),  # 8 x 1.1 -> 8: ORT returns the input unchanged
    (dict(scale=1.7, mode="nearest", coordinate_transformation_mode="align_corners"), "Gather"),
]


@pytest.mark.parametrize("args, node", RESIZE_CASES, ids=[repr(a) for a, _ in RESIZE_CASES])
def test_resize_exports_a_faithful_standard_node(args, node, rng):
    layer = Resize(**args)
    x = torch.from_numpy(rng.random((2, 3, 8, 8), dtype=np.float32))
    with torch.no_grad():
        want = layer(x).numpy()
    model = export(layer, x, dynamo=False, opset_version=19)
    assert node in ops(model), ops(model)
    assert not [o for o in ops(model) if o not in ("Resize", "Gather", "MatMul", "Where", "Cast")], ops(model)
    got = run_ort(model, x.numpy())
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 if args.get("mode") != "nearest" else 0,
                               err_msg=f"{args}: ONNX Runtime vs the PyTorch forward")


@pytest.mark.parametrize("args", [dict(scale=2), dict(size=(5, 7), mode="area"),
                                  dict(size=(9, 9), coordinate_transformation_mode="tf_crop_and_resize",
                                       roi=(0.1, -0.2, 0.8, 1.3), extrapolation_value=-7.0)], ids=repr)
def test_resize_default_exporter(args, rng):
    layer = Resize(**args)
    x = torch.from_numpy(rng.random((1, 2, 8, 8), dtype=np.float32))
    with torch.no_grad():
        want = layer(x).numpy()
    model = export(layer, x, dynamo=True)
    assert ops(model)[0] in ("Resize", "MatMul"), ops(model)
    np.testing.assert_allclose(run_ort(model, x.numpy()), want, rtol=0, atol=2e-6)


def test_export_keeps_eager_forward_and_backward(rng):
    """Exporting switches nothing outside the export: eager forward = upsampling.resize, gradients flow."""
    import upsampling

    layer = Resize(scale=2, mode="bicubic")
    x = torch.from_numpy(rng.random((1, 1, 5, 6))).requires_grad_()
    export(layer, x.detach().float(), dynamo=False)
    y = layer(x)
    assert np.array_equal(y.detach().numpy(), upsampling.resize(x.detach().numpy(), scale=2, mode="cubic", layout="NCHW"))
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape


def test_resize_float16_exports_through_float32(rng):
    layer = Resize(scale=2)
    x = torch.from_numpy(rng.random((1, 2, 6, 6), dtype=np.float32)).half()
    model = export(layer, x, dynamo=False)
    assert "Resize" in ops(model) and "Cast" in ops(model)
    with torch.no_grad():
        want = layer(x).numpy()
    assert np.array_equal(run_ort(model, x.numpy()), want)


def test_area_with_dynamic_size_is_refused_naming_it():
    layer = Resize(size=(5, 7), mode="area")
    x = torch.rand(1, 2, 16, 16)
    dims = {"x": {2: torch.export.Dim("h", min=4, max=64), 3: torch.export.Dim("w", min=4, max=64)}}
    with pytest.raises(Exception) as info:
        export(layer, x, dynamo=True, dynamic_shapes=dims)
    chain, exc = [], info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    refused = [e for e in chain if isinstance(e, UnsupportedError)]
    assert refused and "area" in str(refused[0]), [str(e)[:200] for e in chain]


CONV_CASES = [
    # (in, out, kernel, stride, dilation, groups, bias, input hw)
    (3, 4, 3, 2, 1, 1, True, (7, 8)),   # odd total: TF crops the extra pixel at the end
    (4, 4, 4, 2, 1, 2, False, (5, 5)),
    (2, 3, 2, 2, 1, 1, True, (6, 3)),    # U-Net's 2x2 up-convolution: no crop
    (2, 2, 16, 8, 1, 1, True, (3, 4)),   # FCN's x8
    (3, 2, 3, 1, 2, 1, True, (6, 6)),    # dilation
    (2, 3, 1, 3, 1, 1, True, (4, 5)),    # kernel smaller than the stride: zeros appended, then the bias
]


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("case", CONV_CASES, ids=[str(c) for c in CONV_CASES])
def test_conv_transpose_same_exports_with_explicit_pads(case, dynamo, rng):
    cin, cout, k, s, d, g, bias, hw = case
    layer = ConvTranspose2dSame(cin, cout, k, s, dilation=d, groups=g, bias=bias).eval()
    x = torch.from_numpy(rng.random((2, cin, *hw), dtype=np.float32))
    with torch.no_grad():
        want = layer(x).numpy()
    model = export(layer, x, dynamo=dynamo)
    conv = [n for n in model.graph.node if n.op_type == "ConvTranspose"]
    assert len(conv) == 1
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in conv[0].attribute}
    assert "auto_pad" not in attrs and "output_shape" not in attrs
    crops = layer.output_crops(hw, tuple(n * s for n in hw))
    if min(min(c) for c in crops) >= 0:
        assert ops(model) == ["ConvTranspose"], ops(model)
        (t, b), (l, r) = crops
        assert list(attrs["pads"]) == [t, l, b, r]
    else:
        assert ops(model) == ["ConvTranspose", "Pad"] + (["Add"] if bias else []), ops(model)
    np.testing.assert_allclose(run_ort(model, x.numpy()), want, rtol=0, atol=1e-5)


MODEL_CASES = [(arch, up) for arch in ("unet", "fcn8s")
               for up in ("bilinear", "transposed", "transposed_bilinear_init", "resize_conv", "pixel_shuffle")]
# The default exporter takes ~3 s a model on 2 cores: two of them always, the rest with -m slow.
_DYNAMO_ALWAYS = {("unet", "bilinear"), ("fcn8s", "transposed_bilinear_init")}
MODEL_PARAMS = [pytest.param(a, u, d, id=f"{a}-{u}-{'dynamo' if d else 'torchscript'}",
                             marks=[pytest.mark.slow] if d and (a, u) not in _DYNAMO_ALWAYS else [])
                for a, u in MODEL_CASES for d in (False, True)]


@pytest.mark.parametrize("arch, upsample, dynamo", MODEL_PARAMS)
def test_models_export_and_run_in_onnxruntime(arch, upsample, dynamo, rng):
    from upsampling.models import create_model

    torch.manual_seed(0)
    net = create_model(arch, upsample=upsample, num_classes=5, in_channels=3).eval()
    side = 32 if arch == "unet" else 64
    x = torch.from_numpy(rng.random((1, 3, side, side), dtype=np.float32))
    with torch.no_grad():
        want = net(x).numpy()
    model = export(net, x, dynamo=dynamo)
    kinds = set(ops(model))
    expected = {"bilinear": "Resize", "resize_conv": "Resize", "pixel_shuffle": "DepthToSpace"}.get(upsample, "ConvTranspose")
    assert expected in kinds, kinds
    assert not kinds & {"Gather", "ScatterND", "Pad"}, kinds  # no traced gathers, no negative Pad
    got = run_ort(model, x.numpy())
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * max(1.0, float(np.abs(want).max())))


DYNAMIC_BATCH_CASES = [
    dict(size=(13, 5)),
    dict(scale=2),
    dict(size=(5, 7), mode="area"),
    dict(size=(9, 9), coordinate_transformation_mode="tf_crop_and_resize", roi=(0.1, -0.2, 0.8, 1.3),
         extrapolation_value=-7.0),
    dict(scale=0.5, mode="nearest"),
]
DYNAMIC_BATCH_PARAMS = [pytest.param(args, exporter, id=f"{args}-{exporter}",
                                     marks=[pytest.mark.slow] if exporter == "dynamo" and i > 1 else [])
                        for i, args in enumerate(DYNAMIC_BATCH_CASES)
                        for exporter in ("torchscript-opset17", "torchscript", "dynamo")]


@pytest.mark.parametrize("args, exporter", DYNAMIC_BATCH_PARAMS)
def test_resize_exports_with_a_dynamic_batch(args, exporter, rng):
    """Exported with a dynamic batch (the usual export), run with another batch: sizes are written
    for H and W only (``axes``, or ``Concat(Shape(x)[:-2], sizes)`` before opset 18)."""
    layer = Resize(**args)
    x = torch.from_numpy(rng.random((1, 3, 8, 8), dtype=np.float32))
    if exporter == "dynamo":
        model = export(layer, x, dynamo=True, dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    else:
        model = export(layer, x, dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "batch"}},
                       **({"opset_version": 17} if exporter.endswith("17") else {}))
    x3 = torch.from_numpy(rng.random((3, 3, 8, 8), dtype=np.float32))
    with torch.no_grad():
        want = layer(x3).numpy()
    np.testing.assert_allclose(run_ort(model, x3.numpy()), want, rtol=0, atol=2e-6, err_msg=str(ops(model)))


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_conv_transpose_same_exports_with_a_dynamic_batch(dynamo, rng):
    layer = ConvTranspose2dSame(3, 4, 3, 2).eval()
    x = torch.from_numpy(rng.random((1, 3, 7, 8), dtype=np.float32))
    if dynamo:
        model = export(layer, x, dynamo=True, dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    else:
        model = export(layer, x, dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    x2 = torch.from_numpy(rng.random((2, 3, 7, 8), dtype=np.float32))
    with torch.no_grad():
        want = layer(x2).numpy()
    np.testing.assert_allclose(run_ort(model, x2.numpy()), want, rtol=0, atol=1e-5)
