"""``translate``: the exact equivalent of a resize or transposed convolution in another framework.

For a resize, the source call and every candidate call of the target are read as per-axis
matrices (through the twins, :mod:`upsampling.port.search`); the candidates that equal the
source's matrices within float rounding are *exact*, the best of them is returned as code.
When none is, compositions (replicate padding, a resize, a crop: :mod:`upsampling.port.compose`)
are solved for and checked the same way; when none of those is either, the closest single
call is returned with its worst error and the reason.

Whether an exact equality holds for *all* input sizes is decided from what both calls compute
in exact arithmetic (their registry settings and how they derive the scale from the sizes,
:meth:`~upsampling.port.calls.Call.key`) and checked on other input sizes; otherwise it is
stated for the input shape given, with the size where it breaks when one was found.

Transposed convolutions are in :mod:`upsampling.port.conv`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from upsampling import _checks
from upsampling.errors import InvalidArgumentError, ShapeError
from upsampling.frameworks._mapping import Setting
from upsampling.port.calls import FLOAT_DTYPES, FRAMEWORKS, TITLES, Call, Dims, FloatDtype, Framework
from upsampling.port.calls import ONNXResize, TwinResize, code_with_size_from, convert_layout, resized
from upsampling.port.compose import Composition, compositions, fit_axis
from upsampling.port.describe import call_words, difference_words, kernel_class, param_distance
from upsampling.port.operator import Operator
from upsampling.port.result import Translation
from upsampling.port.search import Score, candidates, compare, operator_of, spec_operator
from upsampling.spec import ResizeSpec

__all__ = ["Translation", "convert_layout", "translate"]  # Translation lives in upsampling.port.result

DEFAULT_DIMS = Dims(1, 3, 33, 47)


def source_dims(call: Call, input_shape: Sequence[int] | None) -> tuple[Dims, str, bool]:
    """The input's dims and the layout ``input_shape`` is read in, and whether it was given."""
    if input_shape is None:
        layout = call.unit_layout()
        if layout == "HW":
            layout = "HWC"
        return DEFAULT_DIMS, layout, False
    shape = tuple(_checks.positive_int("input_shape", v) for v in _checks.sequence("input_shape", input_shape))
    layout = call.unit_layout()
    rank_layouts = {
        "NCHW": {4: "NCHW", 3: "CHW"}, "NHWC": {4: "NHWC", 3: "HWC"}, "HWC": {3: "HWC", 2: "HW", 4: "NHWC"},
        "HW": {2: "HW", 3: "HWC", 4: "NHWC"}, "CHW": {3: "CHW"},
    }[layout]
    if len(shape) not in rank_layouts:
        allowed = " or ".join(f"{r}-D ({lay})" for r, lay in rank_layouts.items())
        raise ShapeError("input_shape", shape, f"a {allowed} shape for {call.text()}")
    lay = rank_layouts[len(shape)]
    return Dims.from_shape(shape, lay), lay, True


# -- resize -----------------------------------------------------------------------------------------


def _rank(score: Score, source: Call) -> tuple:
    c = score.call
    return (
        isinstance(c, Composition),
        isinstance(c, TwinResize),
        kernel_class(c) != kernel_class(source),
        c.scale_based() != source.scale_based(),
        param_distance(source, c),
        c.settings() != source.settings() if c.framework == source.framework else True,
        (max(c.step), sum(c.pad)) if isinstance(c, Composition) else (1, 0),
        len(c.expression()),
    )


def _scores(to: str, source: Call, dims: Dims, cands: list[Call], src_op: Operator, dtype: str) -> list[Score]:
    scores: list[Score] = []
    if to == "onnx":
        # screen with the specification's arithmetic (no probing), then read the best few from
        # the ONNX Runtime twin, whose float32 arithmetic is what the code runs
        screened = []
        for c in cands:
            s = compare(src_op, c, spec_operator(c.spec(), dims))
            if s is not None:
                screened.append(s)
        screened.sort(key=lambda s: (not s.exact, sum(s.axis_error), param_distance(source, s.call)))
        cands = [s.call for s in screened[:8]]
    # likeliest first; an exact candidate that computes the source's very operation ends the search
    cands = sorted(cands, key=lambda c: (kernel_class(c) != kernel_class(source), c.scale_based() != source.scale_based(),
                                         param_distance(source, c)))
    same = source.key()[0]
    for c in cands:
        s = compare(src_op, c, operator_of(c, dims, dtype))
        if s is not None:
            scores.append(s)
            if s.exact and c.key()[0] == same and not isinstance(c, TwinResize) and \
                    c.scale_based() == source.scale_based():
                break
    return scores


def _panel(dims: Dims, source: Call) -> list[Dims]:
    """Other input sizes to check an equality on: odd, even, 1-pixel, smaller and larger."""
    h, w = dims.h, dims.w
    sizes = [(h + 1, w + 2), (max(1, h - 3), w + 5), (2 * h + 1, max(1, w // 2)), (1, w), (h, 1), (7, 5)]
    out = []
    for sh, sw in sizes:
        d = dims.resized(sh, sw)
        if d == dims or d in out:
            continue
        try:
            oh, ow = source.out_hw(d)
        except Exception:  # noqa: BLE001
            continue
        if oh >= 1 and ow >= 1:
            out.append(d)
    return out


def _equal_at(source: Call, target: Call, dims: Dims, dtype: str) -> tuple[bool, str]:
    """Whether the two calls are exact at ``dims``, and if not, how they differ there."""
    try:
        a = operator_of(source, dims, dtype)
    except Exception as exc:  # noqa: BLE001 - a size the source refuses: not a counterexample
        return True, str(exc)
    try:
        b = operator_of(target, dims, dtype)
    except Exception as exc:  # noqa: BLE001
        return False, f"the target refuses it ({' '.join(str(exc).split())[:120]})"
    s = compare(a, target, b)
    if s is None:
        return False, f"the output sizes differ ({a.n_out[0]}x{a.n_out[1]} vs {b.n_out[0]}x{b.n_out[1]})"
    if s.exact:
        return True, ""
    return False, f"worst error {s.worst_error(a):.3g}"


# how far an exact candidate's equality is known to reach: proved, checked on other sizes, broken
ALL, CHECKED, BROKEN = 0, 1, 2


def _follows(source: Call, target: Call) -> bool:
    """A scale-based source translated to a call with a fixed size: the code computes the size."""
    return source.scale_based() and not target.scale_based() and resized(target, (1, 1)) is not None


def _holds(source: Call, best: Score, dims: Dims, dtype: str, to: str) -> tuple[str, str, int]:
    target = best.call
    panel = _panel(dims, source)
    if isinstance(target, Composition):
        return _holds_composition(source, target, dims, panel, dtype, to)
    follows = _follows(source, target)
    for d in panel:
        other = resized(target, source.out_hw(d)) if follows else target
        ok, how = _equal_at(source, other, d, dtype)
        if not ok:
            why = "; ".join(difference_words(source, target))
            return ("the input shape given", f"at input {d.h}x{d.w} they differ ({how}): {why}", BROKEN)
    sizes = ", ".join(f"{d.h}x{d.w}" for d in panel)
    if follows:
        rule = source.size_rule()
        integer = all(float(v).is_integer() for v in rule[1])
        if source.key()[0] == target.key()[0] and integer and rule[0] == "scale":
            return ("all input sizes",
                    f"both compute {call_words(source)}; the code computes the output size from x.shape as the "
                    f"source does, and for whole factors the sampling scale in/out is 1/{_factor(rule[1])} exactly "
                    f"(checked on {len(panel)} other sizes: {sizes})", ALL)
        if source.key()[0] == target.key()[0] and rule[0] in ("floor_size", "round_size"):
            return ("all input sizes",
                    f"both compute {call_words(source)} from the output size, which the code computes from x.shape "
                    f"as the source does (checked on {len(panel)} other sizes: {sizes})", ALL)
        why = "; ".join(difference_words(source, target))
        return ("the input shape given",
                f"with the output size computed from x.shape as the source does, also equal on the {len(panel)} "
                f"other input sizes tried ({sizes}), but not proved for every size: {why}", CHECKED)
    if source.key() == target.key():
        rule = source.size_rule()
        what = "the output size given" if rule[0] == "size" else "the same output size and scale rule"
        if source.family == "nearest":
            return ("all input sizes",
                    f"both pick pixels by {call_words(source)}, with {what}, in the same float arithmetic (the "
                    f"registry gives both the same rule and scale), so the same pixels for every input size "
                    f"(checked on {len(panel)} other sizes: {sizes})", ALL)
        return ("all input sizes",
                f"both compute {call_words(source)}, with {what}, for every input size; they differ only in "
                f"float rounding (checked on {len(panel)} other sizes: {sizes})", ALL)
    why = "; ".join(difference_words(source, target))
    return ("the input shape given",
            f"also equal on the {len(panel)} other input sizes tried ({sizes}), but not proved for every size: {why}",
            CHECKED)


def _factor(scales: Sequence[float]) -> str:
    a, b = (float(v) for v in scales)
    return f"{a:g}" if a == b else f"({a:g}, {b:g})"


def _holds_composition(source: Call, comp: Composition, dims: Dims, panel: list[Dims], dtype: str,
                       to: str) -> tuple[str, str, int]:
    for d in panel:
        out = source.out_hw(d)
        if out != comp.out:
            return ("the input shape given", "the source's output size follows the input size; translate again "
                    "for another input size (the padding, size and crop are solved per size)", CHECKED)
        ok, _ = _equal_at(source, comp, d, dtype)
        if not ok:
            return ("the input shape given", f"the same padding, size and crop do not fit input {d.h}x{d.w}; "
                    "translate again for another input size", CHECKED)
    formula = {
        "align_corners": "align_corners on the padded input samples output j at j·(N-1)/(M-1) - p",
        "half_pixel": "half-pixel sampling of the padded input places output j at (j + 1/2)·N/M - 1/2 - p",
        "asymmetric": "asymmetric sampling of the padded input places output j at j·N/M - p",
        "box": "Pillow's box moves the sample grid by a fraction of a pixel",
    }.get(comp.why, comp.why)
    kept = "j = c + i" if comp.step == (1, 1) else f"j = c + s·i (s = {_factor(comp.step)})"
    return ("all input sizes",
            f"{formula}; keeping {kept}, that equals the source's positions for every input size with this padding, "
            f"output size and crop (the edge replication reproduces the clamped border); checked on {len(panel)} "
            "other sizes", ALL)


def _bit_identical(source: Call, target: Call, exact: bool, dtype: str) -> tuple[bool | None, str]:
    if exact and source.family == target.family == "nearest" and (dtype == "float32" or target.framework != "pillow"):
        return True, "nearest copies input values: picking the same pixels gives the same bits"
    if isinstance(target, (Composition, TwinResize)) or source.framework != target.framework:
        return None, ""
    if source.settings() and source.settings() == target.settings() and source.size_rule() == target.size_rule():
        return True, "the same framework kernel runs in both (registry setting " + \
            f"{source.settings()[0].framework} {source.settings()[0].call!r})"
    return None, ""


def translate_resize(source: Call, to: str, dims: Dims, layout: str, given: bool, *, opset: int, dtype: str,
                     verify: bool) -> Translation:
    """:func:`translate` for a resize call already parsed."""
    src_op = operator_of(source, dims, dtype)
    out = src_op.n_out
    cands = candidates(to, source, dims, out, opset)
    scores = _scores(to, source, dims, cands, src_op, dtype)
    exact = sorted((s for s in scores if s.exact), key=lambda s: _rank(s, source))
    notes: list[str] = []
    if not given:
        notes.append(f"no input_shape given: measured on {DEFAULT_DIMS.h}x{DEFAULT_DIMS.w} "
                     f"(pass input_shape for your own)")
    if not exact:
        templates = sorted(_templates(cands), key=lambda c: (kernel_class(c) != kernel_class(source),
                                                             param_distance(source, c)))
        fits = (fit_axis(src_op.h), fit_axis(src_op.w))
        comps = compositions(templates, dims, out, fits)
        comp_scores = []
        for c in comps:
            try:
                s = compare(src_op, c, operator_of(c, dims, dtype))
            except Exception:  # noqa: BLE001 - a size the inner call refuses
                continue
            if s is not None:
                comp_scores.append(s)
        exact = sorted((s for s in comp_scores if s.exact), key=lambda s: _rank(s, source))
    if exact:
        # the equality that reaches furthest wins: proved for all sizes, then checked on other sizes
        judged = []
        for s in exact[:4]:
            holds_for, reason, status = _holds(source, s, dims, dtype, to)
            judged.append((status, len(judged), s, holds_for, reason))
            if status == ALL:
                break
        _, _, best, holds_for, reason = min(judged, key=lambda j: (j[0], j[1]))
        exact = [best] + [s for s in exact if s is not best]
        differences: list[str] = []
    else:
        if not scores:
            raise InvalidArgumentError(
                "to", to, message=f"{TITLES[to]} cannot resize {dims.h}x{dims.w} to {out[0]}x{out[1]} "
                f"in the family of {source.text()} (no call of it makes that output size)")
        scores.sort(key=lambda s: sum(s.axis_error))
        top = scores[:6]
        best = min(top, key=lambda s: s.worst_error(src_op))
        holds_for = "the input shape given"
        reason = "the worst error is computed for this input shape (the supremum over inputs in a unit range)"
        differences = difference_words(source, best.call)
    worst = best.worst_error(src_op)
    bit, bit_reason = _bit_identical(source, best.call, bool(best.exact), dtype)
    if bit:
        notes.append(bit_reason)
    target_layout = best.call.layout(dims)
    y_shape = _output_shape(dims, out, target_layout)
    node = best.call.node(dims) if isinstance(best.call, ONNXResize) else None
    if isinstance(best.call, Composition) and isinstance(best.call.inner, ONNXResize):
        node = best.call.inner.node(dims)
    if isinstance(source, ONNXResize) or (isinstance(best.call, ONNXResize)):
        notes += _onnx_spec_notes(source, best.call, dims)
    alternatives = [
        {"call": s.call.text(), "code": s.call.code(dims), "exact": True}
        for s in exact[1:4]
    ]
    code = best.call.code(dims)
    if exact and _follows(source, best.call):
        rule = source.size_rule()
        code = code_with_size_from(best.call, dims, rule[1], rule[2])
    t = Translation(
        source=source.text(), target=to, code=code, layout=target_layout, exact=bool(best.exact),
        bit_identical=bit, max_error=float(worst), holds_for=holds_for, reason=reason,
        input_shape=dims.shape(layout), source_layout=layout, output_shape=y_shape, call=best.call.text(),
        composition=isinstance(best.call, Composition), source_does=call_words(source),
        target_does=call_words(best.call), differences=differences, notes=notes, alternatives=alternatives,
        node=node,
    )
    if verify:
        _verify(t, source, dims, layout)
    return t


def _templates(cands: list[Call]) -> list[Call]:
    """One candidate per distinct call form (their sizes are solved again by the compositions)."""
    seen, out = set(), []
    for c in cands:
        k = (type(c).__name__, re.sub(r"-?[0-9][0-9.e+-]*", "#", c.expression()))
        if k in seen:
            continue
        seen.add(k)
        out.append(c)
    return out


def _output_shape(dims: Dims, out: tuple[int, int], layout: str) -> tuple[int, ...]:
    return dims.resized(*out).shape(layout)


def _onnx_spec_notes(source: Call, target: Call, dims: Dims) -> list[str]:
    """Where ONNX Runtime's arithmetic (what the code runs) and the specification's differ here."""
    notes = []
    for c, role in ((source, "source"), (target, "target")):
        if not isinstance(c, ONNXResize) or c.op_type != "Resize":
            continue
        try:
            spec_op = spec_operator(c.spec(), dims)
            ort_op = operator_of(c, dims, "float32")
        except Exception:  # noqa: BLE001
            continue
        if spec_op.n_out != ort_op.n_out:
            notes.append(f"the {role} node gives a {ort_op.n_out} output in ONNX Runtime but {spec_op.n_out} by "
                         "the specification (output size rounding)")
            continue
        s = compare(spec_op, c, ort_op)
        if s is not None and not s.exact:
            notes.append(f"the {role} node: ONNX Runtime differs from the ONNX specification here by "
                         f"{s.worst_error(spec_op):.3g} (see upsampling audit)")
    return notes


def _verify(t: Translation, source: Call, dims: Dims, layout: str) -> None:
    """Run the source call and ``t.code`` in the real frameworks; set bit_identical and measured_error."""
    from upsampling.port.calls import namespace, run_live

    names = namespace()
    rng = np.random.default_rng(0)
    worst, same_bits = 0.0, True
    for _ in range(2):
        x = rng.random(dims.shape(source.layout(dims)), dtype=np.float64).astype(np.float32)
        y_src = run_live(source.code(dims), x, source.framework, names=names)
        x_t = convert_layout(x, source.layout(dims), t.layout)
        y_t = run_live(t.code, np.ascontiguousarray(x_t), "pytorch" if t.code.count("F.") else t.target, names=names)
        y_t = convert_layout(y_t, t.layout, source.layout(dims))
        if y_t.shape != y_src.shape:
            raise ShapeError("code", y_t.shape, f"the source's output shape {y_src.shape}")
        worst = max(worst, float(np.abs(y_t.astype(np.float64) - y_src.astype(np.float64)).max(initial=0.0)))
        same_bits &= bool(np.array_equal(y_t, y_src))
    t.measured_error = worst
    t.bit_identical = same_bits


def translate(
    source: str | ResizeSpec | Setting,
    to: Framework,
    input_shape: Sequence[int] | None = None,
    *,
    opset: int = 19,
    size: Sequence[int] | None = None,
    weight_shape: Sequence[int] | None = None,
    dtype: FloatDtype = "float32",
    verify: bool = False,
) -> Translation:
    """The exact equivalent of ``source`` in framework ``to``, as runnable code.

    Parameters
    ----------
    source : a call written as the user writes it (a string, parsed with :mod:`ast`, never
        evaluated): ``tf.image.resize``, ``tf.compat.v1.image.resize_{bilinear,nearest_neighbor,
        bicubic,area}``, ``F.interpolate`` / ``torch.nn.functional.interpolate`` / ``nn.Upsample``,
        ``cv2.resize``, ``img.resize`` (Pillow), ONNX ``Resize(...)`` / ``Upsample(...)``,
        ``upsampling.resize``, ``tf.nn.conv2d_transpose``, ``tf.keras.layers.Conv2DTranspose``,
        ``F.conv_transpose2d`` / ``nn.ConvTranspose2d``, ONNX ``ConvTranspose(...)``; or a
        :class:`~upsampling.spec.ResizeSpec`; or a registry
        :class:`~upsampling.frameworks._mapping.Setting` (then ``size`` gives the output size).
    to : ``"pytorch"``, ``"tensorflow"``, ``"opencv"``, ``"pillow"``, ``"onnx"`` or ``"engine"``.
    input_shape : the input's shape in the source's layout (NCHW for PyTorch and ONNX, NHWC or
        HWC for TensorFlow, HWC or HW for OpenCV and Pillow, the spec's layout for the engine).
        Default ``(1, 3, 33, 47)`` in that layout, with a note.
    opset : ONNX opset of the node written for ``to="onnx"`` (Resize from 10, Upsample below).
    size : output ``(height, width)`` for a source that does not carry one (a Setting); default
        twice the input.
    weight_shape : the weight's shape in the source's layout, for convolution calls that do not
        state the kernel size (``tf.nn.conv2d_transpose``, ``F.conv_transpose2d``).
    dtype : the input's dtype (PyTorch's coordinate arithmetic follows it).
    verify : also run the source and the code in the real frameworks (they must be installed)
        and report the measured difference and whether the bits are identical.

    Returns
    -------
    Translation

    Raises
    ------
    InvalidArgumentError
        An unknown target, an unparsable or unsupported source (the message names the call and
        lists what is supported), arguments the source framework itself refuses.
    ShapeError
        An ``input_shape`` of the wrong rank for the source.
    """
    from upsampling.port.calls import setting_call
    from upsampling.port.parse import ConvSource, parse_source

    _checks.choice("to", to, FRAMEWORKS)
    opset = _checks.integer("opset", opset, minimum=7)
    _checks.choice("dtype", dtype, FLOAT_DTYPES)
    if isinstance(source, Setting) and size is None:  # default: twice the input
        template = setting_call(source, (1, 1))[0]
        dims0 = source_dims(template, input_shape)[0]
        size = (2 * dims0.h, 2 * dims0.w)
    parsed = parse_source(source, size=size)
    if isinstance(parsed, ConvSource):
        from upsampling.port.conv import translate_conv

        return translate_conv(parsed, to, input_shape, opset=opset, weight_shape=weight_shape, verify=verify)
    dims, layout, given = source_dims(parsed, input_shape)
    return translate_resize(parsed, to, dims, layout, given, opset=opset, dtype=dtype, verify=verify)
