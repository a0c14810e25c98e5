"""Segmentation networks whose upsampling is one argument (extra ``torch``).

``create_model("unet" | "fcn8s", upsample=..., num_classes=..., in_channels=...)`` with ``upsample``
one of ``bilinear``, ``transposed``, ``transposed_bilinear_init``, ``resize_conv``,
``pixel_shuffle`` (:mod:`upsampling.torch.layers`).  :func:`upsample_argmax` turns low-resolution
logits into full-resolution labels without the full-resolution scores.  Training, evaluation and
metrics: :mod:`upsampling.models.training`, :mod:`upsampling.models.metrics`.
"""

from __future__ import annotations

from upsampling._optional import require

require("torch", "torch")

from upsampling.models.fcn import FCN8s  # noqa: E402
from upsampling.models.registry import MODELS, UPSAMPLE_CHOICES, count_parameters, create_model  # noqa: E402
from upsampling.models.unet import UNet  # noqa: E402
from upsampling.torch.argmax import upsample_argmax  # noqa: E402

__all__ = ["FCN8s", "MODELS", "UNet", "UPSAMPLE_CHOICES", "count_parameters", "create_model", "upsample_argmax"]
