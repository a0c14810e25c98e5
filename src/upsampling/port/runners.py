"""Running one upsampling node, or a whole model, in the spec twin and in every installed runtime.

* :func:`spec_output`: the node per the ONNX specification, from our twin
  (:mod:`upsampling.frameworks.onnx`, ``behaviour="spec"``; it passes every ONNX backend node
  case).
* :func:`node_model`: the node alone as a model (its constant inputs as initializers).
* :data:`RUNTIMES` / :func:`installed_runtimes`: ONNX Runtime (CPU) always, OpenVINO (CPU,
  float32 inference precision) when installed, and ``onnx.reference`` as a cross-check where it is
  right (it is wrong for ``pytorch_half_pixel`` at output length 1, onnx/onnx#4275; for
  ConvTranspose with ``group > 1``, with ``output_shape`` or ``SAME_*`` and a kernel smaller than
  the stride; and slow on large tensors, onnx/onnx#6554).
* :func:`spec_evaluator`: a whole model per spec: onnx's reference evaluator with its Resize,
  Upsample and ConvTranspose replaced by the twin.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from upsampling._optional import module_available, require
from upsampling.port.onnx_graph import NodeFacts, input_slots, resize_axes

__all__ = ["RUNTIMES", "Runtime", "installed_runtimes", "node_model", "run_model", "spec_evaluator", "spec_output"]

_TWIN_RESIZE_ATTRS = ("antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
                      "extrapolation_value", "keep_aspect_ratio_policy", "mode", "nearest_mode")
_TWIN_CONV_ATTRS = ("auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 240 else text[:237] + "..."


def twin_resize(op_type: str, opset: int, x: np.ndarray, attrs: dict, roi=None, scales=None, sizes=None,
                weight=None, bias=None) -> np.ndarray:
    """The spec twin of one node given its attributes and input values."""
    from upsampling.frameworks import onnx as twin

    if op_type == "ConvTranspose":
        kw = {k: attrs[k] for k in _TWIN_CONV_ATTRS if attrs.get(k) is not None}
        return twin.conv_transpose(x, weight, bias, **kw)
    if op_type == "Upsample" or opset < 11:  # Resize-10 samples as Upsample-9 does (asymmetric)
        return twin.upsample(x, scales, attrs.get("mode", "nearest"))
    kw = {k: attrs[k] for k in _TWIN_RESIZE_ATTRS if attrs.get(k) is not None}
    return twin.resize(x, roi, scales, sizes, **kw)


def spec_output(f: NodeFacts, x: np.ndarray) -> np.ndarray:
    """Node ``f`` applied to ``x`` per the ONNX specification (our twin)."""
    return twin_resize(f.op_type, f.opset, x, f.attrs, f.roi, f.scales, f.sizes, f.weight, f.bias)


def node_model(f: NodeFacts, opset: int | None = None, ir_version: int | None = None) -> Any:
    """The node alone: input ``X`` (its static shape), constant inputs as initializers, output ``Y``."""
    require("onnx", "port")  # a clear MissingExtraError before the imports below
    from onnx import TensorProto, helper, numpy_helper

    elem = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16, "float64": TensorProto.DOUBLE}.get(
        f.dtype, TensorProto.FLOAT
    )
    names, inits = ["X"], []
    for slot, original in zip(input_slots(f.op_type, f.opset), f.inputs[1:]):
        value = getattr(f, slot)
        if not original or value is None:
            names.append("")
            continue
        names.append(slot)
        inits.append(numpy_helper.from_array(np.asarray(value), slot))
    while names and names[-1] == "":
        names.pop()
    attrs = {}
    from upsampling.port.onnx_graph import CONV_TRANSPOSE_DEFAULTS, RESIZE_DEFAULTS

    defaults = RESIZE_DEFAULTS if f.op_type == "Resize" else CONV_TRANSPOSE_DEFAULTS if f.op_type == "ConvTranspose" else {}
    for k, v in f.attrs.items():
        if v is None or (k in defaults and defaults[k] == v and k != "mode"):
            continue
        if f.op_type == "Upsample" and k == "scales" and f.opset >= 9:
            continue
        attrs[k] = v
    node = helper.make_node(f.op_type, names, ["Y"], **attrs)
    graph = helper.make_graph([node], "node", [helper.make_tensor_value_info("X", elem, list(f.x_shape))],
                              [helper.make_tensor_value_info("Y", elem, None)], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset or f.opset)])
    if ir_version:
        model.ir_version = ir_version
    return model


@dataclass(frozen=True)
class Runtime:
    """A way to run a model: ``run(model, feeds) -> list of outputs`` (raises where it refuses)."""

    name: str
    module: str
    run: Callable[[Any, dict], list]
    cross_check: bool = False  # onnx.reference: shown beside the runtimes, skipped where it is wrong

    def version(self) -> str:
        mod = require(self.module.split(".")[0], "port")
        return str(getattr(mod, "__version__", "?")).split("-")[0]


def _run_ort(model: Any, feeds: dict) -> list:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def _run_openvino(model: Any, feeds: dict) -> list:
    import openvino as ov

    core = ov.Core()
    m = core.read_model(model.SerializeToString(), b"")
    # f32: on CPUs with bf16 units OpenVINO would otherwise infer in bfloat16
    compiled = core.compile_model(m, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    names = [i.get_any_name() for i in compiled.inputs]
    result = compiled([feeds[n] for n in names])
    return [np.asarray(result[o]) for o in compiled.outputs]


def _run_reference(model: Any, feeds: dict) -> list:
    from onnx.reference import ReferenceEvaluator

    return list(ReferenceEvaluator(model).run(None, feeds))


RUNTIMES: tuple[Runtime, ...] = (
    Runtime("ONNX Runtime", "onnxruntime", _run_ort),
    Runtime("OpenVINO", "openvino", _run_openvino),
    Runtime("onnx.reference", "onnx", _run_reference, cross_check=True),
)


def installed_runtimes(include_reference: bool = True) -> list[Runtime]:
    """ONNX Runtime (required: the ``port`` extra), OpenVINO when installed, onnx.reference."""
    require("onnxruntime", "port")
    return [r for r in RUNTIMES if module_available(r.module) and (include_reference or not r.cross_check)]


def run_model(runtime: Runtime, model: Any, feeds: dict) -> tuple[list | None, str]:
    """``(outputs, "")`` or ``(None, one-line refusal)``."""
    try:
        return runtime.run(model, feeds), ""
    except Exception as exc:  # a runtime refusing the node is a finding, not a crash
        return None, _one_line(exc)


def reference_is_wrong(f: NodeFacts) -> str:
    """Why onnx.reference cannot be trusted for this node ("" when it can)."""
    a = f.attrs
    if f.op_type == "ConvTranspose":
        if int(a.get("group", 1)) > 1:
            return "onnx.reference's ConvTranspose is wrong for group > 1"
        if a.get("output_shape"):
            return "onnx.reference's ConvTranspose fails with output_shape"
        if a.get("auto_pad", "NOTSET") in ("SAME_UPPER", "SAME_LOWER"):
            k = a.get("kernel_shape") or (list(f.weight.shape[2:]) if f.weight is not None else [])
            s = a.get("strides") or [1] * len(k)
            if any(kk < ss for kk, ss in zip(k, s)):
                return "onnx.reference's ConvTranspose is wrong for SAME_* with a kernel smaller than the stride"
        return ""
    if f.op_type == "Resize":
        _, _, outs = resize_axes(f)
        if a.get("coordinate_transformation_mode") == "pytorch_half_pixel" and 1 in outs:
            return "onnx.reference samples -0.5 for pytorch_half_pixel at output length 1 (onnx/onnx#4275)"
        if a.get("exclude_outside") and a.get("mode") == "nearest":
            return "onnx.reference zeroes clamped nearest samples with exclude_outside"
    if f.x_shape is not None and int(np.prod([d for d in f.x_shape if isinstance(d, int)])) > 300_000:
        return "too large for onnx.reference's Python Resize (onnx/onnx#6554)"
    return ""


def spec_evaluator(model: Any) -> Callable[[dict], list]:
    """``feeds -> outputs`` of a whole model per spec: onnx's reference evaluator for every
    other op, our twin for Resize, Upsample and ConvTranspose."""
    require("onnx", "port")
    from onnx.reference import ReferenceEvaluator
    from onnx.reference.op_run import OpRun

    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)

    class Resize(OpRun):
        op_domain = ""

        def _run(self, X, roi=None, scales=None, sizes=None, antialias=None, axes=None,
                 coordinate_transformation_mode=None, cubic_coeff_a=None, exclude_outside=None,
                 extrapolation_value=None, keep_aspect_ratio_policy=None, mode=None, nearest_mode=None):
            attrs = dict(antialias=antialias, axes=axes, coordinate_transformation_mode=coordinate_transformation_mode,
                         cubic_coeff_a=cubic_coeff_a, exclude_outside=exclude_outside,
                         extrapolation_value=extrapolation_value, keep_aspect_ratio_policy=keep_aspect_ratio_policy,
                         mode=mode or "nearest", nearest_mode=nearest_mode)
            if opset < 11:  # Resize-10: (X, scales)
                scales = roi
            return (twin_resize("Resize", opset, X, attrs, roi, scales, sizes),)

    class Upsample(OpRun):
        op_domain = ""

        def _run(self, X, scales=None, mode=None):
            if scales is None:
                scales = self.scales  # Upsample-7: an attribute
            return (twin_resize("Upsample", opset, X, {"mode": mode or "nearest"}, scales=scales),)

    class ConvTranspose(OpRun):
        op_domain = ""

        def _run(self, X, W, B=None, auto_pad=None, dilations=None, group=None, kernel_shape=None,
                 output_padding=None, output_shape=None, pads=None, strides=None):
            attrs = dict(auto_pad=auto_pad or "NOTSET", dilations=dilations, group=group or 1, kernel_shape=kernel_shape,
                         output_padding=output_padding, output_shape=output_shape, pads=pads, strides=strides)
            return (twin_resize("ConvTranspose", opset, X, attrs, weight=W, bias=B),)

    evaluator = ReferenceEvaluator(copy.deepcopy(model), new_ops=[Resize, Upsample, ConvTranspose])
    return lambda feeds: list(evaluator.run(None, feeds))
