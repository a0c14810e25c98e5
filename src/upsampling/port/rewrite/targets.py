"""The Resize flavours a target runtime supports (``--target-modes``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from upsampling.coords import COORDINATE_TRANSFORMATION_MODES as CTMS
from upsampling.coords import NEAREST_MODES
from upsampling.errors import InvalidArgumentError
from upsampling.frameworks.onnx.resize import RESIZE_MODES as MODES

__all__ = ["CTMS", "MODES", "NEAREST_MODES", "TARGET_PRESETS", "TargetMode", "parse_target_modes"]


@dataclass(frozen=True)
class TargetMode:
    """A Resize flavour a target runtime supports: ``mode`` and optionally the coordinate and nearest modes."""

    mode: str
    coordinate_transformation_mode: str | None = None
    nearest_mode: str | None = None

    def allows(self, mode: str, ctm: str, nearest_mode: str) -> bool:
        return (self.mode == mode and self.coordinate_transformation_mode in (None, ctm)
                and (mode != "nearest" or self.nearest_mode in (None, nearest_mode)))

    def __str__(self) -> str:
        return ":".join(p for p in (self.mode, self.coordinate_transformation_mode, self.nearest_mode) if p)


#: Named sets for ``--target-modes``.
TARGET_PRESETS: dict[str, tuple[TargetMode, ...]] = {
    # TensorRT 7's IResizeLayer: asymmetric only (onnx/onnx#2882, onnx/onnx-tensorrt#491)
    "asymmetric": (TargetMode("nearest", "asymmetric", "floor"), TargetMode("linear", "asymmetric")),
    "tensorrt7": (TargetMode("nearest", "asymmetric", "floor"), TargetMode("linear", "asymmetric")),
}


def parse_target_modes(text: str | Sequence[str] | None) -> tuple[TargetMode, ...] | None:
    """``"nearest:asymmetric:floor,linear:asymmetric"`` or a preset name (``tensorrt7``) -> target modes."""
    if text is None:
        return None
    items = [text] if isinstance(text, str) else list(text)
    out: list[TargetMode] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            if part in TARGET_PRESETS:
                out += TARGET_PRESETS[part]
                continue
            bits = part.split(":")
            ok = (len(bits) <= 3 and bits[0] in MODES and (len(bits) < 2 or bits[1] in CTMS)
                  and (len(bits) < 3 or (bits[0] == "nearest" and bits[2] in NEAREST_MODES)))
            if not ok:
                raise InvalidArgumentError(
                    "target_modes", part,
                    "MODE[:COORDINATE_MODE[:NEAREST_MODE]] items (e.g. nearest:asymmetric:floor,linear:asymmetric) "
                    f"or a preset ({', '.join(TARGET_PRESETS)}); modes {', '.join(MODES)}; coordinate modes "
                    f"{', '.join(CTMS)}; nearest modes {', '.join(NEAREST_MODES)}",
                )
            out.append(TargetMode(*bits))
    return tuple(out)
