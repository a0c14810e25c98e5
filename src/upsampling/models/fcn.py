"""FCN-8s (Long, Shelhamer & Darrell, CVPR 2015) on a small VGG-style backbone that trains on a CPU.

backbone: five stages of ConvBlock + 2×2 max-pool (strides 2..32); class scores from pool3 (/8),
pool4 (/16) and the last stage (/32); ``score32`` upsampled ×2 + ``score16`` -> ×2 + ``score8`` ->
×8 to the input size.  The three upsamplers act on class-score maps (``num_classes -> num_classes``),
as in the paper; ``upsample="transposed_bilinear_init"`` is the published network (k=4, s=2 and
k=16, s=8, bilinear-initialised; here learnable), ``"bilinear"`` fixes them to bilinear (no
parameters).  Padded convolutions replace the paper's 100-pixel pad and crop layers; input sides
must be multiples of 32.
"""

from __future__ import annotations

import torch
from torch import nn

from upsampling.errors import ShapeError
from upsampling.models.blocks import ConvBlock, make_upsampler

__all__ = ["FCN8s"]


class FCN8s(nn.Module):
    def __init__(self, in_channels: int = 1, num_classes: int = 11, *, upsample: str = "transposed_bilinear_init",
                 widths: tuple[int, ...] = (16, 32, 64, 96, 128)) -> None:
        super().__init__()
        self.upsample_name = upsample
        stages = []
        c_in = in_channels
        for i, c in enumerate(widths):
            stages.append(ConvBlock(c_in, c, n=1 if i < 2 else 2))
            c_in = c
        self.stages = nn.ModuleList(stages)
        self.pool = nn.MaxPool2d(2)
        self.fc = ConvBlock(widths[-1], widths[-1] * 2, n=1)  # fc6/fc7 as a conv
        self.score32 = nn.Conv2d(widths[-1] * 2, num_classes, 1)
        self.score16 = nn.Conv2d(widths[3], num_classes, 1)
        self.score8 = nn.Conv2d(widths[2], num_classes, 1)
        # the paper zero-initialises the skip scores so training starts from FCN-32s' prediction
        for s in (self.score16, self.score8):
            nn.init.zeros_(s.weight)
            nn.init.zeros_(s.bias)
        self.up2 = make_upsampler(upsample, num_classes, num_classes, 2)
        self.up2b = make_upsampler(upsample, num_classes, num_classes, 2)
        self.up8 = make_upsampler(upsample, num_classes, num_classes, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 32 or x.shape[-2] % 32:
            raise ShapeError("x", tuple(x.shape), "height and width multiples of 32 (FCN-8s)")
        feats = []
        for stage in self.stages:
            x = self.pool(stage(x))
            feats.append(x)
        pool3, pool4 = feats[2], feats[3]
        s = self.up2(self.score32(self.fc(x)))
        s = self.up2b(s + self.score16(pool4))
        return self.up8(s + self.score8(pool3))
