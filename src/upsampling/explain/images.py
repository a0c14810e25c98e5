"""Read and write PNG files for ``upsampling resize`` / ``compare`` / ``segment`` (the ``cli`` extra).

Reading takes Pillow (PNG, JPEG, ...).  :func:`image_header` reads only the header (size and
mode), so a command can estimate its memory before decoding anything.

Writing takes imagecodecs' libpng encoder with the settings ``cv2.imwrite`` uses by default: every
row filtered with PNG's *Sub* filter, zlib level 1 with the run-length strategy (``Z_RLE``).
Pillow's encoder has no filter option and tries every filter on every row: 0.42 s for a 2048²
RGB image against ``cv2.imwrite``'s 0.14 s, for files of about the same size (see
docs/performance.md).  :func:`write_image` writes atomically (:mod:`upsampling._files`): an
interrupted write leaves the old file or the new one.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from upsampling._files import is_file
from upsampling._optional import require
from upsampling.errors import InvalidArgumentError, ShapeError

__all__ = ["image_header", "read_image", "to_uint8", "write_image"]

#: Rows converted at a time by :func:`to_uint8` (keeps its float64 temporaries small).
_BAND_ELEMENTS = 4 * 2**20


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def _opened(path: str, parameter: str) -> Iterator[Any]:
    """The image at ``path``, opened lazily by Pillow; every failure inside becomes one
    :class:`~upsampling.errors.InvalidArgumentError` naming ``parameter`` and the file (a
    decompression bomb saying so)."""
    Image = require("PIL.Image", "cli")
    if not is_file(path):
        raise InvalidArgumentError(parameter, path, "an existing image file")
    try:
        with warnings.catch_warnings():
            # Between 1x and 2x Pillow's limit it only warns; our memory estimates decide instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(Path(path)) as im:
                yield im
    except Image.DecompressionBombError as exc:
        raise InvalidArgumentError(parameter, path, "an image of a size Pillow agrees to decode",
                                   f"refused as a possible decompression bomb: {_first_line(exc)}") from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for broken files
        raise InvalidArgumentError(parameter, path, "a readable image (PNG, JPEG, ...)", _first_line(exc)) from None


#: Pillow's default decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``), used when Pillow is
#: not imported; like Pillow, an image of more than twice as many pixels is refused.
_PIL_MAX_PIXELS = 1024 * 1024 * 1024 // 4 // 3
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_MODES = {0: "L", 2: "RGB", 6: "RGBA"}  # 8-bit colour types whose samples Pillow returns as stored


def _plain_png(path: str, parameter: str) -> tuple[int, int, str] | None:
    """``(width, height, mode)`` of an 8-bit greyscale, RGB or RGBA PNG, read from its IHDR chunk;
    None for any other file (read by Pillow instead).  Such PNGs are decoded by imagecodecs' libpng,
    without importing Pillow (about 13 ms of every ``upsampling resize``): the same samples Pillow
    returns, which tests/cli/test_png_writer.py checks (palette, 16-bit and grey+alpha PNGs, which
    Pillow converts, go through Pillow)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(33)
    except OSError:
        return None
    if len(head) < 33 or head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    depth, colour = head[24], head[25]
    if depth != 8 or colour not in _PNG_MODES or not width or not height:
        return None
    import sys

    pil = sys.modules.get("PIL.Image")
    limit = 2 * (getattr(pil, "MAX_IMAGE_PIXELS", None) or _PIL_MAX_PIXELS)
    if width * height > limit:
        raise InvalidArgumentError(parameter, path, "an image of a size Pillow agrees to decode",
                                   f"refused as a possible decompression bomb: {width}x{height} is "
                                   f"{width * height:,} pixels, more than {limit:,}")
    return width, height, _PNG_MODES[colour]


def image_header(path: str, parameter: str = "path") -> tuple[int, int, str, int]:
    """``(width, height, Pillow mode, channels after reading)`` from the header alone.

    ``parameter`` is the name errors give the path (the caller's own parameter).  Refuses
    (:class:`~upsampling.errors.InvalidArgumentError`, naming the file) a missing or unreadable file, and a header that
    declares more pixels than Pillow's decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``
    times 2: a tiny file that would decode into gigabytes).
    """
    if not is_file(path):
        raise InvalidArgumentError(parameter, path, "an existing image file")
    plain = _plain_png(path, parameter)
    if plain is not None:
        width, height, mode = plain
    else:
        with _opened(path, parameter) as im:
            width, height, mode = im.width, im.height, im.mode
    channels = 1 if mode in ("L", "I", "I;16", "F", "1") else 4 if mode in ("RGBA", "LA", "PA") else 3
    return width, height, mode, channels  # "P": 3 (4 with transparency: one byte a pixel more)


def read_image(path: str, parameter: str = "path") -> tuple[np.ndarray, str]:
    """``(H, W, C)`` uint8 array and a description (``"RGB 256x256"``); C is 1, 3 or 4.  Refuses as
    :func:`image_header` does."""
    plain = _plain_png(path, parameter) if is_file(path) else None
    read = None if plain is None else _read_plain_png(path, parameter, plain)
    if read is not None:
        return read
    with _opened(path, parameter) as im:
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
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return np.ascontiguousarray(arr, dtype=np.uint8), desc


def _read_plain_png(path: str, parameter: str, header: tuple[int, int, str]) -> tuple[np.ndarray, str] | None:
    """The pixels of a PNG :func:`_plain_png` accepted, by libpng; None when libpng returns other
    channels than Pillow would (a ``tRNS`` chunk: libpng adds alpha, Pillow keeps the mode)."""
    codecs = require("imagecodecs", "cli")
    width, height, mode = header
    try:
        arr = codecs.png_decode(Path(path).read_bytes())
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a truncated or damaged file: libpng's reason
        raise InvalidArgumentError(parameter, path, "a readable image (PNG, JPEG, ...)", _first_line(exc)) from None
    if arr.dtype != np.uint8 or arr.shape[:2] != (height, width):  # not what the header said: Pillow decides
        raise InvalidArgumentError(parameter, path, "a readable image (PNG, JPEG, ...)",
                                   f"decoded {arr.shape} {arr.dtype}, the header says {width}x{height} {mode}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape[2] != len(mode):  # "L", "RGB", "RGBA": one letter a channel
        return None
    return np.ascontiguousarray(arr), f"{mode} {width}x{height}"


def to_uint8(y: np.ndarray) -> np.ndarray:
    """A result as 8-bit pixels: integers saturate, floats round half to even, then saturate.

    Converted a band of rows at a time, so the float64 temporaries stay a few MiB whatever the size.
    """
    if y.dtype == np.uint8:
        return y
    out = np.empty(y.shape, np.uint8)
    rows = max(1, _BAND_ELEMENTS // max(1, int(np.prod(y.shape[1:], dtype=np.int64))))
    for r in range(0, y.shape[0], rows):
        out[r:r + rows] = np.clip(np.rint(y[r:r + rows].astype(np.float64)), 0, 255)
    return out


def png_bytes(y: np.ndarray) -> bytes:
    """``y`` (``(H, W)`` or ``(H, W, C)``, C 1-4; any real dtype, converted by :func:`to_uint8`) as
    the bytes of an 8-bit PNG file: Sub-filtered rows, deflated at level 1 with ``Z_RLE``
    (``cv2.imwrite``'s defaults)."""
    codecs = require("imagecodecs", "cli")
    arr = to_uint8(y)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and not 1 <= arr.shape[2] <= 4):
        raise ShapeError("y", arr.shape, "an image of 1-4 channels")
    png = codecs.PNG
    return codecs.png_encode(
        np.ascontiguousarray(arr), level=png.COMPRESSION.SPEED, strategy=png.STRATEGY.RLE, filter=png.FILTER.SUB
    )


def write_image(path: str, y: np.ndarray, parameter: str = "path", *, overwrite: bool = False) -> None:
    """Write ``y`` (``(H, W)`` or ``(H, W, C)``) as a PNG (:func:`png_bytes`), atomically (the old
    file or the new one, never half).  The caller checked ``path`` with
    :func:`upsampling._files.check_output` first; errors name ``parameter`` (the caller's own)."""
    from upsampling._files import atomic_output
    from upsampling.errors import OutputPathError

    data = png_bytes(y)
    try:
        with atomic_output(path, overwrite=overwrite, option=parameter) as tmp:
            Path(tmp).write_bytes(data)
    except OutputPathError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise OutputPathError(parameter, path, "a writable .png path", _first_line(exc)) from None
