"""upsampling._files: outputs checked before work, written atomically, stale temporaries removed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from upsampling import _files
from upsampling.errors import OutputPathError


def test_existing_output_refused_unless_overwrite(tmp_path):
    out = tmp_path / "o.png"
    out.write_bytes(b"old")
    with pytest.raises(OutputPathError, match=r"already exists .*overwrite=True") as info:
        _files.check_output(out, option="out")
    # the command line spells the parameters as its flags
    assert info.value.render({"out": "--out", "overwrite": "--overwrite"}).startswith(f"--out {out}: already exists")
    assert "pass --overwrite to replace it" in info.value.render({"overwrite": "--overwrite"})
    assert _files.check_output(out, option="OUT", overwrite=True) == out


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_output_that_is_the_input_is_refused_even_with_overwrite(tmp_path, monkeypatch, spelling):
    src = tmp_path / "in.png"
    src.write_bytes(b"input")
    monkeypatch.chdir(tmp_path)
    if spelling == "same":
        out = "in.png"
    elif spelling == "dotted":
        (tmp_path / "sub").mkdir()
        out = "sub/../in.png"
    elif spelling == "symlink":
        (tmp_path / "link.png").symlink_to(src)
        out = "link.png"
    else:
        os.link(src, tmp_path / "hard.png")
        out = "hard.png"
    with pytest.raises(OutputPathError, match="same file as the input"):
        _files.check_output(out, option="OUT", overwrite=True, inputs=[str(src)])
    assert src.read_bytes() == b"input"


def test_two_outputs_one_file_folder_problems_and_suffix(tmp_path):
    with pytest.raises(OutputPathError, match="same file as --out"):
        _files.check_outputs([("--out", tmp_path / "a.png", None), ("--overlay", tmp_path / "./a.png", None)])
    with pytest.raises(OutputPathError, match="does not exist"):
        _files.check_output(tmp_path / "missing" / "a.png", option="--json")
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputPathError, match="is a folder"):
        _files.check_output(tmp_path / "d", option="OUT", overwrite=True)
    with pytest.raises(OutputPathError, match=r"ending in \.png"):
        _files.check_output(tmp_path / "a.jpg", option="OUT", suffixes=(".png",))
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(OutputPathError, match="not writable"):
                _files.check_output(ro / "a.png", option="OUT")
        finally:
            ro.chmod(0o700)


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path):
    out = tmp_path / "o.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with _files.atomic_output(out, overwrite=True) as tmp:
            tmp.write_text("half of the ne")
            raise RuntimeError("the encoder died mid-write")
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.txt"]  # no temporary left
    with _files.atomic_output(out, overwrite=True) as tmp:
        assert tmp.parent == out.parent and tmp.name.startswith(".o.txt.partial-") and tmp.suffix == ".txt"
        tmp.write_text("new")
    assert out.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.txt"]


def test_killed_between_write_and_rename_leaves_the_old_file(tmp_path, monkeypatch):
    """os.replace never happens (the process dies just before it): the old file is intact."""
    out = tmp_path / "o.txt"
    out.write_text("old")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        with _files.atomic_output(out, overwrite=True) as tmp:
            tmp.write_text("new")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["o.txt"]


def test_without_overwrite_a_file_created_meanwhile_is_not_clobbered(tmp_path):
    out = tmp_path / "o.txt"
    with pytest.raises(OutputPathError, match="appeared while the job ran"):
        with _files.atomic_output(out) as tmp:
            tmp.write_text("ours")
            out.write_text("someone else's")
    assert out.read_text() == "someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["o.txt"]


def test_a_symlinked_output_is_replaced_never_its_target(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "out.txt"
    link.symlink_to(target)
    with pytest.raises(OutputPathError, match="symlink"):
        _files.check_output(link, option="OUT")
    _files.check_output(link, option="OUT", overwrite=True)
    with _files.atomic_output(link, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text() == "new"


def test_folder_outputs_replace_an_existing_folder(tmp_path):
    out = tmp_path / "o.zarr"
    out.mkdir()
    (out / "old").write_text("1")
    with _files.atomic_output(out, overwrite=True) as tmp:
        tmp.mkdir()
        (tmp / "new").write_text("2")
    assert [p.name for p in out.iterdir()] == ["new"]
    assert [p.name for p in tmp_path.iterdir()] == ["o.zarr"]


def test_only_provably_stale_partials_are_removed(tmp_path):
    out = tmp_path / "o.zarr"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(dead.stdout)
    host = _files._host()
    stale = tmp_path / f".o.zarr.partial-{host}-{dead_pid}-0123abcd.zarr"
    alive = tmp_path / f".o.zarr.partial-{host}-{os.getpid()}-0123abcd.zarr"
    other_host = tmp_path / f".o.zarr.partial-elsewhere{host}-{dead_pid}-0123abcd.zarr"
    older_version = tmp_path / ".o.zarr.partial-15acbe4343a6"
    other_output = tmp_path / f".p.zarr.partial-{host}-{dead_pid}-0123abcd.zarr"
    for p in (stale, alive, other_host, older_version, other_output):
        p.mkdir()
        (p / "chunk").write_bytes(b"x")
    removed = _files.clean_stale_partials(out)
    assert removed == [stale] and not stale.exists()
    for p in (alive, other_host, older_version, other_output):
        assert p.exists(), p
