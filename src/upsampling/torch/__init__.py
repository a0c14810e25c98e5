"""PyTorch layers built on the engine (extra ``torch``: ``pip install 'upsampling[torch]'``).

``import upsampling`` never imports this package (nor torch); import it explicitly::

    from upsampling.torch import Resize, ConvTranspose2dSame, bilinear_kernel

* :class:`Resize` / :func:`resize` -- every engine convention, differentiable; forward equals
  :func:`upsampling.resize`, backward is the transpose of the same plans.
* :class:`ConvTranspose2dSame` -- TF's SAME ``conv2d_transpose`` (odd crop at the end, chosen
  output size), loads TF ``[kh, kw, out, in]`` filters.
* :func:`bilinear_kernel` -- FCN's bilinear initialisation.
* :class:`ResizeConv`, :class:`PixelShuffleUpsample` -- the checkerboard-free upsamplers;
  :func:`make_upsampler` builds any of :data:`UPSAMPLERS` by name.
* :func:`upsample_argmax` -- labels at full resolution from low-resolution logits without the
  full-resolution scores (the engine's fused NumPy kernel).
"""

from __future__ import annotations

from upsampling._optional import require

require("torch", "torch")

from upsampling.torch.layers import (  # noqa: E402
    UPSAMPLERS,
    BilinearUpsample,
    ConvTranspose2dSame,
    PixelShuffleUpsample,
    ResizeConv,
    TransposedUpsample,
    bilinear_filter,
    bilinear_kernel,
    icnr_,
    make_upsampler,
)
from upsampling.torch.resize import Resize, resize  # noqa: E402
from upsampling.torch.argmax import upsample_argmax  # noqa: E402

__all__ = [
    "UPSAMPLERS",
    "BilinearUpsample",
    "ConvTranspose2dSame",
    "PixelShuffleUpsample",
    "Resize",
    "ResizeConv",
    "TransposedUpsample",
    "bilinear_filter",
    "bilinear_kernel",
    "icnr_",
    "make_upsampler",
    "resize",
    "upsample_argmax",
]
