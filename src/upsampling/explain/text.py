"""Reports: a trace turned into headings, matrices, tables and sentences (no arithmetic here).

Every number comes from a trace (see :mod:`upsampling.explain.trace`); these functions only
format it.  The few integers written inside a formula (``(2-1)·2``) are the trace's inputs
echoed so the reader can follow the arithmetic; the result after ``=`` is the engine's.

This module holds the number formatting and the reports of the transposed convolution (its
steps, output sizes and kernel overlap); the sampling reports (bilinear, coordinate grids) are in
:mod:`upsampling.explain.sampling_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from upsampling.explain.render import Grid, Heading, Table, Text

__all__ = [
    "fmt",
    "overlap_report",
    "shapes_report",
    "spell",
    "transpose_report",
]


def spell(names: Mapping[str, str] | None, parameter: str, python: str | None = None) -> str:
    """How a report tells its reader to set ``parameter``: the command line's flag when the report
    is printed by a command (``names``: the command's flags by Python parameter name), else how a
    Python caller writes it (``python``, default ``parameter=``).  Only ``cli/`` speaks in flags."""
    if names is not None and parameter in names:
        return names[parameter]
    return python if python is not None else f"{parameter}="


def fmt(value: Any, digits: int = 6) -> str:
    """A number as a person writes it: ``3`` not ``3.0``, ``0.25``, ``1.23457e+06``; formulas as text."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    try:
        v = float(value)
    except (TypeError, ValueError):
        from upsampling.explain.symbolic import format_expr

        return format_expr(value)
    if v != v:
        return "nan"
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = f"{v:.{digits}g}"
    return text


def factor(text: str) -> str:
    """A number as a factor: ``-1.5`` -> ``(-1.5)``."""
    return f"({text})" if text.startswith("-") else text


def signed_sum(a: int, b: int) -> str:
    """``0+1``, or ``0+(-2)`` when the second term is negative."""
    return f"{a}+{factor(str(b))}"


def _cells(a: np.ndarray, digits: int) -> list[list[str]]:
    return [[fmt(v, digits) for v in row] for row in np.asarray(a, dtype=object)]


def _shape(a: np.ndarray) -> str:
    return f"{a.shape[0]}x{a.shape[1]}"


def _uniform_roles(shape: tuple[int, ...], role: str) -> list[list[str | None]]:
    return [[role] * shape[1] for _ in range(shape[0])]


def _role_list(roles: np.ndarray) -> list[list[str | None]]:
    return [list(r) for r in roles]


def _axis_names(trace: Any) -> list[tuple[str, int]]:
    """``[("rows and columns", 0)]`` when both axes tell the same story, else one entry per axis."""
    a, b = trace.axes
    same = (a.n, a.kernel, a.crop, a.out) == (b.n, b.kernel, b.crop, b.out)
    same = same and trace.steps.pads[0] == trace.steps.pads[1]
    return [("rows and columns", 0)] if same else [("rows", 0), ("columns", 1)]


def _pad_side(amount: int, side: str) -> str:
    if amount >= 0:
        return f"{amount} {side}"
    return f"{-amount} cropped {side}"


# ---------------------------------------------------------------------------------------------
# explain transpose


def transpose_report(
    trace: Any, symbolic: Any = None, digits: int = 6, *, names: Mapping[str, str] | None = None
) -> list:
    """The textbook steps, the output size, and the scatter view, in that order.

    ``symbolic`` (:func:`upsampling.explain.symbolic.symbolic_transpose`, optional) writes the
    kernel as letters and each output element as its formula.  ``names``: how the hints spell
    :func:`~upsampling.explain.trace.transpose_trace`'s parameters (see :func:`spell`).
    """
    return [
        *_input_and_zero_insertion(trace, digits),
        *_padding_step(trace, digits),
        *_kernel_step(trace, symbolic, digits, names),
        *_slide_step(trace, symbolic, digits, names),
        *_output_size(trace, names),
        *_scatter_view(trace, symbolic, digits),
    ]


def _input_and_zero_insertion(trace: Any, digits: int) -> list:
    """The heading, step 0 (the input) and step 1 (zero insertion)."""
    st = trace.steps
    s, d = trace.stride, trace.dilation
    pad_name = trace.padding if isinstance(trace.padding, str) else f"explicit {trace.padding}"
    kh, kw = trace.kernel.shape
    blocks: list = [
        Heading(
            f"Transposed convolution: input {_shape(trace.input)}, kernel {kh}x{kw}, stride {s}, "
            f"padding {pad_name}" + (f", dilation {d}" if d != 1 else "")
        ),
        Text(
            "TensorFlow's conv2d_transpose taught as three steps: insert zeros, pad, slide the rotated kernel. "
            "Every number below comes from the library's engines.",
            "note",
        ),
        Heading("Step 0: the input"),
        Grid(
            f"input ({_shape(trace.input)})", _cells(trace.input, digits), _uniform_roles(trace.input.shape, "input")
        ),
    ]

    # Step 1: zero insertion
    zi = st.zero_inserted
    zeros = f"{s - 1} zero{'s' if s - 1 != 1 else ''}"
    blocks.append(Heading(f"Step 1: insert stride-1 = {zeros} between neighbouring elements"))
    blocks.append(Grid(f"zero-inserted ({_shape(zi)})", _cells(zi, digits), _role_list(trace.roles["zero_inserted"])))
    if s > 1:
        for name, ax in ((n, trace.axes[i]) for n, i in _axis_names(trace)):
            blocks.append(
                Text(
                    f"{name}: {ax.n} elements become (n-1)·s+1 = ({ax.n}-1)·{s}+1 = {ax.zero_inserted}, "
                    f"not n·s = {ax.n * s}: the zeros go between elements, none after the last one."
                )
            )
    else:
        blocks.append(
            Text("stride 1: nothing to insert (the transposed convolution is then an ordinary full convolution).")
        )
    return blocks


def _padding_step(trace: Any, digits: int) -> list:
    """Step 2: the padding (or cropping) on each side, and why."""
    st = trace.steps
    pd = st.padded
    blocks: list = [Heading("Step 2: pad (a negative amount crops)")]
    blocks.append(Grid(f"padded ({_shape(pd)})", _cells(pd, digits), _role_list(trace.roles["padded"])))
    for name, i in _axis_names(trace):
        (before, after), reason, ax = st.pads[i], st.pad_reasons[i], trace.axes[i]
        side = {"columns": ("left", "right"), "rows": ("top", "bottom")}.get(name, ("before", "after"))
        blocks.append(Text(f"{name}: {_pad_side(before, side[0])}, {_pad_side(after, side[1])}.", "formula"))
        if trace.padding == "VALID":
            why = (
                f"VALID: k_eff-1 = {ax.k_eff - 1} on each side, so the kernel visits every position where it "
                "overlaps at least one element (a 'full' convolution)."
            )
        elif trace.padding == "SAME":
            why = (
                f"SAME: the split that yields the output size {ax.out} = n·s: the padded length must be "
                f"out + k_eff - 1 = {pd.shape[i]}; TensorFlow puts the odd pixel after."
            )
        else:
            why = "explicit padding p: k_eff-1-p on each side (the forward convolution's padding, undone)."
        blocks.append(Text(f"  {why}"))
        blocks.append(Text(f"  engine: {reason}", "dim"))
    return blocks


def _kernel_step(trace: Any, symbolic: Any, digits: int, names: Mapping[str, str] | None) -> list:
    """Step 3: the kernel (dilated) and its 180° rotation."""
    st, d = trace.steps, trace.dilation
    kh, kw = trace.kernel.shape
    blocks: list = [Heading("Step 3: the kernel and its 180° rotation")]
    if symbolic is not None:
        blocks.append(
            Grid(f"kernel ({kh}x{kw}, symbolic)", _cells(symbolic.kernel, digits), _uniform_roles((kh, kw), "kernel"))
        )
        if d != 1:
            blocks.append(Grid(f"dilated kernel (dilation {d})", _cells(symbolic.dilated_kernel, digits)))
        rk = symbolic.rotated_kernel
        blocks.append(Grid(f"rotated kernel ({_shape(rk)})", _cells(rk, digits), _uniform_roles(rk.shape, "kernel")))
    else:
        label = "" if trace.kernel_given else f"; default values 1..{kh * kw}, choose with {spell(names, 'kernel')}"
        blocks.append(
            Grid(f"kernel ({kh}x{kw}{label})", _cells(trace.kernel, digits), _uniform_roles((kh, kw), "kernel"))
        )
        if d != 1:
            title = f"dilated kernel (dilation {d}: {d - 1} zeros between taps)"
            blocks.append(Grid(title, _cells(st.dilated_kernel, digits)))
        rk = st.rotated_kernel
        blocks.append(Grid(f"rotated kernel ({_shape(rk)})", _cells(rk, digits), _uniform_roles(rk.shape, "kernel")))
    blocks.append(
        Text("The rotation turns the slide below into a convolution; without it you would compute a correlation.")
    )
    return blocks


def _slide_step(trace: Any, symbolic: Any, digits: int, names: Mapping[str, str] | None) -> list:
    """Step 4: the slide, its output, and one or two elements written out."""
    out = trace.steps.output
    blocks: list = [Heading("Step 4: slide the rotated kernel over the padded matrix (stride 1), multiply and add")]
    if symbolic is not None:
        blocks.append(
            Grid(f"output ({_shape(out)}), each element as its formula", _cells(symbolic.output, digits),
                 _uniform_roles(out.shape, "output"), formulas=True)
        )
        blocks.append(
            Text("Read each formula as: which kernel taps overlap at that output pixel, and with which input values.")
        )
        if trace.kernel_given:
            title = f"output ({_shape(out)}) with {spell(names, 'kernel')}"
            blocks.append(Grid(title, _cells(out, digits), _uniform_roles(out.shape, "output")))
    else:
        blocks.append(Grid(f"output ({_shape(out)})", _cells(out, digits), _uniform_roles(out.shape, "output")))
    blocks.extend(_examples(trace, symbolic, digits))
    return blocks


def _output_size(trace: Any, names: Mapping[str, str] | None) -> list:
    """The output size along each axis, ``(H-1)·S - (P_before + P_after) + K_eff``."""
    blocks: list = [Heading("Output size: (H-1)·S - (P_before + P_after) + K_eff")]
    for name, i in _axis_names(trace):
        ax = trace.axes[i]
        b, a = ax.crop
        blocks.append(
            Text(
                f"{name}: ({ax.n}-1)·{ax.stride} - ({signed_sum(b, a)}) + {ax.k_eff} = {ax.out}"
                + (f"   (K_eff = (K-1)·d+1 = {ax.k_eff})" if ax.dilation != 1 else ""),
                "formula",
            )
        )
        if trace.padding == "VALID":
            blocks.append(Text(f"  VALID pads nothing: the full (H-1)·S + K = {ax.full}."))
        elif trace.padding != "SAME":
            blocks.append(
                Text(f"  explicit padding crops ({b}, {a}) from the full {ax.full}: this is the textbook's P.")
            )
        if trace.padding == "SAME":
            if b == a:
                blocks.append(
                    Text(f"  SAME crops ({b}, {a}) from the full {ax.full}: symmetric, P = {b}; the result is n·s = {ax.out}.")
                )
            else:
                blocks.append(
                    Text(
                        f"  SAME crops ({b}, {a}) from the full {ax.full} -- not symmetric, so the textbook's "
                        f"(H-1)·S - 2P + K with one P is loose here; the result is n·s = {ax.out}."
                    )
                )
        if len(ax.valid_sizes) > 1:
            others = [v for v in ax.valid_sizes if v != ax.out]
            blocks.append(
                Text(
                    f"  TensorFlow's output_shape may also be {', '.join(map(str, others))} along {name} "
                    f"(every size the forward convolution maps back to {ax.n}); try {spell(names, 'output_size')}."
                )
            )
    return blocks


def _scatter_view(trace: Any, symbolic: Any, digits: int) -> list:
    """The scatter view (each input element stamps a scaled kernel) and the three forms compared."""
    out = trace.steps.output
    blocks: list = [Heading("The same output, scatter view: each input element stamps a scaled kernel")]
    rows = []
    for i, stamp in enumerate(trace.stamps):
        r, c = stamp.index
        what = f"{fmt(stamp.value, digits)} · kernel"
        rows.append(
            [
                f"x[{r},{c}]",
                fmt(stamp.value, digits),
                what,
                f"{stamp.rows[0]}..{stamp.rows[1]}",
                f"{stamp.cols[0]}..{stamp.cols[1]}",
            ]
        )
    title = f"stamps on the full {_shape(trace.canvas)} canvas (input element i lands at i·s)"
    blocks.append(Table(title, ["element", "value", "stamps", "rows", "cols"], rows))
    if len(trace.stamps) <= 4:
        for stamp in trace.stamps:
            r, c = stamp.index
            src = symbolic.stamps[len(trace.input[0]) * r + c] if symbolic is not None else stamp.canvas
            title = f"stamp of x[{r},{c}] = {fmt(stamp.value, digits)}"
            blocks.append(Grid(title, _cells(src, digits), formulas=symbolic is not None))
    title = f"sum of the stamps: the full canvas ({_shape(trace.canvas)})"
    if symbolic is not None:
        canvas = np.sum(np.stack(list(symbolic.stamps)), axis=0)
        blocks.append(Grid(title, _cells(canvas, digits), formulas=True))
    else:
        blocks.append(Grid(title, _cells(trace.canvas, digits)))
    (rb, ra), (cb, ca) = trace.axes[0].crop, trace.axes[1].crop
    blocks.append(
        Text(
            f"keep {out.shape[0]}x{out.shape[1]} starting at row {rb}, column {cb} "
            f"(cut rows: {rb} before, {ra} after; columns: {cb} before, {ca} after"
            + ("; a negative cut appends zeros" if min(rb, ra, cb, ca) < 0 else "")
            + ")."
        )
    )
    diff_scatter = float(np.abs(trace.scatter_output - out).max())
    diff_engine = float(np.abs(trace.engine_output - out).max())
    tol = 1e-9 * max(1.0, float(np.abs(out).max()))  # summation order differs between the three
    n = out.size
    if symbolic is not None:
        if symbolic.agree:
            text = (
                f"scatter view = textbook steps: yes, all {n} formulas identical "
                "(sympy: expand(textbook - scatter) == 0)"
            )
        else:
            text = "scatter view = textbook steps: NO -- formulas differ"
        blocks.append(Text(text, "ok" if symbolic.agree else "warn"))
    numeric = "" if symbolic is None or trace.kernel_given else f" (numbers, kernel 1..{trace.kernel.size})"
    for name, diff, what in (
        ("scatter view", diff_scatter, f", all {n} elements"),
        (trace.engine_name, diff_engine, ""),
    ):
        same = diff <= tol
        blocks.append(
            Text(
                f"{name} = textbook steps{numeric}: {'yes' if same else 'NO'}{what} (max |difference| {fmt(diff)})",
                "ok" if same else "warn",
            )
        )
    return blocks


def _examples(trace: Any, symbolic: Any, digits: int) -> list:
    """One or two output elements written out as the sum over the window."""
    from upsampling.explain.trace import window_terms

    out = trace.steps.output
    counts = np.zeros(out.shape, dtype=int)
    for r, c in np.ndindex(*out.shape):
        counts[r, c] = len(window_terms(trace, r, c))
    picks = [(0, 0)]
    busiest = tuple(int(v) for v in np.unravel_index(int(np.argmax(counts)), counts.shape))
    if busiest != (0, 0):
        picks.append(busiest)
    blocks = []
    letters = symbolic.kernel if symbolic is not None else None
    for r, c in picks:
        terms = window_terms(trace, r, c)
        kh, kw = trace.steps.rotated_kernel.shape
        where = f"window rows {r}..{r + kh - 1}, cols {c}..{c + kw - 1} of the padded matrix"
        if not terms:
            blocks.append(Text(f"output[{r},{c}] = 0: the window ({where}) covers only zeros.", "formula"))
            continue
        if letters is not None:
            expr = " + ".join(f"{factor(fmt(v, digits))}·{letters[tap]}" for v, _, tap in terms)
            blocks.append(
                Text(f"output[{r},{c}] = {expr} = {fmt(symbolic.output[r, c])}   ({where})", "formula")
            )
        else:
            expr = " + ".join(f"{factor(fmt(v, digits))}·{factor(fmt(k, digits))}" for v, k, _ in terms)
            blocks.append(Text(f"output[{r},{c}] = {expr} = {fmt(out[r, c], digits)}   ({where})", "formula"))
    return blocks


# ---------------------------------------------------------------------------------------------
# explain shapes


def shapes_report(t: Any) -> list:
    pad = t.padding if isinstance(t.padding, str) else f"explicit {t.padding}"
    blocks: list = [
        Heading(
            f"Sizes along one axis: input {t.n}, kernel {t.kernel}, stride {t.stride}, padding {pad}, "
            f"dilation {t.dilation}"
        ),
    ]
    if t.dilation != 1:
        blocks.append(
            Text(f"effective kernel K_eff = (K-1)·d + 1 = ({t.kernel}-1)·{t.dilation} + 1 = {t.k_eff}", "formula")
        )
    b, a = t.forward_pads
    blocks.append(Heading("Forward convolution (conv2d)"))
    if t.forward_out is None:
        blocks.append(Text(f"forward output: none -- {t.forward_error}", "warn"))
    else:
        blocks.append(Text(f"forward output size: {t.n} -> {t.forward_out}", "formula"))
        if t.padding == "SAME":
            blocks.append(Text(f"SAME: out = ceil(in / s) = ceil({t.n}/{t.stride}) = {t.forward_out}"))
            blocks.append(
                Text(
                    f"SAME padding: total = max(0, (out-1)·s + K_eff - in) = "
                    f"max(0, ({t.forward_out}-1)·{t.stride} + {t.k_eff} - {t.n}) "
                    f"= {b + a}, split ({b}, {a}): before = total // 2, the odd pixel after (bottom/right)",
                    "formula",
                )
            )
        else:
            blocks.append(
                Text(
                    f"out = floor((in + P_before + P_after - K_eff) / s) + 1 = "
                    f"floor(({t.n} + {b} + {a} - {t.k_eff}) / {t.stride}) + 1 = {t.forward_out}"
                )
            )
    blocks.append(Heading("Transposed convolution (conv2d_transpose)"))
    cb, ca = t.transposed_crop
    blocks.append(Text(f"transposed output size: {t.n} -> {t.transposed_out}", "formula"))
    blocks.append(Text(f"full output (H-1)·S + K_eff = ({t.n}-1)·{t.stride} + {t.k_eff} = {t.full}"))
    if t.padding == "SAME":
        blocks.append(
            Text(
                f"SAME: out = H·S = {t.transposed_out}; it crops ({cb}, {ca}) from the full {t.full} -- the forward "
                f"convolution's SAME padding of a {t.transposed_out}-long input"
            )
        )
    elif t.padding == "VALID":
        blocks.append(Text(f"VALID: nothing cropped, out = (H-1)·S + K_eff = {t.transposed_out}"))
    else:
        blocks.append(
            Text(
                f"explicit: out = (H-1)·S - (P_before + P_after) + K_eff = "
                f"({t.n}-1)·{t.stride} - ({signed_sum(cb, ca)}) + {t.k_eff} = {t.transposed_out}"
            )
        )
    sizes = [o for o, _ in t.accepted]
    blocks.append(Heading(f"Every output_shape TensorFlow accepts for an input of {t.n}"))
    blocks.append(
        Text(
            f"accepted: {', '.join(map(str, sizes)) if sizes else 'none'} -- the sizes whose forward convolution "
            f"(same kernel, stride, padding) gives back {t.n}. With stride {t.stride} the forward convolution "
            "rounds down, so "
            f"{len(sizes)} size{'s' if len(sizes) != 1 else ''} map to {t.n}."
        )
    )
    rows, styles = [], []
    everything = sorted(
        [(o, "accepted", crop) for o, crop in t.accepted] + [(o, "refused", back) for o, back in t.refused]
    )
    for o, verdict, extra in everything:
        if verdict == "accepted":
            back = t.n
            reason = f"forward conv of {o} gives {t.n}; crops ({extra[0]}, {extra[1]}) of the full {t.full}"
            styles.append("green")
        else:
            back = extra
            reason = (
                f"forward conv of {o} gives {back}, not {t.n}" if back >= 1
                else f"forward conv of {o} has no output (shorter than the kernel)"
            )
            styles.append("red")
        rows.append([str(o), str(back), verdict, reason])
    columns = ["output size", "forward conv of it", "TensorFlow", "why"]
    blocks.append(Table("output_shape candidates", columns, rows, styles))
    return blocks


# ---------------------------------------------------------------------------------------------
# explain overlap


def overlap_report(t: Any, *, names: Mapping[str, str] | None = None) -> list:
    k, s, d = t.kernel, t.stride, t.dilation
    blocks: list = [
        Heading(f"Kernel overlap: kernel {k}, stride {s}" + (f", dilation {d}" if d != 1 else "")),
        Text(
            f"An input of {t.n} elements, every value 1 and every tap 1: each output position counts the kernel taps "
            "that land on it (the engine's output on all-ones data)."
        ),
        Table(
            "where each input element's taps land (the scatter view)",
            ["input element", "output positions"],
            [[str(i), " ".join(map(str, span))] for i, span in enumerate(t.stamp_spans)],
        ),
        Grid(f"taps per output position, positions 0..{len(t.counts) - 1}", [[str(int(v)) for v in t.counts]]),
    ]
    start, stop = t.interior
    blocks.append(
        Text(
            f"interior (positions {start}..{stop - 1}, away from the borders): the pattern repeats every {s} positions: "
            f"{', '.join(map(str, t.period))}"
        )
    )
    if t.even:
        taps = f"{t.period[0]} tap{'s' if t.period[0] != 1 else ''}"
        blocks.append(
            Text(f"EVEN overlap: every interior pixel gets {taps} per axis -- no checkerboard from the overlap.", "ok")
        )
    else:
        lo, hi = min(t.period), max(t.period)
        if t.holes:
            text = f"UNEVEN overlap with holes: some interior pixels get no tap at all (0 to {hi}) -- a strong checkerboard."
            blocks.append(Text(text, "warn"))
        else:
            lo2, hi2 = t.range_2d
            text = (
                f"UNEVEN overlap: interior pixels get {lo} to {hi} taps per axis -- {lo2} to {hi2} in 2-D: "
                "checkerboard artifacts."
            )
            blocks.append(Text(text, "warn"))
    rule = "a multiple" if t.rule_even else "not a multiple"
    agrees = t.rule_even == t.even
    blocks.append(
        Text(
            f"rule of thumb: kernel size {k} is {rule} of stride {s}, which predicts "
            f"{'even' if t.rule_even else 'uneven'} overlap"
            + (" -- it agrees." if agrees else f" -- it does NOT hold here (dilation {d} puts taps {d} apart).")
        )
    )
    title = f"taps per output pixel in 2-D ({t.n}x{t.n} input, {k}x{k} kernel: the product of the two axes)"
    if len(t.counts_2d) <= 32:
        blocks.append(Grid(title, [[str(int(v)) for v in row] for row in t.counts_2d]))
    else:
        blocks.append(Text(f"{title}: {_shape(t.counts_2d)}, too wide to print; see "
                           f"{spell(names, 'png', 'upsampling.explain.figures.overlap_figure')}."))
    return blocks
