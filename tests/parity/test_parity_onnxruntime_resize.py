"""ONNX twin vs live ONNX Runtime: random inputs over the whole Resize attribute grid."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import framework
from upsampling.frameworks import onnx as onnx_twin

pytestmark = pytest.mark.parity

CTMS = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"]
NEAREST = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]


def _session(attrs: dict, rank: int, with_scales: bool, n_axes: int):
    import onnx
    from onnx import TensorProto, helper

    inputs = ["X", "roi", "scales" if with_scales else "", "" if with_scales else "sizes"]
    node = helper.make_node("Resize", [i for i in inputs if i] if not with_scales else inputs[:3],
                            ["Y"], **attrs)
    if not with_scales:
        node = helper.make_node("Resize", ["X", "roi", "", "sizes"], ["Y"], **attrs)
    graph_inputs = [
        helper.make_tensor_value_info("X", TensorProto.FLOAT, [None] * rank),
        helper.make_tensor_value_info("roi", TensorProto.FLOAT, [None]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [n_axes])
        if with_scales
        else helper.make_tensor_value_info("sizes", TensorProto.INT64, [n_axes]),
    ]
    graph = helper.make_graph([node], "g", graph_inputs, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    ort = framework("onnxruntime")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _random_config(rng):
    mode = str(rng.choice(["nearest", "linear", "cubic"]))
    attrs = dict(
        mode=mode,
        coordinate_transformation_mode=str(rng.choice(CTMS)),
        nearest_mode=str(rng.choice(NEAREST)),
        cubic_coeff_a=float(rng.choice([-0.75, -0.5])),
        antialias=int(rng.integers(2)) if mode != "nearest" else 0,
        extrapolation_value=float(rng.normal()),
    )
    # ORT refuses exclude_outside except for cubic, or linear with antialias.
    if mode == "cubic" or (mode == "linear" and attrs["antialias"]):
        attrs["exclude_outside"] = int(rng.integers(2))
    return attrs


def _known_divergence(attrs, hw, extra, roi) -> str | None:
    """Where behaviour='onnxruntime' is known not to reproduce ORT yet (docs/onnx.md)."""
    ctm = attrs["coordinate_transformation_mode"]
    if ctm == "tf_crop_and_resize" and (roi.min() < 0 or roi.max() > 1):
        return "roi outside [0, 1]"
    if "scales" in extra:
        sc = extra["scales"][2:]
        n_out = np.floor(np.array(hw, np.float32) * sc)
        if any(o == n and s != 1 for o, n, s in zip(n_out, hw, sc)) and tuple(n_out) != tuple(hw):
            return "an axis keeps its length under a scale != 1"
    from upsampling.coords import source_coordinates

    for n, k in zip(hw, (2, 3)):
        if ctm != "tf_crop_and_resize":
            break
        o = int(extra["sizes"][k]) if "sizes" in extra else int(np.floor(np.float32(n) * extra["scales"][k]))
        x = source_coordinates(n, o, ctm, out_length=o, roi=(float(roi[k]), float(roi[k + 4])))
        if np.any(np.abs(x) < 1e-5) or np.any(np.abs(x - (n - 1)) < 1e-5):
            return "tf_crop_and_resize sample on the image border (float32 decides extrapolation)"
    if attrs["mode"] == "nearest":
        for n, k in zip(hw, (2, 3)):
            o = int(extra["sizes"][k]) if "sizes" in extra else int(np.floor(np.float32(n) * extra["scales"][k]))
            s = o / n if "sizes" in extra else float(extra["scales"][k])
            r = (float(roi[k]), float(roi[k + 4])) if roi.size else (0.0, 1.0)
            x = source_coordinates(n, o, ctm, scale=s, out_length=o if ctm in ("align_corners", "pytorch_half_pixel", "tf_crop_and_resize") else n * s, roi=r)
            frac = x - np.floor(x)
            if np.any(np.abs(frac - 0.5) < 1e-5) or np.any(np.minimum(frac, 1 - frac) < 1e-5):
                return "nearest at a rounding tie"
    return None


def test_random_grid_matches_onnxruntime(rng):
    failures = []
    divergent = {}
    n = 0
    while n < 600:
        attrs = _random_config(rng)
        h, w = (int(v) for v in rng.integers(1, 10, 2))
        x = rng.normal(size=(1, 2, h, w)).astype(np.float32)
        with_scales = bool(rng.integers(2))
        if attrs["coordinate_transformation_mode"] == "tf_crop_and_resize":
            roi = np.array([0, 0, *rng.uniform(-0.2, 0.5, 2), 1, 1, *rng.uniform(0.6, 1.2, 2)], np.float32)
        else:
            roi = np.zeros(0, np.float32)
        if with_scales:
            sc = np.array([1, 1, *rng.choice([0.5, 0.6, 0.75, 1.0, 1.3, 1.5, 2.0, 2.5, 3.0, 7 / 3], 2)], np.float32)
            if min(np.floor(np.array([h, w], np.float32) * sc[2:])) < 1:
                continue
            extra = {"scales": sc}
            twin = onnx_twin.resize(x, roi, sc, None, behaviour="onnxruntime", **attrs)
        else:
            sz = np.array([1, 2, *rng.integers(1, 13, 2)], np.int64)
            extra = {"sizes": sz}
            twin = onnx_twin.resize(x, roi, None, sz, behaviour="onnxruntime", **attrs)
        sess = _session(attrs, 4, with_scales, 4)
        live = sess.run(None, {"X": x, "roi": roi, **extra})[0]
        n += 1
        same = twin.shape == live.shape and np.allclose(twin, live, rtol=0, atol=1e-5 * max(1, np.abs(x).max()))
        if not same:
            why = _known_divergence(attrs, (h, w), extra, roi)
            if why:
                divergent[why] = divergent.get(why, 0) + 1
            else:
                failures.append((attrs, (h, w), extra, roi, twin.shape, live.shape))
    assert not failures, f"{len(failures)} of {n} configurations differ, e.g. {failures[:3]}"
    # The known divergences stay rare; if ORT-behaviour is fixed for one, tighten docs/onnx.md.
    assert sum(divergent.values()) <= 0.08 * n, divergent
