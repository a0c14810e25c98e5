"""`upsampling explain transpose`: the seed's walk-through, random cases against the engines, symbolic formulas."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import matrix_arg

import upsampling
from upsampling.reference.conv_transpose_textbook import conv_transpose_textbook

SEED = "[[1,2],[3,4]]"
KERNEL = np.arange(1.0, 10.0).reshape(3, 3)  # the explainer's default kernel: 1..9


def _tf(x, w, out, stride, padding, dilation=1):
    if not isinstance(padding, str):
        padding = [[0, 0], list(padding), list(padding), [0, 0]]
    y = upsampling.conv2d_transpose(
        x[None, :, :, None], w[:, :, None, None], (1, out[0], out[1], 1), stride, padding, dilations=dilation
    )
    return y[0, :, :, 0]


def test_seed_valid(cli):
    r = cli("explain", "transpose", "--input", SEED, "--kernel", "3", "--stride", "2", "--padding", "VALID")
    assert r.returncode == 0, r.stderr
    x = np.array([[1.0, 2], [3, 4]])
    np.testing.assert_array_equal(r.matrix("input (2x2)"), x)
    np.testing.assert_array_equal(r.matrix("zero-inserted (3x3)"), [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    # (n-1)·s+1, said where it matters
    assert "(2-1)·2+1 = 3, not n·s = 4" in r.stdout
    padded = r.matrix("padded (7x7)")
    assert padded.shape == (7, 7) and padded[2:5, 2:5].tolist() == [[1, 0, 2], [0, 0, 0], [3, 0, 4]]
    assert "2 before, 2 after" in r.stdout and "VALID: k_eff-1 = 2 on each side" in r.stdout
    np.testing.assert_array_equal(r.matrix("kernel (3x3"), KERNEL)
    np.testing.assert_array_equal(r.matrix("rotated kernel (3x3)"), KERNEL[::-1, ::-1])
    out = r.matrix("output (5x5)")
    np.testing.assert_array_equal(out, _tf(x, KERNEL, (5, 5), 2, "VALID"))
    np.testing.assert_array_equal(out[2, 2], 1 * 9 + 2 * 7 + 3 * 3 + 4 * 1)
    # the size from (H-1)·S - 2P + K
    assert "(2-1)·2 - (0+0) + 3 = 5" in r.stdout
    # the scatter view agrees
    np.testing.assert_array_equal(r.matrix("sum of the stamps: the full canvas (5x5)"), out)
    assert "scatter view = textbook steps: yes, all 25 elements" in r.stdout
    assert "= textbook steps: yes" in r.line("upsampling.conv2d_transpose")
    # the two busiest sums are written out
    assert r.last_number("output[2,2] =") == 36


def test_seed_same(cli):
    r = cli("explain", "transpose", "--input", SEED, "--kernel", "3", "--stride", "2", "--padding", "SAME")
    assert r.returncode == 0, r.stderr
    x = np.array([[1.0, 2], [3, 4]])
    padded = r.matrix("padded (6x6)")
    assert padded[2:5, 2:5].tolist() == [[1, 0, 2], [0, 0, 0], [3, 0, 4]] and padded.shape == (6, 6)
    assert "2 before, 1 after" in r.stdout  # SAME: the split that yields the output size
    out = r.matrix("output (4x4)")  # SAME: H·S = 4, not 5 and not 3
    np.testing.assert_array_equal(out, _tf(x, KERNEL, (4, 4), 2, "SAME"))
    assert "(2-1)·2 - (0+1) + 3 = 4" in r.stdout
    assert "not symmetric" in r.stdout  # the textbook's single P is loose here
    assert "may also be 3" in r.stdout  # the other output_shape TensorFlow accepts
    assert "keep 4x4 starting at row 0, column 0" in r.stdout


def test_seed_symbolic(cli):
    pytest.importorskip("sympy")
    r = cli("explain", "transpose", "--input", SEED, "--kernel", "3", "--stride", "2", "--padding", "VALID", "--symbolic")
    assert r.returncode == 0, r.stderr
    assert r.grid("kernel (3x3, symbolic)") == [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]
    assert r.grid("rotated kernel (3x3)") == [["i", "h", "g"], ["f", "e", "d"], ["c", "b", "a"]]
    formulas = r.grid("output (5x5), each element as its formula")
    assert formulas[0][2] == "2a + c"  # c + 2a: the taps a (from x=2) and c (from x=1) overlap there
    assert formulas[2][2] == "4a + 3c + 2g + i"
    assert "all 25 formulas identical" in r.stdout


def _parse(formula: str):
    from sympy.parsing.sympy_parser import (
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    return parse_expr(formula, transformations=standard_transformations + (implicit_multiplication_application,))


def test_symbolic_formulas_substitute_to_the_engine(cli, rng):
    """Random numbers for the symbols give the numeric engine's output."""
    sympy = pytest.importorskip("sympy")
    for trial in range(3):
        h, w = (int(v) for v in rng.integers(1, 4, 2))
        k = int(rng.integers(2, 4))
        s = int(rng.integers(1, 4))
        pad = ["VALID", "SAME"][trial % 2]
        x = np.round(rng.normal(size=(h, w)) * 4) / 4  # quarters: exact fractions in the formulas
        r = cli("explain", "transpose", "--input", matrix_arg(x), "--kernel", str(k), "--stride", str(s), "--padding", pad, "--symbolic")
        assert r.returncode == 0, r.stderr
        formulas = r.grid("output (")
        kernel = rng.normal(size=(k, k))
        names = "abcdefghijklmnopqrstuvwxy"[: k * k]
        values = {sympy.Symbol(n): kernel.ravel()[i] for i, n in enumerate(names)}
        got = np.array([[float(_parse(f).subs(values)) if f != "0" else 0.0 for f in row] for row in formulas])
        expect = _tf(x, kernel, got.shape, s, pad)
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-12)
        assert f"all {got.size} formulas identical" in r.stdout


def test_random_cases_match_the_engines(cli, rng):
    for trial in range(6):
        h, w = (int(v) for v in rng.integers(1, 5, 2))
        k = int(rng.integers(1, 5))
        s = int(rng.integers(1, 4))
        d = int(rng.integers(1, 3)) if trial % 3 == 2 else 1
        choice = trial % 3
        pad = "VALID" if choice == 0 else "SAME" if choice == 1 else (int(rng.integers(0, k)), int(rng.integers(0, k)))
        x = np.round(rng.normal(size=(h, w)), 3)
        kernel = np.round(rng.normal(size=(k, k)), 3)
        pad_arg = pad if isinstance(pad, str) else f"{pad[0]},{pad[1]}"
        args = ["explain", "transpose", "--input", matrix_arg(x), "--kernel-values", matrix_arg(kernel), "--stride", str(s),
                "--padding", pad_arg, "--dilation", str(d), "--digits", "12"]
        r = cli(*args)
        if r.returncode == 2 and "--padding" in r.stderr:  # explicit padding that crops everything: refused, fine
            continue
        assert r.returncode == 0, (args, r.stderr)
        tpad = pad if isinstance(pad, str) else [tuple(pad)] * 2
        steps = conv_transpose_textbook(x, kernel, strides=s, padding=tpad, dilations=d)
        np.testing.assert_allclose(r.matrix("zero-inserted ("), steps.zero_inserted, rtol=1e-10)
        np.testing.assert_allclose(r.matrix("padded ("), steps.padded, rtol=1e-10)
        np.testing.assert_allclose(r.matrix("rotated kernel ("), steps.rotated_kernel, rtol=1e-10)
        out = r.matrix("output (")
        assert out.shape == steps.output.shape
        np.testing.assert_allclose(out, _tf(x, kernel, out.shape, s, pad, d), rtol=1e-9, atol=1e-9)
        assert "scatter view = textbook steps: yes" in r.stdout


def test_output_size_option_picks_the_other_tensorflow_size(cli):
    r = cli("explain", "transpose", "--input", SEED, "--kernel", "3", "--stride", "2", "--padding", "VALID", "--output-size", "6")
    assert r.returncode == 0, r.stderr
    x = np.array([[1.0, 2], [3, 4]])
    np.testing.assert_array_equal(r.matrix("output (6x6)"), _tf(x, KERNEL, (6, 6), 2, "VALID"))
    assert "keep 6x6" in r.stdout and "a negative cut appends zeros" in r.stdout
