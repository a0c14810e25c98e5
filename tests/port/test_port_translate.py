"""translate without the frameworks: parsing (never evaluating), the issue's examples, what
"exact", "holds for all input sizes" and "max_error" claim (checked through the twins on many
sizes), the registry covered, and the errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from port_helpers import case
from upsampling import ResizeSpec, port
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.frameworks import _mapping
from upsampling.frameworks import pytorch as torch_twin
from upsampling.frameworks import tensorflow as tf_twin
from upsampling.port.calls import FRAMEWORKS, Dims, TF1Resize, TorchInterpolate, setting_call
from upsampling.port.operator import NotALinearResize, Operator, axis_tolerance, probe, worst_error
from upsampling.port.parse import parse_source
from upsampling.port.search import operator_of


# -- parsing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("tf.compat.v1.image.resize_bilinear(x, (64, 64), align_corners=True)",
         TF1Resize("resize_bilinear", (64, 64), True, False)),
        ("y = torch.nn.functional.interpolate(x, size=64, mode='bicubic', align_corners=False)",
         TorchInterpolate(size=(64, 64), mode="bicubic", align_corners=False)),
        ("nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)(x)",
         TorchInterpolate(scale_factor=(2.0, 2.0), mode="bilinear", align_corners=True)),
        ("nn.UpsamplingBilinear2d(scale_factor=2)", TorchInterpolate(scale_factor=(2.0, 2.0), mode="bilinear",
                                                                     align_corners=True)),
        ("F.interpolate(x, size=(2 * 32, 64 + 1), mode='nearest')", TorchInterpolate(size=(64, 65), mode="nearest")),
    ],
)
def test_parse(text, expected):
    assert parse_source(text) == expected


def test_parse_named_constants_and_forms():
    c = parse_source("cv2.resize(img, (31, 40), interpolation=cv2.INTER_AREA)")
    assert (c.dsize, c.interpolation) == ((31, 40), "INTER_AREA")
    c = parse_source("cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=1)")
    assert (c.fx, c.fy, c.interpolation) == (0.5, 0.5, "INTER_LINEAR")
    c = parse_source("Image.open('a.png').resize((40, 31), resample=Image.Resampling.LANCZOS)")
    assert (c.size, c.resample) == ((40, 31), "LANCZOS")
    c = parse_source("img.resize((40, 31))")
    assert c.resample == "BICUBIC"  # Pillow's default
    assert parse_source("Image.resize(img, (40, 31), Image.BILINEAR)") == parse_source("img.resize((40, 31), 2)")
    c = parse_source("tf.image.resize(x, [64, 64], method=tf.image.ResizeMethod.BICUBIC, antialias=True)")
    assert (c.method, c.antialias) == ("bicubic", True)
    c = parse_source("Resize(X, sizes=[1, 3, 64, 64], mode='cubic', cubic_coeff_a=-0.5, exclude_outside=1)")
    assert (c.sizes, c.cubic_coeff_a, c.exclude_outside) == ((64, 64), -0.5, True)
    c = parse_source("onnx.helper.make_node('Resize', ['x', '', 'scales'], ['y'], mode='linear', scales=[1, 1, 2, 2])")
    assert (c.scales, c.mode) == ((2.0, 2.0), "linear")
    c = parse_source("Resize(scales=[1, 1, 2, 2], mode='linear', opset=10)")  # Resize-10 samples as Upsample
    assert (c.opset, c.coordinate_transformation_mode, c.nearest_mode) == (10, "asymmetric", "floor")
    assert parse_source(ResizeSpec((8, 8), mode="cubic")).spec == ResizeSpec((8, 8), mode="cubic")
    assert parse_source("upsampling.resize(x, (8, 8), mode='cubic')").spec == ResizeSpec((8, 8), mode="cubic")


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("numpy.fft.fft(x)", "is not a call translate knows"),
        ("F.interpolate(x, size=(h, w))", "the name 'h'"),
        ("F.interpolate(x, size=x.shape[2] * 2)", "cannot be read"),
        ("__import__('os').system('echo hi')", "is not a call translate knows"),
        ("F.interpolate(x, size=(4, 4), mode='bilinear', colour=1)", "no argument 'colour'"),
        ("tf.image.resize(x, (4, 4), method='fancy')", "method='fancy' is not one of"),
        ("cv2.resize(x, (4, 4), interpolation=cv2.INTER_MAGIC)", "the name 'cv2.INTER_MAGIC'"),
        ("F.interpolate(x, size=(4, 4)", "is not Python syntax"),
        ("x = 1; y = 2", "is not one call"),
        ("F.interpolate(x, size=(4, 4), scale_factor=2)", "exactly one of size and scale_factor"),
        ("nn.Upsample(scale_factor=2)(x, 3)", "takes the input alone"),
        ("Resize(scales=[1, 1, 2, 2], coordinate_transformation_mode='align_corners', opset=10)", "Resize-10 takes"),
    ],
)
def test_parse_refuses_clearly(text, fragment):
    with pytest.raises(InvalidArgumentError, match=None) as info:
        parse_source(text)
    assert fragment in str(info.value), str(info.value)


def test_unknown_call_lists_what_is_supported():
    with pytest.raises(InvalidArgumentError) as info:
        port.translate("skimage.transform.resize(x, (4, 4))", to="pytorch")
    message = str(info.value)
    assert "skimage.transform.resize() is not a call translate knows" in message
    assert "cv2.resize" in message and "tf.nn.conv2d_transpose" in message


def test_parse_never_evaluates(monkeypatch):
    """The text is read with ast only: a call that would run code is refused, never run."""
    import builtins

    def boom(*a, **k):  # pragma: no cover - must not be reached
        raise AssertionError("evaluated")

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(builtins, "exec", boom)
    with pytest.raises(InvalidArgumentError):
        parse_source("F.interpolate(x, size=open('/etc/passwd').read())")
    assert parse_source("F.interpolate(x, size=(3, 4))").size == (3, 4)


# -- the operator -------------------------------------------------------------------------------------------


def test_probe_recovers_the_twins_plans_exactly():
    op = probe(lambda x: torch_twin.interpolate(x, size=(40, 31), mode="bicubic", align_corners=False),
               (5, 1, 17, 23), "NCHW")
    for k, (n, o) in enumerate(((17, 40), (23, 31))):
        scale = float(np.float32(n) / np.float32(o))
        ref = torch_twin.CUBIC.plan(n, o, precision="float32", inv_scale=scale).matrix()
        assert np.abs(op.axis(k) - ref).max() < 1e-6


def test_probe_with_downscales_and_odd_shapes(rng):
    for n, o in ((64, 7), (9, 1), (1, 5), (30, 29)):
        def fn(x, n=n, o=o):
            return tf_twin.resize(x, (o, o + 1), method="lanczos3", antialias=True)
        op = probe(fn, (1, n, n + 2, 2), "NHWC")
        x = rng.standard_normal((n, n + 2))
        y = fn(np.broadcast_to(x[None, :, :, None], (1, n, n + 2, 2)).astype(np.float32))[0, :, :, 0]
        assert np.abs(op.apply(x) - y).max() < 1e-5


def test_probe_refuses_what_is_not_a_linear_resize():
    with pytest.raises(NotALinearResize, match="not a separable linear resize"):
        probe(lambda x: np.tanh(torch_twin.interpolate(x, size=(8, 8), mode="bilinear")), (1, 1, 4, 4), "NCHW")
    with pytest.raises(NotALinearResize, match="keeps the batch and channel axes"):
        probe(lambda x: x[:, :1], (1, 3, 4, 4), "NCHW")


def test_worst_error_is_the_supremum(rng):
    """No input in [0, 1] exceeds it, and the input that attains it does."""
    a = operator_of(TorchInterpolate(size=(9, 11), mode="bicubic", align_corners=False), Dims(1, 1, 5, 6))
    b = operator_of(TorchInterpolate(size=(9, 11), mode="bilinear", align_corners=False), Dims(1, 1, 5, 6))
    w = worst_error(a, b)
    for _ in range(50):
        x = rng.random((5, 6))
        assert np.abs(a.apply(x) - b.apply(x)).max() <= w + 1e-12
    # the maximiser of one output pixel: 1 where the difference's weights are positive
    d = np.einsum("ik,jl->ijkl", a.h, a.w) - np.einsum("ik,jl->ijkl", b.h, b.w)
    i, j = np.unravel_index(np.argmax(np.clip(d, 0, None).sum(axis=(2, 3))), d.shape[:2])
    x = (d[i, j] > 0).astype(float)
    assert abs(float(a.apply(x)[i, j] - b.apply(x)[i, j])) == pytest.approx(w)
    assert worst_error(a, a) == 0.0
    with pytest.raises(ShapeError):
        worst_error(a, Operator(np.eye(3), np.eye(3)))


def test_axis_tolerance_separates_rounding_from_tensorflows_table():
    """Float32 coordinates stay under it; TF's 1/1024 cubic table goes over it (not 'exact')."""
    for n, o in ((100, 333), (1000, 1500)):
        table = tf_twin.BICUBIC_HALF_PIXEL.plan(n, o, inv_scale=float(np.float32(n) / np.float32(o))).matrix()
        exact = ResizeSpec((o, o), mode="cubic", cubic_coeff_a=-0.5, exclude_outside=True).plans((1, n, n, 1))[1].matrix()
        f32 = tf_twin.BILINEAR_HALF_PIXEL.plan(n, o, inv_scale=float(np.float32(n) / np.float32(o))).matrix()
        f64 = ResizeSpec((o, o)).plans((1, n, n, 1))[1].matrix()
        assert np.abs(table - exact).max() > axis_tolerance(n, o)
        assert np.abs(f32 - f64).max() < axis_tolerance(n, o)


# -- translate --------------------------------------------------------------------------------------------


def test_the_issue_example():
    t = port.translate("tf.compat.v1.image.resize_bilinear(x, (64, 64), align_corners=True)", to="pytorch",
                       input_shape=(1, 33, 47, 3))
    assert t.exact and t.layout == "NCHW" and t.max_error == 0.0
    assert t.code == "y = F.interpolate(x, size=(64, 64), mode='bilinear', align_corners=True)"
    assert t.holds_for == "all input sizes" and "align_corners" in t.reason
    assert "exact" in t.explain() and t.output_shape == (1, 3, 64, 64)
    json.dumps(t.to_dict())


def test_tf1_legacy_bilinear_is_pytorch_align_corners_on_a_padded_input():
    """The issue's composition: pad one replicated pixel, align_corners to m + 1, crop."""
    t = port.translate("tf.compat.v1.image.resize_bilinear(x, (66, 94))", to="pytorch", input_shape=(1, 33, 47, 3))
    assert t.exact and t.composition and t.holds_for == "all input sizes"
    assert "F.pad(x, (0, 1, 0, 1), mode='replicate')" in t.code
    assert "size=(67, 95), mode='bilinear', align_corners=True)[:, :, 0:66, 0:94]" in t.code


def test_tf_bicubic_in_pytorch_is_not_exact_and_says_why():
    t = port.translate("tf.image.resize(x, (333, 333), method='bicubic')", to="pytorch", input_shape=(1, 100, 100, 1))
    assert not t.exact and 0 < t.max_error < 0.01
    assert any("1,024-entry table" in d for d in t.differences), t.differences
    assert t.code.startswith("y = F.interpolate(")


def test_tf_bicubic_exact_where_the_table_is_exact_but_not_claimed_for_all_sizes():
    """33 -> 64 samples at multiples of 1/128, TF's table points: PyTorch's antialias bicubic (Keys
    a=-0.5, taps inside the image renormalised) equals it there; 100 -> 333 does not."""
    t = port.translate("tf.image.resize(x, (64, 64), method='bicubic')", to="pytorch", input_shape=(1, 33, 47, 3))
    assert t.exact and "antialias=True" in t.code and t.holds_for == "the input shape given"
    t = port.translate("tf.image.resize(x, (64, 64), method='bicubic')", to="engine", input_shape=(1, 33, 47, 3))
    assert t.exact and t.holds_for == "all input sizes" and "from upsampling.frameworks import tensorflow" in t.code
    assert any("upsampling.resize(" in a["code"] for a in t.alternatives)


@pytest.mark.parametrize("to", FRAMEWORKS)
def test_holds_for_all_sizes_is_true_on_many_sizes(to, rng):
    """Every 'all input sizes' claim, checked through the twins on 25 more input sizes."""
    sources = [
        ("F.interpolate(x, size=(20, 24), mode='bilinear', align_corners=False)", "NCHW"),
        ("F.interpolate(x, scale_factor=3, mode='bicubic', align_corners=False)", "NCHW"),
        ("tf.compat.v1.image.resize_bilinear(x, (20, 24), align_corners=True)", "NHWC"),
        ("cv2.resize(x, (24, 20), interpolation=cv2.INTER_NEAREST_EXACT)", "HWC"),
        ("tf.compat.v1.image.resize_nearest_neighbor(x, (20, 24))", "NHWC"),
        ("tf.image.resize(x, (20, 24), method='nearest')", "NHWC"),
        ("img.resize((24, 20), Image.BILINEAR)", "HWC"),
        ("Resize(sizes=[20, 24], axes=[2, 3], mode='linear', coordinate_transformation_mode='asymmetric')", "NCHW"),
    ]
    from upsampling.port.translate import source_dims

    for text, layout in sources:
        shape = {"NCHW": (1, 2, 9, 7), "NHWC": (1, 9, 7, 2), "HWC": (9, 7, 2)}[layout]
        t = port.translate(text, to=to, input_shape=shape)
        if t.holds_for != "all input sizes":
            continue
        src = parse_source(text)
        tgt = _target_call(t, src, to, shape)
        if tgt is None:
            continue
        for _ in range(25):
            h, w = (int(v) for v in rng.integers(1, 40, size=2))
            d = source_dims(src, shape)[0].resized(h, w)
            try:
                a = operator_of(src, d)
            except Exception:  # noqa: BLE001 - a size the source refuses (a scale giving 0 pixels)
                continue
            b = operator_of(tgt(d), d)
            assert a.n_out == b.n_out and worst_error(a, b) < 1e-4, f"{text} -> {to} at {h}x{w}"


def _target_call(t, src, to, shape):
    """The target call of ``t`` as a function of the input dims (the code's size rule)."""
    from upsampling.port import search
    from upsampling.port.calls import resized

    d0 = None
    from upsampling.port.translate import source_dims

    d0 = source_dims(src, shape)[0]
    for c in search.candidates(to, src, d0, src.out_hw(d0)):
        if c.code(d0) == t.code:
            return (lambda d, c=c: c) if not (src.scale_based() and not c.scale_based()) else \
                (lambda d, c=c: resized(c, src.out_hw(d)))
    return None


def test_every_registry_setting_maps_to_a_call():
    """A new Setting in a twin must be given a call here (it fails this test until it is)."""
    for s in _mapping.all_settings():
        call, _ = setting_call(s, (8, 9))
        assert s in call.settings()


def test_every_setting_translates_to_itself_exactly(rng):
    for s in _mapping.all_settings():
        call, dims, out = case(s, rng)
        t = port.translate(s, to=call.framework, size=out, input_shape=dims.shape(call.layout(dims)))
        assert t.exact and t.max_error < 1e-6, f"{s.call} -> itself: {t.call}"
        if t.code == call.code(dims) and call.framework != "onnx":  # (ONNX: the spec setting runs in ORT)
            assert t.bit_identical is True


def test_to_dict_and_errors():
    t = port.translate("cv2.resize(x, (8, 6))", to="onnx", input_shape=(3, 4, 3))
    d = t.to_dict()
    assert d["node"]["op_type"] == "Resize" and d["node"]["inputs"]["sizes"] == [6, 8]
    json.dumps(d)
    with pytest.raises(InvalidArgumentError, match="to="):
        port.translate("cv2.resize(x, (8, 6))", to="caffe")
    with pytest.raises(ShapeError, match="input_shape"):
        port.translate("cv2.resize(x, (8, 6))", to="onnx", input_shape=(1, 2, 3, 4, 5))
    with pytest.raises(InvalidArgumentError, match="weight_shape"):
        port.translate("F.conv_transpose2d(x, w, stride=2)", to="tensorflow", input_shape=(1, 3, 5, 5))


def test_opset_shapes_the_onnx_node():
    t = port.translate("F.interpolate(x, scale_factor=2, mode='nearest')", to="onnx", input_shape=(1, 3, 5, 5),
                       opset=9)
    assert t.node["op_type"] == "Upsample" and t.exact
    t = port.translate("F.interpolate(x, size=(10, 10), mode='bilinear', align_corners=False)", to="onnx",
                       input_shape=(1, 3, 5, 5), opset=13)
    assert "axes" not in t.node["attributes"] and t.node["inputs"]["sizes"] == [1, 3, 10, 10]


def test_conv_transpose_translations_are_exact_through_the_twins():
    t = port.translate("tf.nn.conv2d_transpose(x, filters, (1, 55, 55, 5), 2, padding='SAME')", to="pytorch",
                       input_shape=(1, 28, 28, 3), weight_shape=(4, 4, 5, 3))
    assert t.exact and "weight.transpose(3, 2, 0, 1)" in t.code and "y.shape[2] - 1" in t.code
    t = port.translate("nn.ConvTranspose2d(3, 6, 4, stride=2, padding=1)", to="tensorflow", input_shape=(1, 3, 7, 6))
    assert t.exact and "padding='SAME'" in t.code and t.holds_for == "all input sizes"
    t = port.translate("ConvTranspose(strides=[2, 2], kernel_shape=[3, 3], auto_pad='SAME_LOWER')", to="pytorch",
                       input_shape=(1, 2, 5, 5))
    assert t.exact and "output_padding=1" in t.code
    t = port.translate("nn.ConvTranspose2d(3, 6, 4, stride=2, padding=1)", to="opencv", input_shape=(1, 3, 7, 6))
    assert not t.exact and t.code == "" and "no transposed convolution" in t.reason


def test_docs_port_table_is_current():
    from pathlib import Path

    from upsampling.port.table import BEGIN, END, markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "port.md").read_text()
    section = text[text.index(BEGIN) + len(BEGIN): text.index(END)]
    assert section == "\n" + markdown_table(), (
        "docs/port.md's table is stale: run `.venv/bin/python -m upsampling.port.table --write`")


def test_doctests_of_the_port_package():
    import doctest

    import upsampling.port

    assert doctest.testmod(upsampling.port, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_a_setting_without_size_is_resized_twofold():
    t = port.translate(torch_twin.LINEAR, to="tensorflow", input_shape=(1, 3, 5, 7))
    assert t.output_shape == (1, 10, 14, 3) and t.exact


def test_the_composition_claim_holds_on_many_sizes(rng):
    """TF1 legacy bilinear = pad one replicated pixel, align_corners to out + 1, crop: for every input size."""
    from upsampling.port.compose import Composition

    out = (66, 94)
    comp = Composition(inner=TorchInterpolate(size=(67, 95), mode="bilinear", align_corners=True), pad=(0, 1, 0, 1),
                       crop=(0, 0), out=out)
    source = TF1Resize("resize_bilinear", out)
    for _ in range(25):
        h, w = (int(v) for v in rng.integers(1, 120, size=2))
        d = Dims(1, 1, h, w)
        assert worst_error(operator_of(source, d), operator_of(comp, d)) < 1e-4, f"{h}x{w}"


def test_solve_axis_finds_an_integer_step():
    """Half-pixel x2 samples at i/2 - 1/4; an asymmetric resize reaches it on the input padded by one
    pixel at the start, x4, keeping every 2nd sample from the 4th (what ONNX Upsample and TensorRT 7
    can express); the audit's rewrites use the same solver."""
    from fractions import Fraction

    from upsampling.port.compose import solve_axis

    s = next(solve_axis("asymmetric", True, 10, 20, Fraction(1, 2), Fraction(-1, 4)))
    assert (s.pad_before, s.pad_after, s.step, s.scale, s.crop) == (1, 0, 2, 4, 3)
    assert s.crop + s.step * 19 + 1 <= s.length
    # a downscale into Pillow's box: spacing in/out/step <= 1, so Pillow does not stretch its kernel
    s = next(x for x in solve_axis("box", False, 47, 20, Fraction(47, 20), Fraction(27, 40)) if x.spacing <= 1)
    assert s.step == 3 and s.length == 58 and s.box_start + s.spacing * s.length <= 47


@pytest.mark.parametrize("source,to,target", [
    ("tf.compat.v1.image.resize_nearest_neighbor(x, (40, 31))", "pytorch", "mode='nearest'"),
    ("tf.image.resize(x, (40, 31), method='nearest')", "pytorch", "mode='nearest-exact'"),
    ("F.interpolate(x, size=(40, 31), mode='nearest')", "tensorflow", "resize_nearest_neighbor(x, (40, 31))"),
])
def test_nearest_equal_for_all_sizes_where_the_arithmetic_is_the_same(source, to, target):
    """Nearest neighbour is claimed for every size only where the registry gives both the same rule, precision
    and scale (PyTorch's small-output kernel and TF's float32 in/out); otherwise for the shape given."""
    shape = (1, 17, 23, 3) if source.startswith("tf") else (1, 3, 17, 23)
    t = port.translate(source, to=to, input_shape=shape)
    assert t.exact and target in t.code and t.holds_for == "all input sizes", t.explain()
    assert t.bit_identical is True
    # PyTorch picks its generic kernel for out_h + out_w > 128: float32 rounding of another product
    t = port.translate("F.interpolate(x, size=(100, 31), mode='nearest')", to="tensorflow", input_shape=(1, 3, 17, 23))
    assert t.exact and t.holds_for == "the input shape given"
    t = port.translate("cv2.resize(x, (31, 40), interpolation=cv2.INTER_NEAREST)", to="pytorch", input_shape=(17, 23, 3))
    assert t.exact and t.holds_for == "the input shape given"  # OpenCV computes the index in double


@pytest.mark.parametrize("fn,words", [
    (lambda x: upsampling_resize(x, (40, 31), mode="cubic", cubic_coeff_a=-0.6, exclude_outside=True),
     ("cubic (Keys a=-0.6), out-of-image taps dropped and renormalised (exclude_outside)", "= half_pixel")),
    (lambda x: upsampling_resize(x, (40, 31), mode="cubic", cubic_coeff_a=-0.6, coordinate_transformation_mode="asymmetric"),
     ("cubic (Keys a=-0.6), edge replicated", "= asymmetric")),
    (lambda x: upsampling_resize(x, (7, 9), mode="area"), ("a box of 2.429 input pixels (area)", "= half_pixel")),
    (lambda x: upsampling_resize(x, (7, 9), antialias=True), ("a triangle (bilinear) stretched over 2.429",)),
    (lambda x: tf_twin.resize(x.transpose(0, 2, 3, 1), (40, 31), method="lanczos5").transpose(0, 3, 1, 2),
     ("Lanczos-like, radius ≈ 5",)),
])
def test_identify_says_what_an_unknown_resize_does(fn, words):
    """An operation no framework call matches is described: kernel (Keys a, border rule, window shape
    and stretch) and where it samples."""
    text = port.identify(fn, input_shape=(1, 2, 17, 23), top=1).recovered.text()
    height = text.splitlines()[0]
    assert all(w in height for w in words), text


def upsampling_resize(x, size, **kwargs):
    import upsampling

    return upsampling.resize(x, size, layout="NCHW", **kwargs)
