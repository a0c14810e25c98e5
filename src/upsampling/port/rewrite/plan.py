"""The node's own per-axis plan, read from the spec twin, as constant ``Gather`` / ``MatMul``
(+ ``Where``) nodes: every runtime computes those the same way."""

from __future__ import annotations

import numpy as np

from upsampling.port.onnx_graph import NodeFacts
from upsampling.port.rewrite.nodes import Replacement, coordinate_mode, full_rank, prefix
from upsampling.port.runners import twin_resize

__all__ = ["axis_matrix", "plan_candidate"]

_MAX_PLAN_WEIGHTS = 16_000_000  # per axis matrix: 64 MB of float32


def axis_matrix(f: NodeFacts, axis: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``(M (n_out, n_in), outside rows or None)`` of resized ``axis``, from the spec twin on a basis.

    The twin resizes only ``axis`` of an input holding the ``n_in`` unit vectors along another
    axis; row ``o`` of the result is output ``o``'s weights.  Extrapolated samples come out NaN
    (``extrapolation_value`` set to NaN in the probe) and are returned as ``outside``.
    """
    scales, outs, roi = full_rank(f)
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


def plan_candidate(f: NodeFacts) -> Replacement | str:
    """The node's per-axis plan as Gather / MatMul (+ Where), or why not."""
    from onnx import helper, numpy_helper

    full = full_rank(f)
    if full is None:
        return "needs static shapes and constant scales/sizes (and keep_aspect_ratio_policy=stretch)"
    if f.dtype not in ("float32", "float16", "float64"):
        return f"the plan's MatMul needs a float input (the node's is {f.dtype})"
    scales, outs, roi = full
    rank = len(f.x_shape)
    axes = [a for a in range(rank) if outs[a] != f.x_shape[a] or scales[a] != 1.0
            or (coordinate_mode(f) == "tf_crop_and_resize" and (roi[a], roi[rank + a]) != (0.0, 1.0))]
    p = prefix(f) + "_plan"
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
