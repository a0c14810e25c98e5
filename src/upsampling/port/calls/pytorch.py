"""``torch.nn.functional.interpolate`` (and ``nn.Upsample``, which runs it) as a :class:`Call`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from upsampling.frameworks._mapping import Setting
from upsampling.port.calls.base import Call, Dims, _scale_text, _torch_module


@dataclass(frozen=True)
class TorchInterpolate(Call):
    """``torch.nn.functional.interpolate`` (also what ``nn.Upsample`` runs)."""

    size: tuple[int, int] | None = None
    scale_factor: tuple[float, float] | None = None
    mode: str = "nearest"
    align_corners: bool | None = None
    antialias: bool = False
    recompute_scale_factor: bool | None = None

    framework: ClassVar[str] = "pytorch"
    UNIT_LAYOUT: ClassVar[str] = "NCHW"
    NEAREST: ClassVar[tuple[str, str]] = ("mode", "nearest")

    def expression(self, x: str = "x") -> str:
        args = [x]
        if self.size is not None:
            args.append(f"size={tuple(self.size)!r}")
        else:
            args.append(f"scale_factor={_scale_text(self.scale_factor)}")
        args.append(f"mode={self.mode!r}")
        if self.mode in ("bilinear", "bicubic", "linear", "trilinear"):
            args.append(f"align_corners={bool(self.align_corners)}")
        if self.antialias:
            args.append("antialias=True")
        if self.recompute_scale_factor:
            args.append("recompute_scale_factor=True")
        return f"F.interpolate({', '.join(args)})"

    def out_hw(self, dims: Dims) -> tuple[int, int]:
        if self.size is not None:
            return tuple(self.size)
        return int(dims.h * self.scale_factor[0]), int(dims.w * self.scale_factor[1])

    def run(self, x: np.ndarray) -> np.ndarray:
        return _torch_module().interpolate(
            x, size=self.size, scale_factor=self.scale_factor, mode=self.mode,
            align_corners=self.align_corners if self.mode not in ("nearest", "nearest-exact", "area") else None,
            antialias=self.antialias, recompute_scale_factor=self.recompute_scale_factor,
        )

    def settings(self) -> tuple[Setting, ...]:
        t = _torch_module()
        if self.mode == "nearest":
            return (t.NEAREST, t.NEAREST_GENERIC)
        if self.mode == "nearest-exact":
            return (t.NEAREST_EXACT, t.NEAREST_EXACT_GENERIC)
        if self.mode == "area":
            return (t.AREA,)
        if self.antialias:
            return ({"bilinear": t.BILINEAR_ANTIALIAS, "bicubic": t.BICUBIC_ANTIALIAS, "lanczos": t.LANCZOS_ANTIALIAS}
                    [self.mode],)
        if self.mode == "bicubic":
            return (t.CUBIC_ALIGN_CORNERS if self.align_corners else t.CUBIC,)
        return (t.LINEAR_ALIGN_CORNERS if self.align_corners else t.LINEAR,)

    def _key_settings(self) -> tuple[Setting, ...]:
        settings = self.settings()
        if self.family == "nearest" and self.size is not None:
            # a 4-D input with out_h + out_w <= 128 takes the small kernel (the twin's rule)
            return settings[:1] if sum(self.size) <= 128 else settings[1:]
        return settings

    def _key_extras(self) -> dict[str, Any]:
        if self.family == "nearest" and self.size is not None and sum(self.size) <= 128:
            return {"inv_scale": "float32(in)/float32(out)"}  # _kernel_scale(..., "float32")
        # align_corners=True keeps the antialias window, with the scale (in-1)/(out-1)
        return {"align_corners": True} if self.antialias and self.align_corners else {}

    def size_rule(self) -> tuple:
        if self.size is not None:
            return ("size",)
        sizes_only = self.recompute_scale_factor or self.mode == "area" or self.align_corners
        return ("floor_size" if sizes_only else "scale", tuple(self.scale_factor), "floor")
