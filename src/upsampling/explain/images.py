"""Read and write PNG files for ``upsampling resize`` / ``compare`` (Pillow, the ``cli`` extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from upsampling._optional import require
from upsampling.explain.parse import OptionError

__all__ = ["read_image", "to_uint8", "write_image"]


def read_image(path: str, option: str = "IN") -> tuple[np.ndarray, str]:
    """``(H, W, C)`` uint8 array and a description (``"RGB 256x256"``); C is 1, 3 or 4."""
    Image = require("PIL.Image", "cli")
    p = Path(path)
    if not p.is_file():
        raise OptionError(option, "an existing image file", path)
    try:
        with Image.open(p) as im:
            im.load()
            mode = im.mode
            if mode in ("1", "L", "P", "LA", "PA", "RGB", "RGBA"):
                if mode in ("1", "P", "PA"):
                    im = im.convert("RGBA" if "transparency" in im.info or mode == "PA" else "RGB")
                elif mode == "LA":
                    im = im.convert("RGBA")
            else:  # 16-bit, CMYK, YCbCr...: 8-bit RGB, as most tools read them
                im = im.convert("RGB")
            arr = np.asarray(im)
            desc = f"{im.mode} {im.width}x{im.height}"
    except (OSError, SyntaxError, ValueError) as exc:
        raise OptionError(option, "a readable image (PNG, JPEG, ...)", path, str(exc).splitlines()[0] if str(exc) else "") from None
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return np.ascontiguousarray(arr, dtype=np.uint8), desc


def to_uint8(y: np.ndarray) -> np.ndarray:
    """A result as 8-bit pixels: integers saturate, floats round half to even, then saturate."""
    if y.dtype == np.uint8:
        return y
    return np.clip(np.rint(y.astype(np.float64)), 0, 255).astype(np.uint8)


def write_image(path: str, y: np.ndarray, option: str = "OUT") -> None:
    Image = require("PIL.Image", "cli")
    arr = to_uint8(y)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    try:
        Image.fromarray(arr).save(path)
    except (OSError, ValueError, KeyError) as exc:
        raise OptionError(option, "a writable .png path", path, str(exc).splitlines()[0] if str(exc) else "") from None
