"""Run folders: opening a run never runs code from its checkpoint; broken or foreign checkpoints are
one line; every output of train / evaluate / segment is checked before any work and written atomically.

Every command that reads ``RUN/checkpoint.pt`` (``evaluate``, ``segment``, ``train --resume``) and
``load_run`` read it with ``torch.load(weights_only=True)``: a pickle payload (an object whose
``__reduce__`` returns ``os.system``) is refused, whether it sits at the top of the dict or deep
inside an otherwise genuine checkpoint, and the command it would run never runs.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("typer")

from cli_helpers import assert_one_line as _one_line  # noqa: E402
from cli_helpers import run_inprocess  # noqa: E402

TINY = ["--train-samples", "12", "--val-samples", "6", "--base", "4", "--size", "32", "--batch-size", "6"]


class Payload:
    """Pickles as ``os.system("touch MARKER")``: what a hostile checkpoint hides."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class Odd:
    """A harmless object that is not plain data: conversion refuses to guess what it means."""


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    """A real one-epoch run (trained once for the module)."""
    root = tmp_path_factory.mktemp("runs")
    old = os.getcwd()
    os.environ["UPSAMPLING_PLAIN"] = "1"
    try:
        os.chdir(root)
        r = run_inprocess("train", "--epochs", "1", "--out", "genuine", *TINY)
    finally:
        os.chdir(old)
    assert r.returncode == 0, r.stderr
    from PIL import Image

    Image.fromarray((np.random.default_rng(0).random((24, 40)) * 255).astype(np.uint8)).save(root / "img.png")
    return root


@pytest.fixture
def plain(monkeypatch, tmp_path):
    monkeypatch.setenv("UPSAMPLING_PLAIN", "1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _copy_run(genuine, tmp_path, name="run"):
    dst = tmp_path / name
    shutil.copytree(genuine / "genuine", dst)
    return dst


def _poison(run, marker, where: str) -> None:
    path = run / "checkpoint.pt"
    state = torch.load(path, weights_only=True)
    if where == "top":
        state = {"epoch": 1, "payload": Payload(marker)}
    else:  # deep inside a genuine checkpoint: the optimizer's first parameter group
        state["optimizer"]["param_groups"][0]["note"] = {"history": [Payload(marker)]}
    torch.save(state, path)


@pytest.mark.parametrize("where", ["top", "deep"])
@pytest.mark.parametrize("command", ["evaluate", "segment", "train --resume", "load_run"])
def test_a_pickle_payload_never_runs(genuine, plain, command, where):
    run = _copy_run(genuine, plain)
    marker = plain / "PWNED"
    _poison(run, marker, where)
    if command == "load_run":
        from upsampling.errors import CheckpointError
        from upsampling.models.training import load_run

        with pytest.raises(CheckpointError, match="checkpoint.pt: refused") as info:
            load_run(run)
        assert "\n" not in str(info.value)
    else:
        args = {
            "evaluate": ["evaluate", str(run)],
            "segment": ["segment", str(genuine / "img.png"), "--run", str(run), "--out", "m.png"],
            "train --resume": ["train", "--out", str(run), "--resume", "--epochs", "2"],
        }[command]
        r = run_inprocess(*args)
        _one_line(r, "checkpoint.pt", "refused", "nothing in it was run", "convert-checkpoint")
        assert not (plain / "m.png").exists()
    assert not marker.exists(), "the checkpoint's payload ran"


def test_a_payload_never_runs_in_a_real_subprocess(genuine, cli, tmp_path):
    run = _copy_run(genuine, tmp_path)
    marker = tmp_path / "PWNED"
    _poison(run, marker, "deep")
    r = cli("evaluate", str(run), cwd=tmp_path)
    _one_line(r, "refused")
    assert not marker.exists()
    assert not (run / "eval-test.json").exists()


@pytest.mark.parametrize("damage", ["empty", "truncated", "foreign tensor", "foreign dict", "not torch",
                                    "wrong weights", "absurd config"])
def test_broken_or_foreign_checkpoints_are_one_line(genuine, plain, damage):
    run = _copy_run(genuine, plain)
    path = run / "checkpoint.pt"
    data = path.read_bytes()
    if damage == "empty":
        path.write_bytes(b"")
        words = ["empty"]
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
        words = ["not a readable checkpoint"]
    elif damage == "foreign tensor":
        torch.save(torch.zeros(3), path)
        words = ["not the dict"]
    elif damage == "foreign dict":
        torch.save({"state_dict": {"w": torch.zeros(3)}}, path)
        words = ["not a checkpoint written by 'upsampling train'"]
    elif damage == "not torch":
        path.write_bytes(b"hello world" * 50)
        words = ["not a readable checkpoint"]
    elif damage == "wrong weights":
        state = torch.load(path, weights_only=True)
        state["model"] = {"head.weight": torch.zeros(2, 2)}
        torch.save(state, path)
        words = ["weights do not fit"]
    else:
        state = torch.load(path, weights_only=True)
        state["config"]["model_options"] = {"base": 10**9}
        torch.save(state, path)
        words = ["model option"]
    r = run_inprocess("evaluate", str(run))
    _one_line(r, str(path), *words)
    assert not (run / "eval-test.json").exists()


def test_convert_an_old_run_you_trust(genuine, plain):
    run = _copy_run(genuine, plain)
    path = run / "checkpoint.pt"
    state = torch.load(path, weights_only=True)
    state["history"][0]["val_miou"] = np.float64(state["history"][0]["val_miou"])  # pickled as a NumPy object
    state["epoch"] = np.int64(1)
    torch.save(state, path)
    _one_line(run_inprocess("evaluate", str(run)), "refused", f"upsampling convert-checkpoint {run} --trust")
    _one_line(run_inprocess("convert-checkpoint", str(run)), "--trust", "runs any code")
    r = run_inprocess("convert-checkpoint", str(run), "--trust")
    assert r.returncode == 0, r.stderr
    assert (run / "checkpoint.pt.pickle").read_bytes() != path.read_bytes()
    torch.load(path, weights_only=True)
    r = run_inprocess("evaluate", str(run))
    assert r.returncode == 0, r.stderr
    _one_line(run_inprocess("convert-checkpoint", str(run), "--trust"), "checkpoint.pt.pickle", "exists")


def test_conversion_refuses_what_is_not_plain_data(genuine, plain):
    run = _copy_run(genuine, plain)
    path = run / "checkpoint.pt"
    state = torch.load(path, weights_only=True)
    state["history"][0]["extra"] = Odd()
    torch.save(state, path)
    r = run_inprocess("convert-checkpoint", str(run), "--trust")
    _one_line(r, "cannot convert", "Odd")
    assert not (run / "checkpoint.pt.pickle").exists()


def test_train_checkpoint_interrupted_mid_save_keeps_the_last_good_one(genuine, plain, monkeypatch):
    run = _copy_run(genuine, plain)
    before = (run / "checkpoint.pt").read_bytes()
    real_save = torch.save

    def dying_save(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        with open(f, "r+b") as fh:  # half of it on disk, then the process "dies"
            fh.truncate(os.path.getsize(f) // 2)
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dying_save)
    r = run_inprocess("train", "--out", str(run), "--resume", "--epochs", "2")
    assert r.returncode == 130, r.stderr
    assert (run / "checkpoint.pt").read_bytes() == before
    assert not [p.name for p in run.iterdir() if ".partial-" in p.name]
    monkeypatch.setattr(torch, "save", real_save)
    from upsampling.models.training import read_checkpoint

    assert read_checkpoint(run / "checkpoint.pt")["epoch"] == 1


def test_train_refuses_a_folder_holding_run_files(genuine, plain):
    run = plain / "half"
    run.mkdir()
    (run / "metrics.csv").write_text("epoch\n")
    r = run_inprocess("train", "--out", str(run), "--epochs", "1", *TINY)
    _one_line(r, "already holds a run", "metrics.csv", "--overwrite")
    r = run_inprocess("train", "--out", str(run), "--epochs", "1", "--overwrite", *TINY)
    assert r.returncode == 0, r.stderr
    assert (run / "checkpoint.pt").is_file() and "epoch" in (run / "metrics.csv").read_text()


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "-inf"])
def test_train_learning_rate_must_be_finite_and_positive(plain, value):
    r = run_inprocess("train", "--lr", value, "--out", "r", *TINY)
    _one_line(r, "--lr", "finite learning rate > 0")
    assert not (plain / "r").exists()


# ---------------------------------------------------------------------------------------------
# evaluate and segment outputs: every one checked before any work


def test_segment_checks_every_output_before_any_work(genuine, plain):
    run, img = genuine / "genuine", genuine / "img.png"
    r = run_inprocess("segment", str(img), "--run", str(run), "--out", "m.png", "--overlay", "/nonexistent/o.png")
    _one_line(r, "--overlay /nonexistent/o.png", "does not exist")
    assert not (plain / "m.png").exists(), "the mask was written before --overlay was refused"
    _one_line(run_inprocess("segment", str(img), "--run", str(run), "--out", "/nonexistent/m.png"), "--out", "does not exist")
    _one_line(run_inprocess("segment", str(img), "--run", str(run), "--out", str(img), "--overwrite"),
              "same file as the input")
    _one_line(run_inprocess("segment", str(img), "--run", str(run), "--out", "m.png", "--overlay", "./m.png"),
              "same file as --out")
    r = run_inprocess("segment", str(img), "--run", str(run), "--out", "m.png", "--overlay", "o.png")
    assert r.returncode == 0, r.stderr
    from PIL import Image

    assert Image.open(plain / "m.png").size == (40, 24) and Image.open(plain / "o.png").size == (40, 24)
    _one_line(run_inprocess("segment", str(img), "--run", str(run), "--out", "m.png"), "--out m.png", "already exists")
    r = run_inprocess("segment", str(img), "--run", str(run), "--out", "m.png", "--overlay", "o.png", "--overwrite")
    assert r.returncode == 0, r.stderr


def test_evaluate_checks_its_outputs_before_any_work(genuine, plain):
    run = _copy_run(genuine, plain)
    _one_line(run_inprocess("evaluate", str(run), "--json", "/nonexistent/x.json"), "--json /nonexistent/x.json",
              "does not exist")
    assert not (run / "confusion-test.png").exists() and not (run / "eval-test.json").exists()
    r = run_inprocess("evaluate", str(run))
    assert r.returncode == 0, r.stderr
    _one_line(run_inprocess("evaluate", str(run)), "eval-test.json", "already exists", "--overwrite")
    assert run_inprocess("evaluate", str(run), "--overwrite").returncode == 0
    _one_line(run_inprocess("evaluate", str(run), "--json", "a.json", "--png", "a.json"), "ending in .png")


def test_segment_refuses_an_image_past_the_available_memory(genuine, plain, monkeypatch):
    """A 12000x12000 image: the network alone would need tens of GB; refused from the header."""
    from PIL import Image

    Image.new("L", (12000, 12000)).save(plain / "huge.png")
    monkeypatch.setenv("UPSAMPLING_MEMORY_AVAILABLE", "8G")
    r = run_inprocess("segment", "huge.png", "--run", str(genuine / "genuine"), "--out", "m.png")
    _one_line(r, "segment a 12000x12000 image needs about", "network activations", "8.0 GiB available")
    assert not (plain / "m.png").exists()


@pytest.mark.parametrize("command", ["evaluate", "segment"])
def test_evaluate_and_segment_interrupted_before_the_rename_keep_the_old_files(genuine, plain, monkeypatch, command):
    from upsampling import _files

    run = _copy_run(genuine, plain)
    olds = [run / "eval-test.json", run / "confusion-test.png"] if command == "evaluate" else [plain / "m.png"]
    for p in olds:
        p.write_bytes(b"the old, good file")
    args = (["evaluate", str(run), "--overwrite"] if command == "evaluate"
            else ["segment", str(genuine / "img.png"), "--run", str(run), "--out", "m.png", "--overwrite"])

    def killed(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.os, "replace", killed)
    assert run_inprocess(*args).returncode == 130
    for p in olds:
        assert p.read_bytes() == b"the old, good file", p
    assert not [p for p in [*run.iterdir(), *plain.iterdir()] if ".partial-" in p.name]
