"""Models by name: ``create_model("unet", upsample="bilinear", num_classes=11)``."""

from __future__ import annotations

from typing import Any

from torch import nn

from upsampling.errors import InvalidArgumentError
from upsampling.models.fcn import FCN8s
from upsampling.models.unet import UNet
from upsampling.torch.layers import UPSAMPLERS

__all__ = ["MODELS", "UPSAMPLE_CHOICES", "create_model", "count_parameters"]

MODELS: dict[str, type[nn.Module]] = {"unet": UNet, "fcn8s": FCN8s}
UPSAMPLE_CHOICES: tuple[str, ...] = tuple(UPSAMPLERS)


def create_model(name: str, *, upsample: str = "bilinear", num_classes: int = 11, in_channels: int = 1,
                 **options: Any) -> nn.Module:
    """Build model ``name`` (one of :data:`MODELS`) with the upsampler ``upsample`` (one of :data:`UPSAMPLE_CHOICES`).

    Every model takes the same ``in_channels``, ``num_classes`` and ``upsample``; ``options`` go to
    its constructor (``base``, ``depth`` for U-Net; ``widths`` for FCN-8s).
    """
    if name not in MODELS:
        raise InvalidArgumentError("name", name, "one of " + ", ".join(MODELS))
    if upsample not in UPSAMPLERS:
        raise InvalidArgumentError("upsample", upsample, "one of " + ", ".join(UPSAMPLERS))
    return MODELS[name](in_channels, num_classes, upsample=upsample, **options)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
