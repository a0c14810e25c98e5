"""Reading an ONNX model for the audit: its upsampling nodes, their shapes and constant inputs.

The model is parsed as a protobuf (``onnx.load``), never executed: shapes come from ONNX shape
inference, constant inputs (``roi``, ``scales``, ``sizes``, weights) from initializers and
``Constant`` nodes.  Where a value is computed inside the graph (an exporter's
``Shape -> Gather -> Concat`` chain for ``sizes``), it is read by running the model itself in
ONNX Runtime on a random input of the static input shape, with that value added as an output:
inference by a runtime is the only way anything in the file is ever evaluated.

:class:`NodeFacts` holds what the audit knows about one ``Resize``, ``Upsample`` or
``ConvTranspose`` node; :func:`describe` says it in words ("bilinear, half-pixel, ×2").
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from upsampling._optional import require
from upsampling.errors import InvalidArgumentError

__all__ = ["UPSAMPLING_OPS", "NodeFacts", "describe", "find_nodes", "input_slots", "load_model", "parse_input_shapes",
           "set_input_shapes", "subgraph"]

UPSAMPLING_OPS = ("Resize", "Upsample", "ConvTranspose")

# Resize attribute defaults (opset 11-19 schema); Resize-10 has only ``mode`` and samples
# asymmetrically (its doc: "Each dimension value of the output tensor is: output_dimension =
# floor(input_dimension * scale)", the same rule as Upsample-9).
RESIZE_DEFAULTS: dict[str, Any] = {
    "mode": "nearest",
    "coordinate_transformation_mode": "half_pixel",
    "nearest_mode": "round_prefer_floor",
    "cubic_coeff_a": -0.75,
    "exclude_outside": 0,
    "extrapolation_value": 0.0,
    "antialias": 0,
    "keep_aspect_ratio_policy": "stretch",
    "axes": None,
}
CONV_TRANSPOSE_DEFAULTS: dict[str, Any] = {
    "auto_pad": "NOTSET",
    "dilations": None,
    "group": 1,
    "kernel_shape": None,
    "output_padding": None,
    "output_shape": None,
    "pads": None,
    "strides": None,
}


def _onnx():
    return require("onnx", "port")


def _bad_model(path: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError("MODEL", path, "an ONNX model file", message=f"{path}: not a readable ONNX model ({why}).")


def load_model(source: Any) -> Any:
    """An ``onnx.ModelProto`` from a path, the file's bytes, or a ModelProto (copied).

    Raises :class:`InvalidArgumentError` with one line for a missing, unreadable, corrupt or
    non-ONNX file.  External data next to the model is loaded (read, not executed).
    """
    onnx = _onnx()
    if isinstance(source, onnx.ModelProto):
        return copy.deepcopy(source)
    if isinstance(source, (bytes, bytearray)):
        name, data = "<bytes>", bytes(source)
    else:
        name = os.fspath(source)
        if not os.path.exists(name):
            raise InvalidArgumentError("MODEL", name, "an ONNX model file", message=f"{name}: no such file.")
        if os.path.isdir(name):
            raise _bad_model(name, "it is a directory")
        with open(name, "rb") as f:
            data = f.read()
    try:
        model = onnx.ModelProto.FromString(data)
    except Exception as exc:  # google.protobuf.message.DecodeError and friends
        raise _bad_model(name, f"protobuf parse error: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    # Arbitrary bytes sometimes parse as a protobuf with unknown fields: a model has an opset and a graph.
    if not model.opset_import or not (len(model.graph.node) or len(model.graph.input)):
        raise _bad_model(name, "no graph or no opset_import")
    if name != "<bytes>" and any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
        try:
            from onnx.external_data_helper import load_external_data_for_model

            load_external_data_for_model(model, os.path.dirname(os.path.abspath(name)))
        except Exception as exc:
            raise _bad_model(name, f"external data: {' '.join(str(exc).split())}") from None
    # onnx.checker is not a gate: runtimes load many models it complains about (an output
    # without a shape); ONNX Runtime's own refusals are reported per node.
    return model


def parse_input_shapes(text: str | Sequence[str] | None) -> dict[str | None, tuple[int, ...]]:
    """``"1x3x64x64"`` (the first input) or ``"image=1x3x64x64"`` (repeatable) -> ``{name: shape}``."""
    if text is None:
        return {}
    items = [text] if isinstance(text, str) else list(text)
    shapes: dict[str | None, tuple[int, ...]] = {}
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            name, _, dims = part.rpartition("=")
            try:
                shape = tuple(int(d) for d in dims.lower().replace("×", "x").split("x"))
            except ValueError:
                shape = ()
            if not shape or min(shape) < 1:
                raise InvalidArgumentError(
                    "input_shape", part, "dimensions like 1x3x64x64, optionally NAME=1x3x64x64 for a named input"
                )
            shapes[name or None] = shape
    return shapes


def graph_inputs(model: Any) -> list[Any]:
    """The graph inputs that are not initializers (the values a caller feeds)."""
    inits = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def set_input_shapes(model: Any, shapes: Mapping[str | None, Sequence[int]]) -> Any:
    """A copy of ``model`` whose graph inputs have the given static shapes (None: the first input)."""
    model = copy.deepcopy(model)
    inputs = graph_inputs(model)
    for name, shape in shapes.items():
        target = inputs[0] if name is None and inputs else next((i for i in inputs if i.name == name), None)
        if target is None:
            known = ", ".join(i.name for i in inputs) or "none"
            raise InvalidArgumentError("input_shape", name, f"the name of a graph input ({known})")
        tt = target.type.tensor_type
        old = tt.shape.dim
        if len(old) and len(old) != len(shape):
            raise InvalidArgumentError(
                "input_shape", "x".join(map(str, shape)), f"{len(old)} dimensions for input {target.name!r}"
            )
        del tt.shape.dim[:]
        for d in shape:
            tt.shape.dim.add().dim_value = int(d)
        # stale inferred shapes downstream would contradict the new ones
    del model.graph.value_info[:]
    return model


def _shape_of(vi: Any) -> tuple | None:
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim)


def _static(shape: tuple | None) -> bool:
    return shape is not None and all(isinstance(d, int) and d > 0 for d in shape)


def _attributes(node: Any) -> dict[str, Any]:
    onnx = _onnx()
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, list):
            v = [x.decode() if isinstance(x, bytes) else x for x in v]
        out[a.name] = v
    return out


@dataclass
class NodeFacts:
    """One ``Resize`` / ``Upsample`` / ``ConvTranspose`` node, as the audit knows it.

    ``attrs`` are the node's attributes with the schema's defaults filled in; ``x_shape`` and
    ``y_shape`` hold ints where known (ONNX shape inference, or the ORT probe), a name or None
    where not; ``roi``/``scales``/``sizes`` (Resize, Upsample) and ``weight``/``bias``
    (ConvTranspose) are the constant inputs' values, None when absent or unknown (``unknown``
    lists the inputs whose values could not be read).  A node inside an ``If``/``Loop``/``Scan``
    body has a ``graph_path`` (:func:`subgraph` finds its graph) and a label that says where.
    """

    index: int
    name: str
    op_type: str
    opset: int
    attrs: dict[str, Any]
    inputs: list[str]
    output: str
    x_shape: tuple | None = None
    y_shape: tuple | None = None
    dtype: str = "float32"
    roi: np.ndarray | None = None
    scales: np.ndarray | None = None
    sizes: np.ndarray | None = None
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    unknown: list[str] = field(default_factory=list)
    graph_path: tuple[tuple[int, str, int], ...] = ()  # (node index, attribute, graph index) down to a subgraph
    prefix: str = ""  # the label of the subgraph holding the node ("If_0/then_branch/")

    @property
    def static(self) -> bool:
        """Input shape and every constant input known: the node can be run, checked and rewritten."""
        return _static(self.x_shape) and not self.unknown

    @property
    def too_large(self) -> str:
        """Why running the node here would take too much memory ("" when it would not): its random
        input and the outputs compared with it, in float64, over :data:`RUN_BYTES`."""
        if not _static(self.x_shape):
            return ""
        count = int(np.prod(self.x_shape, dtype=object))
        if _static(self.y_shape):
            count += 2 * int(np.prod(self.y_shape, dtype=object))
        need = 8 * count
        if need <= RUN_BYTES:
            return ""
        return (f"its input {_fmt(self.x_shape)} and output {_fmt(self.y_shape)} need about {need // 2**20:,} MiB to "
                f"run and compare (at most {RUN_BYTES // 2**20:,} MiB); pass a smaller --input-shape")

    @property
    def label(self) -> str:
        return self.prefix + (self.name or f"{self.op_type}#{self.index}")


def _fmt(shape: tuple | None) -> str:
    return "?" if shape is None else "x".join(str(d) for d in shape)


#: a node's random input and the outputs compared with it, in float64, at most (--run, --fix, the probe)
RUN_BYTES = 2**31


_DTYPES = {1: "float32", 10: "float16", 11: "float64", 16: "bfloat16", 2: "uint8", 3: "int8", 6: "int32", 7: "int64",
           9: "bool"}


def find_nodes(model: Any, probe: bool = True) -> list[NodeFacts]:
    """Every upsampling node of ``model``, with shapes and constant inputs: the main graph's, then
    those inside ``If``/``Loop``/``Scan`` bodies (any depth; :attr:`NodeFacts.graph_path` says where).

    ``probe``: read values the main graph computes (and shapes inference leaves open) by running
    the model in ONNX Runtime when every graph input has a static shape.
    """
    onnx = _onnx()
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception:
        inferred = model
    facts: list[NodeFacts] = []
    _scan(inferred.graph, opset, (), "", {}, {}, facts)
    if probe and any(not f.static or not _static(f.y_shape) for f in facts):
        _probe(model, facts)
    for f in facts:
        for slot in ("roi", "scales", "sizes"):
            v = getattr(f, slot)
            if v is not None and v.size == 0:  # an empty tensor stands for "absent" (opset 11 exporters)
                setattr(f, slot, None)
    return facts


def _scan(graph: Any, opset: int, path: tuple, prefix: str, outer_infos: dict[str, Any],
          outer_consts: dict[str, np.ndarray], facts: list[NodeFacts]) -> None:
    """Add the upsampling nodes of ``graph`` (and of the graphs inside its nodes) to ``facts``.

    A subgraph sees the names of the graphs around it: their shapes and constants are passed down.
    """
    from onnx import AttributeProto, numpy_helper

    infos = dict(outer_infos)
    for vi in [*graph.input, *graph.value_info, *graph.output]:
        infos[vi.name] = vi
    consts = dict(outer_consts)
    consts.update({t.name: numpy_helper.to_array(t) for t in graph.initializer})
    for n in graph.node:
        if n.op_type == "Constant" and n.domain in ("", "ai.onnx"):
            a = _attributes(n)
            for key in ("value", "value_floats", "value_ints", "value_float", "value_int"):
                if key in a:
                    v = a[key]
                    consts[n.output[0]] = numpy_helper.to_array(v) if key == "value" else np.asarray(v)
    for i, n in enumerate(graph.node):
        if n.op_type in UPSAMPLING_OPS and n.domain in ("", "ai.onnx"):
            facts.append(_node_facts(i, n, opset, infos, consts, path, prefix))
        label = prefix + (n.name or f"{n.op_type}#{i}")
        for attr in n.attribute:
            subgraphs = [attr.g] if attr.type == AttributeProto.GRAPH else \
                list(attr.graphs) if attr.type == AttributeProto.GRAPHS else []
            for k, sub in enumerate(subgraphs):
                where = f"{attr.name}[{k}]" if attr.type == AttributeProto.GRAPHS else attr.name
                _scan(sub, opset, path + ((i, attr.name, k),), f"{label}/{where}/", infos, consts, facts)


def _node_facts(i: int, n: Any, opset: int, infos: dict[str, Any], consts: dict[str, np.ndarray], path: tuple,
                prefix: str) -> NodeFacts:
    defaults = RESIZE_DEFAULTS if n.op_type == "Resize" else CONV_TRANSPOSE_DEFAULTS if n.op_type == "ConvTranspose" \
        else {"mode": "nearest"}
    attrs = {**defaults, **_attributes(n)}
    xi = infos.get(n.input[0])
    yi = infos.get(n.output[0])
    f = NodeFacts(i, n.name, n.op_type, opset, attrs, list(n.input), n.output[0],
                  _shape_of(xi) if xi is not None else None, _shape_of(yi) if yi is not None else None,
                  graph_path=path, prefix=prefix)
    if xi is not None and xi.type.tensor_type.elem_type in _DTYPES:
        f.dtype = _DTYPES[xi.type.tensor_type.elem_type]
    for slot, name in zip(input_slots(n.op_type, opset), n.input[1:]):
        if not name:
            continue
        if name in consts:
            setattr(f, slot, np.asarray(consts[name]))
        else:
            f.unknown.append(name)
    if n.op_type == "Upsample" and "scales" in attrs and f.scales is None:  # Upsample-7: an attribute
        f.scales = np.asarray(attrs["scales"], dtype=np.float32)
    return f


def input_slots(op_type: str, opset: int) -> list[str]:
    """The :class:`NodeFacts` fields of a node's inputs after ``X``, in order."""
    if op_type == "ConvTranspose":
        return ["weight", "bias"]
    if op_type == "Upsample" or opset < 11:  # Upsample-9, Resize-10: (X, scales)
        return ["scales"]
    return ["roi", "scales", "sizes"]


def subgraph(model: Any, path: tuple) -> Any:
    """The graph at ``path`` (:attr:`NodeFacts.graph_path`) inside ``model``: the main graph for ``()``."""
    from onnx import AttributeProto

    graph = model.graph
    for index, name, k in path:
        attr = next(a for a in graph.node[index].attribute if a.name == name)
        graph = attr.g if attr.type == AttributeProto.GRAPH else attr.graphs[k]
    return graph


def _probe(model: Any, facts: list[NodeFacts]) -> None:
    """Fill unknown shapes and computed inputs by running the model in ONNX Runtime (static inputs only)."""
    inputs = graph_inputs(model)
    shapes = [_shape_of(i) for i in inputs]
    if not inputs or not all(_static(s) for s in shapes):
        return
    if 8 * sum(int(np.prod(s, dtype=object)) for s in shapes) > RUN_BYTES // 8:
        return  # a model this large is not run just to read shapes (the nodes say "pass --input-shape")
    ort = _maybe_ort()
    if ort is None:
        return
    onnx = _onnx()
    main = {name for n in model.graph.node for name in n.output} | {i.name for i in model.graph.input}
    wanted: list[str] = []
    for f in facts:  # a value inside a subgraph cannot be a model output; one from the main graph can
        wanted += [name for name in (f.inputs[0], f.output, *f.unknown) if name in main]
    m = copy.deepcopy(model)
    present = {o.name for o in m.graph.output}
    for name in dict.fromkeys(wanted):
        if name not in present and name:
            m.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    feeds = random_feeds(inputs, dict(zip((i.name for i in inputs), shapes)), np.random.default_rng(0))
    try:
        sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        values = dict(zip(names, sess.run(None, feeds)))
    except Exception:
        return
    for f in facts:
        if f.inputs[0] in values:
            f.x_shape = tuple(values[f.inputs[0]].shape)
        if f.output in values:
            f.y_shape = tuple(values[f.output].shape)
        for slot, name in zip(input_slots(f.op_type, f.opset), f.inputs[1:]):
            if name in f.unknown and name in values:
                setattr(f, slot, np.asarray(values[name]))
                f.unknown.remove(name)


def random_feeds(inputs: Sequence[Any], shapes: Mapping[str, Sequence[int]], rng: np.random.Generator,
                 trial: int = 0) -> dict[str, np.ndarray]:
    """Inputs for one run of a model: uniform [0, 1) floats; booleans True on even trials and False
    on odd ones (so that two trials take both branches of an ``If`` on a flag); other types zero."""
    feeds = {}
    for vi in inputs:
        shape = tuple(shapes[vi.name])
        dtype = _DTYPES.get(vi.type.tensor_type.elem_type, "float32")
        if dtype == "bool":
            feeds[vi.name] = np.full(shape, trial % 2 == 0)
        elif dtype.startswith(("float", "bfloat")):
            feeds[vi.name] = rng.random(shape).astype(dtype if dtype != "bfloat16" else "float32")
        else:
            feeds[vi.name] = np.zeros(shape, dtype)
    return feeds


def _maybe_ort():
    try:
        import onnxruntime

        return onnxruntime
    except ImportError:
        return None


# --- in words -----------------------------------------------------------------------------------

_CTM_WORDS = {
    "half_pixel": "half-pixel",
    "half_pixel_symmetric": "half-pixel-symmetric",
    "pytorch_half_pixel": "pytorch-half-pixel",
    "align_corners": "align-corners",
    "asymmetric": "asymmetric",
    "tf_crop_and_resize": "tf-crop-and-resize",
    "tf_half_pixel_for_nn": "tf-half-pixel-for-nn",
}
_NEAREST_WORDS = {
    "round_prefer_floor": "round half down",
    "round_prefer_ceil": "round half up",
    "floor": "floor",
    "ceil": "ceil",
}


def _num(v: float) -> str:
    return f"{v:g}" if abs(v - round(v)) > 1e-9 else str(int(round(v)))


def resize_axes(f: NodeFacts) -> tuple[list[int], list[float], list[int]]:
    """``(axes, scales, output lengths)`` of the axes a Resize/Upsample changes (where known)."""
    if f.x_shape is None:
        return [], [], []
    rank = len(f.x_shape)
    axes = f.attrs.get("axes")
    axes = [a % rank for a in axes] if axes else list(range(rank))
    scales = [1.0] * rank
    outs = list(f.x_shape)
    if f.sizes is not None:
        sizes = [int(v) for v in np.ravel(f.sizes)]
        for a, v in zip(axes, sizes):
            outs[a] = v
            if isinstance(f.x_shape[a], int):
                scales[a] = v / f.x_shape[a]
    elif f.scales is not None:
        for a, v in zip(axes, np.ravel(f.scales).astype(np.float64)):
            scales[a] = float(v)
            outs[a] = int(np.floor(f.x_shape[a] * v)) if isinstance(f.x_shape[a], int) else None
    if f.y_shape is not None and _static(f.y_shape) and f.attrs.get("keep_aspect_ratio_policy", "stretch") != "stretch":
        outs = list(f.y_shape)
    changed = [a for a in range(rank) if scales[a] != 1.0 or outs[a] != f.x_shape[a]]
    return changed, [scales[a] for a in changed], [outs[a] for a in changed]


def describe(f: NodeFacts) -> str:
    """The node in words: ``"bilinear, half-pixel, ×2"``, ``"transposed conv 4×4, stride 2, ..."``."""
    a = f.attrs
    if f.op_type in ("Resize", "Upsample"):
        mode = a.get("mode", "nearest")
        axes, scales, outs = resize_axes(f)
        spatial = len(axes)
        words = {"nearest": "nearest", "linear": {1: "linear", 2: "bilinear", 3: "trilinear"}.get(spatial, "linear"),
                 "cubic": "bicubic" if spatial == 2 else "cubic"}.get(mode, mode)
        parts = [words]
        if f.op_type == "Upsample" or (f.op_type == "Resize" and f.opset < 11):
            parts.append("asymmetric" + (", floor" if mode == "nearest" else ""))
        else:
            ctm = a["coordinate_transformation_mode"]
            parts.append(_CTM_WORDS.get(ctm, ctm))
            if mode == "nearest":
                parts.append(_NEAREST_WORDS.get(a["nearest_mode"], a["nearest_mode"]))
            if mode == "cubic":
                parts.append(f"a={_num(float(a['cubic_coeff_a']))}")
            if a.get("antialias"):
                parts.append("antialiased")
            if a.get("exclude_outside"):
                parts.append("exclude outside")
            if ctm == "tf_crop_and_resize":
                roi = "?" if f.roi is None else "[" + ", ".join(_num(float(v)) for v in np.ravel(f.roi)) + "]"
                parts.append(f"roi {roi}, extrapolation {_num(float(a['extrapolation_value']))}")
        if scales:
            uniq = sorted(set(scales))
            factor = "×" + _num(uniq[0]) if len(uniq) == 1 else "×(" + ", ".join(_num(s) for s in scales) + ")"
            if f.sizes is not None and all(isinstance(o, int) for o in outs):
                factor = "to " + "×".join(str(o) for o in outs) + f" ({factor})"
            parts.append(factor)
        elif f.x_shape is not None and (f.scales is not None or f.sizes is not None):
            parts.append("no size change")
        else:
            parts.append("size unknown (pass --input-shape)")
        if f.op_type == "Upsample":
            parts.append("Upsample, deprecated since opset 10")
        return ", ".join(parts)
    w = f.weight
    k = a.get("kernel_shape") or (list(w.shape[2:]) if w is not None else None)
    nd = len(k) if k else 2
    s = a.get("strides") or [1] * nd
    parts = ["transposed conv " + ("×".join(map(str, k)) if k else "?")]
    parts.append("stride " + (str(s[0]) if len(set(s)) == 1 else "×".join(map(str, s))))
    if a.get("auto_pad", "NOTSET") != "NOTSET":
        parts.append(f"auto_pad {a['auto_pad']}")
    elif a.get("pads") and any(a["pads"]):
        parts.append("pads " + str(list(a["pads"])))
    if a.get("output_shape"):
        parts.append(f"output_shape {list(a['output_shape'])}")
    if a.get("output_padding") and any(a["output_padding"]):
        parts.append(f"output_padding {list(a['output_padding'])}")
    if a.get("dilations") and any(d != 1 for d in a["dilations"]):
        parts.append(f"dilations {list(a['dilations'])}")
    if int(a.get("group", 1)) != 1:
        parts.append(f"group {a['group']}")
    if w is not None:
        parts.append(f"{w.shape[0]}→{w.shape[1] * int(a.get('group', 1))} channels")
    if f.x_shape is not None and f.y_shape is not None and _static(f.x_shape) and _static(f.y_shape):
        parts.append("×".join(map(str, f.x_shape[2:])) + " → " + "×".join(map(str, f.y_shape[2:])))
    return ", ".join(parts)
