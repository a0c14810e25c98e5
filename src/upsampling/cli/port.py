"""``upsampling port`` and ``upsampling identify``: the porting tools (:mod:`upsampling.port`).

``register(app)`` adds both commands to the main app.  They parse options, call
:func:`upsampling.port.translate` / :func:`upsampling.port.identify` and print; bad input is one
line on stderr and exit code 2 (an :class:`~upsampling.errors.UpsamplingError`, rendered with the
command's flags by :mod:`upsampling.cli.messages`).
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Optional

import typer

from upsampling.errors import OptionError

__all__ = ["register"]

TARGETS = ("pytorch", "tensorflow", "opencv", "pillow", "onnx", "engine", "all")


def _shape(option: str, text: Optional[str], rank: tuple[int, ...] = (2, 3, 4)) -> Optional[tuple[int, ...]]:
    if text is None:
        return None
    parts = text.lower().replace(",", "x").split("x")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise OptionError(option, "sizes joined by x, e.g. 1x33x47x3", text) from None
    if len(values) not in rank or min(values) < 1:
        raise OptionError(option, f"{' or '.join(map(str, rank))} positive sizes joined by x, e.g. 1x33x47x3", text)
    return values


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def port_command(
    source: Annotated[str, typer.Argument(help="The call, as written in its framework, e.g. "
                                          "\"tf.compat.v1.image.resize_bilinear(x, (64, 64), align_corners=True)\".")],
    to: Annotated[str, typer.Option("--to", help="Target: " + ", ".join(TARGETS) + ".")] = "all",
    input_shape: Annotated[Optional[str], typer.Option("--input-shape", help="x's shape in the source's layout, "
                                                       "e.g. 1x33x47x3 (NHWC for TensorFlow).")] = None,
    weight_shape: Annotated[Optional[str], typer.Option("--weight-shape", help="The weight's shape, for "
                                                        "tf.nn.conv2d_transpose / F.conv_transpose2d.")] = None,
    size: Annotated[Optional[str], typer.Option("--size", help="Output HxW when the source has none.")] = None,
    opset: Annotated[int, typer.Option("--opset", help="ONNX opset of the node written for --to onnx.")] = 19,
    verify: Annotated[bool, typer.Option("--verify", help="Also run both in the real frameworks (installed).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object (a list with --to all).")] = False,
) -> None:
    """The exact equivalent of a resize or transposed convolution in another framework."""
    from upsampling import port

    if to not in TARGETS:
        raise OptionError("--to", "one of " + ", ".join(TARGETS), to)
    shape = _shape("--input-shape", input_shape)
    wshape = _shape("--weight-shape", weight_shape, (4,))
    out = _shape("--size", size, (2,))
    targets = [t for t in TARGETS if t != "all"] if to == "all" else [to]
    results = [port.translate(source, to=t, input_shape=shape, weight_shape=wshape, size=out, opset=opset,
                              verify=verify) for t in targets]
    if as_json:
        dicts = [r.to_dict() for r in results]
        for d in dicts:
            d["max_error"] = _finite(d["max_error"])
        typer.echo(json.dumps(dicts if to == "all" else dicts[0], indent=2))
        return
    for i, r in enumerate(results):
        if i:
            typer.echo("")
        status = "exact" if r.exact else "NOT EXACT" if r.code else "no equivalent"
        typer.echo(f"== {r.target}: {status}, holds for {r.holds_for}  (x and y in {r.layout or '-'})")
        if r.code:
            typer.echo(r.code)
        typer.echo("-- " + r.explain().replace("\n", "\n-- "))


def identify_command(
    image_in: Annotated[str, typer.Argument(metavar="IN", help="The input image.")],
    image_out: Annotated[str, typer.Argument(metavar="OUT", help="The same image resized by anything.")],
    top: Annotated[int, typer.Option("--top", help="Closest non-exact matches to show after the exact ones.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Which framework call turned IN into OUT: every exact match, then the closest."""
    from upsampling import port
    from upsampling.explain.images import read_image

    if top < 0:
        raise OptionError("--top", "an integer >= 0", top)
    x, desc_in = read_image(image_in, "image_in")
    y, desc_out = read_image(image_out, "image_out")
    if x.shape[2] != y.shape[2]:
        raise OptionError("OUT", f"an image with the channels of IN ({desc_in})", desc_out)
    matches = port.identify((x, y), layout="HWC", top=top)
    if as_json:
        typer.echo(json.dumps(matches.to_dict(), indent=2))
        return
    typer.echo(f"{image_in} ({desc_in}) -> {image_out} ({desc_out})")
    exact = [m for m in matches if m.exact]
    if exact:
        typer.echo(f"{len(exact)} exact match{'es' if len(exact) != 1 else ''} (within 8-bit rounding):")
    else:
        typer.echo("no exact match; the closest:")
    for m in matches:
        mark = "=" if m.exact else "~"
        typer.echo(f"  {mark} {m.framework:10s} {m.max_error:9.3g}  {m.call}")
    typer.echo(matches.recovered.text())


def register(app: typer.Typer) -> None:
    """Add ``port`` and ``identify`` to ``app``."""
    app.command("port")(port_command)
    app.command("identify")(identify_command)
