"""Every file a command writes: an existing one is refused unless --overwrite, the input is never the
output (whatever the spelling), a symlinked output is replaced (its target never written), all
outputs are checked before any work, and an interrupted write leaves the old file whole."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("typer")

from cli_helpers import assert_one_line as _one_line  # noqa: E402
from cli_helpers import run_inprocess  # noqa: E402


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.setenv("UPSAMPLING_PLAIN", "1")
    monkeypatch.chdir(tmp_path)
    rgb = (np.random.default_rng(0).random((12, 16, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "in.png")
    return tmp_path


def _partials(folder):
    return [p.name for p in folder.iterdir() if ".partial-" in p.name]


def test_resize_refuses_an_existing_output_unless_overwrite(here):
    (here / "out.png").write_bytes(b"precious")
    _one_line(run_inprocess("resize", "in.png", "out.png", "--size", "8x8"), "OUT out.png", "already exists", "--overwrite")
    assert (here / "out.png").read_bytes() == b"precious"
    r = run_inprocess("resize", "in.png", "out.png", "--size", "8x8", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert Image.open(here / "out.png").size == (8, 8)
    assert not _partials(here)


@pytest.mark.parametrize("out", ["in.png", "./in.png", "sub/../in.png", "link.png", "hard.png"])
def test_resize_never_writes_over_its_input(here, out):
    (here / "sub").mkdir()
    (here / "link.png").symlink_to(here / "in.png")
    os.link(here / "in.png", here / "hard.png")
    before = (here / "in.png").read_bytes()
    _one_line(run_inprocess("resize", "in.png", out, "--size", "8x8", "--overwrite"), "same file as the input")
    assert (here / "in.png").read_bytes() == before


def test_resize_through_a_symlinked_output_replaces_the_link_not_its_target(here):
    (here / "precious.png").write_bytes(b"keep")
    (here / "out.png").symlink_to(here / "precious.png")
    _one_line(run_inprocess("resize", "in.png", "out.png", "--size", "8x8"), "symlink", "never its target")
    r = run_inprocess("resize", "in.png", "out.png", "--size", "8x8", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert (here / "precious.png").read_bytes() == b"keep"
    assert not (here / "out.png").is_symlink() and Image.open(here / "out.png").size == (8, 8)


def test_resize_killed_mid_save_leaves_the_old_file_whole(here, monkeypatch):
    """The PNG writer dies after writing part of the file: the old OUT is intact, no temporary left."""
    from pathlib import Path

    (here / "out.png").write_bytes(b"the old, good file")
    real_write = Path.write_bytes

    def dying_write(self, data):
        real_write(self, data[:20])
        raise KeyboardInterrupt  # Ctrl-C mid-write

    monkeypatch.setattr(Path, "write_bytes", dying_write)
    r = run_inprocess("resize", "in.png", "out.png", "--size", "64x64", "--overwrite")
    assert r.returncode == 130
    assert (here / "out.png").read_bytes() == b"the old, good file"
    assert not _partials(here)


def test_resize_killed_before_the_rename_leaves_the_old_file_whole(here, monkeypatch):
    from upsampling import _files

    (here / "out.png").write_bytes(b"the old, good file")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.os, "replace", killed)
    r = run_inprocess("resize", "in.png", "out.png", "--size", "64x64", "--overwrite")
    assert r.returncode == 130
    assert (here / "out.png").read_bytes() == b"the old, good file"
    assert not _partials(here)


def test_compare_writes_its_heat_map_next_to_the_input_and_refuses_to_overwrite(here):
    (here / "elsewhere").mkdir()
    os.chdir(here / "elsewhere")
    r = run_inprocess("compare", "../in.png", "--size", "8x6", "--mode", "nearest")
    assert r.returncode == 0, r.stderr
    assert (here / "in-compare.png").is_file() and not list((here / "elsewhere").iterdir())
    _one_line(run_inprocess("compare", "../in.png", "--size", "8x6", "--mode", "nearest"),
              "in-compare.png", "already exists", "--overwrite")
    r = run_inprocess("compare", "../in.png", "--size", "8x6", "--mode", "nearest", "--overwrite")
    assert r.returncode == 0, r.stderr
    _one_line(run_inprocess("compare", "../in.png", "--size", "8x6", "--png", "../in.png", "--overwrite"),
              "same file as the input")


def test_explain_figures_refuse_existing_files_and_check_every_output_first(here):
    pytest.importorskip("matplotlib")
    (here / "o.png").write_bytes(b"old")
    _one_line(run_inprocess("explain", "overlap", "--kernel", "3", "--stride", "2", "--png", "o.png"),
              "--png o.png", "already exists")
    assert (here / "o.png").read_bytes() == b"old"
    (here / "steps.gif").write_bytes(b"old gif")
    r = run_inprocess("explain", "transpose", "--input", "[[1,2],[3,4]]", "--png", "steps.png", "--gif", "steps.gif")
    _one_line(r, "--gif steps.gif", "already exists")
    assert not (here / "steps.png").exists(), "the PNG was written before the GIF was refused"
    assert r.stdout == ""
    r = run_inprocess("explain", "grid", "--in", "4", "--out", "8", "--png", "o.png", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert Image.open(here / "o.png").size[0] > 100
    _one_line(run_inprocess("explain", "transpose", "--input", "[[1,2],[3,4]]", "--png", "s.png", "--gif", "s.png"),
              "ending in .gif")


def test_a_png_declaring_100000_squared_pixels_is_one_line(here):
    """A 100-byte file that would decode into 30 GB: Pillow's bomb check, reported as one line."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    (here / "bomb.png").write_bytes(png)
    assert len(png) < 100
    _one_line(run_inprocess("resize", "bomb.png", "o.png", "--size", "8x8"), "IN", "decompression bomb")
    _one_line(run_inprocess("compare", "bomb.png", "--size", "8x8"), "IN", "decompression bomb")
    assert not (here / "o.png").exists() and not (here / "bomb-compare.png").exists()


def test_a_memory_error_anywhere_is_one_line(here, monkeypatch):
    from upsampling.explain import calls

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 3.07 EiB for an array with shape (2**60,) and data type uint8")

    monkeypatch.setattr(calls, "run_call", no_memory)
    _one_line(run_inprocess("resize", "in.png", "o.png", "--size", "8x8"), "out of memory", "3.07 EiB")
    _one_line(run_inprocess("compare", "in.png", "--size", "8x8"), "out of memory")
    assert not (here / "o.png").exists() and not (here / "in-compare.png").exists()


@pytest.mark.parametrize("args,target", [
    (["compare", "in.png", "--size", "8x6", "--mode", "nearest", "--overwrite"], "in-compare.png"),
    (["explain", "grid", "--in", "4", "--out", "8", "--png", "old.png", "--overwrite"], "old.png"),
    (["explain", "transpose", "--input", "[[1,2],[3,4]]", "--gif", "old.gif", "--overwrite"], "old.gif"),
])
def test_every_writer_interrupted_before_the_rename_keeps_the_old_file(here, monkeypatch, args, target):
    pytest.importorskip("matplotlib")
    from upsampling import _files

    (here / target).write_bytes(b"the old, good file")

    def killed(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.os, "replace", killed)
    assert run_inprocess(*args).returncode == 130
    assert (here / target).read_bytes() == b"the old, good file"
    assert not _partials(here)
