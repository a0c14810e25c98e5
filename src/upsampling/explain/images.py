"""Read and write PNG files for ``upsampling resize`` / ``compare``.

Reading takes Pillow (the ``cli`` extra: PNG, JPEG, ...).  Writing is a PNG of 8-bit grey, RGB or
RGBA pixels deflated by zlib (Python's own ``zlib`` module) with the settings ``cv2.imwrite``
uses by default: every row filtered with PNG's *Sub* filter (each byte minus the same channel of
the pixel before), compression level 1 with the run-length strategy (``Z_RLE``).  Pillow's PNG
encoder tries every filter on every row, which took 3x longer than ``cv2.imwrite`` for a 2048²
RGB image (0.42 s against 0.14 s; this writer 0.16 s) for files of about the same size
(5.3 MiB here, cv2's 5.3 MiB, Pillow's at level 1 5.7 MiB); see docs/performance.md.
Large images are deflated in parts on several threads (:func:`_zlib_stream`).
The file is written to a temporary file beside the target and renamed over it, so an
interrupted write leaves the old file or the new one.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
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


# PNG colour types by channel count: grey, grey + alpha, RGB, RGBA.
_COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(arr: np.ndarray) -> bytes:
    """``arr`` (``(H, W)`` or ``(H, W, C)`` uint8, C 1-4) as a PNG file: Sub-filtered rows,
    deflated at level 1 with ``Z_RLE`` (``cv2.imwrite``'s defaults)."""
    if arr.ndim == 2:
        arr = arr[:, :, None]
    h, w, c = arr.shape
    rows = np.ascontiguousarray(arr, dtype=np.uint8).reshape(h, w * c)
    filtered = np.empty((h, w * c + 1), np.uint8)
    filtered[:, 0] = 1  # filter type 1, Sub: byte minus the byte one pixel to the left (mod 256)
    filtered[:, 1 : 1 + c] = rows[:, :c]
    np.subtract(rows[:, c:], rows[:, :-c], out=filtered[:, 1 + c :], casting="unsafe")
    data = _zlib_stream(filtered.reshape(-1))
    header = struct.pack(">IIBBBBB", w, h, 8, _COLOUR_TYPE[c], 0, 0, 0)
    return _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Bytes of filtered rows per deflate part (parts are compressed on threads; zlib releases the GIL).
_PART_BYTES = 4 * 2**20


def _zlib_stream(raw: np.ndarray) -> bytes:
    """``raw`` as one zlib stream, deflated at level 1 with ``Z_RLE`` in parts on several threads
    (pigz's scheme): each part is a raw deflate stream of its own, every part but the last ends
    on a byte boundary (``Z_SYNC_FLUSH``), so their concatenation is one valid deflate stream;
    then the zlib header and the Adler-32 of the whole.  With ``Z_RLE`` (matches one byte back)
    splitting costs nothing in size."""
    n = raw.size
    parts = max(1, min(os.cpu_count() or 1, n // _PART_BYTES))
    bounds = [n * i // parts for i in range(parts + 1)]
    out: list[bytes] = [b""] * parts

    def deflate(i: int) -> None:
        d = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
        chunk = raw[bounds[i] : bounds[i + 1]]
        out[i] = d.compress(chunk) + d.flush(zlib.Z_FINISH if i == parts - 1 else zlib.Z_SYNC_FLUSH)

    if parts == 1:
        deflate(0)
    else:
        import threading

        workers = [threading.Thread(target=deflate, args=(i,)) for i in range(1, parts)]
        for t in workers:
            t.start()
        deflate(0)
        for t in workers:
            t.join()
    return b"\x78\x01" + b"".join(out) + struct.pack(">I", zlib.adler32(raw))


def write_image(path: str, y: np.ndarray, option: str = "OUT") -> None:
    """Write a result as an 8-bit PNG (:func:`png_bytes`; floats round half to even, then
    saturate), atomically: a temporary file in the same folder, renamed over ``path``."""
    arr = to_uint8(y)
    if arr.ndim == 3 and arr.shape[2] not in _COLOUR_TYPE:
        raise OptionError(option, "an image of 1-4 channels", path, f"the result has {arr.shape[2]} channels")
    target = Path(path)
    tmp = None
    try:
        data = png_bytes(arr)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else ".")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's file is 0600; a new file is 0666 - umask
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OptionError(option, "a writable .png path", path, str(exc).splitlines()[0] if str(exc) else "") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
