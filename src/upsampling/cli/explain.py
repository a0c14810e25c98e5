"""``upsampling explain transpose / bilinear / shapes / overlap / grid``: the arithmetic, step by step.

``register(app)`` adds the ``explain`` group.  Commands parse options (:mod:`upsampling.cli.parse`),
run a trace (:mod:`upsampling.explain.trace`, every number from the engines), print its report and
draw its figures.  Each command names its parameters as the trace function it calls does
(``--input`` is ``transpose_trace``'s ``x``, ``--kernel-values`` its ``kernel``), so the trace's
errors come out with the command's flags (:mod:`upsampling.cli.messages`).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from upsampling.cli import parse
from upsampling.cli.common import APP_SETTINGS, OverwriteOption, digits, emit, outputs, wrote
from upsampling.cli.messages import flag_names
from upsampling.errors import OptionError

__all__ = ["explain_app", "register"]

explain_app = typer.Typer(
    help="Watch bilinear interpolation and transposed convolution happen, step by step, on your own numbers.",
    **APP_SETTINGS,
)

# Options several commands share.
_Stride = Annotated[int, typer.Option("--stride", "-s", help="Stride.")]
_Dilation = Annotated[int, typer.Option("--dilation", "-d", help="Dilation.")]
_Padding = Annotated[str, typer.Option("--padding", "-p", help="SAME, VALID, p or before,after (the forward convolution's).")]
_Digits = Annotated[int, typer.Option("--digits", help="Significant digits of printed numbers.")]


def register(app: typer.Typer) -> None:
    """Add the ``explain`` group to ``app``."""
    app.add_typer(explain_app, name="explain")


# Typer declares each option in the signature: the declarations make this function long.
@explain_app.command("transpose")
def explain_transpose(
    ctx: typer.Context,
    x: Annotated[str, typer.Option("--input", "-i", help='The input matrix, e.g. "[[1,2],[3,4]]" or "1 2; 3 4" (at most 8x8).')],
    kernel_size: Annotated[Optional[int], typer.Option(
        "--kernel", "-k", help="Kernel size k (a k x k kernel). Default 3, or the size of --kernel-values.")] = None,
    stride: Annotated[int, typer.Option("--stride", "-s", help="Stride (>= 1).")] = 1,
    padding: Annotated[str, typer.Option("--padding", "-p", help=(
        "The forward convolution's padding, as TensorFlow takes it: VALID, SAME, p or before,after."))] = "VALID",
    kernel: Annotated[Optional[str], typer.Option("--kernel-values", help=(
        'The kernel\'s values, e.g. "[[1,0,1],[0,1,0],[1,0,1]]". Default 1, 2, ..., k*k.'))] = None,
    output_size: Annotated[Optional[str], typer.Option("--output-size", help=(
        "TensorFlow's output_shape (one size, or rows,cols); must be a size the forward convolution maps back "
        "to the input."))] = None,
    dilation: Annotated[int, typer.Option("--dilation", "-d", help="Dilation of the kernel (>= 1).")] = 1,
    symbolic: Annotated[bool, typer.Option("--symbolic", help=(
        "Use symbolic kernel entries a, b, c, ... and print each output element as its formula (needs sympy)."))] = False,
    png: Annotated[Optional[str], typer.Option("--png", help="Draw the steps to this PNG file (needs matplotlib).")] = None,
    gif: Annotated[Optional[str], typer.Option("--gif", help=(
        "Animate the sliding window to this GIF file (needs matplotlib and Pillow)."))] = None,
    n_digits: _Digits = 6,
    overwrite: OverwriteOption = False,
) -> None:
    """Transposed convolution as the textbook teaches it: insert zeros, pad, rotate the kernel, slide.

    Prints the input, the zero-inserted matrix, the padded matrix (with the amounts and why), the kernel and
    its 180° rotation, the output and its size from (H-1)·S - 2P + K, then the same output from the scatter
    view (each input element stamps a scaled kernel).  TensorFlow's conventions (tf.nn.conv2d_transpose).

    Example: upsampling explain transpose --input "[[1,2],[3,4]]" --kernel 3 --stride 2 --symbolic
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.text import transpose_report

    n_digits = digits(n_digits)
    outputs(("png", png, ".png"), ("gif", gif, ".gif"), overwrite=overwrite)
    lim = tr.LIMITS
    matrix = parse.matrix("--input", x, max_shape=(lim["input"], lim["input"]))
    if kernel_size is not None:
        parse.within("--kernel", kernel_size, 1, lim["kernel"], tr.TOO_LARGE)
    parse.within("--stride", stride, 1, lim["stride"], tr.TOO_LARGE)
    parse.within("--dilation", dilation, 1, lim["dilation"], tr.TOO_LARGE)
    pad = parse.padding("--padding", padding)
    values = None if kernel is None else parse.matrix("--kernel-values", kernel, max_shape=(lim["kernel"],) * 2)
    size = None if output_size is None else parse.sizes("--output-size", output_size)
    t = tr.transpose_trace(matrix, values, kernel_size, stride, pad, dilation, size)
    sym = None
    if symbolic:
        if t.kernel.size > lim["symbolic_kernel"]:
            raise OptionError("--symbolic", f"a kernel of at most {lim['symbolic_kernel']} entries (letters a..y)",
                              f"{t.kernel.shape[0]}x{t.kernel.shape[1]}")
        from upsampling.explain.symbolic import symbolic_transpose

        sym = symbolic_transpose(t)
    if gif is not None and t.output.size > 144:
        raise OptionError("--gif", "an output of at most 144 elements to animate (12x12)",
                          f"{t.output.shape[0]}x{t.output.shape[1]}")
    emit(transpose_report(t, sym, n_digits, names=flag_names(ctx.command)))
    if png is not None:
        from upsampling.explain.figures import transpose_figure

        wrote("figure", png, transpose_figure(t, png, sym, overwrite=overwrite))
    if gif is not None:
        from upsampling.explain.figures import transpose_gif

        wrote("animation", gif, transpose_gif(t, gif, sym, overwrite=overwrite))


@explain_app.command("bilinear")
def explain_bilinear(
    ctx: typer.Context,
    point: Annotated[str, typer.Option("--point", help='The point P = x,y to interpolate at, e.g. "0.3,0.6".')],
    values: Annotated[str, typer.Option("--values", help=(
        '[[f(x1,y1), f(x2,y1)], [f(x1,y2), f(x2,y2)]], e.g. "[[10,20],[30,40]]".'))],
    corners: Annotated[str, typer.Option("--corners", help="x1,y1,x2,y2: where the four known values sit.")] = "0,0,1,1",
    png: Annotated[Optional[str], typer.Option("--png", help="Draw the four known points, R1, R2 and P to this PNG file.")] = None,
    n_digits: _Digits = 6,
    overwrite: OverwriteOption = False,
) -> None:
    """Bilinear interpolation in two steps: R1 and R2 along x, then P along y; checked against the unit-square
    formula and the matrix form.

    Example: upsampling explain bilinear --point 0.3,0.6 --values "[[10,20],[30,40]]"
    """
    from upsampling.explain.sampling_text import bilinear_report
    from upsampling.explain.trace import bilinear_trace

    n_digits = digits(n_digits)
    outputs(("png", png, ".png"), overwrite=overwrite)
    p = parse.coordinates("--point", point, 2, "x,y")
    v = parse.matrix("--values", values, max_shape=(8, 8))
    c = parse.coordinates("--corners", corners, 4, "x1,y1,x2,y2")
    t = bilinear_trace(p, v, c)  # type: ignore[arg-type]
    emit(bilinear_report(t, n_digits, names=flag_names(ctx.command)))
    if png is not None:
        from upsampling.explain.figures import bilinear_figure

        wrote("figure", png, bilinear_figure(t, png, overwrite=overwrite))


@explain_app.command("shapes")
def explain_shapes(
    n: Annotated[int, typer.Option("--input", "-i", help="Input size along one axis (the transposed convolution's input).")],
    kernel: Annotated[int, typer.Option("--kernel", "-k", help="Kernel size.")],
    stride: _Stride = 1,
    padding: _Padding = "SAME",
    dilation: _Dilation = 1,
) -> None:
    """Forward and transposed output sizes, the SAME padding split, and every output_shape TensorFlow's
    conv2d_transpose accepts (with the reason it refuses the others).

    Example: upsampling explain shapes --input 28 --kernel 4 --stride 2 --padding SAME
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.text import shapes_report

    big = tr.LIMITS["shapes"]
    parse.within("--input", n, 1, big, tr.TOO_LARGE)
    parse.within("--kernel", kernel, 1, big, tr.TOO_LARGE)
    parse.within("--stride", stride, 1, 4096, tr.TOO_LARGE)
    parse.within("--dilation", dilation, 1, 4096, tr.TOO_LARGE)
    pad = parse.padding("--padding", padding)
    emit(shapes_report(tr.shapes_trace(n, kernel, stride, pad, dilation)))


@explain_app.command("overlap")
def explain_overlap(
    ctx: typer.Context,
    kernel: Annotated[int, typer.Option("--kernel", "-k", help="Kernel size.")],
    stride: Annotated[int, typer.Option("--stride", "-s", help="Stride.")],
    dilation: _Dilation = 1,
    n: Annotated[Optional[int], typer.Option(
        "--input", "-i", help="Input length (default: just enough for two strides of interior).")] = None,
    png: Annotated[Optional[str], typer.Option("--png", help="Draw the stamps and the tap counts to this PNG file.")] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """How many kernel taps land on each output pixel of a transposed convolution, and whether that is even
    (uneven overlap, as when the kernel size is not a multiple of the stride, makes checkerboard artifacts).

    Example: upsampling explain overlap --kernel 3 --stride 2
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.text import overlap_report

    lim = tr.LIMITS
    outputs(("png", png, ".png"), overwrite=overwrite)
    parse.within("--kernel", kernel, 1, lim["overlap_kernel"], tr.TOO_LARGE)
    parse.within("--stride", stride, 1, lim["overlap_stride"], tr.TOO_LARGE)
    parse.within("--dilation", dilation, 1, lim["dilation"], tr.TOO_LARGE)
    if n is not None:
        parse.within("--input", n, 1, lim["overlap_input"], tr.TOO_LARGE)
    t = tr.overlap_trace(kernel, stride, dilation, n)
    if len(t.counts) > lim["overlap_output"]:
        raise OptionError("--kernel", f"a kernel, stride and dilation whose full output fits {lim['overlap_output']} "
                          f"positions{tr.TOO_LARGE}; this one needs {len(t.counts)}", kernel)
    emit(overlap_report(t, names=flag_names(ctx.command)))
    if png is not None:
        from upsampling.explain.figures import overlap_figure

        wrote("figure", png, overlap_figure(t, png, overwrite=overwrite))


@explain_app.command("grid")
def explain_grid(
    n_in: Annotated[int, typer.Option("--in", help="Input length (pixels along one axis).")],
    n_out: Annotated[int, typer.Option("--out", help="Output length.")],
    png: Annotated[Optional[str], typer.Option("--png", help=(
        "Draw the sample points over the input pixel grid, one panel per convention."))] = None,
    n_digits: Annotated[int, typer.Option("--digits", help="Significant digits of printed coordinates.")] = 4,
    overwrite: OverwriteOption = False,
) -> None:
    """Where each output pixel samples the input, for every coordinate convention and every framework setting
    -- the picture to look at when a ported model's output is shifted by half a pixel.

    Example: upsampling explain grid --in 4 --out 8
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.sampling_text import grid_report

    n_digits = digits(n_digits)
    outputs(("png", png, ".png"), overwrite=overwrite)
    parse.within("--in", n_in, 1, tr.LIMITS["grid"], tr.TOO_LARGE)
    parse.within("--out", n_out, 1, tr.LIMITS["grid"], tr.TOO_LARGE)
    t = tr.grid_trace(n_in, n_out)
    emit(grid_report(t, n_digits))
    if png is not None:
        from upsampling.explain.figures import grid_figure

        wrote("figure", png, grid_figure(t, png, overwrite=overwrite))
