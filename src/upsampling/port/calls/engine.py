"""The engine's own call (``upsampling.resize``), a framework call run through its twin, and
rewriting a call for another output size."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from upsampling.errors import UnsupportedError
from upsampling.port.calls.base import Call, Dims, Wrapper, normal_rule, spec_key
from upsampling.port.calls.onnx import ONNXResize
from upsampling.port.calls.opencv import CVResize
from upsampling.port.calls.pillow import PILResize
from upsampling.port.calls.pytorch import TorchInterpolate
from upsampling.port.calls.tensorflow import TF1Resize, TFResize
from upsampling.spec import ResizeSpec


@dataclass(frozen=True)
class EngineResize(Call):
    """``upsampling.resize`` (a :class:`~upsampling.spec.ResizeSpec`)."""

    spec: ResizeSpec = field(default_factory=lambda: ResizeSpec(1))

    framework: ClassVar[str] = "engine"

    @property
    def family(self) -> str:
        return "nearest" if self.spec.mode == "nearest" else "smooth"

    def unit_layout(self) -> str:
        return self.spec.layout

    def expression(self, x: str = "x") -> str:
        return self.spec.call(x)

    def code(self, dims: Dims) -> str:
        return f"import upsampling\ny = {self.expression('x')}"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.spec.output_lengths(dims.shape(self.spec.layout))

    def run(self, x: np.ndarray) -> np.ndarray:
        from upsampling.resizing import resize

        s = self.spec
        return resize(x, s.size, scale=s.scale, mode=s.mode, coordinate_transformation_mode=s.coordinate_transformation_mode,
                      nearest_mode=s.nearest_mode, cubic_coeff_a=s.cubic_coeff_a, exclude_outside=s.exclude_outside,
                      antialias=s.antialias, layout=s.layout, roi=s.roi, extrapolation_value=s.extrapolation_value)

    def key(self) -> tuple:
        return ((spec_key(self.spec, "spec"),), normal_rule(self.size_rule()))

    def size_rule(self) -> tuple:
        if self.spec.size is not None:
            return ("size",)
        frac = self.spec.coordinate_transformation_mode in ("align_corners", "pytorch_half_pixel")
        return ("scale_fractional" if frac else "scale", tuple(self.spec.scale), "floor")


@dataclass(frozen=True)
class TwinResize(Wrapper):
    """A framework call (:attr:`inner`) through its twin in :mod:`upsampling.frameworks` (NumPy, no framework)."""

    inner: Call = field(default_factory=lambda: TorchInterpolate(size=(1, 1)))

    framework: ClassVar[str] = "engine"

    def layout(self, dims: Dims) -> str:
        return self.inner.layout(dims)

    def expression(self, x: str = "x") -> str:
        fw = self.inner.framework
        c = self.inner
        if isinstance(c, TorchInterpolate):
            return "pytorch." + c.expression(x).replace("F.interpolate(", "interpolate(", 1)
        if isinstance(c, TFResize):
            return "tensorflow." + c.expression(x).replace("tf.image.resize(", "resize(", 1)
        if isinstance(c, TF1Resize):
            return "tensorflow." + c.expression(x).replace("tf.compat.v1.image.", "", 1)
        if isinstance(c, CVResize):
            return "opencv." + c.expression(x).replace("cv2.resize(", "resize(", 1).replace("cv2.", "opencv.")
        if isinstance(c, PILResize):
            args = c.expression("_").split(".resize(", 1)[1].replace("Image.Resampling.", "pillow.")
            return f"pillow.resize({x}, {args}"
        if isinstance(c, ONNXResize):
            kwargs = ", ".join(f"{k}={v!r}" for k, v in {**c.attributes(), "axes": [2, 3]}.items())
            what = f"sizes={list(c.sizes)!r}" if c.sizes is not None else f"scales={[float(v) for v in c.scales]!r}"
            return f"onnx.resize({x}, {what}, {kwargs}, behaviour={c.behaviour!r})"
        raise UnsupportedError("framework", fw, "a framework with a twin")  # pragma: no cover

    def code(self, dims: Dims) -> str:
        c = self.inner
        module = c.framework
        if isinstance(c, CVResize):
            body = c.code(dims).replace("cv2.resize(", "opencv.resize(").replace("cv2.INTER_", "opencv.INTER_")
            return f"from upsampling.frameworks import opencv\n{body}"
        if isinstance(c, PILResize):
            body = c.code(dims)
            body = re.sub(r"Image\.fromarray\((np\.ascontiguousarray\(band, dtype=np\.float32\))\)\.resize\(",
                          r"pillow.resize(\1, ", body).replace("Image.Resampling.", "pillow.")
            return f"from upsampling.frameworks import pillow\n{body}"
        return f"from upsampling.frameworks import {module}\ny = {self.expression('x')}"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.inner.out_hw(dims)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.inner.run(x)

    def key(self) -> tuple:
        return self.inner.key()

    def size_rule(self) -> tuple:
        return self.inner.size_rule()


def resized(call: Call, out_hw: tuple[int, int]) -> Call | None:
    """The same call written with an explicit output size (None for a composition)."""
    h, w = out_hw
    if isinstance(call, TorchInterpolate):
        return replace(call, size=(h, w), scale_factor=None, recompute_scale_factor=None)
    if isinstance(call, (TFResize, TF1Resize)):
        return replace(call, size=(h, w))
    if isinstance(call, CVResize):
        return replace(call, dsize=(w, h), fx=0.0, fy=0.0)
    if isinstance(call, PILResize):
        return replace(call, size=(w, h)) if call.box is None else None
    if isinstance(call, ONNXResize):
        return replace(call, sizes=(h, w), scales=None)
    if isinstance(call, EngineResize):
        return replace(call, spec=call.spec.replace(size=(h, w)))
    if isinstance(call, TwinResize):
        inner = resized(call.inner, out_hw)
        return None if inner is None else TwinResize(inner)
    return None


_SENTINELS = (999983, 999979)


def code_with_size_from(call: Call, dims: Dims, scales: tuple[float, float], rounding: str) -> str:
    """``call.code`` with its output size computed from ``x.shape`` as a scale-based source does:
    ``int(n * s)`` (floor), ``round(n * s)`` (half to even, OpenCV) or float32 (ONNX Runtime)."""
    sized = resized(call, _SENTINELS)
    if sized is None:
        return call.code(dims)
    layout = call.layout(dims)
    code = sized.code(dims)
    for axis, sentinel, s in (("H", _SENTINELS[0], scales[0]), ("W", _SENTINELS[1], scales[1])):
        n = f"x.shape[{layout.index(axis)}]"
        if rounding == "round_half_even":
            expr = f"round({n} * {float(s)!r})"
        elif rounding == "floor_float32":
            expr = f"int(np.float32({n}) * np.float32({float(s)!r}))"
        else:
            expr = f"int({n} * {float(s)!r})"
        code = code.replace(str(sentinel), expr)
    return code
