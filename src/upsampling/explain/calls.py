"""The framework calls ``upsampling resize`` and ``upsampling compare`` run, as data.

A :class:`Call` is one framework function with its options, run through that framework's
twin in :mod:`upsampling.frameworks` on an ``(H, W, C)`` image.  Twins that are not in this
build are reported as missing, never re-implemented.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from upsampling.explain.parse import OptionError

__all__ = ["COMPARE_FAMILIES", "LIKES", "Call", "compare_calls", "make_call", "pairwise", "run_call"]

LIKES = ("torch", "tf", "tf1", "opencv", "pillow", "onnx")
_TWIN = {"torch": "pytorch", "tf": "tensorflow", "tf1": "tensorflow", "opencv": "opencv", "pillow": "pillow", "onnx": "onnx"}
_ALIASES = {"linear": "bilinear", "cubic": "bicubic"}

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
    "onnx": {"nearest": "nearest", "bilinear": "linear", "bicubic": "cubic"},
}
# which --like accepts which framework option
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
_FLAGS = {
    "align_corners": "--align-corners",
    "half_pixel_centers": "--half-pixel-centers",
    "antialias": "--antialias",
    "coordinate_transformation_mode": "--coordinate-transformation-mode",
    "nearest_mode": "--nearest-mode",
    "cubic_coeff_a": "--cubic-coeff-a",
    "exclude_outside": "--exclude-outside",
    "behaviour": "--behaviour",
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

    def code(self, h: int, w: int) -> str:
        """How the call is written in the framework itself."""
        o = self.options
        native = _MODES[self.like][self.mode]
        if self.like == "torch":
            args = [f"size=({h}, {w})", f"mode={native!r}"]
            if self.mode in ("bilinear", "bicubic"):
                args.append(f"align_corners={bool(o.get('align_corners'))}")
            if o.get("antialias"):
                args.append("antialias=True")
            return f"torch.nn.functional.interpolate(x_nchw, {', '.join(args)})"
        if self.like == "tf":
            return f"tf.image.resize(x_nhwc, ({h}, {w}), method={native!r}, antialias={bool(o.get('antialias'))})"
        if self.like == "tf1":
            args = [f"({h}, {w})", f"align_corners={bool(o.get('align_corners'))}"]
            if native != "resize_area":
                args.append(f"half_pixel_centers={bool(o.get('half_pixel_centers'))}")
            return f"tf.compat.v1.image.{native}(x_nhwc, {', '.join(args)})"
        if self.like == "opencv":
            return f"cv2.resize(x_hwc, ({w}, {h}), interpolation=cv2.{native})"
        if self.like == "pillow":
            return f"image.resize(({w}, {h}), resample=Image.Resampling.{native})"
        args = [f"sizes=[1, C, {h}, {w}]", f"mode={native!r}"]
        for k in ("coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside", "antialias"):
            if k in o and o[k] not in (None, False):
                args.append(f"{k}={int(o[k]) if isinstance(o[k], bool) else o[k]!r}")
        return f"onnx Resize({', '.join(args)})"

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
            raise OptionError("--like", f"a framework whose twin is in this build (upsampling.frameworks.{self.twin} is not)", self.like)
        return run_call(self, mod, x, size_hw)


def run_call(call: Call, m: ModuleType, x: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    h, w = size_hw
    o = call.options
    native = _MODES[call.like][call.mode]
    if call.like == "torch":
        kwargs: dict[str, Any] = {"size": (h, w), "mode": native}
        if call.mode in ("bilinear", "bicubic"):
            kwargs["align_corners"] = bool(o.get("align_corners"))
        if o.get("antialias"):
            kwargs["antialias"] = True
        y = m.interpolate(np.ascontiguousarray(x.transpose(2, 0, 1)[None]), **kwargs)
        return y[0].transpose(1, 2, 0)
    if call.like == "tf":
        return m.resize(x, (h, w), method=native, antialias=bool(o.get("antialias")))
    if call.like == "tf1":
        fn: Callable[..., np.ndarray] = getattr(m, native)
        kwargs = {"align_corners": bool(o.get("align_corners"))}
        if native != "resize_area":
            kwargs["half_pixel_centers"] = bool(o.get("half_pixel_centers"))
        return fn(x[None], (h, w), **kwargs)[0]
    if call.like == "opencv":
        flag = getattr(m, native, None)
        if flag is None:
            raise OptionError("--mode", f"an interpolation the OpenCV twin provides (it has no {native})", call.mode)
        y = m.resize(x if x.shape[2] > 1 else x[:, :, 0], (w, h), interpolation=flag)
        return y if y.ndim == 3 else y[:, :, None]
    if call.like == "pillow":
        flag = getattr(m, native, None)
        if flag is None:
            raise OptionError("--mode", f"a filter the Pillow twin provides (it has no {native})", call.mode)
        # Pillow resamples every band on its own; the twin is called one band at a time, as
        # Image.resize((width, height), resample) on a mode "L"/"F" image.
        try:
            bands = [np.asarray(m.resize(np.ascontiguousarray(x[:, :, c]), (w, h), flag)) for c in range(x.shape[2])]
        except TypeError as exc:
            raise OptionError(
                "--like pillow", "a Pillow twin taking resize(image, (width, height), resample)", None, str(exc)
            ) from None
        return np.stack([b if b.ndim == 2 else b[..., 0] for b in bands], axis=2)
    kwargs = {"sizes": [1, x.shape[2], h, w], "mode": native}
    for k in ("coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "behaviour"):
        if o.get(k) is not None:
            kwargs[k] = o[k]
    for k in ("exclude_outside", "antialias"):
        if o.get(k):
            kwargs[k] = 1
    y = m.resize(np.ascontiguousarray(x.transpose(2, 0, 1)[None]), **kwargs)
    return y[0].transpose(1, 2, 0)


def make_call(like: str, mode: str, **options: Any) -> Call:
    """Validate ``--like``, ``--mode`` and the framework options; unset options are dropped."""
    if like not in LIKES:
        raise OptionError("--like", "one of " + ", ".join(LIKES), like)
    mode = _ALIASES.get(mode, mode) if mode not in _MODES[like] else mode
    if like == "onnx":
        mode = {"linear": "bilinear", "cubic": "bicubic"}.get(mode, mode)
    if mode not in _MODES[like]:
        raise OptionError("--mode", f"one of {', '.join(_MODES[like])} for --like {like}", mode)
    kept = {}
    for k, v in options.items():
        if v is None or v is False:
            continue
        if like not in _OPTIONS[k]:
            raise OptionError(_FLAGS[k], f"an option of --like {' or '.join(_OPTIONS[k])} only", like)
        kept[k] = v
    if like == "tf1" and mode == "area" and kept.get("half_pixel_centers"):
        raise OptionError("--half-pixel-centers", "not with --mode area (tf.compat.v1.image.resize_area has no such flag)", True)
    if like == "torch" and kept.get("align_corners") and mode not in ("bilinear", "bicubic"):
        raise OptionError("--align-corners", "--mode bilinear or bicubic with --like torch (PyTorch refuses it otherwise)", mode)
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
        raise OptionError("--mode", "one of " + ", ".join(COMPARE_FAMILIES), family)
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
