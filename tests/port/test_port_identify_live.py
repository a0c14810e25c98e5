"""identify, proved live: every registry setting, run in its real framework as a black box, is
identified with an exact match whose own code, run in its own real framework, reproduces the
black box; and pairs of 8-bit images resized by OpenCV and Pillow are identified."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import framework
from port_helpers import case
from upsampling import port
from upsampling.frameworks import _mapping
from upsampling.port.calls import namespace, run_live
from upsampling.port.translate import convert_layout

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def names():
    for module in ("torch", "tensorflow", "cv2", "PIL.Image", "onnxruntime", "onnx"):
        framework(module)
    return namespace()


def test_every_setting_is_identified_exactly(names, rng):
    for setting in _mapping.all_settings():
        call, dims, out = case(setting, rng)
        layout = call.layout(dims)
        code = call.code(dims)

        def black_box(x, code=code, fw=call.framework):
            return run_live(code, x, fw, names=names)

        matches = port.identify(black_box, input_shape=dims.shape(layout), layout=layout, top=2)
        exact = [m for m in matches if m.exact]
        what = f"{setting.framework} {setting.call!r} as {call.text()} on {dims}"
        assert exact, f"{what}: no exact match; closest {matches[0].call if matches else None}\n{matches.recovered}"
        m = exact[0]
        x = rng.random(dims.shape(layout)).astype(np.float32)
        y_box = black_box(x)
        y_m = run_live(m.code, np.ascontiguousarray(convert_layout(x, layout, m.layout)), m.framework, names=names)
        y_m = convert_layout(y_m, m.layout, layout)
        assert y_m.shape == y_box.shape, what
        err = float(np.abs(y_m.astype(np.float64) - y_box).max())
        assert err <= 5e-5, f"{what}: the match {m.call} differs live by {err:.3g}"


@pytest.mark.parametrize("library", ["cv2", "PIL"])
def test_image_pairs(names, rng, library):
    x = (rng.random((17, 23, 3)) * 255).astype(np.uint8)
    if library == "cv2":
        cv2 = names["cv2"]
        y = cv2.resize(x, (40, 31), interpolation=cv2.INTER_LINEAR)
        want = "cv2.resize(x, (40, 31), interpolation=cv2.INTER_LINEAR)"
    else:
        image = names["Image"]
        y = np.asarray(image.fromarray(x).resize((40, 31), image.Resampling.BICUBIC))
        want = "Image.Resampling.BICUBIC"
    matches = port.identify((x, y), layout="HWC")
    exact = [m.call for m in matches if m.exact]
    assert any(want in c for c in exact), exact
