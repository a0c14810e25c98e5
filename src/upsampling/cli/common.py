"""What every command family shares: the apps' settings, ``--overwrite``, checking outputs, printing.

Commands name library parameters with their own Python names (a command's parameter ``png`` is the
flag ``--png``), so the errors the library raises can be rendered with the command's flags
(:mod:`upsampling.cli.messages`).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

__all__ = ["APP_SETTINGS", "OverwriteOption", "digits", "emit", "outputs", "wrote"]

#: Settings of every (sub-)app: plain help (no rich markup to render), -h, 100 columns.
APP_SETTINGS = {
    "no_args_is_help": True,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"], "max_content_width": 100},
}

# Every command that writes a file takes --overwrite; without it an existing output is refused.
OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace output files that exist (written to a temporary file, then renamed: never half a file).",
    ),
]


def emit(blocks: list) -> None:
    """Print a report (:mod:`upsampling.explain.render`: plain when piped, rich on a terminal)."""
    from upsampling.explain.render import render

    render(blocks)


def wrote(kind: str, path: str, size: tuple[int, ...]) -> None:
    """``wrote figure PATH (WxH pixels[, N frames])``."""
    from upsampling.explain.render import Text

    extra = f", {size[2]} frames" if len(size) > 2 else ""
    emit([Text(f"wrote {kind} {path} ({size[0]}x{size[1]} pixels{extra})", "ok")])


def digits(value: int) -> int:
    """``--digits``: significant digits of printed numbers, 1 to 17."""
    from upsampling.cli import parse

    return parse.within("--digits", value, 1, 17)


def outputs(*items: tuple[str, Optional[str], str], overwrite: bool, inputs: tuple[str, ...] = ()) -> None:
    """Check every output of a command before it does any work (exists, same as an input, folder).

    ``items`` are ``(the command's parameter name, path or None, suffix)``."""
    from upsampling._files import check_outputs

    check_outputs([(name, path, (suffix,)) for name, path, suffix in items], overwrite=overwrite, inputs=inputs)
