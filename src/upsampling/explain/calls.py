"""The framework calls ``upsampling resize`` and ``upsampling compare`` run, as data.

A :class:`Call` is one framework function with its options (``like``: whose convention, one of
:data:`LIKES`; ``mode``, in each framework's own words; the framework's options), run through that framework's twin in :mod:`upsampling.frameworks` on an
``(H, W, C)`` image; :meth:`Call.port_call` is the same call as :mod:`upsampling.port.calls`
writes and runs it, which does both.  Twins that are not in this
build are reported as missing, never re-implemented.  Refusals are
:class:`~upsampling.errors.InvalidArgumentError` naming the parameter (``like``, ``mode``,
``align_corners``...); the command line renders them as its flags.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from upsampling.errors import InvalidArgumentError, expected_line
from upsampling.port.calls import Call as PortCall
from upsampling.port.calls import CVResize, ONNXResize, PILResize, TF1Resize, TFResize, TorchInterpolate, apply_call
from upsampling.spec import FRAMEWORK_MODE_NAMES, MODE_ALIASES

__all__ = ["COMPARE_FAMILIES", "LIKES", "Call", "compare_calls", "make_call", "pairwise", "run_call"]

LIKES = ("torch", "tf", "tf1", "opencv", "pillow", "onnx")
_TWIN = {"torch": "pytorch", "tf": "tensorflow", "tf1": "tensorflow", "opencv": "opencv", "pillow": "pillow", "onnx": "onnx"}

# mode -> framework's own name
_MODES = {
    "torch": {m: m for m in ("nearest", "nearest-exact", "bilinear", "bicubic", "area", "lanczos")},
    "tf": {m: m for m in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")},
    "tf1": {"bilinear": "resize_bilinear", "nearest": "resize_nearest_neighbor", "bicubic": "resize_bicubic", "area": "resize_area"},
    "opencv": {
        "nearest": "INTER_NEAREST", "nearest-exact": "INTER_NEAREST_EXACT", "bilinear": "INTER_LINEAR",
        "bicubic": "INTER_CUBIC", "area": "INTER_AREA", "lanczos4": "INTER_LANCZOS4",
    },
    "pillow": {
        "nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC", "lanczos": "LANCZOS", "box": "BOX",
        "hamming": "HAMMING",
    },
    "onnx": {m: MODE_ALIASES[m] for m in ("nearest", "bilinear", "bicubic")},
}
# which framework (like=) accepts which of its options
_OPTIONS = {
    "align_corners": ("torch", "tf1"),
    "half_pixel_centers": ("tf1",),
    "antialias": ("torch", "tf", "onnx"),
    "coordinate_transformation_mode": ("onnx",),
    "nearest_mode": ("onnx",),
    "cubic_coeff_a": ("onnx",),
    "exclude_outside": ("onnx",),
    "behaviour": ("onnx",),
}


@dataclass(frozen=True)
class Call:
    """One framework call: ``run(image (H, W, C), (height, width))`` through its twin."""

    like: str
    mode: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def twin(self) -> str:
        return _TWIN[self.like]

    @property
    def label(self) -> str:
        extra = []
        for k, v in self.options.items():
            if v is True:
                extra.append(k)
            elif k == "coordinate_transformation_mode":
                extra.append(str(v))
            elif v not in (False, None):
                extra.append(f"{k}={v}")
        native = _MODES[self.like][self.mode]
        name = native if self.like in ("opencv", "pillow") else self.mode
        legacy = not self.options.get("align_corners") and not self.options.get("half_pixel_centers")
        if self.like == "tf1" and self.mode != "area" and legacy:
            extra.append("legacy")
        return " ".join([self.like, name] + extra)

    def port_call(self, h: int, w: int) -> PortCall:
        """This call at output size ``(h, w)`` as :mod:`upsampling.port` writes and runs it."""
        o = self.options
        native = _MODES[self.like][self.mode]
        if self.like == "torch":
            interpolating = self.mode in ("bilinear", "bicubic")
            return TorchInterpolate(size=(h, w), mode=native,
                                    align_corners=bool(o.get("align_corners")) if interpolating else None,
                                    antialias=bool(o.get("antialias")))
        if self.like == "tf":
            return TFResize(size=(h, w), method=native, antialias=bool(o.get("antialias")))
        if self.like == "tf1":
            return TF1Resize(op=native, size=(h, w), align_corners=bool(o.get("align_corners")),
                             half_pixel_centers=bool(o.get("half_pixel_centers")))
        if self.like == "opencv":
            return CVResize(dsize=(w, h), interpolation=native)
        if self.like == "pillow":
            return PILResize(size=(w, h), resample=native)
        return ONNXResize(
            sizes=(h, w), mode=native,
            coordinate_transformation_mode=o.get("coordinate_transformation_mode") or "half_pixel",
            nearest_mode=o.get("nearest_mode") or "round_prefer_floor",
            cubic_coeff_a=float(o["cubic_coeff_a"]) if o.get("cubic_coeff_a") is not None else -0.75,
            exclude_outside=bool(o.get("exclude_outside")), antialias=bool(o.get("antialias")),
            behaviour=o.get("behaviour") or "spec",
        )

    def code(self, h: int, w: int) -> str:
        """How the call is written in the framework itself (``x`` in the framework's layout)."""
        return self.port_call(h, w).text()

    def module(self) -> ModuleType | None:
        """The twin module, or None when it (or the function this call needs) is not in this build."""
        try:
            mod = importlib.import_module(f"upsampling.frameworks.{self.twin}")
        except ImportError:
            return None
        need = {"torch": "interpolate", "tf": "resize", "tf1": _MODES["tf1"].get(self.mode, ""), "opencv": "resize",
                "pillow": "resize", "onnx": "resize"}[self.like]
        return mod if hasattr(mod, need) else None

    def run(self, x: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
        """Resize ``x`` (``(H, W, C)``) to ``size_hw`` through the twin; returns ``(h, w, C)``."""
        mod = self.module()
        if mod is None:
            raise InvalidArgumentError("like", self.like, f"a framework whose twin is in this build "
                                       f"(upsampling.frameworks.{self.twin} is not)")
        return run_call(self, mod, x, size_hw)


def run_call(call: Call, m: ModuleType, x: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Resize the ``(H, W, C)`` image ``x`` to ``size_hw`` with ``call`` through its twin (``m``, the
    twin module, must be present; :mod:`upsampling.port.calls` writes and runs the call)."""
    del m  # the port call imports its twin itself
    return apply_call(call.port_call(*size_hw), x, "HWC")


def make_call(like: str, mode: str, **options: Any) -> Call:
    """Validate ``like``, ``mode`` and the framework options; unset options are dropped."""
    if like not in LIKES:
        raise InvalidArgumentError("like", like, "one of " + ", ".join(LIKES))
    mode = FRAMEWORK_MODE_NAMES.get(mode, mode) if mode not in _MODES[like] else mode
    if mode not in _MODES[like]:
        raise InvalidArgumentError("mode", mode, message=lambda n: expected_line(
            n("mode"), f"one of {', '.join(_MODES[like])} for {n('like', like)}", mode))
    kept = {}
    for k, v in options.items():
        if v is None or v is False:
            continue
        if like not in _OPTIONS[k]:
            raise InvalidArgumentError(k, v, message=lambda n, k=k: expected_line(
                n(k), f"an option of {' or '.join(n('like', o) for o in _OPTIONS[k])} only", like))
        kept[k] = v
    if like == "tf1" and mode == "area" and kept.get("half_pixel_centers"):
        raise InvalidArgumentError("half_pixel_centers", True, message=lambda n: expected_line(
            n("half_pixel_centers"), f"not with {n('mode', 'area')} (tf.compat.v1.image.resize_area has no such flag)",
            True))
    if like == "torch" and kept.get("align_corners") and mode not in ("bilinear", "bicubic"):
        raise InvalidArgumentError("align_corners", True, message=lambda n: expected_line(
            n("align_corners"), f"{n('mode', 'bilinear')} or bicubic with {n('like', 'torch')} (PyTorch refuses it "
            "otherwise)", mode))
    return Call(like, mode, kept)


COMPARE_FAMILIES: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "bilinear": [
        ("torch", "bilinear", {}),
        ("torch", "bilinear", {"align_corners": True}),
        ("torch", "bilinear", {"antialias": True}),
        ("tf", "bilinear", {}),
        ("tf", "bilinear", {"antialias": True}),
        ("tf1", "bilinear", {}),
        ("tf1", "bilinear", {"align_corners": True}),
        ("tf1", "bilinear", {"half_pixel_centers": True}),
        ("opencv", "bilinear", {}),
        ("pillow", "bilinear", {}),
        ("onnx", "bilinear", {"coordinate_transformation_mode": "half_pixel"}),
        ("onnx", "bilinear", {"coordinate_transformation_mode": "align_corners"}),
        ("onnx", "bilinear", {"coordinate_transformation_mode": "asymmetric"}),
        ("onnx", "bilinear", {"coordinate_transformation_mode": "pytorch_half_pixel"}),
    ],
    "nearest": [
        ("torch", "nearest", {}),
        ("torch", "nearest-exact", {}),
        ("tf", "nearest", {}),
        ("tf1", "nearest", {}),
        ("tf1", "nearest", {"align_corners": True}),
        ("tf1", "nearest", {"half_pixel_centers": True}),
        ("opencv", "nearest", {}),
        ("opencv", "nearest-exact", {}),
        ("pillow", "nearest", {}),
        ("onnx", "nearest", {"coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_floor"}),
        ("onnx", "nearest", {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}),
        ("onnx", "nearest", {"coordinate_transformation_mode": "align_corners", "nearest_mode": "round_prefer_ceil"}),
    ],
    "bicubic": [
        ("torch", "bicubic", {}),
        ("torch", "bicubic", {"align_corners": True}),
        ("torch", "bicubic", {"antialias": True}),
        ("tf", "bicubic", {}),
        ("tf", "bicubic", {"antialias": True}),
        ("tf1", "bicubic", {}),
        ("tf1", "bicubic", {"align_corners": True}),
        ("tf1", "bicubic", {"half_pixel_centers": True}),
        ("opencv", "bicubic", {}),
        ("pillow", "bicubic", {}),
        ("onnx", "bicubic", {"coordinate_transformation_mode": "half_pixel"}),
        ("onnx", "bicubic", {"coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.5, "exclude_outside": True}),
        ("onnx", "bicubic", {"coordinate_transformation_mode": "align_corners"}),
    ],
    "area": [
        ("torch", "area", {}),
        ("tf", "area", {}),
        ("tf1", "area", {}),
        ("tf1", "area", {"align_corners": True}),
        ("opencv", "area", {}),
        ("pillow", "box", {}),
    ],
}


def compare_calls(family: str) -> list[Call]:
    if family not in COMPARE_FAMILIES:
        raise InvalidArgumentError("family", family, "one of " + ", ".join(COMPARE_FAMILIES))
    return [Call(like, mode, dict(opts)) for like, mode, opts in COMPARE_FAMILIES[family]]


def pairwise(results: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Max and mean absolute difference between every pair (float64, over all pixels and channels).

    Computed a band of rows at a time, so the float64 temporaries stay a few MiB whatever the size.
    """
    n = len(results)
    mx = np.zeros((n, n))
    total = np.zeros((n, n))
    if n == 0:
        return mx, total
    shape = results[0].shape
    rows = max(1, 2**20 // max(1, int(np.prod(shape[1:], dtype=np.int64))))
    for r in range(0, shape[0], rows):
        band = [y[r:r + rows].astype(np.float64) for y in results]
        for i in range(n):
            for j in range(i + 1, n):
                d = np.abs(band[i] - band[j])
                mx[i, j] = mx[j, i] = max(mx[i, j], float(d.max()))
                total[i, j] = total[j, i] = total[i, j] + float(d.sum())
    count = max(1, int(np.prod(shape, dtype=np.int64)))
    return mx, total / count
