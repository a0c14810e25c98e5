"""Rewrites of a ``Resize``: its attributes restated, or Pad + Resize of another coordinate mode +
Slice that samples the same positions (solved by :func:`upsampling.port.compose.solve_axis`)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from upsampling.port.compose import PADS, AxisSolution, solve_axis
from upsampling.port.onnx_graph import NodeFacts
from upsampling.port.rewrite.nodes import Replacement, coordinate_mode, full_rank, kept_attrs, node_spec, prefix, resize_node
from upsampling.port.rewrite.plan import axis_matrix
from upsampling.port.rewrite.targets import TargetMode

__all__ = ["attribute_candidates", "composition_candidates"]

_ROUND_OFFSET = {"floor": 0.0, "round_prefer_floor": 0.5, "round_prefer_ceil": 0.5, "ceil": 1.0}


def attribute_candidates(f: NodeFacts) -> list[Replacement]:
    if f.op_type != "Resize" or f.opset < 11:
        return []
    full = full_rank(f)
    if full is None:
        return []
    scales, outs, roi = full
    rank = len(f.x_shape)
    a = f.attrs
    mode, ctm, nearest = a.get("mode", "nearest"), coordinate_mode(f), a.get("nearest_mode", "round_prefer_floor")
    kept = kept_attrs(f)
    roi_in = roi if ctm == "tf_crop_and_resize" else None
    p = prefix(f)
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
        nodes, inits = resize_node(f, name, f.inputs[0], y, mode, new_ctm, nearest, scales=sc, sizes=sz, roi=roi_in,
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


def _affine(f: NodeFacts, axis: int) -> tuple[Fraction, Fraction] | None:
    """``(α, β)`` with the spec's source coordinate ``x_i = α·i + β`` on ``axis``, as exact
    fractions (None if not affine, or extrapolated)."""
    _, outside = axis_matrix(f, axis)
    if outside is not None:
        return None
    spec = node_spec(f)
    if spec is None:
        return None
    plan = spec.plans(tuple(f.x_shape))[axis]
    x = plan.coordinate
    if x is None or len(x) < 2:
        return None
    # the plan stores coordinates in float32: fit, then read the line as exact fractions within that
    alpha, beta = (float(v) for v in np.polyfit(np.arange(len(x)), x.astype(np.float64), 1))
    tol = 1e-6 * max(1, plan.n_in)
    if np.abs(alpha * np.arange(len(x)) + beta - x).max() > tol:
        return None
    limit = 64 * max(plan.n_in, plan.n_out)
    a, b = Fraction(alpha).limit_denominator(limit), Fraction(beta).limit_denominator(limit)
    if abs(float(a) - alpha) > tol or abs(float(b) - beta) > tol:
        return None
    return a, b


def _flavours(mode: str, ctm_: str, nearest: str, targets: Sequence[TargetMode] | None) -> list[tuple[str, str, str]]:
    """The other Resize flavours of ``mode`` the target allows (asymmetric, half_pixel, align_corners)."""
    out = []
    for t_ctm in ("asymmetric", "half_pixel", "align_corners"):
        for t_near in (("floor", "round_prefer_floor", "round_prefer_ceil", "ceil") if mode == "nearest"
                       else ("round_prefer_floor",)):
            fl = (mode, t_ctm, t_near)
            if targets is not None and not any(t.allows(*fl) for t in targets):
                continue
            if t_ctm == ctm_ and (mode != "nearest" or t_near == nearest):
                continue
            out.append(fl)
    return out


def _onnx_axis(t_ctm: str, n: int, out: int, a: Fraction, b: Fraction) -> AxisSolution | None:
    """The cheapest Pad/step/crop of one axis that an ONNX Resize of ``t_ctm`` computes as solved:
    ``scales`` (half_pixel, asymmetric) must survive float32, whose output length ONNX Runtime uses."""
    for s in solve_axis(t_ctm, t_ctm != "align_corners", n, out, a, b, steps=(1, 2, 3, 4, 8),
                        pads=PADS + ((3, 3),), keep_plain=True):
        if s.scale is not None:
            s32 = np.float32(float(s.scale))
            if abs(float(s32) - float(s.scale)) > 1e-6 * float(s.scale):
                continue
            have = int(np.floor(np.float32(n + s.pad_before + s.pad_after) * s32))
            if have < s.crop + s.step * (out - 1) + 1:
                continue
        return s
    return None


def composition_candidates(f: NodeFacts, targets: Sequence[TargetMode] | None) -> list[Replacement]:
    """Pad (edge) + Resize (another coordinate mode) + Slice (start c, step s), per the module docstring.

    Nearest rounding modes map onto each other by a shift of the positions (``round`` is
    ``floor(x + 1/2)`` away from ties).
    """
    spec = node_spec(f)
    if spec is None or spec.antialias or (spec.mode == "cubic" and spec.exclude_outside):
        return []  # antialias windows and exclude_outside's renormalisation would see the padding
    lines = {axis: _affine(f, axis) for axis in (2, 3)}
    if None in lines.values():
        return []
    out_shape = spec.output_shape(tuple(f.x_shape))
    found = []
    for mode, t_ctm, t_near in _flavours(spec.mode, spec.coordinate_transformation_mode, spec.nearest_mode, targets):
        shift = Fraction(_ROUND_OFFSET[spec.nearest_mode] - _ROUND_OFFSET[t_near]) if mode == "nearest" else 0
        sols = [_onnx_axis(t_ctm, f.x_shape[axis], out_shape[axis], lines[axis][0], lines[axis][1] + shift)
                for axis in (2, 3)]
        if None not in sols:
            found.append(_composition_nodes(f, mode, t_ctm, t_near, sols[0], sols[1], out_shape))
    return found


def _composition_nodes(f: NodeFacts, mode: str, t_ctm: str, t_near: str, sh: AxisSolution, sw: AxisSolution,
                       out_shape: tuple[int, ...]) -> Replacement:
    from onnx import helper, numpy_helper

    p = prefix(f) + f"_{t_ctm}"
    nodes, inits, what = [], [], []
    cur = f.inputs[0]
    pads = [0, 0, sh.pad_before, sw.pad_before, 0, 0, sh.pad_after, sw.pad_after]
    if any(pads):
        inits.append(numpy_helper.from_array(np.array(pads, dtype=np.int64), p + "_pads"))
        nodes.append(helper.make_node("Pad", [cur, p + "_pads"], [p + "_padded"], mode="edge"))
        cur = p + "_padded"
        what.append(f"Pad edge (top {sh.pad_before}, bottom {sh.pad_after}, left {sw.pad_before}, right {sw.pad_after})")
    if sh.scale is not None:
        sc = [1.0, 1.0, float(np.float32(float(sh.scale))), float(np.float32(float(sw.scale)))]
        rn, ri = resize_node(f, p + "_resize", cur, p + "_resized", mode, t_ctm, t_near, scales=sc, extra=kept_attrs(f))
        size_words = f"×({sc[2]:g}, {sc[3]:g})"
        haves = [int(np.floor(np.float32(f.x_shape[a] + s.pad_before + s.pad_after) * np.float32(v)))
                 for a, s, v in ((2, sh, sc[2]), (3, sw, sc[3]))]
    else:
        sz = [f.x_shape[0], f.x_shape[1], sh.size, sw.size]
        rn, ri = resize_node(f, p + "_resize", cur, p + "_resized", mode, t_ctm, t_near, sizes=sz, extra=kept_attrs(f))
        size_words = f"to {sz[2]}×{sz[3]}"
        haves = [sh.size, sw.size]
    nodes += rn
    inits += ri
    what.append(f"Resize {mode} {t_ctm}" + (f" {t_near}" if mode == "nearest" else "") + f" {size_words}")
    starts, steps = [sh.crop, sw.crop], [sh.step, sw.step]
    ends = [s.crop + s.step * (out_shape[a] - 1) + 1 for a, s in ((2, sh), (3, sw))]
    if starts == [0, 0] and steps == [1, 1] and ends == haves:
        nodes[-1].output[0] = f.output
    else:
        for nm, v in (("starts", starts), ("ends", ends), ("axes", [2, 3]), ("steps", steps)):
            inits.append(numpy_helper.from_array(np.array(v, dtype=np.int64), f"{p}_slice_{nm}"))
        nodes.append(helper.make_node("Slice", [p + "_resized"] + [f"{p}_slice_{k}" for k in
                                                                 ("starts", "ends", "axes", "steps")], [f.output]))
        where = "" if starts == [0, 0] and steps == [1, 1] else f" from ({starts[0]}, {starts[1]}) step ({steps[0]}, {steps[1]})"
        what.append(f"Slice {out_shape[2]}×{out_shape[3]}{where}")
    return Replacement("composition", " + ".join(what) + " (the same sample positions)", nodes, inits,
                       [(mode, t_ctm, t_near)])
