"""Command-line text -> validated values.

Every function takes the option's name as the user typed it (``"--input"``) and raises
:class:`~upsampling.errors.OptionError` naming that option, what was expected and what was
received, so the CLI can print one line and exit with code 2.
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any

import numpy as np

from upsampling.errors import OptionError, _shown

__all__ = [
    "coordinates",
    "image_size",
    "matrix",
    "padding",
    "positive",
    "sizes",
    "within",
]


def _number(option: str, token: Any, where: str) -> float:
    if isinstance(token, bool) or not isinstance(token, (int, float)):
        raise OptionError(option, f"numbers only{where}", token)
    value = float(token)
    if not math.isfinite(value):
        raise OptionError(option, f"finite numbers{where}", token)
    return value


#: The largest image side the commands accept: PNG stores sides as 31-bit integers.
MAX_IMAGE_SIDE = 2**31 - 1

_MATRIX_EXAMPLE = 'a matrix of numbers such as "[[1,2],[3,4]]" or "1 2; 3 4"'


def _split_rows(text: str) -> list[list[Any]]:
    """``"1 2; 3 4"`` or ``"1,2;3,4"`` -> nested lists (tokens parsed as Python numbers)."""
    rows = []
    for row in text.split(";"):
        tokens = [t for t in re.split(r"[,\s]+", row.strip()) if t]
        values: list[Any] = []
        for t in tokens:
            try:
                values.append(ast.literal_eval(t))
            except (ValueError, SyntaxError):
                values.append(t)
        rows.append(values)
    return rows


def matrix(option: str, text: str, *, max_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Parse a 2-D matrix: ``"[[1,2],[3,4]]"`` (Python/JSON) or ``"1 2; 3 4"``.

    Refuses non-numbers, NaN/Inf, empty or ragged rows, and (with ``max_shape``) anything
    larger; returns a float64 array.
    """
    text = (text or "").strip()
    if not text:
        raise OptionError(option, _MATRIX_EXAMPLE, text)
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise OptionError(option, _MATRIX_EXAMPLE, text) from None
    else:
        value = _split_rows(text)
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not value:
        raise OptionError(option, _MATRIX_EXAMPLE, text)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise OptionError(option, f"a 2-D matrix (a list of rows), like [{text}]", text)
    rows = []
    for r, row in enumerate(value, 1):
        if isinstance(row, tuple):
            row = list(row)
        if not isinstance(row, list):
            raise OptionError(option, f"every row to be a list of numbers (row {r} is {_shown(row)})", text)
        if not row:
            raise OptionError(option, f"non-empty rows (row {r} is empty)", text)
        rows.append([_number(option, v, f" (row {r} holds {_shown(v)})") for v in row])
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        first = len(rows[0])
        bad = next(i for i, row in enumerate(rows, 1) if len(row) != first)
        raise OptionError(
            option,
            f"rows of equal length (row 1 has {first} values, row {bad} has {len(rows[bad - 1])})",
            text,
        )
    arr = np.array(rows, dtype=np.float64)
    if max_shape is not None and (arr.shape[0] > max_shape[0] or arr.shape[1] > max_shape[1]):
        raise OptionError(
            option,
            f"at most {max_shape[0]}x{max_shape[1]} values for explain (a teaching tool; the library "
            "functions take any size)",
            f"{arr.shape[0]}x{arr.shape[1]}",
        )
    return arr


def coordinates(option: str, text: str, count: int, names: str) -> tuple[float, ...]:
    """``"0.3,0.6"`` -> ``(0.3, 0.6)``: exactly ``count`` finite numbers separated by commas."""
    parts = [p for p in re.split(r"[,\s]+", (text or "").strip()) if p]
    expected = f"{count} numbers {names} separated by commas"
    if len(parts) != count:
        raise OptionError(option, expected, text)
    values = []
    for p in parts:
        try:
            v = float(p)
        except ValueError:
            raise OptionError(option, expected, text) from None
        if not math.isfinite(v):
            raise OptionError(option, f"finite numbers {names}", text)
        values.append(v)
    return tuple(values)


def positive(option: str, value: int) -> int:
    """An int >= 1."""
    if value < 1:
        raise OptionError(option, "a positive integer (>= 1)", value)
    return value


def within(option: str, value: int, low: int, high: int, why: str = "") -> int:
    """An int in ``[low, high]``; ``why`` explains the upper limit."""
    if value < low:
        raise OptionError(option, f"an integer >= {low}", value)
    if value > high:
        raise OptionError(option, f"at most {high}{why}", value)
    return value


def padding(option: str, text: str) -> str | tuple[int, int]:
    """``SAME``/``VALID`` (any case), ``p`` (both sides) or ``before,after``."""
    t = (text or "").strip()
    if t.upper() in ("SAME", "VALID"):
        return t.upper()
    expected = "SAME, VALID, an integer p >= 0 (p on both sides) or before,after"
    parts = [p for p in re.split(r"[,\s]+", t) if p]
    if len(parts) not in (1, 2) or not all(re.fullmatch(r"\d+", p) for p in parts):
        raise OptionError(option, expected, text)
    values = [int(p) for p in parts]
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


def sizes(option: str, text: str) -> tuple[int, int]:
    """``"5"`` (both axes), ``"5,7"`` or ``"5x7"`` -> ``(rows, cols)``: positive integers."""
    expected = "one positive integer, or rows,cols"
    try:
        values = [int(v) for v in text.replace("x", ",").split(",") if v.strip()]
    except ValueError:
        raise OptionError(option, expected, text) from None
    if len(values) not in (1, 2) or min(values) < 1:
        raise OptionError(option, expected, text)
    return values[0], values[-1]


def image_size(option: str, text: str) -> tuple[int, int]:
    """``"512x384"`` (width x height), ``"512,384"`` or ``"512"`` (square) -> ``(width, height)``."""
    t = (text or "").strip().lower()
    parts = [p for p in re.split(r"[x,\s*]+", t) if p]
    expected = 'WIDTHxHEIGHT in pixels, such as "512x512" (or one number for a square)'
    if len(parts) not in (1, 2) or not all(re.fullmatch(r"\d+", p) for p in parts):
        raise OptionError(option, expected, text)
    if any(len(p.lstrip("0")) > 10 for p in parts):
        raise OptionError(option, f"at most {MAX_IMAGE_SIDE:,} pixels a side (PNG's limit)", text)
    w, h = (int(parts[0]), int(parts[-1]))
    if w < 1 or h < 1:
        raise OptionError(option, "a width and height of at least 1 pixel", text)
    if max(w, h) > MAX_IMAGE_SIDE:
        raise OptionError(option, f"at most {MAX_IMAGE_SIDE:,} pixels a side (PNG's limit)", text)
    return w, h
