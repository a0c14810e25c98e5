"""`upsampling explain bilinear | shapes | overlap | grid`: printed numbers against the engines."""

from __future__ import annotations

import numpy as np
from cli_helpers import matrix_arg

import upsampling
from upsampling import coords, shapes
from upsampling.conv_transpose import conv_transpose


def test_bilinear_seed(cli):
    r = cli("explain", "bilinear", "--point", "0.3,0.6", "--values", "[[10,20],[30,40]]")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    # R1 and R2 first (x direction), then P (y direction), then the two other forms
    assert out.index("R1 = ") < out.index("R2 = ") < out.index("P = f(x, y)") < out.index("unit square =") < out.index("matrix form =")
    assert r.last_number("R1 = f(x, y1)") == 13
    assert r.last_number("R2 = f(x, y2)") == 33
    assert r.last_number("P = f(x, y)") == 25
    assert r.last_number("unit square =") == 25
    assert r.last_number("matrix form =") == 25
    assert "0.7·10 + 0.3·20" in r.line("R1 = ")
    assert "(agree)" in out


def test_bilinear_random_points_match_the_engine(cli, rng):
    for _ in range(4):
        x1, y1 = np.round(rng.uniform(-5, 5, 2), 2)
        x2, y2 = x1 + np.round(rng.uniform(0.5, 4), 2), y1 + np.round(rng.uniform(0.5, 4), 2)
        x, y = np.round(rng.uniform(x1, x2), 3), np.round(rng.uniform(y1, y2), 3)
        v = np.round(rng.normal(size=(2, 2)) * 10, 2)
        r = cli("explain", "bilinear", "--point", f"{x},{y}", "--values", matrix_arg(v), "--corners", f"{x1},{y1},{x2},{y2}",
                "--digits", "12")
        assert r.returncode == 0, r.stderr
        s = upsampling.bilinear_steps(x, y, x1, y1, x2, y2, v[0, 0], v[1, 0], v[0, 1], v[1, 1])
        np.testing.assert_allclose(r.last_number("R1 = f(x, y1)"), s.r1, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(r.last_number("R2 = f(x, y2)"), s.r2, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(r.last_number("P = f(x, y)"), s.p, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(r.last_number("unit square ="), s.p, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(r.last_number("matrix form ="), s.p, rtol=1e-9, atol=1e-9)


def test_bilinear_outside_is_called_extrapolation(cli):
    r = cli("explain", "bilinear", "--point", "1.5,0.5", "--values", "[[0,1],[2,3]]")
    assert r.returncode == 0 and "extrapolate" in r.stdout


def _table(text: str, title: str) -> list[list[str]]:
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(title))
    rows = []
    for line in lines[i + 3 :]:
        if not line.startswith("  ") or not line.strip():
            break
        rows.append(line.split())
    return rows


def test_shapes_seed(cli):
    r = cli("explain", "shapes", "--input", "28", "--kernel", "4", "--stride", "2", "--padding", "SAME")
    assert r.returncode == 0, r.stderr
    assert r.line("forward output size:").endswith("28 -> 14")
    assert r.line("transposed output size:").endswith("28 -> 56")
    assert "split (1, 1)" in r.stdout
    assert r.line("accepted:").startswith("accepted: 55, 56 --")
    rows = _table(r.stdout, "output_shape candidates")
    verdict = {int(row[0]): (int(row[1]), row[2]) for row in rows}
    assert verdict[55] == (28, "accepted") and verdict[56] == (28, "accepted")
    assert verdict[57] == (29, "refused") and verdict[54] == (27, "refused")


def test_shapes_random_against_the_shapes_module(cli, rng):
    for trial in range(4):
        n, k, s, d = int(rng.integers(1, 40)), int(rng.integers(1, 7)), int(rng.integers(1, 5)), int(rng.integers(1, 3))
        pad = ["SAME", "VALID", f"{int(rng.integers(0, 3))},{int(rng.integers(0, 3))}", "1"][trial]
        r = cli("explain", "shapes", "--input", str(n), "--kernel", str(k), "--stride", str(s), "--padding", pad, "--dilation", str(d))
        p = pad if pad in ("SAME", "VALID") else tuple(int(v) for v in pad.split(",")) * (2 if "," not in pad else 1)
        try:
            expect = shapes.conv_transpose_output_size(n, k, s, p, d)
        except upsampling.ShapeError:
            assert r.returncode == 2 and "--padding" in r.stderr
            continue
        assert r.returncode == 0, r.stderr
        assert r.line("transposed output size:").endswith(f"{n} -> {expect}")
        valid = list(shapes.valid_conv_transpose_output_sizes(n, k, s, p, d))
        rows = _table(r.stdout, "output_shape candidates")
        assert [int(row[0]) for row in rows if row[2] == "accepted"] == valid
        for row in rows:
            assert int(row[1]) == shapes.forward_size(int(row[0]), k, s, p, d)


def test_overlap_counts_are_the_engine_on_ones(cli):
    r = cli("explain", "overlap", "--kernel", "3", "--stride", "2")
    assert r.returncode == 0, r.stderr
    counts = r.matrix("taps per output position")[0]
    n = 4
    expect = conv_transpose(np.ones((1, 1, n)), np.ones((1, 1, 3)), strides=2)[0, 0]
    np.testing.assert_array_equal(counts, expect)
    assert "UNEVEN overlap" in r.stdout and "2, 1" in r.line("interior")
    c2 = r.matrix("taps per output pixel in 2-D")
    np.testing.assert_array_equal(c2, np.outer(expect, expect))

    even = cli("explain", "overlap", "--kernel", "4", "--stride", "2")
    assert even.returncode == 0 and "EVEN overlap" in even.stdout and "UNEVEN" not in even.stdout
    # the textbook rule fails with dilation: k=2 is a multiple of s=2, yet every other pixel gets nothing
    holes = cli("explain", "overlap", "--kernel", "2", "--stride", "2", "--dilation", "2")
    assert holes.returncode == 0 and "with holes" in holes.stdout and "does NOT hold" in holes.stdout


def test_grid_coordinates_are_the_engines(cli):
    r = cli("explain", "grid", "--in", "4", "--out", "8", "--digits", "10")
    assert r.returncode == 0, r.stderr
    rows = _table(r.stdout, "coordinate conventions")
    header = r.stdout.splitlines()[[n for n, line in enumerate(r.stdout.splitlines()) if line.startswith("coordinate conventions")][0] + 1].split()
    names = header[1:]
    assert set(names) == set(coords.CONVENTIONS)
    got = np.array([[float(v) for v in row[1:]] for row in rows])
    for j, name in enumerate(names):
        np.testing.assert_allclose(got[:, j], coords.source_coordinates(4, 8, name), rtol=1e-9, atol=1e-12)
    # the framework settings table: PyTorch bilinear is half-pixel, TF1 legacy is asymmetric
    assert "-0.25 0.25 0.75" in r.line("PyTorch      interpolate(mode='linear'|'bilinear'|'trilinear', align_corners=False)")
    assert "asymmetric" in r.line("TensorFlow   compat.v1.image.resize_bilinear(align_corners=False, half_pixel_centers=False)")
    assert "0.25 input pixels further left" in r.stdout
