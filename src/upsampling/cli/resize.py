"""``upsampling resize`` and ``upsampling compare``: the framework conventions on a real image.

``register(app)`` adds both.  A framework call is parsed from ``--like`` / ``--mode`` and the
framework's options by :func:`upsampling.explain.calls.make_call`, whose parameters have the
commands' names (``like``, ``mode``, ``align_corners``...), so its refusals come out with the flags.
Images are read and written by :mod:`upsampling.explain.images` (PNG out, atomically), and every
job's memory is estimated before it starts (:mod:`upsampling.cli.budget`).
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from upsampling.cli import parse
from upsampling.cli.common import OverwriteOption, emit, outputs, wrote
from upsampling.errors import OptionError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``resize`` and ``compare`` to ``app``."""
    app.command("resize")(resize_command)
    app.command("compare")(compare_command)


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


def _dtype(dtype: str) -> str:
    if dtype not in ("uint8", "float32"):
        raise OptionError("--dtype", "uint8 or float32", dtype)
    return dtype


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# The options `resize` and `compare` share.
_In = Annotated[str, typer.Argument(metavar="IN", help="Input image (PNG, JPEG, ...).")]
_Size = Annotated[Optional[str], typer.Option("--size", help='Output size WIDTHxHEIGHT, e.g. "512x512".')]
_Scale = Annotated[Optional[float], typer.Option("--scale", help="Or: scale both sides by this factor.")]
_Flag = Optional[bool]  # a framework option: unset, --name or --no-name


# Typer declares each option in the signature: the declarations make this function long.
def resize_command(
    src: _In,
    dst: Annotated[str, typer.Argument(metavar="OUT", help="Output PNG.")],
    size: _Size = None,
    scale: _Scale = None,
    like: Annotated[str, typer.Option("--like", help="Whose convention: torch, tf, tf1, opencv, pillow or onnx.")] = "torch",
    mode: Annotated[str, typer.Option("--mode", help=(
        "bilinear, nearest, bicubic, area, ... (each framework's own modes)."))] = "bilinear",
    align_corners: Annotated[_Flag, typer.Option("--align-corners/--no-align-corners", help="torch, tf1.")] = None,
    half_pixel_centers: Annotated[_Flag, typer.Option("--half-pixel-centers/--no-half-pixel-centers", help="tf1.")] = None,
    antialias: Annotated[_Flag, typer.Option("--antialias/--no-antialias", help="torch, tf, onnx.")] = None,
    coordinate_transformation_mode: Annotated[Optional[str], typer.Option(
        "--coordinate-transformation-mode", help="onnx: half_pixel, align_corners, asymmetric, ...")] = None,
    nearest_mode: Annotated[Optional[str], typer.Option(
        "--nearest-mode", help="onnx: round_prefer_floor, round_prefer_ceil, floor, ceil.")] = None,
    cubic_coeff_a: Annotated[Optional[float], typer.Option("--cubic-coeff-a", help="onnx: the cubic coefficient (-0.75).")] = None,
    exclude_outside: Annotated[_Flag, typer.Option("--exclude-outside/--no-exclude-outside", help="onnx.")] = None,
    behaviour: Annotated[Optional[str], typer.Option("--behaviour", help="onnx: spec (default) or onnxruntime.")] = None,
    dtype: Annotated[str, typer.Option("--dtype", help=(
        "uint8 (the image as read, what most pipelines feed) or float32."))] = "uint8",
    overwrite: OverwriteOption = False,
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

    _dtype(dtype)
    call = make_call(
        like, mode, align_corners=align_corners, half_pixel_centers=half_pixel_centers, antialias=antialias,
        coordinate_transformation_mode=coordinate_transformation_mode, nearest_mode=nearest_mode,
        cubic_coeff_a=cubic_coeff_a, exclude_outside=exclude_outside, behaviour=behaviour,
    )
    outputs(("dst", dst, ".png"), overwrite=overwrite, inputs=(src,))
    width, height, pil_mode, channels = image_header(src, "src")
    h, w = _target((height, width), size, scale)
    budget.check(budget.resize_job((width, height), pil_mode, channels, (w, h), like, call.mode, dtype))
    x, desc = read_image(src, "src")
    data = x if dtype == "uint8" else x.astype(np.float32)
    try:
        y = call.run(data, (h, w))
    except UpsamplingError as exc:
        option = f"--like {like} --mode {call.mode}"
        raise OptionError(option, "a call the framework accepts", None, _one_line(exc)) from None
    write_image(dst, y, "dst", overwrite=overwrite)
    rounding = "" if y.dtype == np.uint8 else " (rounded half to even and clipped to 0..255 for the PNG)"
    emit([
        Text(f"input:          {src} ({desc})"),
        Text(f"framework call: {call.code(h, w)}  [through upsampling.frameworks.{call.twin}]"),
        Text(f"computed on:    {data.dtype} -> {y.dtype}{rounding}"),
        Text(f"wrote {dst} ({w}x{h} pixels)", "ok"),
    ])


def compare_command(
    src: _In,
    size: _Size = None,
    scale: _Scale = None,
    family: Annotated[str, typer.Option("--mode", help=(
        "Which family to compare: bilinear, nearest, bicubic or area."))] = "bilinear",
    dtype: Annotated[str, typer.Option("--dtype", help=(
        "float32 (conventions only) or uint8 (also each framework's 8-bit rounding)."))] = "float32",
    png: Annotated[Optional[str], typer.Option("--png", help=(
        "Difference heat map PNG (default: next to IN, IN's name + '-compare.png')."))] = None,
    reference: Annotated[int, typer.Option("--reference", help=(
        "Which result (its number in the table) the heat maps subtract."))] = 1,
    overwrite: OverwriteOption = False,
) -> None:
    """Run every framework's convention of one mode on a real image; report pairwise max/mean differences and
    write a difference heat map.

    Example: upsampling compare cat.png --size 512x512 --mode bilinear
    """
    from pathlib import Path

    import numpy as np

    from upsampling._files import is_file
    from upsampling.cli import budget
    from upsampling.explain.calls import compare_calls, pairwise
    from upsampling.explain.images import image_header, read_image

    _dtype(dtype)
    calls = compare_calls(family)
    if not is_file(src):
        raise OptionError("IN", "an existing image file", src)
    png = png if png is not None else str(Path(src).with_name(f"{Path(src).stem}-compare.png"))
    outputs(("png", png, ".png"), overwrite=overwrite, inputs=(src,))
    width, height, pil_mode, channels = image_header(src, "src")
    h, w = _target((height, width), size, scale)
    available = [call for call in calls if call.module() is not None]
    budget.check(budget.compare_job((width, height), pil_mode, channels, (w, h), available, dtype))
    x, desc = read_image(src, "src")
    data = x if dtype == "uint8" else x.astype(np.float32)
    runs = _run_all(calls, data, (h, w), family)
    parse.within("--reference", reference, 1, len(runs["results"]))
    mx, mean = pairwise(runs["results"])
    emit(_compare_report(runs, mx, mean, f"{family}: {src} ({desc}) -> {w}x{h}, computed in {dtype}"))
    from upsampling.explain.figures import compare_figure

    px = compare_figure(runs["labels"], runs["results"], mx, mean, reference - 1, png,
                        f"{family} conventions on {Path(src).name}: {x.shape[1]}x{x.shape[0]} -> {w}x{h} "
                        f"({dtype})", overwrite=overwrite)
    wrote("heat map", png, px)


def _run_all(calls: list, data: Any, size_hw: tuple[int, int], family: str) -> dict[str, list]:
    """Every call of a compare on ``data``: labels, results, code of those that ran; why the others did not.
    Refuses (one line) when fewer than two ran."""
    import numpy as np

    from upsampling.errors import InvalidArgumentError, UpsamplingError
    from upsampling.explain.calls import run_call

    runs: dict[str, list] = {"labels": [], "results": [], "codes": [], "skipped": []}
    refusals: list[str] = []
    for call in calls:
        mod = call.module()
        if mod is None:
            runs["skipped"].append([call.label, f"twin not in this build (upsampling.frameworks.{call.twin})"])
            continue
        try:
            y = run_call(call, mod, data, size_hw)
        except UpsamplingError as exc:
            runs["skipped"].append([call.label, _one_line(exc)])
            refusals.append(_one_line(exc))
            continue
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - a survey: one failing twin must not hide the others
            runs["skipped"].append([call.label, f"failed: {type(exc).__name__}: {_one_line(exc)}"])
            refusals.append(f"{type(exc).__name__}: {_one_line(exc)}")
            continue
        runs["labels"].append(call.label)
        runs["results"].append(np.asarray(y))  # in its own dtype (uint8 or float32): differences in float64
        runs["codes"].append(call.code(*size_hw))
    ran = len(runs["results"])
    if ran < 2:
        if not refusals:
            raise OptionError("--mode", "a mode at least two available frameworks implement", family)
        # say what happened: not a bad --mode, but calls the twins refused
        common = max(set(refusals), key=refusals.count)
        what = ("every framework call was refused" if refusals.count(common) == len(refusals)
                else f"{len(refusals)} of {len(calls)} framework calls were refused, e.g.")
        h, w = size_hw
        raise InvalidArgumentError("size", (w, h), message=(
            f"compare --mode {family} at {w}x{h}: {ran} of {len(calls)} framework calls ran, nothing to compare; "
            f"{what}: {common}"))
    return runs


def _compare_report(runs: dict[str, list], mx: Any, mean: Any, heading: str) -> list:
    """The tables of a compare: conventions, calls not run, pairwise differences, identical groups."""
    import numpy as np

    from upsampling.explain.render import Heading, Table, Text
    from upsampling.explain.text import fmt

    labels = runs["labels"]
    blocks: list = [
        Heading(heading),
        Table("conventions", ["#", "setting", "framework call"],
              [[str(i + 1), lab, code] for i, (lab, code) in enumerate(zip(labels, runs["codes"]))]),
    ]
    if runs["skipped"]:
        blocks.append(Table("not run", ["setting", "why"], runs["skipped"]))
    n = len(labels)
    head = ["#"] + [str(i + 1) for i in range(n)]
    blocks.append(Table("pairwise max |difference| (numbered as above; pixel values 0-255)", head,
                        [[str(i + 1)] + [fmt(round(v, 3), 7) for v in row] for i, row in enumerate(mx)]))
    blocks.append(Table("pairwise mean |difference|", head,
                        [[str(i + 1)] + [fmt(round(v, 4), 7) for v in row] for i, row in enumerate(mean)]))
    groups: list[list[int]] = []  # settings that give the same image
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
    blocks.append(Text(f"largest difference: {worst[0] + 1}. {labels[worst[0]]} vs {worst[1] + 1}. "
                       f"{labels[worst[1]]}: max {fmt(mx[worst], 4)}, mean {fmt(mean[worst], 4)}", "warn"))
    return blocks
