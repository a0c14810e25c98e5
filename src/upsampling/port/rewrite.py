"""Rewriting an upsampling node into an equivalent form that the runtimes compute per spec.

Every candidate replaces one node by a few standard nodes reading the same input and writing
the same output, and is accepted only when every installed runtime computes it equal to the
*original* node's spec output (the twin) on random inputs.  Candidates, cheapest first:

* **attributes**: ``exclude_outside`` dropped where it has no effect (nearest, plain linear:
  ONNX Runtime refuses it there); ``half_pixel`` for ``pytorch_half_pixel`` (equal where no
  output length is 1); ``sizes`` for ``scales`` (equal where the scale is the length ratio);
  ``Slice`` after a Resize whose float32 output length is one too long.
* **Pad + Resize + Slice**: most coordinate modes are affine, ``x = α·i + β``.  A Resize of
  another mode (``asymmetric``, ``half_pixel`` or ``align_corners``) with scale ``m/α`` on the
  input padded by ``p`` replicated pixels, sliced from ``c`` with step ``m``, samples the same
  positions when ``c`` comes out an integer; replicated pixels are what the clamped linear
  coordinate, the clamped nearest index and cubic's replicated taps read anyway.  Nearest
  rounding modes map onto each other by a shift (``round`` = ``floor(x + 0.5)`` away from
  ties).  This is how a node is written for a runtime that supports only some modes
  (``target_modes``, e.g. TensorRT 7's ``asymmetric``).
* **the plan**: the node's own per-axis plan, read from the spec twin, as constant ``Gather``
  indices (nearest) or ``MatMul`` weight matrices (linear, cubic, antialias), with ``Where`` for
  ``tf_crop_and_resize``'s extrapolated samples.  Every runtime computes these the same way; they
  need static input heights and widths and cost ``n_out·n_in`` weights per axis.
* ConvTranspose: explicit ``pads`` for ``auto_pad``/``output_shape`` (the twin's rule: the odd
  element at the end for ``SAME_UPPER``, at the start otherwise), with ``Pad`` (+ ``Add`` for the
  bias) where the output is longer than the full transposed convolution.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from upsampling._optional import require
from upsampling.errors import InvalidArgumentError
from upsampling.port.onnx_graph import NodeFacts, resize_axes
from upsampling.port.runners import Runtime, node_model, run_model, spec_output, twin_resize

__all__ = ["Replacement", "TargetMode", "candidates", "node_spec", "parse_target_modes", "verify"]

_ROUND_OFFSET = {"floor": 0.0, "round_prefer_floor": 0.5, "round_prefer_ceil": 0.5, "ceil": 1.0}
_MAX_PLAN_WEIGHTS = 16_000_000  # per axis matrix: 64 MB of float32


@dataclass(frozen=True)
class TargetMode:
    """A Resize flavour a target runtime supports: ``mode`` and optionally the coordinate and nearest modes."""

    mode: str
    coordinate_transformation_mode: str | None = None
    nearest_mode: str | None = None

    def allows(self, mode: str, ctm: str, nearest_mode: str) -> bool:
        return (self.mode == mode and self.coordinate_transformation_mode in (None, ctm)
                and (mode != "nearest" or self.nearest_mode in (None, nearest_mode)))

    def __str__(self) -> str:
        return ":".join(p for p in (self.mode, self.coordinate_transformation_mode, self.nearest_mode) if p)


#: Named sets for ``--target-modes``.
TARGET_PRESETS: dict[str, tuple[TargetMode, ...]] = {
    # TensorRT 7's IResizeLayer: asymmetric only (onnx/onnx#2882, onnx/onnx-tensorrt#491)
    "asymmetric": (TargetMode("nearest", "asymmetric", "floor"), TargetMode("linear", "asymmetric")),
    "tensorrt7": (TargetMode("nearest", "asymmetric", "floor"), TargetMode("linear", "asymmetric")),
}
_MODES = ("nearest", "linear", "cubic")
_CTMS = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize")
_NEAREST = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def parse_target_modes(text: str | Sequence[str] | None) -> tuple[TargetMode, ...] | None:
    """``"nearest:asymmetric:floor,linear:asymmetric"`` or a preset name (``tensorrt7``) -> target modes."""
    if text is None:
        return None
    items = [text] if isinstance(text, str) else list(text)
    out: list[TargetMode] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            if part in TARGET_PRESETS:
                out += TARGET_PRESETS[part]
                continue
            bits = part.split(":")
            ok = (len(bits) <= 3 and bits[0] in _MODES and (len(bits) < 2 or bits[1] in _CTMS)
                  and (len(bits) < 3 or (bits[0] == "nearest" and bits[2] in _NEAREST)))
            if not ok:
                raise InvalidArgumentError(
                    "--target-modes", part,
                    "MODE[:COORDINATE_MODE[:NEAREST_MODE]] items (e.g. nearest:asymmetric:floor,linear:asymmetric) "
                    f"or a preset ({', '.join(TARGET_PRESETS)}); modes {', '.join(_MODES)}; coordinate modes "
                    f"{', '.join(_CTMS)}; nearest modes {', '.join(_NEAREST)}",
                )
            out.append(TargetMode(*bits))
    return tuple(out)


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


def _prefix(f: NodeFacts) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f.label).strip("_") + "_fix"


def _ctm(f: NodeFacts) -> str:
    if f.op_type == "Upsample" or f.opset < 11:
        return "asymmetric"
    return f.attrs.get("coordinate_transformation_mode", "half_pixel")


def _full_rank(f: NodeFacts) -> tuple[list[float], list[int], list[float]] | None:
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
    full = _full_rank(f)
    if full is None:
        return None
    scales, outs, roi = full
    if scales[0] != 1 or scales[1] != 1 or outs[:2] != list(f.x_shape[:2]):
        return None
    a = f.attrs
    if a.get("mode") not in _MODES or _ctm(f) not in _CTMS:
        return None
    kw = dict(
        mode=a["mode"],
        coordinate_transformation_mode=_ctm(f),
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


# --- the node's own per-axis plan, read from the spec twin ------------------------------------


def axis_matrix(f: NodeFacts, axis: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``(M (n_out, n_in), outside rows or None)`` of resized ``axis``, from the spec twin on a basis.

    The twin resizes only ``axis`` of an input holding the ``n_in`` unit vectors along another
    axis; row ``o`` of the result is output ``o``'s weights.  Extrapolated samples come out NaN
    (``extrapolation_value`` set to NaN in the probe) and are returned as ``outside``.
    """
    scales, outs, roi = _full_rank(f)
    rank = len(f.x_shape)
    n = f.x_shape[axis]
    other = 0 if axis != 0 else 1
    shape = [1] * rank
    shape[axis] = n
    shape[other] = n
    basis = np.zeros(shape, dtype=np.float64)
    idx = [0] * rank
    for k in range(n):
        idx[axis], idx[other] = k, k
        basis[tuple(idx)] = 1.0
    p_scales = [1.0] * rank
    p_scales[axis] = scales[axis]
    p_sizes = list(shape)
    p_sizes[axis] = outs[axis]
    p_roi = [0.0] * rank + [1.0] * rank
    p_roi[axis], p_roi[rank + axis] = roi[axis], roi[rank + axis]
    attrs = {**f.attrs, "axes": None, "extrapolation_value": float("nan")}
    if f.op_type == "Upsample" or f.opset < 11:
        y = twin_resize(f.op_type, f.opset, basis, attrs, scales=np.array(p_scales))
    elif f.sizes is not None:
        y = twin_resize("Resize", f.opset, basis, attrs, np.array(p_roi), None, np.array(p_sizes, dtype=np.int64))
    else:
        y = twin_resize("Resize", f.opset, basis, attrs, np.array(p_roi), np.array(p_scales), None)
    m = np.moveaxis(y, (axis, other), (0, 1)).reshape(outs[axis], n)
    outside = np.isnan(m).all(axis=1)
    m = np.where(np.isnan(m), 0.0, m)
    return m, (outside if outside.any() else None)


def _plan_candidate(f: NodeFacts) -> Replacement | str:
    """The node's per-axis plan as Gather / MatMul (+ Where), or why not."""
    from onnx import helper, numpy_helper

    full = _full_rank(f)
    if full is None:
        return "needs static shapes and constant scales/sizes (and keep_aspect_ratio_policy=stretch)"
    if f.dtype not in ("float32", "float16", "float64"):
        return f"the plan's MatMul needs a float input (the node's is {f.dtype})"
    scales, outs, roi = full
    rank = len(f.x_shape)
    axes = [a for a in range(rank) if outs[a] != f.x_shape[a] or scales[a] != 1.0
            or (_ctm(f) == "tf_crop_and_resize" and (roi[a], roi[rank + a]) != (0.0, 1.0))]
    p = _prefix(f) + "_plan"
    nodes, inits, masks = [], [], []
    cur = f.inputs[0]
    dt = np.dtype(f.dtype)
    work = np.float64 if dt == np.float64 else np.float32
    if dt != work:
        nodes.append(helper.make_node("Cast", [cur], [p + "_in"], to=1))
        cur = p + "_in"
    kinds = []
    for k, axis in enumerate(axes):
        m, outside = axis_matrix(f, axis)
        if m.size > _MAX_PLAN_WEIGHTS:
            return f"axis {axis}'s plan would be a {m.shape[0]}×{m.shape[1]} matrix"
        out = f"{p}_{k}"
        one_hot = np.all((m == 0) | (m == 1)) and np.all(m.sum(1)[outside is None or ~outside] == 1)
        if one_hot and f.attrs.get("mode", "nearest") == "nearest":
            inits.append(numpy_helper.from_array(m.argmax(1).astype(np.int64), out + "_index"))
            nodes.append(helper.make_node("Gather", [cur, out + "_index"], [out], axis=axis))
            kinds.append(f"Gather axis {axis} ({m.shape[1]}→{m.shape[0]})")
        else:
            if axis == rank - 1:
                inits.append(numpy_helper.from_array(m.T.astype(work), out + "_weights"))
                nodes.append(helper.make_node("MatMul", [cur, out + "_weights"], [out]))
            elif axis == rank - 2:
                inits.append(numpy_helper.from_array(m.astype(work), out + "_weights"))
                nodes.append(helper.make_node("MatMul", [out + "_weights", cur], [out]))
            else:
                perm = [a for a in range(rank) if a != axis] + [axis]
                back = list(np.argsort(perm))
                inits.append(numpy_helper.from_array(m.T.astype(work), out + "_weights"))
                nodes += [helper.make_node("Transpose", [cur], [out + "_t"], perm=perm),
                          helper.make_node("MatMul", [out + "_t", out + "_weights"], [out + "_m"]),
                          helper.make_node("Transpose", [out + "_m"], [out], perm=[int(v) for v in back])]
            kinds.append(f"MatMul axis {axis} ({m.shape[1]}→{m.shape[0]}, {np.count_nonzero(m)} weights)")
        if outside is not None:
            masks.append((axis, outside))
        cur = out
    if masks:
        shape = [1] * rank
        hit = np.zeros([outs[a] if any(a == b for b, _ in masks) else 1 for a in range(rank)], dtype=bool)
        for axis, outside in masks:
            view = list(shape)
            view[axis] = -1
            hit = hit | outside.reshape(view)
        inits.append(numpy_helper.from_array(hit, p + "_outside"))
        inits.append(numpy_helper.from_array(np.array(f.attrs.get("extrapolation_value", 0.0), dtype=work), p + "_value"))
        nodes.append(helper.make_node("Where", [p + "_outside", p + "_value", cur], [p + "_where"]))
        cur = p + "_where"
        kinds.append("Where (extrapolated samples)")
    if dt != work:
        nodes.append(helper.make_node("Cast", [cur], [p + "_out"], to={"float16": 10}.get(f.dtype, 1)))
        cur = p + "_out"
    if not nodes:
        nodes.append(helper.make_node("Identity", [cur], [f.output]))
    else:
        nodes[-1].output[0] = f.output
    return Replacement("plan", "the node's own plan: " + ", ".join(kinds), nodes, inits)


# --- attribute rewrites and Pad/Resize/Slice compositions --------------------------------------


def _resize_node(f: NodeFacts, name: str, x: str, y: str, mode: str, ctm: str, nearest: str, *,
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


def _kept_attrs(f: NodeFacts) -> dict:
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
    if _ctm(f) == "tf_crop_and_resize":
        keep["extrapolation_value"] = float(a.get("extrapolation_value", 0.0))
    return keep


def _attribute_candidates(f: NodeFacts) -> list[Replacement]:
    if f.op_type != "Resize" or f.opset < 11:
        return []
    full = _full_rank(f)
    if full is None:
        return []
    scales, outs, roi = full
    rank = len(f.x_shape)
    a = f.attrs
    mode, ctm, nearest = a.get("mode", "nearest"), _ctm(f), a.get("nearest_mode", "round_prefer_floor")
    kept = _kept_attrs(f)
    roi_in = roi if ctm == "tf_crop_and_resize" else None
    p = _prefix(f)
    out: list[Replacement] = []
    changes = []
    new_ctm = ctm
    if ctm == "pytorch_half_pixel":
        new_ctm = "half_pixel"
        changes.append("half_pixel for pytorch_half_pixel (the same where no output length is 1)")
    if a.get("exclude_outside") and "exclude_outside" not in kept:
        changes.append(f"exclude_outside dropped (no effect with mode {mode!r}; ONNX Runtime refuses it)")
    variants = []
    if f.scales is not None:
        variants.append(("sizes", None, [int(v) for v in outs], ["sizes for scales (the scale is the length ratio)"]))
        ort_outs = [int(np.floor(np.float32(n) * np.float32(s))) for n, s in zip(f.x_shape, scales)]
        if ort_outs != outs and all(o >= w for o, w in zip(ort_outs, outs)):
            variants.append(("slice", scales, None, [f"Slice to the spec's {outs} (ONNX Runtime's float32 length is {ort_outs})"]))
        if changes:
            variants.insert(0, ("scales", scales, None, []))
    elif changes:
        variants.append(("sizes", None, [int(v) for v in f.sizes] if len(np.ravel(f.sizes)) == rank else outs, []))
    for kind, sc, sz, words in variants:
        name = f"{p}_resize"
        y = f.output if kind != "slice" else f"{p}_full"
        nodes, inits = _resize_node(f, name, f.inputs[0], y, mode, new_ctm, nearest, scales=sc, sizes=sz, roi=roi_in,
                                    extra=kept)
        if kind == "slice":
            from onnx import helper, numpy_helper

            axes = [i for i in range(rank) if outs[i] != int(np.floor(np.float32(f.x_shape[i]) * np.float32(scales[i])))]
            for nm, v in (("starts", [0] * len(axes)), ("ends", [outs[i] for i in axes]), ("axes", axes)):
                inits.append(numpy_helper.from_array(np.array(v, dtype=np.int64), f"{p}_slice_{nm}"))
            nodes.append(helper.make_node("Slice", [y, f"{p}_slice_starts", f"{p}_slice_ends", f"{p}_slice_axes"],
                                          [f.output]))
        out.append(Replacement("attributes", "; ".join(changes + words) or "rewritten attributes", nodes, inits,
                               [(mode, new_ctm, nearest)]))
    return out


def _affine(f: NodeFacts, axis: int) -> tuple[float, float] | None:
    """``(α, β)`` with the spec's source coordinate ``x_i = α·i + β`` on ``axis`` (None if not affine)."""
    m, outside = axis_matrix(f, axis)
    if outside is not None:
        return None
    spec = node_spec(f)
    if spec is None:
        return None
    plan = spec.plans(tuple(f.x_shape))[axis]
    x = plan.coordinate
    if x is None or len(x) < 2:
        return None
    alpha, beta = float(x[1] - x[0]), float(x[0])
    if not np.allclose(x, alpha * np.arange(len(x)) + beta, rtol=0, atol=1e-9):
        return None
    return alpha, beta


def _composition_candidates(f: NodeFacts, targets: Sequence[TargetMode] | None) -> list[Replacement]:
    """Pad (edge) + Resize (another coordinate mode) + Slice (start c, step m), per the module docstring."""
    from onnx import helper, numpy_helper

    spec = node_spec(f)
    if spec is None or spec.antialias:
        return []
    mode = spec.mode
    if mode == "cubic" and spec.exclude_outside:
        return []  # padded taps would count as inside
    axes = [2, 3]
    lines = {}
    for axis in axes:
        aff = _affine(f, axis)
        if aff is None:
            return []
        lines[axis] = aff
    src_round = spec.nearest_mode
    flavours = []
    for t_ctm in ("asymmetric", "half_pixel", "align_corners"):
        for t_near in (("floor", "round_prefer_floor", "round_prefer_ceil", "ceil") if mode == "nearest" else ("-",)):
            fl = (mode, t_ctm, t_near if mode == "nearest" else "round_prefer_floor")
            if targets is not None and not any(t.allows(*fl) for t in targets):
                continue
            if (t_ctm, t_near) == (spec.coordinate_transformation_mode, src_round):
                continue
            flavours.append(fl)
    out = []
    n = {a: f.x_shape[a] for a in axes}
    n_out = {a: spec.output_shape(tuple(f.x_shape))[a] for a in axes}
    for _, t_ctm, t_near in flavours:
        shift = (_ROUND_OFFSET[src_round] - _ROUND_OFFSET[t_near]) if mode == "nearest" else 0.0
        found = {}
        for axis in axes:
            alpha, beta = lines[axis]
            beta = beta + shift
            best = None
            for m_step, pad in itertools.product((1, 2, 3, 4, 8), (0, 1, 2, 3)):
                if mode != "nearest" and pad == 0 and beta < 0 and t_ctm != "half_pixel":
                    pass  # clamping handles negative coordinates; padding is optional
                if n_out[axis] == 1 and m_step > 1:
                    continue
                if t_ctm == "align_corners":
                    length = 1 + m_step * (n[axis] + 2 * pad - 1) / alpha if alpha else None
                    if length is None or abs(length - round(length)) > 1e-9:
                        continue
                    c = (beta + pad) * m_step / alpha
                    plan = ("sizes", int(round(length)))
                else:
                    s_new = m_step / alpha if alpha else None
                    if s_new is None or s_new <= 0:
                        continue
                    c = (beta + pad) * s_new if t_ctm == "asymmetric" else (beta + pad + 0.5) * s_new - 0.5
                    plan = ("scales", s_new)
                if c < -1e-9 or abs(c - round(c)) > 1e-6:
                    continue
                c = int(round(c))
                need = c + m_step * (n_out[axis] - 1) + 1
                n_pad = n[axis] + 2 * pad
                if plan[0] == "sizes":
                    have = plan[1]
                else:
                    s32 = np.float32(plan[1])
                    have = int(np.floor(np.float32(n_pad) * s32))
                    if abs(float(s32) - plan[1]) > 1e-6 * plan[1]:
                        continue
                if have < need:
                    continue
                cost = (m_step, pad)
                if best is None or cost < best[0]:
                    best = (cost, m_step, pad, c, plan, need, have)
            if best is None:
                break
            found[axis] = best
        if len(found) != len(axes):
            continue
        p = _prefix(f) + f"_{t_ctm}"
        nodes, inits = [], []
        cur = f.inputs[0]
        pads = [0, 0, found[2][2], found[3][2], 0, 0, found[2][2], found[3][2]]
        if any(pads):
            inits.append(numpy_helper.from_array(np.array(pads, dtype=np.int64), p + "_pads"))
            nodes.append(helper.make_node("Pad", [cur, p + "_pads"], [p + "_padded"], mode="edge"))
            cur = p + "_padded"
        kind = found[2][4][0] if found[2][4][0] == found[3][4][0] else None
        if kind is None:
            continue
        if kind == "scales":
            sc = [1.0, 1.0, float(np.float32(found[2][4][1])), float(np.float32(found[3][4][1]))]
            rn, ri = _resize_node(f, p + "_resize", cur, p + "_resized", mode, t_ctm, t_near, scales=sc,
                                  extra=_kept_attrs(f))
        else:
            sz = [f.x_shape[0], f.x_shape[1], found[2][4][1], found[3][4][1]]
            rn, ri = _resize_node(f, p + "_resize", cur, p + "_resized", mode, t_ctm, t_near, sizes=sz,
                                  extra=_kept_attrs(f))
        nodes += rn
        inits += ri
        starts = [found[a][3] for a in axes]
        steps = [found[a][1] for a in axes]
        ends = [found[a][3] + found[a][1] * (n_out[a] - 1) + 1 for a in axes]
        haves = [found[a][6] for a in axes]
        if starts == [0, 0] and steps == [1, 1] and ends == haves:
            nodes[-1].output[0] = f.output
        else:
            for nm, v in (("starts", starts), ("ends", ends), ("axes", axes), ("steps", steps)):
                inits.append(numpy_helper.from_array(np.array(v, dtype=np.int64), f"{p}_slice_{nm}"))
            nodes.append(helper.make_node("Slice", [p + "_resized"] + [f"{p}_slice_{k}" for k in ("starts", "ends", "axes", "steps")],
                                          [f.output]))
        words = f"{t_ctm}" + (f" {t_near}" if mode == "nearest" else "")
        what = []
        if any(pads):
            what.append(f"Pad edge {found[2][2]}/{found[3][2]}")
        what.append(f"Resize {mode} {words} " + (f"×({sc[2]:g}, {sc[3]:g})" if kind == "scales" else f"to {sz[2]}×{sz[3]}"))
        if len(nodes) > len(rn) + (1 if any(pads) else 0):
            if starts == [0, 0] and steps == [1, 1]:
                what.append(f"Slice to {n_out[2]}×{n_out[3]}")
            else:
                what.append(f"Slice {n_out[2]}×{n_out[3]} from ({starts[0]}, {starts[1]}) step ({steps[0]}, {steps[1]})")
        out.append(Replacement("composition", " + ".join(what) + " (the same sample positions)", nodes, inits,
                               [(mode, t_ctm, t_near)]))
    return out


# --- ConvTranspose ----------------------------------------------------------------------------


def _conv_candidates(f: NodeFacts) -> list[Replacement]:
    """Explicit pads for auto_pad / output_shape (the twin's rule, docs/conv_transpose.md)."""
    from onnx import helper, numpy_helper

    a = f.attrs
    if not f.static or f.weight is None:
        return []
    ap = a.get("auto_pad", "NOTSET")
    if ap == "NOTSET" and not a.get("output_shape"):
        return []
    nd = len(f.x_shape) - 2
    k = list(f.weight.shape[2:])
    s = list(a.get("strides") or [1] * nd)
    d = list(a.get("dilations") or [1] * nd)
    op = list(a.get("output_padding") or [0] * nd)
    requested = a.get("output_shape")
    begins, ends, appended = [], [], []
    for i in range(nd):
        n = f.x_shape[2 + i]
        k_eff = (k[i] - 1) * d[i] + 1
        full = (n - 1) * s[i] + k_eff
        if ap == "VALID" and not requested:
            begins.append(0), ends.append(0), appended.append(0)
            continue
        if requested is not None or ap in ("SAME_UPPER", "SAME_LOWER"):
            out = requested[i] if requested else n * s[i]
            total = max(0, full + op[i] - out)
            before = total // 2 if ap == "SAME_UPPER" else total - total // 2
            if not requested:
                out = full + op[i] - total
        else:
            before = a["pads"][i] if a.get("pads") else 0
            out = full + op[i] - before - (a["pads"][nd + i] if a.get("pads") else 0)
        after = full + op[i] - before - out
        begins.append(before)
        ends.append(max(after, 0))
        appended.append(max(-after, 0))
    p = _prefix(f)
    attrs = {"pads": begins + ends, "strides": s, "dilations": d, "group": int(a.get("group", 1)),
             "kernel_shape": k}
    if any(op):
        attrs["output_padding"] = op
    inits = [numpy_helper.from_array(np.asarray(f.weight), p + "_W")]
    words = f"explicit pads {begins + ends} for " + (f"auto_pad={ap}" if ap != "NOTSET" else "") + (
        (" and " if ap != "NOTSET" else "") + f"output_shape {list(requested)}" if requested else "")
    if not any(appended):
        names = [f.inputs[0], p + "_W"]
        if f.bias is not None:
            inits.append(numpy_helper.from_array(np.asarray(f.bias), p + "_B"))
            names.append(p + "_B")
        return [Replacement("pads", words, [helper.make_node("ConvTranspose", names, [f.output], **attrs)], inits)]
    out = []
    pad_amounts = [0, 0] + [0] * nd + [0, 0] + appended
    for bias_after in (True, False):
        nodes, ini = [], list(inits)
        names = [f.inputs[0], p + "_W"]
        if f.bias is not None and not bias_after:
            ini.append(numpy_helper.from_array(np.asarray(f.bias), p + "_B"))
            names.append(p + "_B")
        nodes.append(helper.make_node("ConvTranspose", names, [p + "_conv"], **attrs))
        ini.append(numpy_helper.from_array(np.array(pad_amounts, dtype=np.int64), p + "_zeros"))
        last = f.output if (f.bias is None or not bias_after) else p + "_padded"
        nodes.append(helper.make_node("Pad", [p + "_conv", p + "_zeros"], [last], mode="constant"))
        if f.bias is not None and bias_after:
            ini.append(numpy_helper.from_array(np.asarray(f.bias).reshape([-1] + [1] * nd), p + "_B"))
            nodes.append(helper.make_node("Add", [p + "_padded", p + "_B"], [f.output]))
        out.append(Replacement("pads", words + f"; Pad {appended} zeros at the end"
                               + (" then the bias" if f.bias is not None and bias_after else ""), nodes, ini))
    return out


def candidates(f: NodeFacts, targets: Sequence[TargetMode] | None, allow_plan: bool = True) -> list[Replacement | str]:
    """Every rewrite of ``f`` to try, cheapest first; strings say why a kind is not possible."""
    if f.op_type == "ConvTranspose":
        return list(_conv_candidates(f))
    found: list[Replacement | str] = []
    found += _attribute_candidates(f)
    found += _composition_candidates(f, targets)
    if allow_plan:
        found.append(_plan_candidate(f))
    return found


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
    from upsampling.port.runners import reference_is_wrong

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
