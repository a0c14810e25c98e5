"""Bad input: one line on stderr naming the option and what was expected, exit code 2, no traceback."""

from __future__ import annotations

import pytest

SEED = "[[1,2],[3,4]]"

CASES = [
    # (arguments, option named, words the message must contain)
    (["explain", "transpose", "--input", "[[1,2],[3]]"], "--input", "rows of equal length"),
    (["explain", "transpose", "--input", "[[1,x],[3,4]]"], "--input", "matrix of numbers"),
    (["explain", "transpose", "--input", "[[1,'a'],[3,4]]"], "--input", "numbers only"),
    (["explain", "transpose", "--input", "[[1,2],[3,4]"], "--input", "matrix of numbers"),
    (["explain", "transpose", "--input", "[1,2,3]"], "--input", "2-D matrix"),
    (["explain", "transpose", "--input", "[[1e999,2]]"], "--input", "finite"),
    (["explain", "transpose", "--input", SEED, "--kernel", "0"], "--kernel", ">= 1"),
    (["explain", "transpose", "--input", SEED, "--kernel", "abc"], "--kernel", "valid int"),
    (["explain", "transpose", "--input", SEED, "--stride", "0"], "--stride", ">= 1"),
    (["explain", "transpose", "--input", SEED, "--stride", "-2"], "--stride", ">= 1"),
    (["explain", "transpose", "--input", SEED, "--padding", "HALF"], "--padding", "SAME, VALID"),
    (["explain", "transpose", "--input", SEED, "--padding", "9"], "--padding", "at least one output element"),
    (["explain", "transpose", "--input", SEED, "--stride", "2", "--output-size", "7"], "--output-size", "5 or 6"),
    (["explain", "transpose", "--input", SEED, "--kernel", "3", "--kernel-values", "[[1,2],[3,4]]"], "--kernel-values", "3x3"),
    (["explain", "transpose", "--input", "[[1,2,3,4,5,6,7,8,9]]"], "--input", "at most 8x8"),
    (["explain", "transpose", "--input", SEED, "--kernel", "30"], "--kernel", "teaching tool"),
    (["explain", "transpose"], "--input", "Missing option"),
    (["explain", "bilinear", "--point", "0.3", "--values", "[[1,2],[3,4]]"], "--point", "2 numbers"),
    (["explain", "bilinear", "--point", "0.3,zz", "--values", "[[1,2],[3,4]]"], "--point", "2 numbers"),
    (["explain", "bilinear", "--point", "0.3,0.6", "--values", "[[1,2,3],[4,5,6]]"], "--values", "2x2"),
    (["explain", "bilinear", "--point", "0.3,0.6", "--values", "[[1,2],[3,4]]", "--corners", "0,0,0,1"], "--corners", "x1 != x2"),
    (["explain", "shapes", "--input", "28", "--kernel", "4", "--stride", "0"], "--stride", ">= 1"),
    (["explain", "shapes", "--input", "28", "--kernel", "-1"], "--kernel", ">= 1"),
    (["explain", "shapes", "--input", "2", "--kernel", "3", "--padding", "5"], "--padding", "at least one output element"),
    (["explain", "shapes", "--input", "10000000", "--kernel", "3"], "--input", "teaching tool"),
    (["explain", "overlap", "--kernel", "3", "--stride", "0"], "--stride", ">= 1"),
    (["explain", "overlap", "--kernel", "99", "--stride", "2"], "--kernel", "teaching tool"),
    (["explain", "grid", "--in", "4", "--out", "0"], "--out", ">= 1"),
    (["explain", "grid", "--in", "4", "--out", "5000"], "--out", "teaching tool"),
    (["explain", "transpose", "--input", SEED, "--bogus"], "--bogus", "No such option"),
    (["resize", "missing.png", "out.png", "--size", "8x8"], "IN", "existing image"),
    (["compare", "missing.png", "--size", "8x8"], "IN", "existing image"),
]


@pytest.mark.parametrize("args,option,words", CASES, ids=[" ".join(c[0][:2]) + f" {c[1]}#{i}" for i, c in enumerate(CASES)])
def test_bad_input(cli, tmp_path, args, option, words):
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.endswith("\n") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert option in r.stderr and words in r.stderr, r.stderr


def test_help_on_every_command(cli):
    for args in ([], ["explain"], ["explain", "transpose"], ["explain", "bilinear"], ["explain", "shapes"],
                 ["explain", "overlap"], ["explain", "grid"], ["resize"], ["compare"]):
        r = cli(*args, "--help")
        assert r.returncode == 0, (args, r.stderr)
        assert "Usage:" in r.stdout and "--help" in r.stdout


def test_no_arguments_shows_help(cli):
    r = cli()
    assert r.returncode == 0 and "explain" in r.stdout and "resize" in r.stdout


def test_import_upsampling_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, upsampling; "
        "heavy = [m for m in ('typer', 'rich', 'matplotlib', 'sympy', 'PIL', 'upsampling.cli', 'upsampling.explain') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_resize_imports_only_what_it_needs(tmp_path):
    """`upsampling resize` of a PNG starts light (its whole-process time against a cv2 script is in
    docs/performance.md): no pydantic (typer 0.29's coercion), Pillow, rich, matplotlib, sympy,
    torch, nor the other command families."""
    import subprocess
    import sys

    import numpy as np

    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(tmp_path / "in.png")
    code = (
        "import os, sys; os.environ['UPSAMPLING_PLAIN'] = '1'; from upsampling.cli import run; "
        "code = run(['resize', 'in.png', 'out.png', '--size', '12x8', '--like', 'opencv']); "
        "heavy = [m for m in ('pydantic', 'PIL', 'rich', 'matplotlib', 'sympy', 'torch', 'upsampling.cli.explain', "
        "'upsampling.cli.train', 'upsampling.cli.raster') if m in sys.modules]; print(code, heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr
