"""What every rewrite builds on: the :class:`Replacement` itself, a node's resize in full rank
and as a :class:`~upsampling.spec.ResizeSpec`, and a ``Resize`` node written out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from upsampling.port.onnx_graph import NodeFacts
from upsampling.port.rewrite.targets import CTMS, MODES, TargetMode

__all__ = ["Replacement", "coordinate_mode", "full_rank", "kept_attrs", "node_spec", "prefix", "resize_node"]


@dataclass
class Replacement:
    """Nodes and initializers that replace one node; ``why``: what was done, in words."""

    kind: str  # "attributes", "composition", "plan", "pads"
    why: str
    nodes: list = field(default_factory=list)
    initializers: list = field(default_factory=list)
    resize_flavours: list[tuple[str, str, str]] = field(default_factory=list)  # (mode, ctm, nearest) of new Resizes
    error: float | None = None  # measured against the spec, after verify()

    def fits(self, targets: Sequence[TargetMode] | None) -> bool:
        if targets is None:
            return True
        return all(any(t.allows(*fl) for t in targets) for fl in self.resize_flavours)


def prefix(f: NodeFacts) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f.label).strip("_") + "_fix"


def coordinate_mode(f: NodeFacts) -> str:
    if f.op_type == "Upsample" or f.opset < 11:
        return "asymmetric"
    return f.attrs.get("coordinate_transformation_mode", "half_pixel")


def full_rank(f: NodeFacts) -> tuple[list[float], list[int], list[float]] | None:
    """Per-axis ``(scales, output lengths, roi)`` of a static Resize/Upsample (``axes`` expanded)."""
    if not f.static or f.attrs.get("keep_aspect_ratio_policy", "stretch") != "stretch":
        return None
    rank = len(f.x_shape)
    axes = f.attrs.get("axes")
    axes = [a % rank for a in axes] if axes else list(range(rank))
    scales = [1.0] * rank
    outs = list(f.x_shape)
    roi = [0.0] * rank + [1.0] * rank
    if f.sizes is not None:
        for a, v in zip(axes, np.ravel(f.sizes)):
            outs[a] = int(v)
            scales[a] = outs[a] / f.x_shape[a]
    elif f.scales is not None:
        for a, v in zip(axes, np.ravel(f.scales).astype(np.float64)):
            scales[a] = float(v)
            outs[a] = int(np.floor(f.x_shape[a] * float(v)))
    else:
        return None
    if f.roi is not None and np.size(f.roi) == 2 * len(axes):
        r = np.ravel(f.roi).astype(np.float64)
        for j, a in enumerate(axes):
            roi[a], roi[rank + a] = float(r[j]), float(r[len(axes) + j])
    return scales, outs, roi


def node_spec(f: NodeFacts):
    """The :class:`~upsampling.spec.ResizeSpec` (layout NCHW) of a Resize of H and W, or None."""
    from upsampling.spec import ResizeSpec

    if f.op_type != "Resize" or f.opset < 11 or f.x_shape is None or len(f.x_shape) != 4:
        return None
    full = full_rank(f)
    if full is None:
        return None
    scales, outs, roi = full
    if scales[0] != 1 or scales[1] != 1 or outs[:2] != list(f.x_shape[:2]):
        return None
    a = f.attrs
    if a.get("mode") not in MODES or coordinate_mode(f) not in CTMS:
        return None
    kw = dict(
        mode=a["mode"],
        coordinate_transformation_mode=coordinate_mode(f),
        nearest_mode=a.get("nearest_mode", "round_prefer_floor"),
        cubic_coeff_a=float(a.get("cubic_coeff_a", -0.75)),
        exclude_outside=bool(a.get("exclude_outside", 0)),
        antialias=bool(a.get("antialias", 0)),
        layout="NCHW",
        extrapolation_value=float(a.get("extrapolation_value", 0.0)),
    )
    if kw["coordinate_transformation_mode"] == "tf_crop_and_resize":
        kw["roi"] = (roi[2], roi[3], roi[6], roi[7])
    if kw["antialias"] and kw["mode"] == "nearest":
        return None
    if f.sizes is not None:
        return ResizeSpec((outs[2], outs[3]), **kw)
    return ResizeSpec(scale=(scales[2], scales[3]), **kw)


def resize_node(f: NodeFacts, name: str, x: str, y: str, mode: str, ctm: str, nearest: str, *,
                 scales=None, sizes=None, roi=None, extra: dict | None = None) -> tuple[list, list]:
    from onnx import helper, numpy_helper

    inits, names = [], [x]
    for slot, value, dtype in (("roi", roi, np.float32), ("scales", scales, np.float32), ("sizes", sizes, np.int64)):
        if value is None:
            names.append("")
        else:
            inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), f"{name}_{slot}"))
            names.append(f"{name}_{slot}")
    while names[-1] == "":
        names.pop()
    attrs = {"mode": mode, "coordinate_transformation_mode": ctm}
    if mode == "nearest":
        attrs["nearest_mode"] = nearest
    attrs.update(extra or {})
    return [helper.make_node("Resize", names, [y], name=name, **attrs)], inits


def kept_attrs(f: NodeFacts) -> dict:
    a = f.attrs
    keep = {}
    if a.get("mode") == "cubic":
        keep["cubic_coeff_a"] = float(a.get("cubic_coeff_a", -0.75))
        if a.get("exclude_outside"):
            keep["exclude_outside"] = 1
    if a.get("antialias"):
        keep["antialias"] = 1
        if a.get("exclude_outside"):
            keep["exclude_outside"] = 1
    if coordinate_mode(f) == "tf_crop_and_resize":
        keep["extrapolation_value"] = float(a.get("extrapolation_value", 0.0))
    return keep
