"""TensorFlow's resizes as calls: ``tf.image.resize``, the ``compat.v1`` ops, Keras ``UpSampling2D``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from upsampling.frameworks._mapping import Setting
from upsampling.port.calls.base import Call, Dims, _tf_module, normal_rule




@dataclass(frozen=True)
class TFResize(Call):
    """``tf.image.resize`` (TF2)."""

    size: tuple[int, int] = (1, 1)
    method: str = "bilinear"
    antialias: bool = False
    preserve_aspect_ratio: bool = False

    framework: ClassVar[str] = "tensorflow"
    UNIT_LAYOUT: ClassVar[str] = "NHWC"
    NEAREST: ClassVar[tuple[str, str]] = ("method", "nearest")

    def expression(self, x: str = "x") -> str:
        args = [x, repr(tuple(self.size))]
        if self.method != "bilinear":
            args.append(f"method={self.method!r}")
        if self.antialias:
            args.append("antialias=True")
        if self.preserve_aspect_ratio:
            args.append("preserve_aspect_ratio=True")
        return f"tf.image.resize({', '.join(args)})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        if not self.preserve_aspect_ratio:
            return tuple(self.size)
        f = np.float32
        s = min(f(self.size[0]) / f(dims.h), f(self.size[1]) / f(dims.w))
        return int(np.round(f(s * f(dims.h)))), int(np.round(f(s * f(dims.w))))

    def run(self, x: np.ndarray) -> np.ndarray:
        return _tf_module().resize(x, self.size, method=self.method, antialias=self.antialias,
                                   preserve_aspect_ratio=self.preserve_aspect_ratio)

    def settings(self) -> tuple[Setting, ...]:
        t = _tf_module()
        if self.method == "nearest":
            return (t.NEAREST_HALF_PIXEL,)
        if self.method == "area":
            return (t.AREA,)
        if self.method == "bilinear" and not self.antialias:
            return (t.BILINEAR_HALF_PIXEL,)
        if self.method == "bicubic" and not self.antialias:
            return (t.BICUBIC_HALF_PIXEL,)
        return ({"bilinear": t.TRIANGLE, "bicubic": t.KEYS_CUBIC, "lanczos3": t.LANCZOS3, "lanczos5": t.LANCZOS5,
                 "gaussian": t.GAUSSIAN, "mitchellcubic": t.MITCHELLCUBIC}[self.method],)

    def _key_extras(self) -> dict[str, Any]:
        if self.method == "nearest":
            return {"inv_scale": "float32(in)/float32(out)"}  # upsampling.coords.inverse_scale, float32
        return {"antialias": bool(self.antialias)} if self.settings()[0].builder == "window_plan" else {}

    def size_rule(self) -> tuple:
        return ("aspect",) if self.preserve_aspect_ratio else ("size",)


TF1_OPS = ("resize_bilinear", "resize_nearest_neighbor", "resize_bicubic", "resize_area")


@dataclass(frozen=True)
class TF1Resize(Call):
    """``tf.compat.v1.image.resize_{bilinear,nearest_neighbor,bicubic,area}``."""

    op: str = "resize_bilinear"
    size: tuple[int, int] = (1, 1)
    align_corners: bool = False
    half_pixel_centers: bool = False

    framework: ClassVar[str] = "tensorflow"
    UNIT_LAYOUT: ClassVar[str] = "NHWC"
    NEAREST: ClassVar[tuple[str, str]] = ("op", "resize_nearest")

    def expression(self, x: str = "x") -> str:
        args = [x, repr(tuple(self.size))]
        if self.align_corners:
            args.append("align_corners=True")
        if self.half_pixel_centers:
            args.append("half_pixel_centers=True")
        return f"tf.compat.v1.image.{self.op}({', '.join(args)})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return tuple(self.size)

    def run(self, x: np.ndarray) -> np.ndarray:
        fn = getattr(_tf_module(), self.op)
        if self.op == "resize_area":
            return fn(x, self.size, align_corners=self.align_corners)
        return fn(x, self.size, align_corners=self.align_corners, half_pixel_centers=self.half_pixel_centers)

    def settings(self) -> tuple[Setting, ...]:
        t = _tf_module()
        kind = {"resize_bilinear": "BILINEAR", "resize_nearest_neighbor": "NEAREST", "resize_bicubic": "BICUBIC",
                "resize_area": "AREA"}[self.op]
        if kind == "AREA":
            return (t.AREA_ALIGN_CORNERS if self.align_corners else t.AREA,)
        flag = "ALIGN_CORNERS" if self.align_corners else "HALF_PIXEL" if self.half_pixel_centers else "LEGACY"
        return (getattr(t, f"{kind}_{flag}"),)

    def _key_extras(self) -> dict[str, Any]:
        if self.op == "resize_nearest_neighbor":  # coords.inverse_scale (float32), or its align_corners_ratio
            return {"inv_scale": "the plan's own (in-1)/(out-1)" if self.align_corners else "float32(in)/float32(out)"}
        return {"inv_scale": "(in-1)/(out-1)"} if self.op == "resize_area" and self.align_corners else {}

    def size_rule(self) -> tuple:
        return ("size",)


@dataclass(frozen=True)
class KerasUpSampling(Call):
    """``tf.keras.layers.UpSampling2D(size, interpolation)`` (Keras 3, channels_last): ``nearest``
    repeats each pixel (``ops.repeat``); the other interpolations are ``tf.image.resize`` to
    ``(H·sh, W·sw)`` without antialias (keras/src/layers/reshaping/up_sampling2d.py)."""

    factors: tuple[int, int] = (2, 2)
    interpolation: str = "nearest"

    framework: ClassVar[str] = "tensorflow"
    UNIT_LAYOUT: ClassVar[str] = "NHWC"
    NEAREST: ClassVar[tuple[str, str]] = ("interpolation", "nearest")

    def expression(self, x: str = "x") -> str:
        interp = "" if self.interpolation == "nearest" else f", interpolation={self.interpolation!r}"
        return f"tf.keras.layers.UpSampling2D(size={tuple(self.factors)!r}{interp})({x})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return dims.h * self.factors[0], dims.w * self.factors[1]

    def _resize(self, dims: Dims) -> TFResize:
        return TFResize(size=self.out_hw(dims), method=self.interpolation)

    def run(self, x: np.ndarray) -> np.ndarray:
        if self.interpolation == "nearest":
            return np.repeat(np.repeat(x, self.factors[0], axis=1), self.factors[1], axis=2)
        return self._resize(Dims(x.shape[0], x.shape[3], x.shape[1], x.shape[2])).run(x)

    def settings(self) -> tuple[Setting, ...]:
        if self.interpolation == "nearest":
            return ()
        return TFResize(size=(1, 1), method=self.interpolation).settings()

    def key(self) -> tuple:
        if self.interpolation == "nearest":
            return (("repeat",), normal_rule(self.size_rule()))
        return super().key()

    def size_rule(self) -> tuple:
        return ("scale", tuple(float(v) for v in self.factors), "floor")
