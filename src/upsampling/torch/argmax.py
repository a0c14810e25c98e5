"""``upsample_argmax`` for torch tensors: the engine's fused band-by-band kernel on the CPU copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from upsampling.argmax import upsample_argmax as _upsample_argmax_np
from upsampling.spec import MODE_ALIASES, ResizeOptions, takes_resize_options

if TYPE_CHECKING:
    from typing import Unpack

__all__ = ["upsample_argmax"]


@takes_resize_options(layout=None)
def upsample_argmax(
    logits: Any,
    size: int | Sequence[int] | None = None,
    *,
    dtype: Any = None,
    **options: Unpack[ResizeOptions],
) -> Any:
    """``argmax(resize(logits), class axis)`` without the full-resolution scores.

    ``logits``: a torch tensor ``(N, C, H, W)`` / ``(C, H, W)`` (returns an int64 tensor of labels
    ``(N, H', W')`` / ``(H', W')``), or a NumPy array (returns the NumPy kernel's result, see
    :func:`upsampling.argmax.upsample_argmax`).  ``layout``: ``None`` (the default) is the tensor's
    rank, channels first (``CHW`` / ``NCHW``), and ``CHW`` for a NumPy array.  ``dtype`` and the
    other options as :func:`upsampling.argmax.upsample_argmax`; ``mode`` also accepts
    ``"bilinear"``/``"bicubic"``.
    """
    if "mode" in options:
        options["mode"] = MODE_ALIASES.get(options["mode"], options["mode"])  # type: ignore[call-overload]
    layout = options.pop("layout", None)
    if isinstance(logits, torch.Tensor):
        layout = layout or {3: "CHW", 4: "NCHW"}.get(logits.ndim, "CHW")
        arr = logits.detach().cpu().numpy()
        labels = _upsample_argmax_np(arr, size, layout=layout, dtype=dtype, **options)
        return torch.from_numpy(labels.astype(np.int64)).to(logits.device)
    if layout is not None:
        options["layout"] = layout
    return _upsample_argmax_np(logits, size, dtype=dtype, **options)
