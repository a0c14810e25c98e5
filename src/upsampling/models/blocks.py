"""Building blocks shared by the models: conv-BN-ReLU stacks and the upsampler factory."""

from __future__ import annotations

from torch import nn

from upsampling.torch.layers import UPSAMPLERS, make_upsampler

__all__ = ["UPSAMPLERS", "ConvBlock", "make_upsampler"]


class ConvBlock(nn.Sequential):
    """``n`` × (3×3 conv, BatchNorm, ReLU)."""

    def __init__(self, in_channels: int, out_channels: int, n: int = 2) -> None:
        layers: list[nn.Module] = []
        for i in range(n):
            layers += [nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1, bias=False),
                       nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
        super().__init__(*layers)
