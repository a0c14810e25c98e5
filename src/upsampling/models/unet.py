"""U-Net (Ronneberger, Fischer & Brox, MICCAI 2015), small and padded ("same" convolutions).

encoder: ``depth`` stages of ConvBlock + 2×2 max-pool (channels ``base·2^i``), a bottleneck;
decoder: per stage, upsample ×2 (``upsample=``; the paper's is a 2×2 "up-convolution"), concatenate
the skip, ConvBlock; head: 1×1 conv to ``num_classes``.  Input sides must be multiples of ``2^depth``.
"""

from __future__ import annotations

import torch
from torch import nn

from upsampling.errors import ShapeError
from upsampling.models.blocks import ConvBlock, make_upsampler

__all__ = ["UNet"]


class UNet(nn.Module):
    def __init__(self, in_channels: int = 1, num_classes: int = 11, *, upsample: str = "bilinear", base: int = 16,
                 depth: int = 3) -> None:
        super().__init__()
        self.upsample_name, self.depth = upsample, depth
        chans = [base * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList()
        c_in = in_channels
        for c in chans[:-1]:
            self.down.append(ConvBlock(c_in, c))
            c_in = c
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = ConvBlock(chans[-2], chans[-1])
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for i in reversed(range(depth)):
            self.up.append(make_upsampler(upsample, chans[i + 1], chans[i], 2))
            self.dec.append(ConvBlock(2 * chans[i], chans[i]))
        self.head = nn.Conv2d(chans[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = 2**self.depth
        if x.shape[-1] % m or x.shape[-2] % m:
            raise ShapeError("x", tuple(x.shape), f"height and width multiples of {m} (U-Net depth {self.depth})")
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), skip], 1))
        return self.head(x)
