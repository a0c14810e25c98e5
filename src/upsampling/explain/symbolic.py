"""Symbolic kernels: each output element as a formula in the kernel's entries a, b, c, ...

A transposed convolution is linear in its kernel, so its output with a symbolic kernel is
``sum_j T(e_j) · sym_j`` where ``T(e_j)`` is the *numeric engine's* output for the kernel that
is 1 at tap ``j`` and 0 elsewhere.  The coefficients therefore come from the engines
(the textbook steps and, independently, the scatter reference); sympy only names and sums
them.  The same trick names the rotated kernel's entries: the textbook rotates a kernel of
tap numbers, and each number is replaced by its letter.

Needs sympy (the ``explain`` extra).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from upsampling._optional import require

__all__ = ["SymbolicTranspose", "format_expr", "kernel_symbols", "symbolic_transpose"]


def _sympy():
    return require("sympy", "explain")


def kernel_symbols(kh: int, kw: int) -> np.ndarray:
    """``[[a, b, c], [d, e, f], [g, h, i]]`` for 3x3 (row by row, up to 25 entries)."""
    sp = _sympy()
    names = string.ascii_lowercase[: kh * kw]
    return np.array(sp.symbols(" ".join(names), real=True), dtype=object).reshape(kh, kw)


def _exact(value: float):
    """An engine coefficient as a sympy number: integers exactly, short decimals as fractions."""
    sp = _sympy()
    v = float(value)
    if v == int(v) and abs(v) < 2**53:
        return sp.Integer(int(v))
    frac = Fraction(v).limit_denominator(10**6)
    if abs(float(frac) - v) <= 1e-12 * max(1.0, abs(v)):
        return sp.Rational(frac.numerator, frac.denominator)
    return sp.Float(v, 15)


def linear_in_kernel(run: Callable[[np.ndarray], np.ndarray], symbols: np.ndarray) -> np.ndarray:
    """``run(kernel)`` with a symbolic kernel, for ``run`` linear in its kernel.

    Calls ``run`` once per kernel tap with a one-hot kernel and sums coefficient · symbol.
    """
    sp = _sympy()
    result: np.ndarray | None = None
    for tap in np.ndindex(*symbols.shape):
        onehot = np.zeros(symbols.shape)
        onehot[tap] = 1.0
        response = np.asarray(run(onehot), dtype=np.float64)
        if result is None:
            result = np.full(response.shape, sp.Integer(0), dtype=object)
        for pos in zip(*np.nonzero(response)):
            result[pos] = result[pos] + _exact(response[pos]) * symbols[tap]
    assert result is not None
    return result


@dataclass(frozen=True)
class SymbolicTranspose:
    kernel: np.ndarray  # symbols
    dilated_kernel: np.ndarray
    rotated_kernel: np.ndarray
    output: np.ndarray  # formulas, from the textbook steps
    scatter_output: np.ndarray  # formulas, from the scatter reference
    stamps: tuple[np.ndarray, ...]  # each input element's stamp on the full canvas, as formulas
    agree: bool  # every textbook formula equals its scatter formula


def symbolic_transpose(trace: Any) -> SymbolicTranspose:
    """The trace's case with the kernel replaced by letters."""
    from upsampling.reference.conv_transpose_scatter import conv_transpose_scatter, stamp_canvas
    from upsampling.reference.conv_transpose_textbook import conv_transpose_textbook

    sp = _sympy()
    kh, kw = trace.kernel.shape
    syms = kernel_symbols(kh, kw)
    s, d = trace.stride, trace.dilation
    padding = trace.padding if isinstance(trace.padding, str) else [tuple(trace.padding)] * 2
    out = tuple(a.out for a in trace.axes)

    def textbook(kernel: np.ndarray):
        return conv_transpose_textbook(trace.input, kernel, strides=s, padding=padding, output_size=out, dilations=d)

    # Name the rotated (and dilated) taps: rotate a kernel of tap numbers 1..kh*kw.
    numbers = np.arange(1.0, kh * kw + 1).reshape(kh, kw)
    numbered = textbook(numbers)
    flat = syms.ravel()

    def name(a: np.ndarray) -> np.ndarray:
        named = np.full(a.shape, sp.Integer(0), dtype=object)
        for pos in np.ndindex(*a.shape):
            if a[pos]:
                named[pos] = flat[int(a[pos]) - 1]
        return named

    output = linear_in_kernel(lambda k: textbook(k).output, syms)
    x4 = trace.input[None, None]
    pads_begin = [a.crop[0] for a in trace.axes]
    scatter = linear_in_kernel(lambda k: conv_transpose_scatter(x4, k[None, None], (s, s), (d, d), pads_begin, out)[0, 0], syms)
    stamps = []
    for i, j in np.ndindex(*trace.input.shape):
        one = np.zeros_like(trace.input)
        one[i, j] = trace.input[i, j]
        stamps.append(linear_in_kernel(lambda k, one=one: stamp_canvas(one[None, None], k[None, None], (s, s), (d, d))[0, 0], syms))
    agree = all(sp.expand(a - b) == 0 for a, b in zip(output.ravel(), scatter.ravel()))
    return SymbolicTranspose(
        kernel=syms,
        dilated_kernel=name(numbered.dilated_kernel),
        rotated_kernel=name(numbered.rotated_kernel),
        output=output,
        scatter_output=scatter,
        stamps=tuple(stamps),
        agree=agree,
    )


def format_expr(expr: Any) -> str:
    """``2*a + c`` -> ``2a + c``: sympy's order, multiplication signs dropped after numbers."""
    text = str(expr)
    return re.sub(r"(\d)\*([a-z])", r"\1\2", text)
