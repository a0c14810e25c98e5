"""``upsampling audit`` on hand-built graphs: each documented ONNX Runtime divergence is found,
measured by ``--run``, and fixed by ``--fix`` with a proof; the command's errors and writes.

Every divergence test checks three things live: ONNX Runtime really departs from the spec twin
on the original node (so the case is not vacuous), the audit names the divergence, and the
fixed model computes the original's spec output in ONNX Runtime (and OpenVINO when installed).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from conftest import framework

onnx = framework("onnx")
ort = framework("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from upsampling.errors import InvalidArgumentError  # noqa: E402
from upsampling.frameworks import onnx as twin  # noqa: E402
from upsampling.port.audit import audit  # noqa: E402

pytestmark = pytest.mark.parity


def resize_model(x_shape, attrs, *, scales=None, sizes=None, roi=None, opset=19, dims=None):
    inits, names = [], ["X"]
    for name, value, dtype in (("roi", roi, np.float32), ("scales", scales, np.float32), ("sizes", sizes, np.int64)):
        if value is None:
            names.append("")
        else:
            inits.append(numpy_helper.from_array(np.array(value, dtype=dtype), name))
            names.append(name)
    while names[-1] == "":
        names.pop()
    node = helper.make_node("Resize", names, ["Y"], name="up", **attrs)
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, dims or list(x_shape))
    graph = helper.make_graph([node], "g", [x], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def conv_model(x_shape, w_shape, attrs, bias=False, seed=0):
    rng = np.random.default_rng(seed)
    inits = [numpy_helper.from_array(rng.standard_normal(w_shape).astype(np.float32), "W")]
    names = ["X", "W"]
    if bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(w_shape[1] * attrs.get("group", 1)).astype(np.float32), "B"))
        names.append("B")
    node = helper.make_node("ConvTranspose", names, ["Y"], name="deconv", **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x_shape))],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])


def run_ort(model, x):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": x})[0]


def spec_of(model, x):
    """The original node per spec, straight from the twin (independent of the audit's plumbing)."""
    node = model.graph.node[0]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    if node.op_type == "ConvTranspose":
        return twin.conv_transpose(x, inits["W"], inits.get("B"), **attrs)
    return twin.resize(x, inits.get("roi"), inits.get("scales"), inits.get("sizes"), **attrs)


def check_divergence_fixed(tmp_path, model, x_shape, finding, rng, kind=None, ort_departs=True):
    """The case is live, the audit names it, --fix's model equals the spec in ORT."""
    x = rng.random(x_shape).astype(np.float32)
    want = spec_of(model, x)
    if ort_departs:
        try:
            got = run_ort(model, x)
            departs = got.shape != want.shape or np.max(np.abs(got - want)) > 1e-5
        except Exception:  # ORT refuses the model
            departs = True
        assert departs, "ONNX Runtime no longer departs from the spec here: update docs/onnx.md"
    out = tmp_path / "fixed.onnx"
    report = audit(model, run=True, fix=out, equivalents=False)
    ids = [f.id for f in report.nodes[0].findings]
    assert finding in ids, ids
    assert report.nodes[0].run["ONNX Runtime"] != {}
    fx = report.fix
    assert fx.proof["proven"] and fx.written, report.text()
    if kind is not None:
        assert [c["kind"] for c in fx.changed] == [kind], report.text()
    fixed = onnx.load(str(out))
    np.testing.assert_allclose(run_ort(fixed, x), want, rtol=0, atol=2e-5 * max(1.0, float(np.abs(want).max())),
                               err_msg=report.text())
    return report


def test_align_corners_fractional_length(tmp_path, rng):
    model = resize_model((1, 2, 8, 10), dict(mode="linear", coordinate_transformation_mode="align_corners"),
                         scales=[1, 1, 1.7, 1.7])
    r = check_divergence_fixed(tmp_path, model, (1, 2, 8, 10), "ort-integer-length", rng, kind="composition")
    assert "✗" in r.text() and "onnx/onnx#2462" in r.text()


def test_pytorch_half_pixel_length_between_1_and_2(tmp_path, rng):
    # 4 x 0.4 = 1.6: one output sample; the spec uses the half-pixel formula (1.6 > 1), ORT x = 0
    model = resize_model((1, 1, 4, 6), dict(mode="linear", coordinate_transformation_mode="pytorch_half_pixel"),
                         scales=[1, 1, 0.4, 1.0])
    check_divergence_fixed(tmp_path, model, (1, 1, 4, 6), "ort-integer-length", rng, kind="attributes")


def test_float32_output_length(tmp_path, rng):
    # 10 x float32(0.7) = 6.99999988 -> 6 per spec; ONNX Runtime computes 7 in float32
    model = resize_model((1, 1, 10, 10), dict(mode="linear"), scales=[1, 1, 0.7, 0.7])
    r = check_divergence_fixed(tmp_path, model, (1, 1, 10, 10), "ort-float32-length", rng, kind="attributes")
    assert "Slice" in r.fix.changed[0]["rewrite"]


def test_unchanged_length_with_scale(tmp_path, rng):
    model = resize_model((1, 1, 5, 5), dict(mode="linear"), scales=[1, 1, 1.1, 1.1])
    check_divergence_fixed(tmp_path, model, (1, 1, 5, 5), "ort-unchanged-length", rng)


def test_crop_and_resize_axis_of_same_length(tmp_path, rng):
    model = resize_model((1, 1, 6, 6), dict(mode="linear", coordinate_transformation_mode="tf_crop_and_resize",
                                            extrapolation_value=-3.0),
                         sizes=[1, 1, 6, 9], roi=[0, 0, 0.2, -0.1, 1, 1, 0.7, 1.2])
    r = check_divergence_fixed(tmp_path, model, (1, 1, 6, 6), "ort-crop-same-length", rng, kind="plan")
    assert "Where" in r.fix.changed[0]["rewrite"]


def test_exclude_outside_refused_by_ort(tmp_path, rng):
    model = resize_model((1, 1, 5, 5), dict(mode="linear", exclude_outside=1), scales=[1, 1, 2, 2])
    check_divergence_fixed(tmp_path, model, (1, 1, 5, 5), "ort-exclude-outside-refused", rng, kind="attributes")


def test_nearest_tie(tmp_path, rng):
    # 14 -> 17 half-pixel, round_prefer_floor (ONNX's defaults): sample 8 sits at x = 6.5 exactly;
    # ONNX Runtime takes 6, the spec 7
    model = resize_model((1, 1, 14, 14), dict(mode="nearest"), sizes=[1, 1, 17, 17])
    check_divergence_fixed(tmp_path, model, (1, 1, 14, 14), "nearest-ties", rng)


@pytest.mark.parametrize("attrs, x_shape, w_shape, bias", [
    (dict(strides=[2, 2], auto_pad="SAME_LOWER"), (1, 3, 7, 8), (3, 4, 3, 3), True),
    (dict(strides=[3, 2], output_shape=[20, 15]), (1, 2, 7, 8), (2, 2, 3, 4), False),
    (dict(strides=[3, 3], auto_pad="SAME_UPPER"), (1, 2, 4, 5), (2, 3, 2, 2), True),  # kernel < stride
    (dict(strides=[2, 2], auto_pad="SAME_UPPER", group=2), (1, 4, 5, 5), (4, 1, 4, 4), True),
])
def test_conv_transpose_gets_explicit_pads(tmp_path, rng, attrs, x_shape, w_shape, bias):
    model = conv_model(x_shape, w_shape, attrs, bias)
    r = check_divergence_fixed(tmp_path, model, x_shape, "auto-pad" if "auto_pad" in attrs else "output-shape", rng,
                               kind="pads", ort_departs=False)
    fixed = onnx.load(str(tmp_path / "fixed.onnx"))
    conv = [n for n in fixed.graph.node if n.op_type == "ConvTranspose"][0]
    names = {a.name for a in conv.attribute}
    assert "auto_pad" not in names and "output_shape" not in names and "pads" in names
    assert r.fix.changed[0]["node"] == "deconv"


def test_spec_correct_node_is_left_alone(tmp_path, rng):
    model = resize_model((1, 2, 8, 8), dict(mode="linear"), scales=[1, 1, 2, 2])
    report = audit(model, run=True, fix=tmp_path / "same.onnx", equivalents=False)
    assert report.fix.changed == [] and report.fix.written
    assert report.nodes[0].description == "bilinear, half-pixel, ×2"
    assert report.nodes[0].engine_call == "upsampling.resize(x, scale=2.0, layout='NCHW')"
    err = report.nodes[0].run["ONNX Runtime"]["error"]
    assert 0 <= err < 1e-6


def test_target_modes_asymmetric_composition(tmp_path, rng):
    """TensorRT 7 (asymmetric only): half-pixel bilinear x2 = edge pad + asymmetric x4 + slice step 2."""
    model = resize_model((1, 2, 6, 7), dict(mode="linear"), scales=[1, 1, 2, 2])
    out = tmp_path / "trt.onnx"
    report = audit(model, fix=out, target_modes="tensorrt7", equivalents=False)
    assert report.fix.proof["proven"], report.text()
    assert report.fix.changed[0]["kind"] == "composition"
    fixed = onnx.load(str(out))
    for n in fixed.graph.node:
        if n.op_type == "Resize":
            a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
            assert a["coordinate_transformation_mode"] == b"asymmetric"
    x = rng.random((1, 2, 6, 7)).astype(np.float32)
    np.testing.assert_allclose(run_ort(fixed, x), spec_of(model, x), rtol=0, atol=1e-5)


def test_target_modes_nearest_exact(tmp_path, rng):
    """PyTorch's nearest-exact (half-pixel, round half up) for an asymmetric-floor-only runtime."""
    model = resize_model((1, 1, 5, 6), dict(mode="nearest", nearest_mode="round_prefer_ceil"), scales=[1, 1, 3, 3])
    report = audit(model, fix=tmp_path / "n.onnx", target_modes="nearest:asymmetric:floor", equivalents=False)
    assert report.fix.proof["proven"] and report.fix.changed[0]["kind"] == "composition", report.text()


def test_target_modes_impossible_without_plan(tmp_path):
    model = resize_model((1, 1, 5, 5), dict(mode="cubic"), scales=[1, 1, 2, 2])
    report = audit(model, fix=tmp_path / "c.onnx", target_modes="tensorrt7", allow_plan=False, equivalents=False)
    assert report.fix.changed == [] and [i["node"] for i in report.fix.impossible] == ["up"]
    with_plan = audit(model, fix=tmp_path / "c2.onnx", target_modes="tensorrt7", equivalents=False)
    assert with_plan.fix.changed[0]["kind"] == "plan" and with_plan.fix.proof["proven"]


def test_upsample_opset9(tmp_path, rng):
    inits = [numpy_helper.from_array(np.array([1, 1, 2, 3], dtype=np.float32), "scales")]
    node = helper.make_node("Upsample", ["X", "scales"], ["Y"], name="old", mode="linear")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 4, 5])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
    report = audit(model, run=True, fix=tmp_path / "u.onnx", target_modes="cubic", equivalents=False)
    node = report.nodes[0]
    assert node.description.startswith("bilinear, asymmetric, ×(2, 3)")
    assert "upsample-deprecated" in [f.id for f in node.findings]
    assert report.fix.changed[0]["kind"] == "plan" and report.fix.proof["proven"], report.text()


def test_dynamic_shapes_and_input_shape(tmp_path):
    model = resize_model((1, 2, 8, 8), dict(mode="linear"), scales=[1, 1, 2, 2], dims=["N", 2, "H", "W"])
    report = audit(model, equivalents=False)
    assert "size unknown" not in report.nodes[0].description  # scales are known; the sizes are not
    with pytest.raises(InvalidArgumentError, match="input_shape"):
        audit(model, fix=tmp_path / "d.onnx", equivalents=False)
    fixed = audit(model, input_shape="1x2x8x8", run=True, fix=tmp_path / "d.onnx", equivalents=False)
    assert fixed.fix.written and fixed.nodes[0].facts.y_shape == (1, 2, 16, 16)


def test_no_upsampling_node(tmp_path):
    node = helper.make_node("Relu", ["X"], ["Y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    report = audit(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)]))
    assert report.nodes == [] and "no Resize, Upsample or ConvTranspose node" in report.text()


def test_translate_column_picks_frameworks():
    model = resize_model((1, 2, 8, 8), dict(mode="linear"), scales=[1, 1, 2, 2])
    eq = audit(model, equivalents=("pytorch", "engine")).nodes[0].equivalents
    assert set(eq) == {"pytorch", "engine"}
    assert eq["pytorch"]["exact"] and "interpolate" in eq["pytorch"]["code"], eq
    with pytest.raises(InvalidArgumentError, match="equivalents"):
        audit(model, equivalents=("caffe",))


# --- the command --------------------------------------------------------------------------------


def cli(*args: str):
    """``upsampling ARGS`` in a subprocess (plain output)."""
    import subprocess
    import sys
    from types import SimpleNamespace

    pytest.importorskip("typer")
    env = {**os.environ, "UPSAMPLING_PLAIN": "1"}
    p = subprocess.run([sys.executable, "-m", "upsampling.cli", *args], capture_output=True, text=True, env=env, timeout=300)
    return SimpleNamespace(returncode=p.returncode, stdout=p.stdout, stderr=p.stderr)


def test_cli_errors_and_writes(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00\x01 not a model at all \xff" * 10)
    r = cli("audit", str(bad))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "not a readable ONNX model" in r.stderr
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    r = cli("audit", str(text))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    r = cli("audit", str(tmp_path / "missing.onnx"))
    assert r.returncode == 2 and "no such file" in r.stderr

    model = resize_model((1, 1, 8, 10), dict(mode="linear", coordinate_transformation_mode="align_corners"),
                         scales=[1, 1, 1.7, 1.7])
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    out = tmp_path / "fixed.onnx"
    r = cli("audit", str(path), "--run", "--fix", str(out), "--no-equivalents")
    assert r.returncode == 0, r.stderr
    assert "ort-integer-length" not in r.stdout and "onnx/onnx#2462" in r.stdout and "written" in r.stdout
    before = out.read_bytes()
    r = cli("audit", str(path), "--fix", str(out))
    assert r.returncode == 2 and "--overwrite" in r.stderr and out.read_bytes() == before
    r = cli("audit", str(path), "--fix", str(out), "--overwrite", "--json", "--no-equivalents")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["fix"]["proof"]["proven"] and data["nodes"][0]["op_type"] == "Resize"
    assert [f["id"] for f in data["nodes"][0]["known_divergences"]][0] == "ort-integer-length"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".upsampling-audit-")]
    r = cli("audit", str(path), "--target-modes", "bogus", "--fix", str(tmp_path / "x.onnx"))
    assert r.returncode == 2 and "--target-modes" in r.stderr
    r = cli("audit", str(path), "--input-shape", "1xx2")
    assert r.returncode == 2 and "--input-shape" in r.stderr


def test_nodes_inside_if_branches(tmp_path, rng):
    """Resize nodes inside an If's branches are listed, run and fixed in place; the proof runs both branches."""
    sc = numpy_helper.from_array(np.array([1, 1, 1.7, 1.7], np.float32), "sc")
    then = helper.make_graph([helper.make_node("Resize", ["X", "", "sc"], ["Yt"], name="up_then", mode="linear",
                                               coordinate_transformation_mode="align_corners")], "then", [],
                             [helper.make_tensor_value_info("Yt", TensorProto.FLOAT, None)])
    other = helper.make_graph([helper.make_node("Resize", ["X", "", "sc"], ["Ye"], name="up_else", mode="nearest")],
                              "else", [], [helper.make_tensor_value_info("Ye", TensorProto.FLOAT, None)])
    branch = helper.make_node("If", ["c"], ["Y"], name="branch", then_branch=then, else_branch=other)
    graph = helper.make_graph([branch], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 2, 8, 10]),
                                              helper.make_tensor_value_info("c", TensorProto.BOOL, [])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=[sc])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    out = tmp_path / "fixed.onnx"
    report = audit(model, run=True, fix=out, equivalents=("pytorch",))
    labels = {n.facts.label: n for n in report.nodes}
    assert set(labels) == {"branch/then_branch/up_then", "branch/else_branch/up_else"}, report.text()
    then_node = labels["branch/then_branch/up_then"]
    assert "ort-integer-length" in [f.id for f in then_node.findings] and then_node.equivalents["pytorch"]["code"]
    assert then_node.run["ONNX Runtime"]["error"] > 1e-3  # ORT departs from the spec inside the branch too
    assert report.fix.written and report.fix.proof["proven"], report.text()
    assert [c["node"] for c in report.fix.changed] == ["branch/then_branch/up_then"]
    fixed = onnx.load(str(out))
    sess = ort.InferenceSession(fixed.SerializeToString(), providers=["CPUExecutionProvider"])
    x = rng.random((1, 2, 8, 10)).astype(np.float32)
    want = twin.resize(x, None, [1, 1, 1.7, 1.7], None, mode="linear", coordinate_transformation_mode="align_corners")
    np.testing.assert_allclose(sess.run(None, {"X": x, "c": np.array(True)})[0], want, atol=1e-5)


@pytest.mark.parametrize("op,opset", [("Upsample", 9), ("Resize", 10)])
def test_upsample_and_resize10_get_each_frameworks_call(op, opset):
    inits = [numpy_helper.from_array(np.array([1, 1, 2, 3], dtype=np.float32), "scales")]
    node = helper.make_node(op, ["X", "scales"], ["Y"], name="old", mode="nearest")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 4, 5])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    eq = audit(model, equivalents=("pytorch",)).nodes[0].equivalents
    assert eq["pytorch"]["exact"] and "scale_factor=(2.0, 3.0), mode='nearest'" in eq["pytorch"]["code"], eq
