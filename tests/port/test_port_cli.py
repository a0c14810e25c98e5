"""``upsampling port`` and ``upsampling identify`` in a subprocess."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

# the ``cli`` fixture (tests/conftest.py) imports tests/cli/cli_helpers.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))


def test_port_prints_the_code(cli):
    r = cli("port", "tf.compat.v1.image.resize_bilinear(x, (64, 64), align_corners=True)", "--to", "pytorch",
            "--input-shape", "1x33x47x3")
    assert r.returncode == 0, r.stderr
    assert "y = F.interpolate(x, size=(64, 64), mode='bilinear', align_corners=True)" in r.stdout
    assert r.stdout.startswith("== pytorch: exact, holds for all input sizes  (x and y in NCHW)")


def test_port_json_all_targets(cli):
    r = cli("port", "cv2.resize(x, (40, 31), interpolation=cv2.INTER_LINEAR)", "--input-shape", "17x23x3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [d["target"] for d in out] == ["pytorch", "tensorflow", "opencv", "pillow", "onnx", "engine"]
    assert all(d["exact"] for d in out if d["target"] != "pillow")


def test_port_conv_and_weight_shape(cli):
    r = cli("port", "tf.nn.conv2d_transpose(x, filters, (1, 55, 55, 5), 2, padding='SAME')", "--to", "pytorch",
            "--input-shape", "1x28x28x3", "--weight-shape", "4x4x5x3")
    assert r.returncode == 0, r.stderr
    assert "weight.transpose(3, 2, 0, 1)" in r.stdout and "F.conv_transpose2d(" in r.stdout


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["port", "os.system('rm -rf /')", "--to", "pytorch"], "is not a call translate knows"),
        (["port", "F.interpolate(x, size=(4, 4))", "--to", "caffe"], "--to"),
        (["port", "F.interpolate(x, size=(4, 4))", "--input-shape", "1xAx3"], "--input-shape"),
        (["port", "F.interpolate(x, size=h)", "--to", "onnx"], "the name 'h'"),
        (["identify", "missing.png", "missing2.png"], "IN"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, fragment):
    r = cli(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and fragment in r.stderr, r.stderr


def test_identify_two_images(cli, tmp_path, rng):
    from PIL import Image

    x = (rng.random((17, 23, 3)) * 255).astype(np.uint8)
    Image.fromarray(x).save(tmp_path / "in.png")
    Image.fromarray(x).resize((31, 40), Image.Resampling.BILINEAR).save(tmp_path / "out.png")
    r = cli("identify", str(tmp_path / "in.png"), str(tmp_path / "out.png"))
    assert r.returncode == 0, r.stderr
    assert "exact match" in r.stdout and "Image.Resampling.BILINEAR" in r.stdout
    r = cli("identify", str(tmp_path / "in.png"), str(tmp_path / "out.png"), "--json")
    data = json.loads(r.stdout)
    assert any(m["exact"] and "BILINEAR" in m["call"] for m in data["matches"])
