"""Figures for people: labelled cells, the sliding window highlighted, one palette (matplotlib).

Every function draws a trace from :mod:`upsampling.explain.trace` (no arithmetic of its own)
and returns the written file's ``(width, height)`` in pixels.  matplotlib is the ``plot`` extra;
it is used through :class:`matplotlib.figure.Figure` (no pyplot, no global state, no display).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np

from upsampling._optional import require
from upsampling.errors import InvalidArgumentError
from upsampling.explain.style import CONVENTION_COLOURS, FACE, HIGHLIGHT

__all__ = [
    "bilinear_figure",
    "compare_figure",
    "grid_figure",
    "overlap_figure",
    "transpose_figure",
    "transpose_gif",
]

DPI = 100
CELL = 0.46  # inches per matrix cell
INK = "#222222"


def _figure(width: float, height: float):
    require("matplotlib", "plot")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")


def _save(fig: Any, png: str, overwrite: bool = False) -> tuple[int, int]:
    """Write ``fig`` to the file ``png`` atomically (:func:`upsampling._files.atomic_output`); errors
    name the parameter ``png`` (every figure function's)."""
    from upsampling._files import atomic_output
    from upsampling.errors import OutputPathError

    try:
        with atomic_output(png, overwrite=overwrite, option="png") as tmp:
            fig.savefig(tmp, dpi=DPI, facecolor="white", format="png")
            size = png_size(str(tmp))
    except OutputPathError:
        raise
    except (OSError, ValueError) as exc:
        raise OutputPathError("png", png, "a writable .png path", str(exc).splitlines()[0]) from None
    return size


def png_size(path: str) -> tuple[int, int]:
    """(width, height) read from a PNG file's header."""
    import struct

    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise InvalidArgumentError("path", path, "a PNG file (its first 8 bytes are the PNG signature)")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _fmt(v: Any) -> str:
    from upsampling.explain.text import fmt

    return fmt(v, 4)


def _font_for(text: str, base: float = 10.0, cell: float = CELL) -> float:
    """The largest font (up to ``base``) at which ``text`` fits a ``cell``-inch square."""
    lines = text.splitlines()
    n = max(len(line) for line in lines)
    fit_width = cell * 72 * 0.86 / (0.6 * max(n, 1))
    fit_height = cell * 72 * 0.8 / (1.25 * len(lines))
    return max(5.0, min(base, fit_width, fit_height))


def _wrap(text: str, width: int = 9) -> str:
    """A long formula on two or three lines, broken between terms."""
    if len(text) <= width or " + " not in text:
        return text
    terms = text.split(" + ")
    lines_needed = 2 if len(text) <= 2.2 * width else 3
    per = -(-len(terms) // lines_needed)
    lines = [" + ".join(terms[i : i + per]) for i in range(0, len(terms), per)]
    return "\n+ ".join(lines)


def _matrix(
    ax: Any,
    values: np.ndarray,
    roles: np.ndarray | None,
    title: str,
    *,
    role: str = "plain",
    mark: np.ndarray | None = None,
    base_font: float = 10.0,
    cell: float = CELL,
) -> None:
    """Draw ``values`` as labelled cells, row 0 on top.  ``mark``: cells drawn faint (not yet computed)."""
    from matplotlib.patches import Rectangle

    h, w = values.shape
    for r in range(h):
        for c in range(w):
            cell_role = roles[r, c] if roles is not None else role
            faint = mark is not None and not mark[r, c]
            ax.add_patch(
                Rectangle((c, r), 1, 1, facecolor="white" if faint else FACE[cell_role], edgecolor="#9a9a9a", lw=0.8)
            )
            if not faint:
                text = _wrap(_fmt(values[r, c]))
                colour = "#8c8c8c" if cell_role in ("inserted", "pad") else INK
                ax.text(c + 0.5, r + 0.5, text, ha="center", va="center", fontsize=_font_for(text, base_font, cell), color=colour,
                        linespacing=1.05)
    ax.set_xlim(-0.05, w + 0.05)
    ax.set_ylim(h + 0.05, -0.05)
    ax.set_aspect("equal")
    ax.set_xticks([c + 0.5 for c in range(w)], [str(c) for c in range(w)], fontsize=6.5, color="#777777")
    ax.set_yticks([r + 0.5 for r in range(h)], [str(r) for r in range(h)], fontsize=6.5, color="#777777")
    ax.tick_params(length=0, pad=1.5, top=True, labeltop=True, bottom=False, labelbottom=False)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(title, fontsize=10, loc="left", pad=13)


def _legend(fig: Any, roles: Sequence[tuple[str, str]], y: float = 0.01) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=FACE[r], edgecolor="#9a9a9a", label=label) for r, label in roles]
    handles.append(Patch(facecolor="none", edgecolor=HIGHLIGHT, lw=2.2, label="sliding window (× its rotated-kernel tap)"))
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, y), ncols=len(handles), fontsize=8.5, frameon=False)


# ---------------------------------------------------------------------------------------------
# transposed convolution


def _busiest(trace: Any) -> tuple[int, int]:
    from upsampling.explain.trace import window_terms

    out = trace.steps.output
    counts = np.zeros(out.shape, dtype=int)
    for r, c in np.ndindex(*out.shape):
        counts[r, c] = len(window_terms(trace, r, c))
    return tuple(int(v) for v in np.unravel_index(int(np.argmax(counts)), counts.shape))  # type: ignore[return-value]


def _caption(trace: Any, symbolic: Any, r: int, c: int) -> str:
    from upsampling.explain.trace import window_terms

    terms = window_terms(trace, r, c)
    from upsampling.explain.text import factor

    if symbolic is not None:
        expr = " + ".join(f"{factor(_fmt(v))}·{symbolic.kernel[tap]}" for v, _, tap in terms) or "0"
        result = _fmt(symbolic.output[r, c])
    else:
        expr = " + ".join(f"{factor(_fmt(v))}·{factor(_fmt(k))}" for v, k, _ in terms) or "0"
        result = _fmt(trace.steps.output[r, c])
    return f"output[{r},{c}] = window · rotated kernel = {expr} = {result}"


class _TransposeCanvas:
    """The six panels of the textbook steps, laid out cell for cell, with a movable window."""

    def __init__(self, trace: Any, symbolic: Any) -> None:
        from matplotlib.patches import FancyArrowPatch, Rectangle

        from upsampling.explain.text import signed_sum

        st = trace.steps
        self.trace, self.symbolic = trace, symbolic
        kernel = symbolic.kernel if symbolic is not None else trace.kernel
        rotated = symbolic.rotated_kernel if symbolic is not None else st.rotated_kernel
        out_vals = symbolic.output if symbolic is not None else st.output
        self.rotated = rotated
        s, pad = trace.stride, trace.padding
        ax_info = trace.axes
        (tb, ta), (lb, la) = st.pads
        pad_why = {"VALID": "k-1 on each side", "SAME": "the split that gives the output size"}.get(
            pad if isinstance(pad, str) else "", "k-1-p on each side"
        )
        top = [
            (st.input, None, "input", f"input {st.input.shape[0]}×{st.input.shape[1]}"),
            (st.zero_inserted, trace.roles["zero_inserted"], "plain",
             f"1. insert {s - 1} zero{'s' if s != 2 else ''} between elements\n"
             f"({ax_info[0].n}-1)·{s}+1 = {ax_info[0].zero_inserted}, not {ax_info[0].n}·{s}" if s > 1
             else "1. stride 1: no zeros to insert"),
            (st.padded, trace.roles["padded"], "plain", f"2. pad top {tb}, bottom {ta}, left {lb}, right {la}\n({pad_why})"),
        ]
        bottom = [
            (kernel, None, "kernel", f"kernel {kernel.shape[0]}×{kernel.shape[1]}"),
            (rotated, None, "kernel", "3. rotate the kernel 180°" if trace.dilation == 1
             else f"3. dilate ({trace.dilation - 1} zero{'s' if trace.dilation > 2 else ''} between taps),\nrotate 180°"),
            (out_vals, None, "output",
             f"4. slide, multiply, add → output {st.output.shape[0]}×{st.output.shape[1]}\n"
             f"({ax_info[0].n}-1)·{s} - ({signed_sum(*ax_info[0].crop)}) + {ax_info[0].k_eff} = {ax_info[0].out}"),
        ]
        cell = CELL * (1.55 if symbolic is not None else 1.0)
        gap, margin, title_h = 0.8, 0.5, 0.72

        def slot(values: np.ndarray, title: str) -> float:  # a panel's width: its cells, or its title
            return max(values.shape[1] * cell, 0.083 * max(len(line) for line in title.splitlines()))

        row_w = [sum(slot(a, t) for a, _, _, t in row) + gap * (len(row) - 1) for row in (top, bottom)]
        row_h = [max(a.shape[0] for a, *_ in row) * cell for row in (top, bottom)]
        width = max(max(row_w) + 2 * margin, 10.5)
        head, caption_h, legend_h = 0.5, 0.55, 0.45
        height = head + title_h + row_h[0] + 0.3 + title_h + row_h[1] + caption_h + legend_h
        self.fig = fig = _figure(width, height)
        fig.set_layout_engine(None)
        fig.suptitle(
            f"Transposed convolution, step by step (stride {s}, padding {pad if isinstance(pad, str) else pad}"
            + (f", dilation {trace.dilation}" if trace.dilation != 1 else "") + ")",
            fontsize=13.5, fontweight="bold", y=1 - 0.2 / height, va="top",
        )
        base = 10.5 if symbolic is None else 11.5
        axes = []
        y_top = height - head - title_h
        for row, rw, rh in ((top, row_w[0], row_h[0]), (bottom, row_w[1], row_h[1])):
            x = (width - rw) / 2
            row_axes = []
            for values, roles, role, title in row:
                h, w = values.shape
                ax = fig.add_axes([x / width, (y_top - h * cell) / height, w * cell / width, h * cell / height])
                _matrix(ax, values, roles, title, role=role, base_font=base, cell=cell)
                row_axes.append((ax, x, w * cell, h * cell))
                x += slot(values, title) + gap
            for (a1, x1, w1, h1), (a2, x2, _, h2) in zip(row_axes, row_axes[1:]):
                mid = y_top - min(h1, h2, 1.5 * cell) / 2
                fig.add_artist(FancyArrowPatch(((x1 + w1 + 0.12) / width, mid / height), ((x2 - 0.12) / width, mid / height),
                                               transform=fig.transFigure, arrowstyle="-|>", mutation_scale=16, color="#888888", lw=1.6))
            axes.append([a for a, *_ in row_axes])
            y_top -= rh + 0.3 + title_h
        ax_pad, ax_rot, ax_out = axes[0][2], axes[1][1], axes[1][2]
        self.out_values, self.ax_out = out_vals, ax_out
        kh, kw = st.rotated_kernel.shape
        red_fill = (0.87, 0.18, 0.15, 0.13)
        self.window = Rectangle((0, 0), kw, kh, facecolor=red_fill, edgecolor=HIGHLIGHT, lw=3.0, zorder=6)
        ax_pad.add_patch(self.window)
        self.taps = [
            ax_pad.text(0, 0, "", ha="right", va="bottom", fontsize=7.5 if symbolic is None else 8.5, color=HIGHLIGHT,
                        fontweight="bold", zorder=7)
            for _ in range(kh * kw)
        ]
        self.cell = Rectangle((0, 0), 1, 1, facecolor="none", edgecolor=HIGHLIGHT, lw=3.2, zorder=6)
        ax_out.add_patch(self.cell)
        ax_rot.add_patch(Rectangle((0, 0), kw, kh, facecolor="none", edgecolor=HIGHLIGHT, lw=3.0, zorder=6))
        self.caption = fig.text(0.5, (legend_h + caption_h * 0.5) / height, "", ha="center", va="center", fontsize=11,
                                color=HIGHLIGHT, fontweight="bold")
        _legend(fig, [("input", "input element"), ("inserted", "inserted zero"), ("pad", "padding zero"),
                      ("kernel", "kernel tap"), ("output", "output")], y=0.12 / height)
        self.cover: list | None = None

    def show(self, r: int, c: int, progressive: bool = False) -> None:
        from matplotlib.patches import Rectangle

        kh, kw = self.rotated.shape
        self.window.set_xy((c, r))
        for t, (a, b) in zip(self.taps, np.ndindex(kh, kw)):
            t.set_position((c + b + 0.95, r + a + 0.97))
            t.set_text(f"×{_fmt(self.rotated[a, b])}")
        self.cell.set_xy((c, r))
        self.caption.set_text(_caption(self.trace, self.symbolic, r, c))
        if progressive:
            h, w = self.out_values.shape
            if self.cover is None:
                self.cover = []
                for rr in range(h):
                    for cc in range(w):
                        p = Rectangle((cc + 0.04, rr + 0.04), 0.92, 0.92, facecolor="white", edgecolor="none", zorder=5)
                        self.ax_out.add_patch(p)
                        self.cover.append(((rr, cc), p))
            for (rr, cc), p in self.cover:
                p.set_visible((rr, cc) > (r, c))


def transpose_figure(trace: Any, png: str, symbolic: Any = None, *, overwrite: bool = False) -> tuple[int, int]:
    """The steps on one page, the window on the output element that sums the most products."""
    canvas = _TransposeCanvas(trace, symbolic)
    canvas.show(*_busiest(trace))
    return _save(canvas.fig, png, overwrite)


def transpose_gif(trace: Any, gif: str, symbolic: Any = None, frame_ms: int = 900, *,
                  overwrite: bool = False) -> tuple[int, int, int]:
    """One frame per output element: the window slides, the output fills in.  Returns (w, h, frames)."""
    Image = require("PIL.Image", "cli")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = _TransposeCanvas(trace, symbolic)
    agg = FigureCanvasAgg(canvas.fig)
    frames = []
    for r, c in np.ndindex(*trace.steps.output.shape):
        canvas.show(r, c, progressive=True)
        agg.draw()
        frames.append(Image.fromarray(np.asarray(agg.buffer_rgba())[:, :, :3].copy()))
    durations = [frame_ms] * (len(frames) - 1) + [frame_ms * 3]
    from upsampling._files import atomic_output
    from upsampling.errors import OutputPathError

    try:
        with atomic_output(gif, overwrite=overwrite, option="gif") as tmp:
            frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                           optimize=True)
    except OutputPathError:
        raise
    except (OSError, ValueError) as exc:
        raise OutputPathError("gif", gif, "a writable .gif path", str(exc).splitlines()[0]) from None
    return frames[0].width, frames[0].height, len(frames)


# ---------------------------------------------------------------------------------------------
# bilinear


def bilinear_figure(trace: Any, png: str, *, overwrite: bool = False) -> tuple[int, int]:
    from upsampling.explain.sampling_trace import bilinear_field

    t = trace
    fig = _figure(9.0, 7.2)
    ax = fig.add_subplot()
    xs, ys, field = bilinear_field(t)
    im = ax.imshow(
        field, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), cmap="viridis", alpha=0.55,
        aspect="auto", interpolation="bilinear",
    )
    cb = fig.colorbar(im, ax=ax, shrink=0.85)
    cb.set_label("f(x, y), bilinear")
    step_x = "#e6550d"
    # the x-direction step: along the rows y1 and y2
    for yy in (t.y1, t.y2):
        ax.plot([t.x1, t.x2], [yy, yy], color=step_x, lw=2.4, ls="--", zorder=2)
    # the y-direction step: from R1 to R2 through P
    ax.plot([t.x, t.x], [t.y1, t.y2], color=HIGHLIGHT, lw=2.4, ls="--", zorder=2)
    # each distance weighs the point at the *other* end
    low = min(t.y1, t.y2)
    dy = 0.035 * abs(t.y2 - t.y1)
    ax.text((t.x1 + t.x) / 2, low + dy, f"w(Q21) = {_fmt(t.wx[1])}", ha="center", va="bottom",
            fontsize=9.5, color=step_x, fontweight="bold")
    ax.text((t.x + t.x2) / 2, low + dy, f"w(Q11) = {_fmt(t.wx[0])}", ha="center", va="bottom",
            fontsize=9.5, color=step_x, fontweight="bold")
    ax.text(t.x + 0.02 * abs(t.x2 - t.x1), (t.y1 + t.y) / 2, f"w(R2) = {_fmt(t.wy[1])}", ha="left",
            va="center", fontsize=9.5, color=HIGHLIGHT, rotation=90, fontweight="bold")
    ax.text(t.x + 0.02 * abs(t.x2 - t.x1), (t.y + t.y2) / 2, f"w(R1) = {_fmt(t.wy[0])}", ha="left",
            va="center", fontsize=9.5, color=HIGHLIGHT, rotation=90, fontweight="bold")
    known = [("Q11", t.x1, t.y1, t.q11), ("Q21", t.x2, t.y1, t.q21), ("Q12", t.x1, t.y2, t.q12), ("Q22", t.x2, t.y2, t.q22)]
    for name, x, y, v in known:
        ax.scatter([x], [y], s=180, marker="s", color=FACE["input"], edgecolor=INK, zorder=4)
        ax.annotate(f"{name} = {_fmt(v)}", (x, y), textcoords="offset points", xytext=(10, 10 if y == max(t.y1, t.y2) else -18),
                    fontsize=11, fontweight="bold", color=INK, zorder=5)
    for name, y, v in (("R1", t.y1, t.r1), ("R2", t.y2, t.r2)):
        ax.scatter([t.x], [y], s=150, marker="D", color=FACE["kernel"], edgecolor=INK, zorder=4)
        ax.annotate(f"{name} = {_fmt(v)}", (t.x, y), textcoords="offset points", xytext=(10, -18 if y == min(t.y1, t.y2) else 8),
                    fontsize=11, color="#a63603", fontweight="bold", zorder=5)
    ax.scatter([t.x], [t.y], s=320, marker="*", color=HIGHLIGHT, edgecolor=INK, zorder=6)
    ax.annotate(f"P = ({_fmt(t.x)}, {_fmt(t.y)})\nf(P) = {_fmt(t.p)}", (t.x, t.y), textcoords="offset points",
                xytext=(12, -4), fontsize=12, color=HIGHLIGHT, fontweight="bold", zorder=7, va="center")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    pad_x = 0.12 * abs(t.x2 - t.x1)
    pad_y = 0.12 * abs(t.y2 - t.y1)
    ax.set_xlim(min(t.x1, t.x2, t.x) - pad_x, max(t.x1, t.x2, t.x) + pad_x * 1.6)
    ax.set_ylim(min(t.y1, t.y2, t.y) - pad_y, max(t.y1, t.y2, t.y) + pad_y)
    ax.set_title(
        f"Bilinear interpolation: R1, R2 along x (orange), then P along y (red)\n"
        f"each segment's length is the weight w of the point at its other end\n"
        f"R1 = {_fmt(t.wx[0])}·{_fmt(t.q11)} + {_fmt(t.wx[1])}·{_fmt(t.q21)} = {_fmt(t.r1)},   "
        f"R2 = {_fmt(t.wx[0])}·{_fmt(t.q12)} + {_fmt(t.wx[1])}·{_fmt(t.q22)} = {_fmt(t.r2)},   "
        f"P = {_fmt(t.wy[0])}·{_fmt(t.r1)} + {_fmt(t.wy[1])}·{_fmt(t.r2)} = {_fmt(t.p)}",
        fontsize=11,
    )
    return _save(fig, png, overwrite)


# ---------------------------------------------------------------------------------------------
# overlap


def overlap_figure(trace: Any, png: str, *, overwrite: bool = False) -> tuple[int, int]:
    t = trace
    length = len(t.counts)
    fig = _figure(min(max(9.5, 0.42 * length + 5.5), 24.0), 6.8)
    gs = fig.add_gridspec(2, 2, width_ratios=[max(length, 6), 0.55 * length], height_ratios=[t.n, 3])
    ax_st = fig.add_subplot(gs[0, 0])
    ax_ct = fig.add_subplot(gs[1, 0], sharex=ax_st)
    ax_2d = fig.add_subplot(gs[:, 1])
    # stamps: one row per input element, a tile per tap
    shades = (FACE["kernel"], "#fdd0a2")
    for i, span in enumerate(t.stamp_spans):
        for j, p in enumerate(span):
            ax_st.add_patch(_rect(p - 0.45, i - 0.4, 0.9, 0.8, shades[i % 2]))
            ax_st.text(p, i, f"w{j}", ha="center", va="center", fontsize=8, color="#7f2704")
        ax_st.text(-0.7, i, f"x[{i}]", ha="right", va="center", fontsize=9)
    ax_st.set_ylim(t.n - 0.5, -0.5)
    ax_st.set_yticks([])
    ax_st.set_title(f"each input element stamps the {t.kernel}-tap kernel, {t.stride} positions after the previous one", fontsize=10, loc="left")
    start, stop = t.interior
    colours = [FACE["output"] if t.even else (HIGHLIGHT if v == max(t.period) else FACE["input"]) for v in t.counts]
    ax_ct.bar(np.arange(length), t.counts, color=colours, edgecolor="#666666", width=0.9)
    for p, v in enumerate(t.counts):
        ax_ct.text(p, v + 0.05, str(int(v)), ha="center", va="bottom", fontsize=9)
    ax_ct.axvspan(start - 0.5, stop - 0.5, color="#eeeeee", zorder=0)
    ax_ct.text((start + stop - 1) / 2, max(t.counts) * 1.18 + 0.3, "interior", ha="center", fontsize=9, color="#666666")
    ax_ct.set_ylim(0, max(t.counts) * 1.35 + 0.6)
    ax_ct.set_xlim(-1.3, length - 0.4)
    ax_ct.set_xticks(range(length))
    ax_ct.set_xlabel("output position")
    ax_ct.set_ylabel("taps")
    ax_ct.yaxis.get_major_locator().set_params(integer=True)
    if not t.even:
        ax_ct.text(0.01, 0.97, "red: the most taps, blue: fewer", transform=ax_ct.transAxes, ha="left", va="top", fontsize=8.5,
                   color="#555555")
    top = max(int(t.counts_2d.max()), 1)
    ax_2d.imshow(t.counts_2d, cmap="Reds", vmin=0, vmax=top)
    if t.counts_2d.shape[0] <= 24:
        for (r, c), v in np.ndenumerate(t.counts_2d):
            ax_2d.text(c, r, str(int(v)), ha="center", va="center", fontsize=max(5, 9 - t.counts_2d.shape[0] // 6),
                       color="white" if v > 0.6 * top else INK)
    ax_2d.set_title(f"2-D: taps per output pixel\n({t.n}×{t.n} input, {t.kernel}×{t.kernel} kernel)", fontsize=10)
    ax_2d.set_xticks([])
    ax_2d.set_yticks([])
    verdict = "EVEN overlap" if t.even else ("UNEVEN overlap with holes" if t.holes else "UNEVEN overlap: checkerboard")
    fig.suptitle(
        f"Kernel {t.kernel}, stride {t.stride}" + (f", dilation {t.dilation}" if t.dilation != 1 else "")
        + f": {verdict} (interior pattern {', '.join(map(str, t.period))})",
        fontsize=13, fontweight="bold", color="#238b45" if t.even else HIGHLIGHT,
    )
    return _save(fig, png, overwrite)


def _rect(x: float, y: float, w: float, h: float, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="#666666", lw=0.8)


# ---------------------------------------------------------------------------------------------
# sampling grid


def grid_figure(trace: Any, png: str, *, overwrite: bool = False) -> tuple[int, int]:
    """One panel per convention: the input pixel grid and where the output samples it."""
    t = trace
    fig = _figure(13.5, 10.2)
    axes = fig.subplots(2, 3).ravel()
    n = t.n_in
    for ax, (conv, x) in zip(axes, t.conventions):
        for r in range(n):
            for c in range(n):
                ax.add_patch(_rect(c - 0.5, r - 0.5, 1, 1, "#f3f3f3" if (r + c) % 2 else "#e6e6e6"))
        centres = np.arange(n)
        cx, cy = np.meshgrid(centres, centres)
        ax.scatter(cx.ravel(), cy.ravel(), marker="+", s=40, color="#888888", lw=1, zorder=2)
        gx, gy = np.meshgrid(x, x)
        inside = (gx >= 0) & (gx <= n - 1) & (gy >= 0) & (gy <= n - 1)
        colour = CONVENTION_COLOURS.get(conv.name, INK)
        ax.scatter(gx[inside], gy[inside], s=22, color=colour, zorder=3)
        ax.scatter(gx[~inside], gy[~inside], s=26, facecolor="white", edgecolor=colour, lw=1.3, zorder=3)
        lo = min(-0.6, float(x.min()) - 0.3)
        hi = max(n - 0.4, float(x.max()) + 0.3)
        ax.set_xlim(lo, hi)
        ax.set_ylim(hi, lo)
        ax.set_aspect("equal")
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.tick_params(labelsize=7)
        formula = conv.formula.split(";")[0]
        formula = textwrap.fill(formula, 50, subsequent_indent="    ")  # wrapped, never cut: it is the lesson
        ax.set_title(f"{conv.name}\n{formula}", fontsize=10 if "\n" not in formula else 9, color=colour,
                     fontweight="bold")
        ax.set_xlabel("used by: " + textwrap.fill(conv.used_by, 72), fontsize=7.5, color="#444444")
    fig.suptitle(
        f"Where each of {t.n_out}×{t.n_out} output pixels samples a {n}×{n} input\n"
        "+ input pixel centre,  ● sample point,  ○ sample outside the centres (linear modes clamp it to the edge)",
        fontsize=11.5,
    )
    return _save(fig, png, overwrite)


# ---------------------------------------------------------------------------------------------
# compare


#: Heat-map panels show at most this many pixels along a side (a figure is read, not zoomed).
THUMBNAIL = 800


def _thumbnail_step(h: int, w: int) -> int:
    return max(1, -(-max(h, w) // THUMBNAIL))


def _difference_thumbnail(a: np.ndarray, b: np.ndarray, step: int) -> np.ndarray:
    """``|a - b|``, max over channels, then max over ``step x step`` blocks (a difference is never
    hidden by the thumbnail), computed a band of rows at a time (float64 temporaries of a few MiB)."""
    h, w = a.shape[:2]
    tw = -(-w // step)
    out = np.zeros((-(-h // step), tw))
    rows = step * max(1, 2**20 // max(1, w * a.shape[2] * step))
    for r in range(0, h, rows):
        d = np.abs(a[r:r + rows].astype(np.float64) - b[r:r + rows]).max(axis=2)
        if step > 1:
            th = -(-d.shape[0] // step)
            padded = np.zeros((th * step, tw * step))
            padded[: d.shape[0], :w] = d
            d = padded.reshape(th, step, tw, step).max(axis=(1, 3))
        out[r // step : r // step + d.shape[0]] = d
    return out


def compare_figure(labels: list[str], results: list[np.ndarray], mx: np.ndarray, mean: np.ndarray, reference: int,
                   png: str, title: str, *, overwrite: bool = False) -> tuple[int, int]:
    """The pairwise max-difference matrix, the reference result, and every result's |difference| from it."""
    n = len(labels)
    others = [i for i in range(n) if i != reference]
    cols = 4
    rows = -(-(len(others) + 1) // cols)
    h, w = results[reference].shape[:2]
    step = _thumbnail_step(h, w)
    panel_h = 4.3 * h / w * 0.78 + 0.6
    fig = _figure(19.0, max(7.5, rows * panel_h + 1.4))
    left, right = fig.subfigures(1, 2, width_ratios=[1.0, 1.45])
    ax = left.subplots()
    top = max(float(mx.max()), 1e-9)
    im = ax.imshow(mx, cmap="inferno", vmin=0, vmax=top)
    for (r, c), v in np.ndenumerate(mx):
        if r != c:
            ax.text(c, r, _fmt(round(float(v), 1)), ha="center", va="center", fontsize=7,
                    color="white" if v < 0.55 * top else INK)
    ax.set_xticks(range(n), [str(i + 1) for i in range(n)], fontsize=8)
    ax.set_yticks(range(n), [f"{i + 1}. {lab}" for i, lab in enumerate(labels)], fontsize=8)
    ax.set_title("max |difference| between every pair\n(pixel values 0-255; black: identical)", fontsize=11)
    left.colorbar(im, ax=ax, shrink=0.7)
    diffs = {i: _difference_thumbnail(results[i], results[reference], step) for i in others}
    vmax = max([float(d.max()) for d in diffs.values()] + [1e-9])
    axes = np.atleast_1d(right.subplots(rows, cols)).ravel()
    ref = np.clip(results[reference][::step, ::step], 0, 255).astype(np.uint8)
    axes[0].imshow(ref if ref.shape[2] in (3, 4) else ref[:, :, 0], cmap=None if ref.shape[2] in (3, 4) else "gray",
                   interpolation="nearest")
    axes[0].set_title(f"{reference + 1}. {labels[reference]}\n(the reference result)", fontsize=8.5, fontweight="bold")
    last = None
    for a, i in zip(axes[1:], others):
        last = a.imshow(diffs[i], cmap="inferno", vmin=0, vmax=vmax, interpolation="nearest")
        a.set_title(f"{i + 1}. {labels[i]}\nmax {_fmt(round(mx[i, reference], 2))}, mean {_fmt(round(mean[i, reference], 3))}",
                    fontsize=8.5)
    for a in axes:
        a.set_xticks([])
        a.set_yticks([])
    for a in axes[len(others) + 1:]:
        a.axis("off")
    if last is not None:
        right.colorbar(last, ax=axes.tolist(), shrink=0.6, label=f"|result - result {reference + 1}| (max over channels)")
    right.suptitle(f"each result's |difference| from {reference + 1}. {labels[reference]}, per pixel", fontsize=11)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    return _save(fig, png, overwrite)
