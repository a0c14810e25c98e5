"""The CLI's PNG writer (upsampling.explain.images, imagecodecs with cv2.imwrite's settings): Pillow
reads back every pixel, files are the size cv2.imwrite's are, and an interrupted write leaves the
old file."""

from __future__ import annotations

import os

import numpy as np
import pytest

from upsampling.explain.images import png_bytes, write_image
from upsampling.errors import OutputPathError, ShapeError

Image = pytest.importorskip("PIL.Image")


@pytest.mark.parametrize("channels", [None, 1, 2, 3, 4])
def test_round_trip_through_pillow(tmp_path, rng, channels):
    for h, w in ((1, 1), (1, 7), (5, 1), (33, 47), (64, 65)):
        shape = (h, w) if channels is None else (h, w, channels)
        x = rng.integers(0, 256, size=shape, dtype=np.uint8)
        path = tmp_path / f"x{channels}_{h}_{w}.png"
        write_image(str(path), x)
        with Image.open(path) as im:
            got = np.asarray(im)
        expect = x[:, :, 0] if channels == 1 else x
        assert got.shape == expect.shape and np.array_equal(got, expect), (channels, h, w)
    floats = rng.normal(128, 100, size=(9, 11, 3))  # floats round half to even, then saturate
    write_image(str(tmp_path / "f.png"), floats)
    with Image.open(tmp_path / "f.png") as im:
        assert np.array_equal(np.asarray(im), np.clip(np.rint(floats), 0, 255).astype(np.uint8))


def test_file_size_is_cv2s(rng):
    """Sub filter, zlib level 1, Z_RLE: cv2.imwrite's defaults, so about its file size."""
    cv2 = pytest.importorskip("cv2")
    yy, xx = np.mgrid[0:256, 0:256] / 256
    img = np.stack([128 + 60 * np.sin(6 * xx + 3 * yy * c) for c in (1, 2, 3)], -1) + rng.normal(0, 4, (256, 256, 3))
    img = np.clip(img, 0, 255).astype(np.uint8)
    ours = len(png_bytes(img))
    ok, theirs = cv2.imencode(".png", img[:, :, ::-1])
    assert ok and 0.9 < ours / len(theirs) < 1.1, (ours, len(theirs))


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.png"
    path.write_bytes(b"old")
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OutputPathError, match="disk gone"):
        write_image(str(path), np.zeros((4, 4, 3), np.uint8), overwrite=True)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.png"]
    monkeypatch.undo()
    with pytest.raises(OutputPathError, match="already exists|pass overwrite=True"):  # never replaced unasked
        write_image(str(path), np.zeros((4, 4, 3), np.uint8))
    write_image(str(path), np.zeros((4, 4, 3), np.uint8), overwrite=True)
    assert path.read_bytes().startswith(b"\x89PNG") and [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~_mask()


def _mask() -> int:
    m = os.umask(0o022)
    os.umask(m)
    return m


def test_refuses_more_than_four_channels(tmp_path):
    with pytest.raises(ShapeError, match="1-4 channels"):
        write_image(str(tmp_path / "x.png"), np.zeros((2, 2, 5), np.uint8))


def _with_chunk(png: bytes, kind: bytes, data: bytes) -> bytes:
    """``png`` with one more chunk right after IHDR."""
    import struct
    import zlib

    chunk = struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return png[:33] + chunk + png[33:]


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "P", "I;16"])
@pytest.mark.parametrize("extra", [None, (b"gAMA", b"\x00\x00\x55\xf0"), (b"sRGB", b"\x00"), "tRNS"])
def test_reading_gives_pillows_pixels(tmp_path, rng, mode, extra):
    """8-bit grey, RGB and RGBA PNGs are decoded by libpng without importing Pillow; every PNG reads
    as Pillow (then read_image's conversions) reads it, whatever chunks it carries."""
    import io

    from upsampling.explain.images import image_header, read_image

    image = Image.fromarray(rng.integers(0, 256, (13, 21, 3), dtype=np.uint8)).convert(mode)
    for interlace in (False, True):
        buf = io.BytesIO()
        image.save(buf, "PNG", interlace=interlace)
        png = buf.getvalue()
        if extra == "tRNS":
            if mode not in ("L", "RGB"):
                continue
            png = _with_chunk(png, b"tRNS", b"\x00\x05" if mode == "L" else b"\x00\x01\x00\x02\x00\x03")
        elif extra is not None:
            png = _with_chunk(png, *extra)
        path = tmp_path / f"{interlace}.png"
        path.write_bytes(png)
        with Image.open(path) as im:
            expect = np.asarray(im.convert("RGBA" if im.mode in ("LA", "PA") or "transparency" in im.info and
                                           im.mode == "P" else "RGB") if im.mode not in ("L", "RGB", "RGBA") else im)
        got, desc = read_image(str(path))
        assert np.array_equal(got, expect.reshape(got.shape)), (mode, extra, interlace)
        assert image_header(str(path))[:2] == (21, 13) and desc.endswith("21x13")
