"""Checking a rewrite: the candidate alone in every runtime against the original node's spec
output, and the node itself measured in each runtime (``--run``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from upsampling._optional import require
from upsampling.port.onnx_graph import NodeFacts
from upsampling.port.rewrite.nodes import Replacement
from upsampling.port.runners import Runtime, node_model, reference_is_wrong, run_model, spec_output

__all__ = ["measure", "tolerance", "verify"]


def _submodel(f: NodeFacts, rep: Replacement) -> Any:
    require("onnx", "port")
    from onnx import TensorProto, helper

    elem = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16, "float64": TensorProto.DOUBLE}.get(
        f.dtype, TensorProto.FLOAT)
    graph = helper.make_graph(rep.nodes, "candidate", [helper.make_tensor_value_info(f.inputs[0], elem, list(f.x_shape))],
                              [helper.make_tensor_value_info(f.output, elem, None)], initializer=rep.initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", max(f.opset, 11 if f.op_type != "ConvTranspose" else f.opset))])


def tolerance(want: np.ndarray) -> float:
    """Float32 rounding on inputs in [0, 1), scaled by the output's magnitude."""
    return 2e-5 * max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)


def verify(f: NodeFacts, rep: Replacement, runtimes: Sequence[Runtime], trials: int = 2, seed: int = 0) -> str:
    """"" when every runtime computes ``rep`` equal to the original node's spec output, else why not."""
    try:
        model = _submodel(f, rep)
    except Exception as exc:
        return f"invalid graph: {' '.join(str(exc).split())[:200]}"
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(trials):
        x = rng.random(f.x_shape).astype(f.dtype)
        want = spec_output(f, x)
        for rt in runtimes:
            got, refusal = run_model(rt, model, {f.inputs[0]: x})
            if got is None:
                return f"{rt.name} refuses it: {refusal}"
            y = np.asarray(got[0])
            if y.shape != want.shape:
                return f"{rt.name} gives shape {y.shape}, the spec {want.shape}"
            err = float(np.max(np.abs(y.astype(np.float64) - want))) if want.size else 0.0
            limit = 0.0 if f.attrs.get("mode") == "nearest" and f.op_type != "ConvTranspose" else tolerance(want)
            if err > limit:
                return f"{rt.name} differs by {err:.2g}"
            worst = max(worst, err)
    rep.error = worst
    return ""


def measure(f: NodeFacts, runtimes: Sequence[Runtime], trials: int = 1, seed: int = 0) -> dict[str, dict]:
    """The node alone in each runtime against its spec output: ``{runtime: {"error", "refused", "shape"}}``."""
    out: dict[str, dict] = {}
    model = node_model(f)
    rng = np.random.default_rng(seed)
    xs = [rng.random(f.x_shape).astype(f.dtype) for _ in range(trials)]
    try:
        wants = [spec_output(f, x) for x in xs]
    except Exception as exc:
        return {"spec": {"refused": " ".join(str(exc).split())[:240]}}
    for rt in runtimes:
        if rt.cross_check:
            why = reference_is_wrong(f)
            if why:
                out[rt.name] = {"skipped": why}
                continue
        worst, result = 0.0, {}
        for x, want in zip(xs, wants):
            got, refusal = run_model(rt, model, {"X": x})
            if got is None:
                result = {"refused": refusal}
                break
            y = np.asarray(got[0])
            if y.shape != want.shape:
                result = {"shape": list(y.shape), "spec_shape": list(want.shape)}
                break
            worst = max(worst, float(np.max(np.abs(y.astype(np.float64) - want))) if want.size else 0.0)
        out[rt.name] = result or {"error": worst, "tolerance": tolerance(wants[0])}
    return out
