"""Every registry :class:`~upsampling.frameworks._mapping.Setting` as a call that runs it."""

from __future__ import annotations

from typing import Any

from upsampling.errors import InvalidArgumentError
from upsampling.frameworks._mapping import Setting
from upsampling.port.calls.base import Call
from upsampling.port.calls.onnx import ONNXResize
from upsampling.port.calls.opencv import CV_FLAGS, CVResize
from upsampling.port.calls.pillow import PIL_FILTERS, PILResize
from upsampling.port.calls.pytorch import TorchInterpolate
from upsampling.port.calls.tensorflow import TF1_OPS, TF1Resize, TFResize


def setting_call(setting: Setting, size_hw: tuple[int, int]) -> tuple[Call, dict[str, Any]]:
    """A call that runs ``setting`` at output size ``size_hw``, and what the input must be for the
    framework to pick that setting (``{"dtype": ..., "channels": ..., "min_out_sum": ...}``).

    Raises :class:`~upsampling.errors.InvalidArgumentError` for a setting that no call maps to: one
    made outside the registry (a test keeps every registry setting covered).
    """
    h, w = size_hw
    need: dict[str, Any] = {}
    for call in _all_template_calls(size_hw):
        if setting in call.settings():
            sets = call.settings()
            if len(sets) > 1:
                need = _REACH.get(setting.call, {})
            return call, need
    raise InvalidArgumentError("source", f"{setting.framework} {setting.call!r}", "a Setting of the registry "
                               "(upsampling.frameworks._mapping.all_settings()); no framework call runs this one")


# What input makes the framework pick one of several settings of the same call (the twins' rules,
# as their Setting notes state them).
_REACH: dict[str, dict[str, Any]] = {
    "interpolate(mode='nearest'), 4-D input with out_h + out_w <= 128": {"max_out_sum": 128},
    "interpolate(mode='nearest'), 3-D and 5-D input, 4-D with out_h + out_w > 128": {"min_out_sum": 129},
    "interpolate(mode='nearest-exact'), 4-D input with out_h + out_w <= 128": {"max_out_sum": 128},
    "interpolate(mode='nearest-exact'), 3-D and 5-D input, 4-D with out_h + out_w > 128": {"min_out_sum": 129},
    "resize(interpolation=INTER_LINEAR), OpenCV's own kernel: uint8, or an image IPP declines": {"channels": 2},
    "resize(interpolation=INTER_LINEAR), uint8, vertical pass": {"dtype": "uint8"},
    "resize(interpolation=INTER_LINEAR), float32/float64/uint16/int16, 1, 3 or 4 channels, both sides >= 2":
        {"channels": 3},
    "resize(interpolation=INTER_CUBIC), OpenCV's own kernel: float64, or an image IPP declines": {"channels": 2},
    "resize(interpolation=INTER_CUBIC), float32/uint8/uint16/int16, 1, 3 or 4 channels, both sides >= 4":
        {"channels": 3, "min_side": 4},
    "resize(interpolation=INTER_AREA), both axes shrink (1/inv_scale >= 1)": {"shrink": True},
    "resize(interpolation=INTER_AREA), either axis grows (then on both axes)": {"grow": True},
}


def _all_template_calls(size_hw: tuple[int, int]) -> list[Call]:
    h, w = size_hw
    calls: list[Call] = []
    for mode in ("nearest", "nearest-exact", "area"):
        calls.append(TorchInterpolate(size=size_hw, mode=mode))
    for mode in ("bilinear", "bicubic"):
        for ac in (False, True):
            calls.append(TorchInterpolate(size=size_hw, mode=mode, align_corners=ac))
        calls.append(TorchInterpolate(size=size_hw, mode=mode, align_corners=False, antialias=True))
    calls.append(TorchInterpolate(size=size_hw, mode="lanczos", align_corners=False, antialias=True))
    for method in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"):
        calls.append(TFResize(size=size_hw, method=method))
        if method in ("bilinear", "bicubic"):
            calls.append(TFResize(size=size_hw, method=method, antialias=True))
    for op in TF1_OPS:
        flags = [(False, False), (True, False)] + ([(False, True)] if op != "resize_area" else [])
        for ac, hpc in flags:
            calls.append(TF1Resize(op=op, size=size_hw, align_corners=ac, half_pixel_centers=hpc))
    for flag in CV_FLAGS:
        calls.append(CVResize(dsize=(w, h), interpolation=flag))
    for name in PIL_FILTERS:
        calls.append(PILResize(size=(w, h), resample=name))
    calls.append(PILResize(size=(w, h), resample="BICUBIC", reducing_gap=2.0))
    calls.append(ONNXResize(sizes=size_hw, mode="linear"))
    calls.append(ONNXResize(sizes=size_hw, mode="linear", behaviour="spec"))
    calls.append(ONNXResize(scales=(2.0, 2.0), mode="nearest", opset=9))
    return calls
