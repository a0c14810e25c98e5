"""translate, proved live: the source call run in its real framework against ``t.code`` run in the
real target framework (every registry setting x every target; scale-based sources; transposed
convolutions over strides 1-4, odd and even totals, SAME/VALID, output_shape/output_padding).

Equal within float rounding when ``t.exact``, within ``t.max_error`` (per unit of input range;
inputs are uniform in [0, 1)) otherwise."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import framework
from port_helpers import case
from upsampling import port
from upsampling.frameworks import _mapping
from upsampling.port.calls import FRAMEWORKS, Dims, namespace, run_live
from upsampling.port.parse import parse_source
from upsampling.port.translate import convert_layout

pytestmark = pytest.mark.parity

TOL = 5e-5  # float32 rounding of the frameworks' own arithmetic, on values in [0, 1)


@pytest.fixture(scope="module")
def names():
    for module in ("torch", "tensorflow", "cv2", "PIL.Image", "onnxruntime", "onnx"):
        framework(module)
    return namespace()


def _check(t, y_src, y_t, what):
    assert y_t.shape == y_src.shape, f"{what}: shape {y_t.shape} != {y_src.shape}\n{t.code}"
    err = float(np.abs(y_t.astype(np.float64) - y_src.astype(np.float64)).max(initial=0.0))
    bound = TOL if t.exact else t.max_error + TOL
    assert err <= bound, f"{what}: measured {err:.3g} > {'exact' if t.exact else 'claimed'} {bound:.3g}\n{t.code}"


def _check_live(t, call, shape, names, rng):
    """The source call in its framework and ``t.code`` in the target's, on one random input of ``shape``."""
    dims = Dims.from_shape(shape, t.source_layout)
    layout = call.layout(dims)
    x = rng.random(shape).astype(np.float32)
    y_src = run_live(call.code(dims), convert_layout(x, t.source_layout, layout), call.framework, names=names)
    y_t = run_live(t.code, np.ascontiguousarray(convert_layout(x, t.source_layout, t.layout)), t.target, names=names)
    _check(t, y_src, convert_layout(y_t, t.layout, layout), f"{t.source} -> {t.target} on {shape}")


def _every_setting(names, rng, shapes_per_pair):
    count = 0
    for setting in _mapping.all_settings():
        for to, _ in itertools.product(FRAMEWORKS, range(shapes_per_pair)):
            call, dims, out = case(setting, rng)
            layout = call.layout(dims)
            shape = dims.shape(layout)
            t = port.translate(setting, to=to, size=out, input_shape=shape)
            x = rng.random(shape).astype(np.float32)
            y_src = run_live(call.code(dims), x, call.framework, names=names)
            y_t = run_live(t.code, np.ascontiguousarray(convert_layout(x, layout, t.layout)), to, names=names)
            _check(t, y_src, convert_layout(y_t, t.layout, layout), f"{setting.framework} {setting.call!r} -> {to} "
                   f"on {shape}")
            count += 1
    assert count == 6 * shapes_per_pair * len(_mapping.all_settings())


def test_every_setting_to_every_framework(names, rng):
    """Every registry setting, translated to every framework, on two random shapes that reach it."""
    _every_setting(names, rng, 2)


@pytest.mark.slow
def test_every_setting_to_every_framework_many_shapes(names, rng):
    _every_setting(names, rng, 6)


SCALED = [
    ("F.interpolate(x, scale_factor=1.7, mode='bilinear', align_corners=False)", (1, 3, 11, 9)),
    ("F.interpolate(x, scale_factor=2, mode='nearest')", (1, 2, 7, 5)),
    ("F.interpolate(x, scale_factor=(0.5, 3), mode='bicubic', align_corners=True)", (1, 1, 12, 5)),
    ("cv2.resize(x, None, fx=2.5, fy=1.5, interpolation=cv2.INTER_LINEAR)", (9, 7, 3)),
    ("cv2.resize(x, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)", (5, 6, 1)),
    ("Resize(scales=[1, 1, 2, 3], mode='linear', coordinate_transformation_mode='align_corners')", (1, 2, 5, 4)),
    ("Upsample(scales=[1, 1, 2, 2], mode='nearest')", (1, 1, 5, 6)),
    ("tf.compat.v1.image.resize_bilinear(x, (24, 26))", (1, 6, 13, 2)),
    ("tf.compat.v1.image.resize_nearest_neighbor(x, (26, 19))", (1, 9, 7, 2)),
    ("tf.compat.v1.image.resize_bicubic(x, (20, 20))", (1, 10, 10, 1)),
    ("img.resize((31, 40), Image.BILINEAR)", (17, 23, 3)),
    ("tf.keras.layers.UpSampling2D(size=(2, 3), interpolation='bilinear')", (1, 7, 5, 3)),
    ("tf.keras.layers.UpSampling2D(size=2)", (1, 6, 5, 2)),
    ("tf.keras.layers.Resizing(20, 30, interpolation='bicubic')", (1, 9, 13, 1)),
    ("upsampling.resize(x, scale=3, mode='cubic', cubic_coeff_a=-0.5, exclude_outside=True)", (1, 5, 4, 2)),
]


@pytest.mark.parametrize("source,shape", SCALED)
def test_scale_based_and_composed_sources(names, rng, source, shape):
    """Scale-based sources (the code computes the size from x.shape) and compositions, live."""
    call = parse_source(source)
    for to in FRAMEWORKS:
        t = port.translate(source, to=to, input_shape=shape)
        _check_live(t, call, shape, names, rng)
        dims = Dims.from_shape(shape, t.source_layout)
        layout = call.layout(dims)
        if t.holds_for == "all input sizes" and not t.composition:
            # the same code on another input size (the claim): still equal
            other = tuple(v + 3 if i in (dims_axes(t.source_layout)) else v for i, v in enumerate(shape))
            x2 = rng.random(other).astype(np.float32)
            y2_src = run_live(call.code(Dims.from_shape(other, t.source_layout)),
                              convert_layout(x2, t.source_layout, layout), call.framework, names=names)
            y2_t = run_live(t.code, np.ascontiguousarray(convert_layout(x2, t.source_layout, t.layout)), to,
                            names=names)
            _check(t, y2_src, convert_layout(y2_t, t.layout, layout), f"{source} -> {to} on {other} (all sizes)")


def dims_axes(layout: str) -> tuple[int, int]:
    return layout.index("H"), layout.index("W")


# -- transposed convolutions ----------------------------------------------------------------------------


def _conv_sources(rng):
    """Random transposed convolutions of every source kind: (text, input_shape, weight_shape, kind)."""
    out = []
    for _ in range(8):
        s = int(rng.integers(1, 5))
        k = int(rng.integers(1, 6))
        n = int(rng.integers(2, 8))
        c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        pad = ["SAME", "VALID"][int(rng.integers(2))]
        from upsampling.shapes import valid_conv_transpose_output_sizes

        sizes = list(valid_conv_transpose_output_sizes(n, k, s, pad))
        o = sizes[int(rng.integers(len(sizes)))]
        out.append((f"tf.nn.conv2d_transpose(x, filters, ({1}, {o}, {o}, {c_out}), {s}, padding={pad!r})",
                    (1, n, n, c_in), (k, k, c_out, c_in), "tf"))
        kp = ["same", "valid"][int(rng.integers(2))]
        op = None if rng.random() < 0.5 else int(rng.integers(0, s))
        opt = "" if op is None else f", output_padding={op}"
        out.append((f"tf.keras.layers.Conv2DTranspose({c_out}, {k}, strides={s}, padding={kp!r}{opt})",
                    (1, n, n + 1, c_in), None, "keras"))
        p = int(rng.integers(0, k))
        opad = int(rng.integers(0, s))
        d = int(rng.integers(1, 3))
        g = 2 if rng.random() < 0.3 else 1
        out.append((f"F.conv_transpose2d(x, weight, stride={s}, padding={p}, output_padding={opad}, dilation={d}, "
                    f"groups={g})", (1, c_in * g, n, n + 2), (c_in * g, c_out, k, k), "torch"))
        out.append((f"nn.ConvTranspose2d({c_in}, {c_out}, {k}, stride={s}, padding={p}, bias=False)",
                    (1, c_in, n + 1, n), None, "module"))
        ap = ["SAME_UPPER", "SAME_LOWER", "NOTSET"][int(rng.integers(3))]
        attrs = f"auto_pad={ap!r}" if ap != "NOTSET" else f"pads=[{p}, 0, 0, {p}], output_padding=[{opad}, 0]"
        out.append((f"ConvTranspose(strides=[{s}, {s}], kernel_shape=[{k}, {k}], {attrs})",
                    (1, c_in, n, n), (c_in, c_out, k, k), "onnx"))
    return out


def _run_conv_source(kind, text, x, weight, names):
    ns = dict(names)
    if kind == "tf":
        ns.update(x=x, filters=weight)
        return np.asarray(eval(compile(text, "<test>", "eval"), ns))  # noqa: S307 - the test's own text
    if kind == "keras":
        layer = eval(compile(text, "<test>", "eval"), ns)  # noqa: S307 - the test's own text
        layer.build(x.shape)
        layer.set_weights([weight, np.zeros(layer.filters, np.float32)] if layer.use_bias else [weight])
        return np.asarray(layer(x))
    if kind in ("torch", "module"):
        torch = ns["torch"]
        if kind == "torch":
            ns.update(x=torch.from_numpy(x), weight=torch.from_numpy(weight))
            return eval(compile(text, "<test>", "eval"), ns).numpy()  # noqa: S307
        ns["nn"] = torch.nn
        module = eval(compile(text, "<test>", "eval"), ns)  # noqa: S307
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(weight))
            return module(torch.from_numpy(x)).numpy()
    import onnx
    import onnxruntime

    call = parse_source(text)
    attrs = {k: list(v) if isinstance(v, tuple) else v for k, v in call.args if k != "opset"}
    node = onnx.helper.make_node("ConvTranspose", ["x", "W"], ["y"], **attrs)
    graph = onnx.helper.make_graph([node], "g", [onnx.helper.make_tensor_value_info("x", 1, list(x.shape))],
                                   [onnx.helper.make_tensor_value_info("y", 1, None)],
                                   initializer=[onnx.numpy_helper.from_array(weight, "W")])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 19)])
    model.ir_version = min(model.ir_version, 10)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_conv_transpose_every_source_to_every_framework(names, rng):
    for text, shape, wshape, kind in _conv_sources(rng):
        x = rng.standard_normal(shape).astype(np.float32)
        for to in ("pytorch", "tensorflow", "onnx", "engine"):
            t = port.translate(text, to=to, input_shape=shape, weight_shape=wshape)
            if wshape is None:
                wshape_eff = _weight_shape_of(text, shape, kind)
            else:
                wshape_eff = wshape
            weight = rng.standard_normal(wshape_eff).astype(np.float32)
            y_src = _run_conv_source(kind, text, x, weight, names)
            x_t = convert_layout(x, t.source_layout, t.layout)
            bias = np.zeros(t.output_shape[1 if t.layout == "NCHW" else 3], np.float32)
            y_t = run_live(t.code, np.ascontiguousarray(x_t), to, weight=weight, names=dict(names, bias=bias))
            y_t = convert_layout(y_t, t.layout, t.source_layout)
            assert t.exact, f"{text} -> {to}"
            assert y_t.shape == y_src.shape, f"{text} -> {to}: {y_t.shape} != {y_src.shape}\n{t.code}"
            scale = float(np.abs(y_src).max()) or 1.0
            err = float(np.abs(y_t - y_src).max())
            assert err <= 1e-5 * scale + 1e-6, f"{text} -> {to} on {shape}: {err:.3g}\n{t.code}"
        for to in ("opencv", "pillow"):
            t = port.translate(text, to=to, input_shape=shape, weight_shape=wshape)
            assert not t.exact and t.code == "" and "no transposed convolution" in t.reason


def _weight_shape_of(text, shape, kind):
    call = parse_source(text)
    a = dict(call.args)
    if kind == "keras":
        k = a["kernel_size"]
        return (k, k, a["filters"], shape[-1])
    k = a["kernel_size"]
    return (a["in_channels"], a["out_channels"], k, k)


def test_tf_same_odd_total_in_pytorch_is_padding_then_the_crop_tf_makes(names, rng):
    """The issue's example: TF SAME, stride 2, kernel 3, out 9 from 5 (total 2) and out 10 (total 1)."""
    for out, tail in ((10, True), (9, False)):
        text = f"tf.nn.conv2d_transpose(x, filters, (1, {out}, {out}, 2), 2, padding='SAME')"
        t = port.translate(text, to="pytorch", input_shape=(1, 5, 5, 3), weight_shape=(3, 3, 2, 3))
        assert t.exact
        assert ("y.shape[2] - 1" in t.code) == tail, t.code
        x = rng.standard_normal((1, 5, 5, 3)).astype(np.float32)
        w = rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
        y_src = _run_conv_source("tf", text, x, w, names)
        y_t = run_live(t.code, np.ascontiguousarray(x.transpose(0, 3, 1, 2)), "pytorch", weight=w, names=names)
        np.testing.assert_allclose(y_t.transpose(0, 2, 3, 1), y_src, atol=1e-5)


def test_verify_runs_both_frameworks(names):
    t = port.translate("tf.compat.v1.image.resize_bilinear(x, (64, 64), align_corners=True)", to="pytorch",
                       input_shape=(1, 33, 47, 3), verify=True)
    assert t.measured_error is not None and t.measured_error < 1e-5
    assert t.bit_identical in (True, False)



def test_verify_conv_transpose(names):
    t = port.translate("nn.ConvTranspose2d(3, 6, 4, stride=2, padding=1, bias=False)", to="tensorflow",
                       input_shape=(1, 3, 7, 6), verify=True)
    assert t.measured_error is not None and t.measured_error < 1e-4 and t.bit_identical in (True, False)


@pytest.mark.parametrize("source,to,shape,opset,step", [
    # a non-antialiased downscale in Pillow (which antialiases whenever it shrinks): every 3rd sample
    ("cv2.resize(x, (20, 16), interpolation=cv2.INTER_LINEAR)", "pillow", (33, 47, 3), 19, "every 3rd"),
    ("F.interpolate(x, size=(9, 14), mode='bilinear', align_corners=False)", "pillow", (1, 2, 25, 31), 19, "every 3rd"),
    # half-pixel x2 with ONNX Upsample (asymmetric only): pad 1, x4, every 2nd from the 4th
    ("F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)", "onnx", (1, 3, 10, 12), 9, "every 2nd"),
])
def test_integer_step_compositions(names, rng, source, to, shape, opset, step):
    """The composition search's integer-factor step, live."""
    t = port.translate(source, to=to, input_shape=shape, opset=opset)
    assert t.exact and t.composition and step in t.call, t.explain()
    _check_live(t, parse_source(source), shape, names, rng)


@pytest.mark.parametrize("to", ["tensorflow", "onnx", "engine"])
def test_conv_transpose_module_called_with_output_size(names, rng, to):
    """``nn.ConvTranspose2d(...)(x, output_size=...)``: PyTorch turns the size into output_padding."""
    torch = names["torch"]
    text = "nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, bias=False)(x, output_size=(10, 9))"
    t = port.translate(text, to=to, input_shape=(1, 3, 5, 5))
    assert t.exact and t.holds_for == "the input shape given" and "output_padding=(1, 0)" in " ".join(t.notes)
    module = torch.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, bias=False)
    x = rng.standard_normal((1, 3, 5, 5)).astype(np.float32)
    with torch.no_grad():
        y_src = module(torch.from_numpy(x), output_size=(10, 9)).numpy()
    weight = module.weight.detach().numpy()
    y_t = run_live(t.code, np.ascontiguousarray(convert_layout(x, "NCHW", t.layout)), to, weight=weight, names=names)
    y_t = convert_layout(y_t, t.layout, "NCHW")
    assert y_t.shape == y_src.shape == (1, 4, 10, 9)
    np.testing.assert_allclose(y_t, y_src, atol=1e-5)
