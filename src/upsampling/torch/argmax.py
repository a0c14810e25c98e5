"""``upsample_argmax`` for torch tensors: the engine's fused band-by-band kernel on the CPU copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from upsampling.kernels.argmax import upsample_argmax as _upsample_argmax_np

__all__ = ["upsample_argmax"]


def upsample_argmax(logits: Any, size: int | Sequence[int] | None = None, *, scale=None, mode: str = "linear",
                    **options: Any) -> Any:
    """``argmax(resize(logits), class axis)`` without the full-resolution scores.

    ``logits``: a torch tensor ``(N, C, H, W)`` / ``(C, H, W)`` (returns an int64 tensor of labels
    ``(N, H', W')`` / ``(H', W')``), or a NumPy array (returns the NumPy kernel's result, see
    :func:`upsampling.kernels.argmax.upsample_argmax`; layout ``CHW`` by default).  Other options
    as :func:`upsampling.resize`; ``mode`` also accepts ``"bilinear"``/``"bicubic"``.
    """
    mode = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    if isinstance(logits, torch.Tensor):
        layout = {3: "CHW", 4: "NCHW"}.get(logits.ndim, "CHW")
        arr = logits.detach().cpu().numpy()
        labels = _upsample_argmax_np(arr, size, scale=scale, mode=mode, layout=layout, **options)
        return torch.from_numpy(labels.astype(np.int64)).to(logits.device)
    return _upsample_argmax_np(logits, size, scale=scale, mode=mode, **options)
