"""Print a report: plain text when piped, ``rich`` tables and colour in a terminal.

A report is a list of blocks (:class:`Heading`, :class:`Text`, :class:`Grid`, :class:`Table`).
The plain form is stable and easy to read back: a grid is its title line ending in ``:``
followed by one indented line per row (numbers separated by spaces, formulas by `` | ``), a
table is its title, a header line and one line per row (cells separated by two or more spaces).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from upsampling.errors import DTypeError
from upsampling.explain.style import TERMINAL

__all__ = ["Grid", "Heading", "Table", "Text", "render", "use_rich"]


@dataclass
class Heading:
    text: str


@dataclass
class Text:
    text: str
    style: str = ""  # "", "note", "ok", "warn", "formula", "dim"


@dataclass
class Grid:
    """A matrix: ``cells[r][c]`` are strings; ``roles`` (same shape, or None) colour them."""

    title: str
    cells: list[list[str]]
    roles: list[list[str | None]] | None = None
    formulas: bool = False  # cells may contain spaces: plain text separates them with " | "


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    styles: list[str] = field(default_factory=list)  # per-row terminal style (optional)


Block = Any

_TEXT_STYLES = {"note": "italic", "ok": "bold green", "warn": "bold yellow", "formula": "cyan", "dim": "dim"}


def use_rich(stream: TextIO | None = None) -> bool:
    """Rich output for a terminal (or FORCE_COLOR), plain text when piped or with NO_COLOR/UPSAMPLING_PLAIN."""
    stream = stream or sys.stdout
    if os.environ.get("UPSAMPLING_PLAIN") or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def render(blocks: list[Block], stream: TextIO | None = None, rich: bool | None = None) -> None:
    stream = stream or sys.stdout
    if rich is None:
        rich = use_rich(stream)
    if rich:
        _render_rich(blocks, stream)
    else:
        stream.write(render_plain(blocks))
        stream.flush()


# ---------------------------------------------------------------------------------------------
# plain


def _grid_lines(block: Grid) -> list[str]:
    rows = block.cells
    if not rows:
        return []
    ncol = max(len(r) for r in rows)
    widths = [max(len(r[c]) for r in rows if c < len(r)) for c in range(ncol)]
    sep = " | " if block.formulas else "  "
    out = []
    for r in rows:
        cells = [(r[c].ljust(widths[c]) if block.formulas else r[c].rjust(widths[c])) for c in range(len(r))]
        out.append("    " + sep.join(cells).rstrip())
    return out


def _table_lines(block: Table) -> list[str]:
    cols = len(block.columns)
    rows = [list(r) + [""] * (cols - len(r)) for r in block.rows]
    widths = [max([len(block.columns[c])] + [len(r[c]) for r in rows]) for c in range(cols)]
    out = ["  " + "   ".join(block.columns[c].ljust(widths[c]) for c in range(cols)).rstrip()]
    out.append("  " + "   ".join("-" * widths[c] for c in range(cols)))
    for r in rows:
        out.append("  " + "   ".join(r[c].ljust(widths[c]) for c in range(cols)).rstrip())
    return out


def render_plain(blocks: list[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            if lines:
                lines.append("")
            lines.append(f"== {b.text} ==")
        elif isinstance(b, Text):
            lines.extend(b.text.splitlines() or [""])
        elif isinstance(b, Grid):
            lines.append(f"{b.title}:")
            lines.extend(_grid_lines(b))
        elif isinstance(b, Table):
            if b.title:
                lines.append(f"{b.title}:")
            lines.extend(_table_lines(b))
        else:  # pragma: no cover
            raise DTypeError("blocks", b, "Heading, Text, Table and Grid blocks")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# rich


def _render_rich(blocks: list[Block], stream: TextIO) -> None:
    from upsampling._optional import require

    require("rich", "cli")
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    console = Console(file=stream, highlight=False, soft_wrap=False)
    for b in blocks:
        if isinstance(b, Heading):
            console.print()
            console.rule(f"[bold]{_escape(b.text)}[/bold]", align="left")
        elif isinstance(b, Text):
            console.print(RichText(b.text, style=_TEXT_STYLES.get(b.style, "")))
        elif isinstance(b, Grid):
            console.print(RichText(b.title, style="bold"))
            t = RichTable(show_header=False, box=box.SQUARE, padding=(0, 1), show_lines=b.formulas)
            ncol = max((len(r) for r in b.cells), default=0)
            for _ in range(ncol):
                t.add_column(justify="left" if b.formulas else "right")
            for r, row in enumerate(b.cells):
                cells = []
                for c, value in enumerate(row):
                    role = b.roles[r][c] if b.roles is not None else None
                    cells.append(RichText(value, style=TERMINAL.get(role or "", "")))
                t.add_row(*cells)
            console.print(t)
        elif isinstance(b, Table):
            if b.title:
                console.print(RichText(b.title, style="bold"))
            t = RichTable(box=box.SIMPLE_HEAD)
            for col in b.columns:
                t.add_column(col, header_style="bold")
            for i, row in enumerate(b.rows):
                style = b.styles[i] if i < len(b.styles) else ""
                t.add_row(*[RichText(v) for v in row], style=style or None)
            console.print(t)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
