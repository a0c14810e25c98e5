"""Pillow's ``Image.resize`` as a :class:`Call` (each channel a mode "F" image)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from upsampling.frameworks import _mapping
from upsampling.frameworks._mapping import Setting
from upsampling.port.calls.base import Dims, ImageCall, _pil_module


PIL_FILTERS = ("NEAREST", "BOX", "BILINEAR", "HAMMING", "BICUBIC", "LANCZOS", "MKS2013", "MKS2021")


def _pillow_setting(name: str) -> Setting:
    if name == "NEAREST":
        return _pil_module().NEAREST_SETTING
    _pil_module()
    wanted = f"Image.resize(resample=Image.{name})"
    for s in _mapping.REGISTRY:
        if s.framework == "Pillow" and (s.call == wanted or s.call.startswith(wanted + " ")):
            return s
    raise LookupError(f"no registered Pillow setting for {name}")  # pragma: no cover - registry drift


@dataclass(frozen=True)
class PILResize(ImageCall):
    """``Image.resize`` of each channel as a mode "F" image; ``size`` is (width, height)."""

    size: tuple[int, int] = (1, 1)
    resample: str = "BICUBIC"
    box: tuple[float, float, float, float] | None = None
    reducing_gap: float | None = None

    framework: ClassVar[str] = "pillow"
    UNIT_LAYOUT: ClassVar[str] = "HW"
    NEAREST: ClassVar[tuple[str, str]] = ("resample", "NEAREST")

    def expression(self, x: str = "x") -> str:
        args = [repr(tuple(self.size)), f"Image.Resampling.{self.resample}"]
        if self.box is not None:
            args.append(f"box={tuple(float(v) for v in self.box)!r}")
        if self.reducing_gap is not None:
            args.append(f"reducing_gap={float(self.reducing_gap)!r}")
        return f"{x}.resize({', '.join(args)})"

    def text(self) -> str:
        return "Image.fromarray(x).resize(" + self.expression("x").split(".resize(", 1)[1]

    def image_code(self, image: str, dims: Dims) -> str:
        one = self.expression("Image.fromarray(np.ascontiguousarray(band, dtype=np.float32))")
        return f"np.stack([np.asarray({one}) for band in {image}.transpose(2, 0, 1)], axis=2)"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        return self.size[1], self.size[0]

    def run(self, x: np.ndarray) -> np.ndarray:
        pil = _pil_module()
        if x.dtype != np.uint8:
            x = x.astype(np.float32)  # mode "F"
        return pil.resize(x, self.size, getattr(pil, self.resample), box=self.box,
                          reducing_gap=self.reducing_gap)

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        return (dims.h, dims.w)

    def settings(self) -> tuple[Setting, ...]:
        s = (_pillow_setting(self.resample),)
        return s + ((_pil_module().REDUCE,) if self.reducing_gap is not None else ())

    def _key_extras(self) -> dict[str, Any]:
        return {"box": self.box} if self.box is not None else {}

    def size_rule(self) -> tuple:
        return ("size",) if self.box is None else ("size", "box")
