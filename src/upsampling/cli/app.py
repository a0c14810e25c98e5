"""The ``upsampling`` command line: ``explain`` (transpose, bilinear, shapes, overlap, grid), ``resize``,
``compare``.

Commands only parse options, call :mod:`upsampling.explain` (traces from the engines, then a
report) and print.  Heavy imports (rich, matplotlib, sympy, Pillow) happen inside the
commands that need them, so ``upsampling --help`` stays quick.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from upsampling.explain import parse
from upsampling.explain.parse import OptionError

HELP = """Resize and transposed convolution exactly as PyTorch, TensorFlow, OpenCV, Pillow and ONNX do them.

`upsampling explain ...` shows the arithmetic step by step on your own numbers; `upsampling resize`
and `upsampling compare` run the framework conventions on a real image."""

app = typer.Typer(
    name="upsampling",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
explain_app = typer.Typer(
    help="Watch bilinear interpolation and transposed convolution happen, step by step, on your own numbers.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
app.add_typer(explain_app, name="explain")


def _version(value: bool) -> None:
    if value:
        import upsampling

        print(f"upsampling {upsampling.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Resize and transposed convolution exactly as each framework does them."""


def _emit(blocks: list) -> None:
    from upsampling.explain.render import render

    render(blocks)


def _wrote(kind: str, path: str, size: tuple[int, ...]) -> None:
    from upsampling.explain.render import Text

    extra = f", {size[2]} frames" if len(size) > 2 else ""
    _emit([Text(f"wrote {kind} {path} ({size[0]}x{size[1]} pixels{extra})", "ok")])


def _digits(value: int) -> int:
    return parse.within("--digits", value, 1, 17)


def _outputs(*items: tuple[str, Optional[str], str], overwrite: bool, inputs: tuple[str, ...] = ()) -> None:
    """Check every output of a command before it does any work (exists, same as an input, folder)."""
    from upsampling._files import check_outputs

    check_outputs([(option, path, (suffix,)) for option, path, suffix in items], overwrite=overwrite, inputs=inputs)


# Every command that writes a file takes --overwrite; without it an existing output is refused.
_OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace output files that exist (written to a temporary file, then renamed: never half a file).",
    ),
]


# ---------------------------------------------------------------------------------------------
# explain transpose


@explain_app.command("transpose")
def explain_transpose(
    input: Annotated[
        str,
        typer.Option(
            "--input", "-i",
            help=(
                'The input matrix, e.g. "[[1,2],[3,4]]" or "1 2; 3 4" (at most 8x8).'
            ),
        ),
    ],
    kernel: Annotated[
        Optional[int],
        typer.Option(
            "--kernel", "-k",
            help=(
                'Kernel size k (a k x k kernel). Default 3, or the size of --kernel-values.'
            ),
        ),
    ] = None,
    stride: Annotated[int, typer.Option("--stride", "-s", help="Stride (>= 1).")] = 1,
    padding: Annotated[
        str,
        typer.Option(
            "--padding", "-p",
            help=(
                "The forward convolution's padding, as TensorFlow takes it: VALID, SAME, p or"
                ' before,after.'
            ),
        ),
    ] = "VALID",
    kernel_values: Annotated[
        Optional[str],
        typer.Option(
            "--kernel-values",
            help=(
                'The kernel\'s values, e.g. "[[1,0,1],[0,1,0],[1,0,1]]". Default 1, 2, ..., '
                'k*k.'
            ),
        ),
    ] = None,
    output_size: Annotated[
        Optional[str],
        typer.Option(
            "--output-size",
            help=(
                "TensorFlow's output_shape (one size, or rows,cols); must be a size the "
                'forward convolution maps back to the input.'
            ),
        ),
    ] = None,
    dilation: Annotated[int, typer.Option("--dilation", "-d", help="Dilation of the kernel (>= 1).")] = 1,
    symbolic: Annotated[
        bool,
        typer.Option(
            "--symbolic",
            help=(
                'Use symbolic kernel entries a, b, c, ... and print each output element as '
                'its formula (needs sympy).'
            ),
        ),
    ] = False,
    png: Annotated[
        Optional[str],
        typer.Option(
            "--png",
            help=(
                'Draw the steps to this PNG file (needs matplotlib).'
            ),
        ),
    ] = None,
    gif: Annotated[
        Optional[str],
        typer.Option(
            "--gif",
            help=(
                'Animate the sliding window to this GIF file (needs matplotlib and Pillow).'
            ),
        ),
    ] = None,
    digits: Annotated[int, typer.Option("--digits", help="Significant digits of printed numbers.")] = 6,
    overwrite: _OverwriteOption = False,
) -> None:
    """Transposed convolution as the textbook teaches it: insert zeros, pad, rotate the kernel, slide.

    Prints the input, the zero-inserted matrix, the padded matrix (with the amounts and why), the kernel and
    its 180° rotation, the output and its size from (H-1)·S - 2P + K, then the same output from the scatter
    view (each input element stamps a scaled kernel).  TensorFlow's conventions (tf.nn.conv2d_transpose).

    Example: upsampling explain transpose --input "[[1,2],[3,4]]" --kernel 3 --stride 2 --symbolic
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.text import transpose_report

    digits = _digits(digits)
    _outputs(("--png", png, ".png"), ("--gif", gif, ".gif"), overwrite=overwrite)
    lim = tr.LIMITS
    x = parse.matrix("--input", input, max_shape=(lim["input"], lim["input"]))
    if kernel is not None:
        parse.within("--kernel", kernel, 1, lim["kernel"], tr.TOO_LARGE)
    parse.within("--stride", stride, 1, lim["stride"], tr.TOO_LARGE)
    parse.within("--dilation", dilation, 1, lim["dilation"], tr.TOO_LARGE)
    pad = parse.padding("--padding", padding)
    kv = None
    if kernel_values is not None:
        kv = parse.matrix("--kernel-values", kernel_values, max_shape=(lim["kernel"], lim["kernel"]))
    out = None
    if output_size is not None:
        try:
            sizes = [int(v) for v in output_size.replace("x", ",").split(",") if v.strip()]
        except ValueError:
            raise OptionError("--output-size", "one positive integer, or rows,cols", output_size) from None
        if len(sizes) not in (1, 2) or min(sizes) < 1:
            raise OptionError("--output-size", "one positive integer, or rows,cols", output_size)
        out = (sizes[0], sizes[-1])
    t = tr.transpose_trace(x, kv, kernel, stride, pad, dilation, out)
    sym = None
    if symbolic:
        if t.kernel.size > lim["symbolic_kernel"]:
            raise OptionError(
                "--symbolic",
                f"a kernel of at most {lim['symbolic_kernel']} entries (letters a..y)",
                f"{t.kernel.shape[0]}x{t.kernel.shape[1]}",
            )
        from upsampling.explain.symbolic import symbolic_transpose

        sym = symbolic_transpose(t)
    if gif is not None and t.output.size > 144:
        shape = f"{t.output.shape[0]}x{t.output.shape[1]}"
        raise OptionError("--gif", "an output of at most 144 elements to animate (12x12)", shape)
    _emit(transpose_report(t, sym, digits))
    if png is not None:
        from upsampling.explain.figures import transpose_figure

        _wrote("figure", png, transpose_figure(t, png, sym, overwrite=overwrite))
    if gif is not None:
        from upsampling.explain.figures import transpose_gif

        _wrote("animation", gif, transpose_gif(t, gif, sym, overwrite=overwrite))


# ---------------------------------------------------------------------------------------------
# explain bilinear


@explain_app.command("bilinear")
def explain_bilinear(
    point: Annotated[
        str,
        typer.Option(
            "--point",
            help=(
                'The point P = x,y to interpolate at, e.g. "0.3,0.6".'
            ),
        ),
    ],
    values: Annotated[
        str,
        typer.Option(
            "--values",
            help=(
                '[[f(x1,y1), f(x2,y1)], [f(x1,y2), f(x2,y2)]], e.g. "[[10,20],[30,40]]".'
            ),
        ),
    ],
    corners: Annotated[
        str,
        typer.Option(
            "--corners",
            help=(
                'x1,y1,x2,y2: where the four known values sit.'
            ),
        ),
    ] = "0,0,1,1",
    png: Annotated[
        Optional[str],
        typer.Option(
            "--png",
            help=(
                'Draw the four known points, R1, R2 and P to this PNG file.'
            ),
        ),
    ] = None,
    digits: Annotated[int, typer.Option("--digits", help="Significant digits of printed numbers.")] = 6,
    overwrite: _OverwriteOption = False,
) -> None:
    """Bilinear interpolation in two steps: R1 and R2 along x, then P along y; checked against the unit-square
    formula and the matrix form.

    Example: upsampling explain bilinear --point 0.3,0.6 --values "[[10,20],[30,40]]"
    """
    from upsampling.explain.text import bilinear_report
    from upsampling.explain.trace import bilinear_trace

    digits = _digits(digits)
    _outputs(("--png", png, ".png"), overwrite=overwrite)
    p = parse.coordinates("--point", point, 2, "x,y")
    v = parse.matrix("--values", values, max_shape=(8, 8))
    c = parse.coordinates("--corners", corners, 4, "x1,y1,x2,y2")
    t = bilinear_trace(p, v, c)  # type: ignore[arg-type]
    _emit(bilinear_report(t, digits))
    if png is not None:
        from upsampling.explain.figures import bilinear_figure

        _wrote("figure", png, bilinear_figure(t, png, overwrite=overwrite))


# ---------------------------------------------------------------------------------------------
# explain shapes


@explain_app.command("shapes")
def explain_shapes(
    input: Annotated[
        int,
        typer.Option(
            "--input", "-i",
            help=(
                "Input size along one axis (the transposed convolution's input)."
            ),
        ),
    ],
    kernel: Annotated[int, typer.Option("--kernel", "-k", help="Kernel size.")],
    stride: Annotated[int, typer.Option("--stride", "-s", help="Stride.")] = 1,
    padding: Annotated[
        str,
        typer.Option(
            "--padding", "-p",
            help=(
                "SAME, VALID, p or before,after (the forward convolution's)."
            ),
        ),
    ] = "SAME",
    dilation: Annotated[int, typer.Option("--dilation", "-d", help="Dilation.")] = 1,
) -> None:
    """Forward and transposed output sizes, the SAME padding split, and every output_shape TensorFlow's
    conv2d_transpose accepts (with the reason it refuses the others).

    Example: upsampling explain shapes --input 28 --kernel 4 --stride 2 --padding SAME
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.text import shapes_report

    big = tr.LIMITS["shapes"]
    parse.within("--input", input, 1, big, tr.TOO_LARGE)
    parse.within("--kernel", kernel, 1, big, tr.TOO_LARGE)
    parse.within("--stride", stride, 1, 4096, tr.TOO_LARGE)
    parse.within("--dilation", dilation, 1, 4096, tr.TOO_LARGE)
    pad = parse.padding("--padding", padding)
    _emit(shapes_report(tr.shapes_trace(input, kernel, stride, pad, dilation)))


# ---------------------------------------------------------------------------------------------
# explain overlap


@explain_app.command("overlap")
def explain_overlap(
    kernel: Annotated[int, typer.Option("--kernel", "-k", help="Kernel size.")],
    stride: Annotated[int, typer.Option("--stride", "-s", help="Stride.")],
    dilation: Annotated[int, typer.Option("--dilation", "-d", help="Dilation.")] = 1,
    input: Annotated[
        Optional[int],
        typer.Option(
            "--input", "-i",
            help=(
                'Input length (default: just enough for two strides of interior).'
            ),
        ),
    ] = None,
    png: Annotated[
        Optional[str],
        typer.Option(
            "--png",
            help=(
                'Draw the stamps and the tap counts to this PNG file.'
            ),
        ),
    ] = None,
    overwrite: _OverwriteOption = False,
) -> None:
    """How many kernel taps land on each output pixel of a transposed convolution, and whether that is even
    (uneven overlap, as when the kernel size is not a multiple of the stride, makes checkerboard artifacts).

    Example: upsampling explain overlap --kernel 3 --stride 2
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.text import overlap_report

    lim = tr.LIMITS
    _outputs(("--png", png, ".png"), overwrite=overwrite)
    parse.within("--kernel", kernel, 1, lim["overlap_kernel"], tr.TOO_LARGE)
    parse.within("--stride", stride, 1, lim["overlap_stride"], tr.TOO_LARGE)
    parse.within("--dilation", dilation, 1, lim["dilation"], tr.TOO_LARGE)
    if input is not None:
        parse.within("--input", input, 1, lim["overlap_input"], tr.TOO_LARGE)
    t = tr.overlap_trace(kernel, stride, dilation, input)
    if len(t.counts) > lim["overlap_output"]:
        raise OptionError(
            "--kernel",
            f"a kernel, stride and dilation whose full output fits {lim['overlap_output']} positions"
            f"{tr.TOO_LARGE}; "
            f"this one needs {len(t.counts)}",
            kernel,
        )
    _emit(overlap_report(t))
    if png is not None:
        from upsampling.explain.figures import overlap_figure

        _wrote("figure", png, overlap_figure(t, png, overwrite=overwrite))


# ---------------------------------------------------------------------------------------------
# explain grid


@explain_app.command("grid")
def explain_grid(
    n_in: Annotated[int, typer.Option("--in", help="Input length (pixels along one axis).")],
    n_out: Annotated[int, typer.Option("--out", help="Output length.")],
    png: Annotated[
        Optional[str],
        typer.Option(
            "--png",
            help=(
                'Draw the sample points over the input pixel grid, one panel per convention.'
            ),
        ),
    ] = None,
    digits: Annotated[int, typer.Option("--digits", help="Significant digits of printed coordinates.")] = 4,
    overwrite: _OverwriteOption = False,
) -> None:
    """Where each output pixel samples the input, for every coordinate convention and every framework setting
    -- the picture to look at when a ported model's output is shifted by half a pixel.

    Example: upsampling explain grid --in 4 --out 8
    """
    from upsampling.explain import trace as tr
    from upsampling.explain.text import grid_report

    digits = _digits(digits)
    _outputs(("--png", png, ".png"), overwrite=overwrite)
    parse.within("--in", n_in, 1, tr.LIMITS["grid"], tr.TOO_LARGE)
    parse.within("--out", n_out, 1, tr.LIMITS["grid"], tr.TOO_LARGE)
    t = tr.grid_trace(n_in, n_out)
    _emit(grid_report(t, digits))
    if png is not None:
        from upsampling.explain.figures import grid_figure

        _wrote("figure", png, grid_figure(t, png, overwrite=overwrite))


# ---------------------------------------------------------------------------------------------
# resize and compare


def _target(image_hw: tuple[int, int], size: Optional[str], scale: Optional[float]) -> tuple[int, int]:
    """(height, width) from --size WxH or --scale."""
    if (size is None) == (scale is None):
        raise OptionError("--size", "exactly one of --size WIDTHxHEIGHT and --scale", size)
    if size is not None:
        w, h = parse.image_size("--size", size)
        return h, w
    assert scale is not None
    if not scale > 0 or scale != scale or scale == float("inf"):
        raise OptionError("--scale", "a finite number > 0", scale)
    if max(image_hw) * scale > parse.MAX_IMAGE_SIDE:
        raise OptionError("--scale", f"a scale leaving each side at most {parse.MAX_IMAGE_SIDE:,} pixels (PNG's "
                          f"limit; the input is {image_hw[1]}x{image_hw[0]})", scale)
    h, w = int(image_hw[0] * scale), int(image_hw[1] * scale)
    if min(h, w) < 1:
        raise OptionError("--scale", f"a scale leaving at least 1 pixel of {image_hw[1]}x{image_hw[0]}", scale)
    return h, w


# The output-size options `resize` and `compare` share.
_SizeOption = Annotated[Optional[str], typer.Option("--size", help='Output size WIDTHxHEIGHT, e.g. "512x512".')]
_ScaleOption = Annotated[Optional[float], typer.Option("--scale", help="Or: scale both sides by this factor.")]


@app.command("resize")
def resize_command(
    src: Annotated[str, typer.Argument(metavar="IN", help="Input image (PNG, JPEG, ...).")],
    dst: Annotated[str, typer.Argument(metavar="OUT", help="Output PNG.")],
    size: _SizeOption = None,
    scale: _ScaleOption = None,
    like: Annotated[
        str,
        typer.Option(
            "--like",
            help=(
                'Whose convention: torch, tf, tf1, opencv, pillow or onnx.'
            ),
        ),
    ] = "torch",
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help=(
                "bilinear, nearest, bicubic, area, ... (each framework's own modes)."
            ),
        ),
    ] = "bilinear",
    align_corners: Annotated[
        Optional[bool],
        typer.Option(
            "--align-corners/--no-align-corners",
            help=(
                'torch, tf1.'
            ),
        ),
    ] = None,
    half_pixel_centers: Annotated[
        Optional[bool],
        typer.Option(
            "--half-pixel-centers/--no-half-pixel-centers",
            help=(
                'tf1.'
            ),
        ),
    ] = None,
    antialias: Annotated[
        Optional[bool],
        typer.Option(
            "--antialias/--no-antialias",
            help=(
                'torch, tf, onnx.'
            ),
        ),
    ] = None,
    coordinate_transformation_mode: Annotated[
        Optional[str],
        typer.Option(
            "--coordinate-transformation-mode",
            help=(
                'onnx: half_pixel, align_corners, asymmetric, ...'
            ),
        ),
    ] = None,
    nearest_mode: Annotated[
        Optional[str],
        typer.Option(
            "--nearest-mode",
            help=(
                'onnx: round_prefer_floor, round_prefer_ceil, floor, ceil.'
            ),
        ),
    ] = None,
    cubic_coeff_a: Annotated[
        Optional[float],
        typer.Option(
            "--cubic-coeff-a",
            help=(
                'onnx: the cubic coefficient (-0.75).'
            ),
        ),
    ] = None,
    exclude_outside: Annotated[
        Optional[bool],
        typer.Option(
            "--exclude-outside/--no-exclude-outside",
            help=(
                'onnx.'
            ),
        ),
    ] = None,
    behaviour: Annotated[
        Optional[str],
        typer.Option(
            "--behaviour",
            help=(
                'onnx: spec (default) or onnxruntime.'
            ),
        ),
    ] = None,
    dtype: Annotated[
        str,
        typer.Option(
            "--dtype",
            help=(
                'uint8 (the image as read, what most pipelines feed) or float32.'
            ),
        ),
    ] = "uint8",
    overwrite: _OverwriteOption = False,
) -> None:
    """Resize an image exactly as one framework would (through its twin; the framework is not needed).

    Example: upsampling resize cat.png cat512.png --size 512x512 --like tf1 --align-corners
    """
    import numpy as np

    from upsampling.cli import budget
    from upsampling.errors import UpsamplingError
    from upsampling.explain.calls import make_call
    from upsampling.explain.images import image_header, read_image, write_image
    from upsampling.explain.render import Text

    if dtype not in ("uint8", "float32"):
        raise OptionError("--dtype", "uint8 or float32", dtype)
    call = make_call(
        like, mode, align_corners=align_corners, half_pixel_centers=half_pixel_centers, antialias=antialias,
        coordinate_transformation_mode=coordinate_transformation_mode, nearest_mode=nearest_mode,
        cubic_coeff_a=cubic_coeff_a, exclude_outside=exclude_outside, behaviour=behaviour,
    )
    _outputs(("OUT", dst, ".png"), overwrite=overwrite, inputs=(src,))
    width, height, pil_mode, channels = image_header(src, "IN")
    h, w = _target((height, width), size, scale)
    budget.check(budget.resize_job((width, height), pil_mode, channels, (w, h), like, call.mode, dtype))
    x, desc = read_image(src, "IN")
    data = x if dtype == "uint8" else x.astype(np.float32)
    try:
        y = call.run(data, (h, w))
    except UpsamplingError as exc:
        option = f"--like {like} --mode {call.mode}"
        raise OptionError(option, "a call the framework accepts", None, _one_line(exc)) from None
    write_image(dst, y, "OUT", overwrite=overwrite)
    rounding = "" if y.dtype == np.uint8 else " (rounded half to even and clipped to 0..255 for the PNG)"
    _emit(
        [
            Text(f"input:          {src} ({desc})"),
            Text(f"framework call: {call.code(h, w)}  [through upsampling.frameworks.{call.twin}]"),
            Text(f"computed on:    {data.dtype} -> {y.dtype}{rounding}"),
            Text(f"wrote {dst} ({w}x{h} pixels)", "ok"),
        ]
    )


@app.command("compare")
def compare_command(
    src: Annotated[str, typer.Argument(metavar="IN", help="Input image.")],
    size: _SizeOption = None,
    scale: _ScaleOption = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help=(
                'Which family to compare: bilinear, nearest, bicubic or area.'
            ),
        ),
    ] = "bilinear",
    dtype: Annotated[
        str,
        typer.Option(
            "--dtype",
            help=(
                "float32 (conventions only) or uint8 (also each framework's 8-bit rounding)."
            ),
        ),
    ] = "float32",
    png: Annotated[
        Optional[str],
        typer.Option(
            "--png",
            help=(
                "Difference heat map PNG (default: next to IN, IN's name + '-compare.png')."
            ),
        ),
    ] = None,
    reference: Annotated[
        int,
        typer.Option(
            "--reference",
            help=(
                'Which result (its number in the table) the heat maps subtract.'
            ),
        ),
    ] = 1,
    overwrite: _OverwriteOption = False,
) -> None:
    """Run every framework's convention of one mode on a real image; report pairwise max/mean differences and
    write a difference heat map.

    Example: upsampling compare cat.png --size 512x512 --mode bilinear
    """
    from pathlib import Path

    import numpy as np

    from upsampling._files import is_file
    from upsampling.cli import budget
    from upsampling.errors import InvalidArgumentError, UpsamplingError
    from upsampling.explain.calls import compare_calls, pairwise, run_call
    from upsampling.explain.images import image_header, read_image
    from upsampling.explain.render import Heading, Table, Text
    from upsampling.explain.text import fmt

    if dtype not in ("uint8", "float32"):
        raise OptionError("--dtype", "uint8 or float32", dtype)
    calls = compare_calls(mode)
    if not is_file(src):
        raise OptionError("IN", "an existing image file", src)
    out = png if png is not None else str(Path(src).with_name(f"{Path(src).stem}-compare.png"))
    _outputs(("--png", out, ".png"), overwrite=overwrite, inputs=(src,))
    width, height, pil_mode, channels = image_header(src, "IN")
    h, w = _target((height, width), size, scale)
    available = [call for call in calls if call.module() is not None]
    budget.check(budget.compare_job((width, height), pil_mode, channels, (w, h), available, dtype))
    x, desc = read_image(src, "IN")
    data = x if dtype == "uint8" else x.astype(np.float32)
    labels, results, codes, skipped = [], [], [], []
    refusals: list[str] = []
    for call in calls:
        mod = call.module()
        if mod is None:
            skipped.append([call.label, f"twin not in this build (upsampling.frameworks.{call.twin})"])
            continue
        try:
            y = run_call(call, mod, data, (h, w))
        except (UpsamplingError, OptionError) as exc:
            skipped.append([call.label, _one_line(exc)])
            refusals.append(_one_line(exc))
            continue
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - a survey: one failing twin must not hide the others
            skipped.append([call.label, f"failed: {type(exc).__name__}: {_one_line(exc)}"])
            refusals.append(f"{type(exc).__name__}: {_one_line(exc)}")
            continue
        labels.append(call.label)
        results.append(np.asarray(y))  # in its own dtype (uint8 or float32): differences are taken in float64
        codes.append(call.code(h, w))
    if len(results) < 2:
        if refusals:  # say what happened: not a bad --mode, but calls the twins refused
            common = max(set(refusals), key=refusals.count)
            what = ("every framework call was refused" if refusals.count(common) == len(refusals)
                    else f"{len(refusals)} of {len(calls)} framework calls were refused, e.g.")
            raise InvalidArgumentError("size", (w, h), message=(
                f"compare --mode {mode} at {w}x{h}: {len(results)} of {len(calls)} framework calls ran, nothing "
                f"to compare; {what}: {common}"))
        raise OptionError("--mode", "a mode at least two available frameworks implement", mode)
    parse.within("--reference", reference, 1, len(results))
    mx, mean = pairwise(results)
    blocks: list = [
        Heading(f"{mode}: {src} ({desc}) -> {w}x{h}, computed in {dtype}"),
        Table(
            "conventions",
            ["#", "setting", "framework call"],
            [[str(i + 1), lab, code] for i, (lab, code) in enumerate(zip(labels, codes))],
        ),
    ]
    if skipped:
        blocks.append(Table("not run", ["setting", "why"], skipped))
    n = len(labels)
    head = ["#"] + [str(i + 1) for i in range(n)]
    blocks.append(Table("pairwise max |difference| (numbered as above; pixel values 0-255)", head,
                        [[str(i + 1)] + [fmt(round(v, 3), 7) for v in row] for i, row in enumerate(mx)]))
    blocks.append(Table("pairwise mean |difference|", head,
                        [[str(i + 1)] + [fmt(round(v, 4), 7) for v in row] for i, row in enumerate(mean)]))
    # groups of settings that give the same image
    groups: list[list[int]] = []
    for i in range(n):
        for g in groups:
            if mx[g[0], i] <= 1e-3:
                g.append(i)
                break
        else:
            groups.append([i])
    same = [g for g in groups if len(g) > 1]
    if same:
        blocks.append(Text("same image (max |difference| <= 0.001):", "ok"))
        for g in same:
            blocks.append(Text("  " + " = ".join(f"{i + 1}. {labels[i]}" for i in g)))
    worst = np.unravel_index(int(np.argmax(mx)), mx.shape)
    blocks.append(
        Text(f"largest difference: {worst[0] + 1}. {labels[worst[0]]} vs {worst[1] + 1}. {labels[worst[1]]}: "
             f"max {fmt(mx[worst], 4)}, mean {fmt(mean[worst], 4)}", "warn")
    )
    _emit(blocks)
    from upsampling.explain.figures import compare_figure

    px = compare_figure(labels, results, mx, mean, reference - 1, out,
                        f"{mode} conventions on {Path(src).name}: {x.shape[1]}x{x.shape[0]} -> {w}x{h} "
                        f"({dtype})", overwrite=overwrite)
    _wrote("heat map", out, px)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


@app.command(
    "resize-raster",
    add_help_option=False,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def resize_raster_command(ctx: typer.Context) -> None:
    """Resize a Zarr or TIFF raster larger than memory on Dask, block by block (options: resize-raster --help)."""
    # Arguments are parsed by upsampling.raster_cli (argparse), which needs no typer: the
    # command also runs as `python -m upsampling.raster_cli` where only the dask extra is installed.
    from upsampling.raster_cli import main as raster_main

    code = raster_main(list(ctx.args), hard_exit=True)
    if code:
        raise typer.Exit(code)


# segmentation runs: train / evaluate / segment (src/upsampling/cli/train.py)
from upsampling.cli import train as _train  # noqa: E402

_train.register(app)
from upsampling.cli import audit as _audit  # noqa: E402  (src/upsampling/cli/audit.py)
_audit.register(app)
from upsampling.cli import port as _port  # noqa: E402  (src/upsampling/cli/port.py)
_port.register(app)
