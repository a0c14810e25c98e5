"""`upsampling resize` and `upsampling compare` on a real PNG, checked against the twins called directly."""

from __future__ import annotations

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image")

from upsampling.frameworks import onnx as onnx_twin  # noqa: E402
from upsampling.frameworks import pytorch as torch_twin  # noqa: E402
from upsampling.frameworks import tensorflow as tf_twin  # noqa: E402
from upsampling.frameworks._mapping import twin_modules  # noqa: E402


@pytest.fixture
def image(tmp_path, rng):
    y, x = np.mgrid[0:24, 0:32]
    rgb = np.stack([(x * 8) % 256, (y * 10) % 256, ((x // 4 + y // 4) % 2) * 255], axis=2)
    rgb = np.clip(rgb + rng.integers(0, 20, rgb.shape), 0, 255).astype(np.uint8)
    path = tmp_path / "in.png"
    Image.fromarray(rgb).save(path)
    return path, rgb


def _read(path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_resize_like_each_framework(cli, image, tmp_path):
    path, x = image
    cases = [
        (["--like", "torch", "--mode", "bilinear"],
         lambda: torch_twin.interpolate(x.transpose(2, 0, 1)[None], size=(40, 48), mode="bilinear", align_corners=False)[0].transpose(1, 2, 0)),
        (["--like", "tf", "--mode", "bicubic"], lambda: tf_twin.resize(x, (40, 48), method="bicubic")),
        (["--like", "tf1", "--mode", "bilinear", "--align-corners"],
         lambda: tf_twin.resize_bilinear(x[None], (40, 48), align_corners=True)[0]),
        (["--like", "onnx", "--mode", "nearest", "--coordinate-transformation-mode", "asymmetric", "--nearest-mode", "floor"],
         lambda: onnx_twin.resize(x.transpose(2, 0, 1)[None], sizes=[1, 3, 40, 48], mode="nearest",
                                  coordinate_transformation_mode="asymmetric", nearest_mode="floor")[0].transpose(1, 2, 0)),
    ]
    if "opencv" in twin_modules():
        from upsampling.frameworks import opencv

        cases.append((["--like", "opencv", "--mode", "bilinear"], lambda: opencv.resize(x, (48, 40))))
        cases.append((["--like", "opencv", "--mode", "area"], lambda: opencv.resize(x, (48, 40), interpolation=opencv.INTER_AREA)))
    if "pillow" in twin_modules():
        from upsampling.frameworks import pillow

        def per_band(resample):  # the CLI resamples each band as its own mode "L" image, as Pillow does
            return np.stack([pillow.resize(np.ascontiguousarray(x[:, :, c]), (48, 40), resample) for c in range(3)], axis=2)

        cases.append((["--like", "pillow", "--mode", "bicubic"], lambda: per_band(pillow.BICUBIC)))
        cases.append((["--like", "pillow", "--mode", "box"], lambda: per_band(pillow.BOX)))
    for i, (args, direct) in enumerate(cases):
        out = tmp_path / f"out{i}.png"  # an existing output is refused without --overwrite
        r = cli("resize", str(path), str(out), "--size", "48x40", *args)
        assert r.returncode == 0, (args, r.stderr)
        assert "wrote" in r.stdout and "framework call:" in r.stdout
        got = _read(out)
        assert got.shape == (40, 48, 3)
        expect = direct()
        expect = expect if expect.dtype == np.uint8 else np.clip(np.rint(expect), 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(got, expect)


def test_resize_refusals_are_one_line(cli, image, tmp_path):
    path, _ = image
    for args, option in (
        (["--like", "opencv", "--align-corners"], "--align-corners"),
        (["--like", "torch", "--mode", "lanczos"], "--like torch"),  # PyTorch: lanczos needs antialias
        (["--like", "caffe"], "--like"),
        (["--like", "tf", "--mode", "spline"], "--mode"),
    ):
        r = cli("resize", str(path), str(tmp_path / "o.png"), "--size", "10x10", *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and option in r.stderr, r.stderr
    r = cli("resize", str(path), str(tmp_path / "o.png"))
    assert r.returncode == 2 and "--size" in r.stderr


def test_compare_reports_pairwise_differences_and_writes_a_heat_map(cli, image, tmp_path):
    path, x = image
    r = cli("compare", str(path), "--size", "64x48", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("conventions:"))
    labels = {}
    for line in lines[start + 3 :]:
        if not line.startswith("  ") or not line.strip():
            break
        number, rest = line.split(None, 1)
        labels[rest.split("   ")[0].strip()] = int(number)
    assert {"torch bilinear", "tf1 bilinear legacy", "onnx bilinear half_pixel"} <= set(labels)
    start = next(i for i, line in enumerate(lines) if line.startswith("pairwise max |difference|"))
    table = [line.split() for line in lines[start + 3 : start + 3 + len(labels)]]
    mx = np.array([[float(v) for v in row[1:]] for row in table])
    xf = x.astype(np.float32)
    torch_y = torch_twin.interpolate(xf.transpose(2, 0, 1)[None], size=(48, 64), mode="bilinear", align_corners=False)[0].transpose(1, 2, 0)
    legacy = tf_twin.resize_bilinear(xf[None], (48, 64))[0]
    a, b = labels["torch bilinear"] - 1, labels["tf1 bilinear legacy"] - 1
    np.testing.assert_allclose(mx[a, b], np.abs(torch_y.astype(np.float64) - legacy).max(), atol=1e-3)
    assert mx[a, labels["onnx bilinear half_pixel"] - 1] <= 1e-3  # the same convention
    assert "same image" in r.stdout
    heat = tmp_path / "in-compare.png"
    assert heat.exists() and heat.stat().st_size > 10_000
    assert Image.open(heat).size[0] >= 1000


def test_compare_names_missing_twins_instead_of_reimplementing_them(cli, image, tmp_path):
    path, _ = image
    r = cli("compare", str(path), "--size", "40x30", "--mode", "nearest", "--png", str(tmp_path / "n.png"))
    assert r.returncode == 0, r.stderr
    for twin in ("opencv", "pillow"):
        if twin not in twin_modules():
            assert f"upsampling.frameworks.{twin}" in r.stdout
    assert (tmp_path / "n.png").exists()
