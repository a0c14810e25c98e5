"""``cv2.resize`` as a :class:`Call`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from upsampling.frameworks._mapping import Setting
from upsampling.port.calls.base import Dims, ImageCall, _cv_module


CV_FLAGS = ("INTER_NEAREST", "INTER_LINEAR", "INTER_CUBIC", "INTER_AREA", "INTER_LANCZOS4", "INTER_LINEAR_EXACT",
            "INTER_NEAREST_EXACT")


@dataclass(frozen=True)
class CVResize(ImageCall):
    """``cv2.resize`` on one ``(H, W, C)`` image; ``dsize`` is (width, height)."""

    dsize: tuple[int, int] | None = None
    fx: float = 0.0
    fy: float = 0.0
    interpolation: str = "INTER_LINEAR"

    framework: ClassVar[str] = "opencv"
    UNIT_LAYOUT: ClassVar[str] = "HWC"
    NEAREST: ClassVar[tuple[str, str]] = ("interpolation", "INTER_NEAREST")

    def expression(self, x: str = "x") -> str:
        interp = f"interpolation=cv2.{self.interpolation}"
        if self.dsize is not None:
            return f"cv2.resize({x}, {tuple(self.dsize)!r}, {interp})"
        return f"cv2.resize({x}, None, fx={float(self.fx)!r}, fy={float(self.fy)!r}, {interp})"

    def image_code(self, image: str, dims: Dims) -> str:
        single = dims.channels == 1  # cv2 returns (h, w) for one channel
        return self.expression(image) + ("[:, :, np.newaxis]" if single else "")

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        if self.dsize is not None:
            return self.dsize[1], self.dsize[0]
        return round(dims.h * self.fy), round(dims.w * self.fx)  # saturate_cast: half to even, as round()

    def run(self, x: np.ndarray) -> np.ndarray:
        cv = _cv_module()
        y = cv.resize(x, self.dsize, fx=self.fx, fy=self.fy, interpolation=getattr(cv, self.interpolation))
        return y if y.ndim == x.ndim else y[:, :, None]

    def probe_shape(self, dims: Dims, slots: int) -> tuple[int, ...]:
        return (dims.h, dims.w, dims.channels)  # the channel count picks the kernel (IPP: 1, 3 or 4)

    def settings(self) -> tuple[Setting, ...]:
        t = _cv_module()
        return {
            "INTER_NEAREST": (t.NEAREST,), "INTER_NEAREST_EXACT": (t.NEAREST_EXACT,),
            "INTER_LINEAR": (t.LINEAR, t.LINEAR_IPP, t.LINEAR_UINT8_ROWS), "INTER_LINEAR_EXACT": (t.LINEAR_EXACT,),
            "INTER_CUBIC": (t.CUBIC, t.CUBIC_IPP), "INTER_LANCZOS4": (t.LANCZOS4,),
            "INTER_AREA": (t.AREA_DOWN, t.AREA_UP),
        }[self.interpolation]

    def size_rule(self) -> tuple:
        if self.dsize is not None:
            return ("size",)
        sizes_only = self.interpolation == "INTER_NEAREST_EXACT"
        return ("round_size" if sizes_only else "scale", (self.fy, self.fx), "round_half_even")
