"""Every --png / --gif is written, non-empty, and of the size the command reports (and a sane size)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")


def _reported(stdout: str, path: str) -> tuple[int, int]:
    m = re.search(re.escape(path) + r" \((\d+)x(\d+) pixels", stdout)
    assert m, stdout
    return int(m.group(1)), int(m.group(2))


def _check(path, stdout: str, minimum=(600, 450)) -> Image.Image:
    assert path.exists() and path.stat().st_size > 10_000
    im = Image.open(path)
    assert im.size == _reported(stdout, str(path))
    assert im.size[0] >= minimum[0] and im.size[1] >= minimum[1]
    assert im.size[0] <= 4000 and im.size[1] <= 4000
    return im


def test_transpose_png_and_gif(cli, tmp_path):
    png, gif = tmp_path / "steps.png", tmp_path / "steps.gif"
    r = cli("explain", "transpose", "--input", "[[1,2],[3,4]]", "--kernel", "3", "--stride", "2", "--padding", "SAME",
            "--png", str(png), "--gif", str(gif))
    assert r.returncode == 0, r.stderr
    _check(png, r.stdout)
    im = _check(gif, r.stdout)
    assert im.n_frames == 16  # one frame per element of the 4x4 output
    assert "16 frames" in r.stdout


def test_symbolic_png(cli, tmp_path):
    pytest.importorskip("sympy")
    png = tmp_path / "symbolic.png"
    r = cli("explain", "transpose", "--input", "[[1,2],[3,4]]", "--kernel", "3", "--stride", "2", "--symbolic", "--png", str(png))
    assert r.returncode == 0, r.stderr
    _check(png, r.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["bilinear", "--point", "0.3,0.6", "--values", "[[10,20],[30,40]]"],
        ["overlap", "--kernel", "3", "--stride", "2"],
        ["grid", "--in", "4", "--out", "8"],
    ],
    ids=["bilinear", "overlap", "grid"],
)
def test_other_figures(cli, tmp_path, args):
    png = tmp_path / f"{args[0]}.png"
    r = cli("explain", *args, "--png", str(png))
    assert r.returncode == 0, r.stderr
    _check(png, r.stdout)


def test_unwritable_png_is_a_one_line_error(cli, tmp_path):
    r = cli("explain", "overlap", "--kernel", "3", "--stride", "2", "--png", str(tmp_path / "missing" / "dir" / "x.png"))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "--png" in r.stderr and "Traceback" not in r.stderr
